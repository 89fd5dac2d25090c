-- Times are INTEGER unix milliseconds (UTC).

CREATE TABLE totp_enrollments (
	user_id      TEXT    NOT NULL PRIMARY KEY,
	secret       BLOB    NOT NULL,                -- sealed; never in clear
	active       INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
	last_step    INTEGER NOT NULL DEFAULT 0,      -- last accepted time step
	created_at   INTEGER NOT NULL,
	activated_at INTEGER                          -- NULL while pending
) STRICT;

CREATE TABLE lockout_attempts (
	key          TEXT    NOT NULL PRIMARY KEY,
	failures     INTEGER NOT NULL,                -- since the last reset or expired lock
	locks        INTEGER NOT NULL,                -- consecutive locks since the last reset
	locked_until INTEGER                          -- end of the last lock; NULL since the count restarted
) STRICT;
