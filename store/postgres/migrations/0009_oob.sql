-- Codes sent out of band (email, SMS): at most one per user and binding
-- (a pending login, a number being confirmed), stored as a keyed hash.
-- A newer code replaces the row; a redeemed one is deleted.

CREATE TABLE oob_codes (
	user_id     text COLLATE "C" NOT NULL,
	binding     text COLLATE "C" NOT NULL,
	channel     text   NOT NULL,
	destination text COLLATE "C" NOT NULL,
	hash        bytea  NOT NULL,
	sent_at     bigint NOT NULL,                 -- unix milliseconds
	expires_at  bigint NOT NULL,
	PRIMARY KEY (user_id, binding)
);

CREATE INDEX oob_codes_expires ON oob_codes (expires_at);

-- One row per send, kept an hour whatever becomes of its code, for the
-- cooldown and the hourly caps per user and per destination. Sends are
-- serialised per user and per destination by advisory locks, not by rows
-- of this table (see oob.go).

CREATE TABLE oob_sends (
	user_id     text COLLATE "C" NOT NULL,
	destination text COLLATE "C" NOT NULL,
	sent_at     bigint NOT NULL
);

CREATE INDEX oob_sends_user ON oob_sends (user_id, sent_at);
CREATE INDEX oob_sends_destination ON oob_sends (destination, sent_at);
CREATE INDEX oob_sends_sent ON oob_sends (sent_at); -- for pruning
