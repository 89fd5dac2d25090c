-- A pending set's codes, sealed under the key ring by the Service, so the
-- enrollment wizard shows the same codes again on a reload; NULL once the
-- set is active.
ALTER TABLE backup_code_sets ADD COLUMN sealed bytea;
