-- A lookup of one object by id (account, id and type, as GetObject asks)
-- could be planned on objects_type (account, type, seq), which then walks
-- every object of that type in the account, instead of on the unique
-- objects_account_id. With statistics the planner knows better; without
-- them (a new database, or a table that grew faster than autovacuum
-- analyzes it) both indexes cost the same and the planner takes the index
-- created last. So objects_account_id is built again here, after
-- objects_type. A later migration that rebuilds objects_type must rebuild
-- objects_account_id after it (TestLookupPlan checks).
CREATE UNIQUE INDEX objects_account_id_new ON objects (account, id);
DROP INDEX objects_account_id;
ALTER INDEX objects_account_id_new RENAME TO objects_account_id;
