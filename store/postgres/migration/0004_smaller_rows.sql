-- A mandate notification that has its source.mandate_notification event is
-- kept in that event alone (engine.Op.GetMandateNotification reads it there).
DELETE FROM objects
WHERE type = 'source_mandate_notification'
  AND EXISTS (SELECT 1 FROM events
              WHERE events.account = objects.account AND events.object_id = objects.id
                AND events.type = 'source.mandate_notification');
-- An idempotency record's request hash is the first 128 bits of the SHA-256, in hex.
UPDATE idempotency SET request_hash = substr(request_hash, 1, 32) WHERE length(request_hash) > 32;
