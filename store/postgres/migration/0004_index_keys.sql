-- The partial indexes of the objects' filter columns serve the lists that
-- name the column (the store's queries carry "column <> ''" so that the
-- planner may use them). The ids they hold are random and unique in an
-- account, so they need no account in the key: every query still filters
-- the rows by account. Lookup values (emails, IBANs, references) are not
-- ids and keep the account. A timer's object is found by its id alone.
DROP INDEX objects_customer;
CREATE INDEX objects_customer ON objects (type, customer, seq) WHERE customer <> '';
DROP INDEX objects_parent;
CREATE INDEX objects_parent ON objects (type, parent, seq) WHERE parent <> '';
DROP INDEX objects_clock;
CREATE INDEX objects_clock ON objects (type, clock_id, seq) WHERE clock_id <> '';
DROP INDEX timers_object;
CREATE INDEX timers_object ON timers (object_id);
