-- Passkeys (WebAuthn credentials): a public key each, nothing that lets
-- anyone sign in. Every statement that changes one names its user too.

CREATE TABLE passkeys (
	id               bytea   NOT NULL PRIMARY KEY, -- the credential ID, unique across users
	user_id          text COLLATE "C" NOT NULL,
	name             text    NOT NULL,             -- '' until the user names it
	public_key       bytea   NOT NULL,             -- COSE
	aaguid           bytea   NOT NULL,
	sign_count       bigint  NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295), -- a uint32
	transports       text[]  NOT NULL,
	attestation_type text    NOT NULL,
	user_verified    boolean NOT NULL,
	backup_eligible  boolean NOT NULL,
	backed_up        boolean NOT NULL,
	created_at       bigint  NOT NULL,
	last_used_at     bigint,                       -- NULL before the first login with it
	created_on       text    NOT NULL
);

-- A user has a handful of passkeys: they are counted and sorted after the
-- lookup.
CREATE INDEX passkeys_user ON passkeys (user_id);

-- WebAuthn ceremonies between their begin and their finish, each under the
-- hash of a token the browser holds. Taken once, pruned once expired.

CREATE TABLE webauthn_ceremonies (
	key        bytea  NOT NULL PRIMARY KEY,
	user_id    text COLLATE "C" NOT NULL,          -- '' for a passwordless login
	purpose    text   NOT NULL,
	data       bytea  NOT NULL,                    -- opaque to the store
	expires_at bigint NOT NULL
);

CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires_at);
