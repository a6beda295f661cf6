-- kontor_changed_one(n) fails its statement, and with it the transaction,
-- unless n is 1. A write that must change exactly one row (an object update
-- at the version the transaction read) is held back and sent in one batch
-- with the COMMIT; it runs as
--   WITH w AS (UPDATE ... RETURNING 1) SELECT kontor_changed_one(count(*)) FROM w
-- so that a stale version stops the batch before the COMMIT runs.
CREATE FUNCTION kontor_changed_one(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF n <> 1 THEN
        RAISE EXCEPTION 'a held update changed % rows, not one', n USING ERRCODE = 'KR001';
    END IF;
    RETURN n;
END
$$;

-- kontor_still_read(n) fails its statement with serialization_failure, and
-- the transaction is run again, unless n is 1. A write's read of an object
-- answered from the node's cache is checked by
--   SELECT kontor_still_read(count(*)) FROM (SELECT 1 FROM objects
--       WHERE account = $1 AND id = $2 AND version = $3 [FOR UPDATE]) r
-- held back and sent in the batch of the transaction's next statement.
CREATE FUNCTION kontor_still_read(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF n <> 1 THEN
        RAISE EXCEPTION 'an object read from the cache has changed since' USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN n;
END
$$;
