-- A policy's revision: 1 when first created, one more at each save and at
-- its deletion. A save or a delete names the revision it read and changes
-- nothing when the policy has moved on since, so two administrators' edits
-- cannot silently undo each other. A deleted policy leaves its row behind,
-- marked deleted, so that its name, created again, goes on from the last
-- revision: an edit begun before the delete cannot land on the new policy.
-- The policies stored before count as created.
ALTER TABLE policies ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));
