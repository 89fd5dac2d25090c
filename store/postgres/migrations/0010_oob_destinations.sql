-- The users' destinations for codes: a confirmed mobile number (channel
-- 'sms'), codes by email turned on (channel 'email'), at most one of each
-- per user. Saving another replaces the row.

CREATE TABLE oob_destinations (
	user_id      text COLLATE "C" NOT NULL,
	channel      text COLLATE "C" NOT NULL,
	address      text COLLATE "C" NOT NULL,
	confirmed_at bigint NOT NULL,            -- unix milliseconds
	PRIMARY KEY (user_id, channel)
);
