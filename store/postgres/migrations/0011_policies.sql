-- The policies an administrator made, by name: the rest of the policy is a
-- JSON object of this package's own format (store/internal/policyjson),
-- so a field added to policies needs no migration. Saving a policy of a
-- stored name replaces its row. json rather than jsonb: the text is kept
-- as written, and jsonb refuses \u0000, which a banner may hold.

CREATE TABLE policies (
	name text COLLATE "C" NOT NULL PRIMARY KEY, -- "C": listed in byte order
	body json NOT NULL
);

-- When each policy first applied to each user, which a grace period counts
-- from: written once, then only read. A policy of the host's configuration
-- is recorded here too, without a row in policies, so there is no foreign
-- key; deleting a policy deletes its rows (hence the index).

CREATE TABLE policy_applied (
	user_id  text COLLATE "C" NOT NULL,
	policy   text COLLATE "C" NOT NULL,
	first_at bigint NOT NULL,               -- unix milliseconds
	PRIMARY KEY (user_id, policy)
);

CREATE INDEX policy_applied_policy ON policy_applied (policy);
