-- A user's set of backup codes: one row for the set, one per code. Only
-- hashes are stored, never the codes. A used code keeps its row, with the
-- time it was used, until the set is replaced or deleted.

CREATE TABLE backup_code_sets (
	user_id    TEXT    NOT NULL PRIMARY KEY,
	salt       BLOB    NOT NULL,
	active     INTEGER NOT NULL CHECK (active IN (0, 1)), -- 0 while the wizard shows the set
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE backup_codes (
	user_id TEXT    NOT NULL REFERENCES backup_code_sets (user_id) ON DELETE CASCADE,
	hash    BLOB    NOT NULL,
	used_at INTEGER,                              -- NULL while unused
	PRIMARY KEY (user_id, hash)
) STRICT, WITHOUT ROWID;
