-- The engine's hosted payment page is stored under its own names (ADR 0005):
-- object type payment_page (was checkout.session), event types payment_page.*
-- (were checkout.session.*), timer kind payment_page.expire (was
-- checkout.expire). The documents that name them (intents, event snapshots,
-- webhook endpoints' enabled_events) are compressed: the store's rewrite of
-- this migration (sqlstore.Rewrite) changes them in the same transaction.
UPDATE objects SET type = 'payment_page' WHERE type = 'checkout.session';
UPDATE events SET type = 'payment_page.' || substr(type, 18)
WHERE dialect = '' AND substr(type, 1, 17) = 'checkout.session.';
UPDATE timers SET kind = 'payment_page.expire' WHERE kind = 'checkout.expire';
