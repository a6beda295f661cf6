-- The schema of store/sqlite/migration/0001_init.sql in PostgreSQL types.
-- Text that lists sort on is COLLATE "C" so that ties order by bytes, as in
-- SQLite, whatever the database's default collation.

CREATE TABLE accounts (
    id       TEXT COLLATE "C" PRIMARY KEY,
    name     TEXT NOT NULL,
    created  BIGINT NOT NULL,
    settings BYTEA NOT NULL
);

CREATE TABLE api_keys (
    hash    TEXT COLLATE "C" PRIMARY KEY,
    account TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
    kind    TEXT NOT NULL,
    prefix  TEXT NOT NULL,
    sealed  BYTEA,
    created BIGINT NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account);

CREATE TABLE objects (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account  TEXT NOT NULL,
    id       TEXT NOT NULL,
    type     TEXT NOT NULL,
    kind     TEXT NOT NULL DEFAULT '',
    customer TEXT NOT NULL DEFAULT '',
    parent   TEXT NOT NULL DEFAULT '',
    status   TEXT NOT NULL DEFAULT '',
    clock_id TEXT NOT NULL DEFAULT '',
    lookup   TEXT NOT NULL DEFAULT '',
    created  BIGINT NOT NULL,
    version  BIGINT NOT NULL DEFAULT 1,
    data     BYTEA NOT NULL
);
CREATE UNIQUE INDEX objects_account_id ON objects (account, id);
CREATE INDEX objects_type ON objects (account, type, seq);
CREATE INDEX objects_customer ON objects (account, type, customer, seq) WHERE customer <> '';
CREATE INDEX objects_parent ON objects (account, type, parent, seq) WHERE parent <> '';
CREATE INDEX objects_lookup ON objects (account, type, lookup, seq) WHERE lookup <> '';
CREATE INDEX objects_clock ON objects (account, type, clock_id, seq) WHERE clock_id <> '';

CREATE TABLE events (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account          TEXT NOT NULL,
    id               TEXT NOT NULL,
    dialect          TEXT NOT NULL DEFAULT '',
    type             TEXT NOT NULL,
    object_id        TEXT NOT NULL DEFAULT '',
    created          BIGINT NOT NULL,
    pending_webhooks INTEGER NOT NULL DEFAULT 0,
    data             BYTEA NOT NULL
);
CREATE UNIQUE INDEX events_account_id ON events (account, id);
CREATE INDEX events_list ON events (account, dialect, seq);
CREATE INDEX events_type ON events (account, dialect, type, seq);
CREATE INDEX events_object ON events (account, object_id);

CREATE TABLE deliveries (
    id              TEXT COLLATE "C" PRIMARY KEY,
    account         TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    created         BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (account, event_id);
CREATE INDEX deliveries_endpoint ON deliveries (account, endpoint_id);

CREATE TABLE delivery_attempts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    account     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    duration_ms BIGINT NOT NULL,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

CREATE TABLE timers (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account   TEXT NOT NULL,
    clock_id  TEXT NOT NULL DEFAULT '',
    due       BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    object_id TEXT NOT NULL DEFAULT '',
    payload   BYTEA,
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
    body         BYTEA NOT NULL,
    created      BIGINT NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE INDEX idempotency_created ON idempotency (created);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
