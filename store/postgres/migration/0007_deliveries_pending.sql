-- Pending deliveries by endpoint, in due order: a claim walks the endpoints
-- that have pending deliveries and takes a fair share of each one's due
-- deliveries. It replaces the index in due order alone, which made one
-- endpoint's backlog stand in front of every other endpoint.
CREATE INDEX deliveries_pending ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 'pending';
DROP INDEX deliveries_due;
