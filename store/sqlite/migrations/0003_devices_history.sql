-- Trusted devices: only the SHA-256 of a device's token is stored, never
-- the token. Every statement that changes a device names its user too.

CREATE TABLE trusted_devices (
	id           TEXT    NOT NULL PRIMARY KEY,    -- public, for forms
	user_id      TEXT    NOT NULL,
	token_hash   BLOB    NOT NULL UNIQUE,         -- the lookup of every login with the cookie
	name         TEXT    NOT NULL,
	ip           TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	revoked_at   INTEGER                          -- NULL unless revoked
) STRICT;

-- A user has a handful of devices: they are sorted after the lookup. An
-- index holding last_used_at would be rewritten at every login.
CREATE INDEX trusted_devices_user ON trusted_devices (user_id);

-- The audit trail. id grows with every entry (AUTOINCREMENT: never given
-- twice, even after a prune), so it orders entries recorded at the same
-- millisecond.

CREATE TABLE history_events (
	id       INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	user_id  TEXT    NOT NULL,
	at       INTEGER NOT NULL,
	kind     TEXT    NOT NULL,
	method   TEXT    NOT NULL,                    -- '' unless an attempt
	success  INTEGER NOT NULL CHECK (success IN (0, 1)),
	reason   TEXT    NOT NULL,                    -- '' unless a failed attempt
	ip       TEXT    NOT NULL,
	device   TEXT    NOT NULL
) STRICT;

-- A user's latest entries, newest first, straight from the index.
CREATE INDEX history_events_user ON history_events (user_id, at DESC, id DESC);

-- No index on at alone: it cost every recording about 15% (measured), and
-- a prune, which runs now and then, finds the oldest entries first anyway
-- by walking the rows in the order they were recorded.
