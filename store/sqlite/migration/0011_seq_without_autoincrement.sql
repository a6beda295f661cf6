-- An object's and an event's seq is SQLite's rowid: the largest in the table
-- plus one. AUTOINCREMENT also kept the largest ever given in
-- sqlite_sequence, read and rewritten by every insert, so that a deleted
-- row's seq is never given again. Objects and events are never deleted, so
-- the largest plus one is the seq AUTOINCREMENT gave; timers are deleted
-- when they fire and keep it (a claim may still name a fired timer's id).
--
-- The table's B-tree is the same with or without the keyword, so only the
-- schema's text changes: no row is copied, whatever the database's size.
-- The migrator then bumps the schema version, so that every connection
-- reads the schema again.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER PRIMARY KEY')
WHERE type = 'table' AND name IN ('objects', 'events');
PRAGMA writable_schema = RESET;
DELETE FROM sqlite_sequence WHERE name IN ('objects', 'events');
