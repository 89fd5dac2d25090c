-- Passkeys (WebAuthn credentials): a public key each, nothing that lets
-- anyone sign in. Every statement that changes one names its user too.

CREATE TABLE passkeys (
	id               BLOB    NOT NULL PRIMARY KEY, -- the credential ID, unique across users
	user_id          TEXT    NOT NULL,
	name             TEXT    NOT NULL,             -- '' until the user names it
	public_key       BLOB    NOT NULL,             -- COSE
	aaguid           BLOB    NOT NULL,
	sign_count       INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
	transports       TEXT    NOT NULL,             -- a JSON array of strings
	attestation_type TEXT    NOT NULL,
	user_verified    INTEGER NOT NULL CHECK (user_verified IN (0, 1)),
	backup_eligible  INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
	backed_up        INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
	created_at       INTEGER NOT NULL,
	last_used_at     INTEGER,                      -- NULL before the first login with it
	created_on       TEXT    NOT NULL
) STRICT;

-- A user has a handful of passkeys: they are counted and sorted after the
-- lookup.
CREATE INDEX passkeys_user ON passkeys (user_id);

-- WebAuthn ceremonies between their begin and their finish, each under the
-- hash of a token the browser holds. Taken once, pruned once expired.

CREATE TABLE webauthn_ceremonies (
	key        BLOB    NOT NULL PRIMARY KEY,
	user_id    TEXT    NOT NULL,                   -- '' for a passwordless login
	purpose    TEXT    NOT NULL,
	data       BLOB    NOT NULL,                   -- opaque to the store
	expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires_at);
