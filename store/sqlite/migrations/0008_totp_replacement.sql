-- The sealed secret of a new app set up to replace an active one (a lost
-- phone), so the old app keeps working until the new one is confirmed;
-- NULL when none is being set up, and always while pending.
ALTER TABLE totp_enrollments ADD COLUMN replacement BLOB;
