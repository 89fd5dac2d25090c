-- Trusted devices: only the SHA-256 of a device's token is stored, never
-- the token. Every statement that changes a device names its user too.

CREATE TABLE trusted_devices (
	id           text COLLATE "C" NOT NULL PRIMARY KEY, -- public, for forms
	user_id      text COLLATE "C" NOT NULL,
	token_hash   bytea  NOT NULL UNIQUE,          -- the lookup of every login with the cookie
	name         text   NOT NULL,
	ip           text   NOT NULL,
	created_at   bigint NOT NULL,
	last_used_at bigint NOT NULL,
	expires_at   bigint NOT NULL,
	revoked_at   bigint                           -- NULL unless revoked
);

-- A user has a handful of devices: they are sorted after the lookup. An
-- index holding last_used_at would be rewritten at every login.
CREATE INDEX trusted_devices_user ON trusted_devices (user_id);

-- The audit trail. id grows with every entry, so it orders entries
-- recorded at the same millisecond (within one instance; across instances,
-- in the order their inserts took numbers). An identity column needs no
-- grant on its sequence beyond INSERT on the table.

CREATE TABLE history_events (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id text COLLATE "C" NOT NULL,
	at      bigint  NOT NULL,
	kind    text    NOT NULL,
	method  text    NOT NULL,                     -- '' unless an attempt
	success boolean NOT NULL,
	reason  text    NOT NULL,                     -- '' unless a failed attempt
	ip      text    NOT NULL,
	device  text    NOT NULL
);

-- A user's latest entries, newest first, straight from the index.
CREATE INDEX history_events_user ON history_events (user_id, at DESC, id DESC);

-- No index on at alone: it would cost every recording (on the challenge's
-- path) to speed up a prune that runs now and then and, taking row locks
-- only, holds no recording up however long it scans.
