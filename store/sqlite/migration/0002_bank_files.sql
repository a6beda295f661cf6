CREATE TABLE bank_files (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    account    TEXT NOT NULL,
    id         TEXT NOT NULL,
    direction  TEXT NOT NULL,
    type       TEXT NOT NULL,
    message_id TEXT NOT NULL,
    created    INTEGER NOT NULL,
    data       BLOB NOT NULL,
    content    BLOB NOT NULL
);
CREATE UNIQUE INDEX bank_files_account_id ON bank_files (account, id);
CREATE UNIQUE INDEX bank_files_message ON bank_files (account, direction, message_id);
CREATE INDEX bank_files_list ON bank_files (account, seq);
