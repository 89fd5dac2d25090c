-- Who did it when not the user, and why: the administrator of a reset and
-- the reason they gave. '' for the user's own actions, as in every entry
-- recorded before. Stored as given: the Service bounds both.
ALTER TABLE history_events ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE history_events ADD COLUMN note  TEXT NOT NULL DEFAULT '';
