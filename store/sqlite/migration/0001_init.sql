CREATE TABLE accounts (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    created  INTEGER NOT NULL,
    settings BLOB NOT NULL
);

CREATE TABLE api_keys (
    hash    TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (id),
    kind    TEXT NOT NULL,
    prefix  TEXT NOT NULL,
    sealed  BLOB,
    created INTEGER NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account);

CREATE TABLE objects (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    account  TEXT NOT NULL,
    id       TEXT NOT NULL,
    type     TEXT NOT NULL,
    kind     TEXT NOT NULL DEFAULT '',
    customer TEXT NOT NULL DEFAULT '',
    parent   TEXT NOT NULL DEFAULT '',
    status   TEXT NOT NULL DEFAULT '',
    clock_id TEXT NOT NULL DEFAULT '',
    lookup   TEXT NOT NULL DEFAULT '',
    created  INTEGER NOT NULL,
    version  INTEGER NOT NULL DEFAULT 1,
    data     BLOB NOT NULL
);
CREATE UNIQUE INDEX objects_account_id ON objects (account, id);
CREATE INDEX objects_type ON objects (account, type, seq);
CREATE INDEX objects_customer ON objects (account, type, customer, seq) WHERE customer <> '';
CREATE INDEX objects_parent ON objects (account, type, parent, seq) WHERE parent <> '';
CREATE INDEX objects_lookup ON objects (account, type, lookup, seq) WHERE lookup <> '';
CREATE INDEX objects_clock ON objects (account, type, clock_id, seq) WHERE clock_id <> '';

CREATE TABLE events (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    account          TEXT NOT NULL,
    id               TEXT NOT NULL,
    dialect          TEXT NOT NULL DEFAULT '',
    type             TEXT NOT NULL,
    object_id        TEXT NOT NULL DEFAULT '',
    created          INTEGER NOT NULL,
    pending_webhooks INTEGER NOT NULL DEFAULT 0,
    data             BLOB NOT NULL
);
CREATE UNIQUE INDEX events_account_id ON events (account, id);
CREATE INDEX events_list ON events (account, dialect, seq);
CREATE INDEX events_type ON events (account, dialect, type, seq);
CREATE INDEX events_object ON events (account, object_id);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    account         TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    created         INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (account, event_id);
CREATE INDEX deliveries_endpoint ON deliveries (account, endpoint_id);

CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    account     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

CREATE TABLE timers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    account   TEXT NOT NULL,
    clock_id  TEXT NOT NULL DEFAULT '',
    due       INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    object_id TEXT NOT NULL DEFAULT '',
    payload   BLOB,
    attempts  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX timers_due ON timers (clock_id, due, id);
CREATE INDEX timers_object ON timers (account, object_id);

CREATE TABLE idempotency (
    account      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created      INTEGER NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE INDEX idempotency_created ON idempotency (created);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
