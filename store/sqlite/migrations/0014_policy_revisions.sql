-- A policy's revision: 1 when created, one more at each save. A save or a
-- delete names the revision it read and changes nothing when the policy
-- has moved on since, so two administrators' edits cannot silently undo
-- each other. The policies stored before count as created.
ALTER TABLE policies ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
