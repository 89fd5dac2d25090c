-- The policies an administrator made, by name: the rest of the policy is a
-- JSON object of this package's own format (store/internal/policyjson),
-- so a field added to policies needs no migration. Saving a policy of a
-- stored name replaces its row.

CREATE TABLE policies (
	name TEXT NOT NULL PRIMARY KEY,
	body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

-- When each policy first applied to each user, which a grace period counts
-- from: written once, then only read. A policy of the host's configuration
-- is recorded here too, without a row in policies, so there is no foreign
-- key; deleting a policy deletes its rows (hence the index).

CREATE TABLE policy_applied (
	user_id  TEXT    NOT NULL,
	policy   TEXT    NOT NULL,
	first_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, policy)
) STRICT, WITHOUT ROWID;

CREATE INDEX policy_applied_policy ON policy_applied (policy);
