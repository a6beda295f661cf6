-- An account's generation changes with its settings and its webhook
-- endpoints (store.Account.Generation): a write that reads the same
-- generation again may use what it derived from them before.
ALTER TABLE accounts ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
