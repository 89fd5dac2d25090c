-- Applied with search_path set to the store's schema alone: names here are
-- unqualified on purpose. Times are bigint unix milliseconds (UTC), as in
-- the SQLite backend. Keys compare byte for byte (COLLATE "C"), whatever
-- the database's default collation.

CREATE TABLE totp_enrollments (
	user_id      text COLLATE "C" NOT NULL PRIMARY KEY,
	secret       bytea   NOT NULL,               -- sealed; never in clear
	active       boolean NOT NULL DEFAULT false,
	last_step    bigint  NOT NULL DEFAULT 0,     -- last accepted time step
	created_at   bigint  NOT NULL,
	activated_at bigint                          -- NULL while pending
);

CREATE TABLE lockout_attempts (
	key          text COLLATE "C" NOT NULL PRIMARY KEY,
	failures     integer NOT NULL,               -- since the last reset or expired lock
	locks        integer NOT NULL,               -- consecutive locks since the last reset
	locked_until bigint                          -- end of the last lock; NULL since the count restarted
);
