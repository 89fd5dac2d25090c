-- When a key last counted an attempt, so keys idle long enough can be
-- pruned (lockout.Store.PruneAttempts). Existing rows count as idle since
-- 1970: their next attempt sets it.
ALTER TABLE lockout_attempts ADD COLUMN last_attempt INTEGER NOT NULL DEFAULT 0; -- unix milliseconds
