-- The administrator's audit log and counts read every user's entries at
-- once, newest first, often in a span of time: the indexes hand them over
-- in that order, so a page stops at its limit and a count of the last day
-- reads the last day only.
--
-- Every recording pays for the index by time: an attempt took 97 µs
-- without it and about 128 µs with it (BenchmarkRecordEvent, WAL). The
-- index of security events leaves attempts out, the bulk of the trail,
-- recorded at every challenge: they cost nothing more (measured), and a
-- query of attempts reads the index by time, where they are most of the
-- entries anyway. The log of security events, or of one kind of them,
-- reads the second without wading through attempts; its queries name
-- kind <> 'attempt' for SQLite to pick it.
CREATE INDEX history_events_at ON history_events (at DESC, id DESC);
CREATE INDEX history_events_security ON history_events (at DESC, id DESC) WHERE kind <> 'attempt';
