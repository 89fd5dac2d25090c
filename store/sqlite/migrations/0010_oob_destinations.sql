-- The users' destinations for codes: a confirmed mobile number (channel
-- 'sms'), codes by email turned on (channel 'email'), at most one of each
-- per user. Saving another replaces the row.

CREATE TABLE oob_destinations (
	user_id      TEXT    NOT NULL,
	channel      TEXT    NOT NULL,
	address      TEXT    NOT NULL,
	confirmed_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, channel)
) STRICT, WITHOUT ROWID;
