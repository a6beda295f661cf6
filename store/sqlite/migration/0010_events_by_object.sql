-- An event keeps the object it is about in object_id only where it is
-- looked up by that object (store.Event.ObjectID): every event of a dialect
-- that lists its objects' events, and none of the default dialect's (a
-- mandate notification's event is found by its id, named after the
-- notification). The others leave the column empty, so the index
-- of events by object holds only the events that have one (the store's
-- query carries "object_id <> ''" so that the planner may use it). Events
-- stored before keep their object and their entry: a list by object still
-- finds every event it found.
DROP INDEX events_object;
CREATE INDEX events_object ON events (account, object_id) WHERE object_id <> '';
