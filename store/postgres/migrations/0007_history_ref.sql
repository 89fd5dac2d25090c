-- The ID of the entry an entry is about: for "this wasn't me", the attempt
-- the user reported, so the page marks it.
ALTER TABLE history_events ADD COLUMN ref text NOT NULL DEFAULT '';
