-- The schema of store/sqlite/migration/0002_bank_files.sql in PostgreSQL types.

CREATE TABLE bank_files (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account    TEXT NOT NULL,
    id         TEXT NOT NULL,
    direction  TEXT NOT NULL,
    type       TEXT NOT NULL,
    message_id TEXT NOT NULL,
    created    BIGINT NOT NULL,
    data       BYTEA NOT NULL,
    content    BYTEA NOT NULL
);
CREATE UNIQUE INDEX bank_files_account_id ON bank_files (account, id);
CREATE UNIQUE INDEX bank_files_message ON bank_files (account, direction, message_id);
CREATE INDEX bank_files_list ON bank_files (account, seq);
