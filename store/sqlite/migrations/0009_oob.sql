-- Codes sent out of band (email, SMS): at most one per user and binding
-- (a pending login, a number being confirmed), stored as a keyed hash.
-- A newer code replaces the row; a redeemed one is deleted.

CREATE TABLE oob_codes (
	user_id     TEXT    NOT NULL,
	binding     TEXT    NOT NULL,
	channel     TEXT    NOT NULL,
	destination TEXT    NOT NULL,
	hash        BLOB    NOT NULL,
	sent_at     INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	PRIMARY KEY (user_id, binding)
) STRICT, WITHOUT ROWID;

CREATE INDEX oob_codes_expires ON oob_codes (expires_at);

-- One row per send, kept an hour whatever becomes of its code, for the
-- cooldown and the hourly caps per user and per destination.

CREATE TABLE oob_sends (
	user_id     TEXT    NOT NULL,
	destination TEXT    NOT NULL,
	sent_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX oob_sends_user ON oob_sends (user_id, sent_at);
CREATE INDEX oob_sends_destination ON oob_sends (destination, sent_at);
CREATE INDEX oob_sends_sent ON oob_sends (sent_at); -- for pruning
