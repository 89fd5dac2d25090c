-- The administrator's audit log and counts read every user's entries at
-- once, newest first, often in a span of time: the indexes hand them over
-- in that order, so a page stops at its limit and a count of the last day
-- reads the last day only.
--
-- Every recording pays for the index by time. The index of security
-- events leaves attempts out, the bulk of the trail, recorded at every
-- challenge: they cost nothing more, and a query of attempts reads the
-- index by time, where they are most of the entries anyway. The log of
-- security events, or of one kind of them, reads the second without
-- wading through attempts; its queries name kind <> 'attempt' for the
-- planner to pick it.
--
-- Migrations run in a transaction, so these are not built CONCURRENTLY:
-- recording waits while they are built. On a trail of millions of entries,
-- create them beforehand with CREATE INDEX CONCURRENTLY and the same
-- definitions; this migration then finds them there.
CREATE INDEX IF NOT EXISTS history_events_at ON history_events (at DESC, id DESC);
CREATE INDEX IF NOT EXISTS history_events_security ON history_events (at DESC, id DESC) WHERE kind <> 'attempt';
