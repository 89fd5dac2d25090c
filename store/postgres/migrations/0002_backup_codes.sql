-- One row per user: the set's salt and the hashes of its unused codes. A
-- redeemed code's hash leaves the array in the same statement that finds
-- it, so a code is redeemed once however many requests race for it.

CREATE TABLE backup_code_sets (
	user_id    text COLLATE "C" NOT NULL PRIMARY KEY,
	salt       bytea   NOT NULL,
	hashes     bytea[] NOT NULL,                 -- of the unused codes only
	active     boolean NOT NULL,                 -- false while the wizard shows the set
	created_at bigint  NOT NULL                  -- unix milliseconds
);
