// Package policyjson is the stored form of a [policy.Policy] that the SQL
// backends keep: a JSON object of their own making, so that renaming a
// field of policy.Policy, or reordering its levels, does not change what
// a database holds. The name is not in it: it is the row's key.
//
// The format, every member optional but "level":
//
//	{"everyone": true, "groups": ["staff"], "level": "required",
//	 "allowed": ["totp", "passkey"], "deadline": "2027-03-01T08:30:00.123Z",
//	 "grace_days": 14, "trust_days": 30, "banners": {"fr": "…"}}
//
// The level is its name ([policy.Level.String]), the deadline an RFC 3339
// instant in UTC with as many fractional digits as it needs; the zone it
// was given in is not kept. Empty lists and maps are left out, and so come
// back nil. Members this version does not know are ignored, so an older
// instance reads what a newer one wrote during a rolling upgrade.
package policyjson
