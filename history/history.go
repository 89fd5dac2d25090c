package history

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Kind says what an entry records. Attempts are second-factor attempts; the
// others are security events.
type Kind string

const (
	Attempt           Kind = "attempt"
	TwoFactorEnabled  Kind = "2fa-enabled"  // a first factor turned on
	TwoFactorDisabled Kind = "2fa-disabled" // the last factor removed
	TOTPEnabled       Kind = "totp-enabled"
	TOTPDisabled      Kind = "totp-disabled"
	TOTPReplaced      Kind = "totp-replaced" // a new app confirmed in place of the old
	PasskeyAdded      Kind = "passkey-added"
	PasskeyRemoved    Kind = "passkey-removed"
	PhoneAdded        Kind = "phone-added"    // a mobile number confirmed for codes by SMS
	PhoneReplaced     Kind = "phone-replaced" // another number confirmed in its place
	PhoneRemoved      Kind = "phone-removed"
	EmailCodesOn      Kind = "email-codes-on"
	EmailCodesOff     Kind = "email-codes-off"
	// PasskeyCloned: a login was refused because the passkey's signature
	// counter did not increase, a sign it was copied.
	PasskeyCloned    Kind = "passkey-cloned"
	CodesRegenerated Kind = "backup-codes-regenerated"
	CodeUsed         Kind = "backup-code-used"
	DeviceTrusted    Kind = "device-trusted"
	DeviceRevoked    Kind = "device-revoked"
	LockedOut        Kind = "locked-out"
	// CodesSuspended: the user's app codes were suspended after
	// Config.SuspendAfter failures in a row.
	CodesSuspended Kind = "codes-suspended"
	AdminReset     Kind = "admin-reset"
	NotMe          Kind = "not-me"
	// PolicySaved and PolicyDeleted: an administrator's change to a
	// policy, which is no user's: UserID is empty, Actor names the
	// administrator and Note the policy.
	PolicySaved   Kind = "policy-saved"
	PolicyDeleted Kind = "policy-deleted"
)

// SecurityKinds returns every kind but Attempt: the security events. A new
// kind is added here, beside its constant.
func SecurityKinds() []Kind {
	return []Kind{TwoFactorEnabled, TwoFactorDisabled, TOTPEnabled, TOTPDisabled, TOTPReplaced,
		PasskeyAdded, PasskeyRemoved, PasskeyCloned, PhoneAdded, PhoneReplaced, PhoneRemoved,
		EmailCodesOn, EmailCodesOff, CodesRegenerated, CodeUsed,
		DeviceTrusted, DeviceRevoked, LockedOut, CodesSuspended, AdminReset, NotMe, PolicySaved, PolicyDeleted}
}

// Method is how a second factor was attempted.
type Method string

const (
	TOTP          Method = "totp"
	BackupCode    Method = "backup-code"
	TrustedDevice Method = "trusted-device"
	Passkey       Method = "passkey"
	SMS           Method = "sms"      // a code sent by SMS
	Email         Method = "email"    // a code sent by email
	Password      Method = "password" // the host's own step, when no second one followed
)

// SecondFactorMethods returns every method but Password: the methods of a
// second step. A new method is added here, beside its constant.
func SecondFactorMethods() []Method {
	return []Method{TOTP, BackupCode, TrustedDevice, Passkey, SMS, Email}
}

// Reason says why an attempt failed.
type Reason string

const (
	WrongCode    Reason = "wrong-code"
	WrongPass    Reason = "wrong-password"
	Replayed     Reason = "replayed"
	Locked       Reason = "locked-out"
	Suspended    Reason = "suspended" // the app's codes, after too many failures
	ExpiredState Reason = "expired-state"
	Unavailable  Reason = "unavailable"
)

// Event is one entry of the trail.
type Event struct {
	ID      string // set by the store
	UserID  string
	At      time.Time
	Kind    Kind
	Method  Method // for attempts
	Success bool   // for attempts
	Reason  Reason // for failed attempts
	IP      string
	Device  string // a readable device name, from the User-Agent
	// Ref is the ID of the entry this one is about: for NotMe, the
	// attempt the user reported.
	Ref string
	// Actor names who did it when not the user: the administrator of an
	// AdminReset or of a policy's change. Empty for the user's own actions.
	Actor string
	// Note is the administrator's reason, for an AdminReset; the policy's
	// name, for a policy's change. Empty otherwise.
	Note string
}

// Store keeps the trail.
//
// A store keeps an entry's time to the millisecond (a cursor of the log
// carries no more), and its text fields (IP, Device, Ref, Actor, Note)
// as given, truncating none, so a backend needs no limit of its own: the
// Service bounds the free-form ones before recording, Device to a clean
// name of at most 64 characters, Actor to 200 bytes and Note to 500. Each
// comes back exactly as recorded, non-ASCII included; an empty one comes
// back empty.
type Store interface {
	// RecordEvent appends e; the store sets its ID.
	RecordEvent(ctx context.Context, e Event) error

	// Events returns the user's latest entries of the given kinds (all kinds
	// when none are given), newest first, at most limit of them (none when
	// limit is zero or less). Entries at the same time come latest recorded
	// first.
	Events(ctx context.Context, userID string, limit int, kinds ...Kind) ([]Event, error)

	// PruneEvents removes every entry older than before and, when keep is
	// positive, every entry of a user beyond their newest keep (in the order
	// of Events), and returns how many it removed.
	PruneEvents(ctx context.Context, before time.Time, keep int) (int, error)
}

// Query selects entries across users, for an administrator's audit log.
// Every condition given must hold; the zero Query selects every entry.
type Query struct {
	UserID  string   // one user's entries, when set
	Kinds   []Kind   // entries of these kinds, when any
	Methods []Method // entries of these methods, when any
	Failed  bool     // failed attempts only
	// Since and Until bound At: Since <= At < Until, each when set.
	Since, Until time.Time
	// After continues a listing: the entries that come after this one, in
	// the order of [Log.Log]. The zero Cursor starts at the newest.
	After Cursor
}

// Cursor is the place of an entry in a listing: its time and its ID, as the
// store gave them.
type Cursor struct {
	At time.Time
	ID string
}

// CursorOf is the place of e.
func CursorOf(e Event) Cursor { return Cursor{At: e.At, ID: e.ID} }

// IsZero reports whether c is the zero Cursor: the start of a listing.
func (c Cursor) IsZero() bool { return c.ID == "" && c.At.IsZero() }

// ErrInvalidCursor: a Query's cursor is malformed: its ID is not one of the
// form the store gives. A well-formed cursor of no entry is a place like
// any other: the listing goes on from there.
var ErrInvalidCursor = errors.New("history: invalid cursor")

// Log reads the trails of every user at once: the administrator's audit
// log and counts. A store that keeps many users implements it beside
// [Store], with indexes that serve a query by time, by kind and by user
// without reading the whole trail.
type Log interface {
	// Log returns at most limit entries q selects (none when limit is zero
	// or less), in the order of [Store.Events]: newest first, entries at
	// the same time latest recorded first. A malformed cursor is
	// [ErrInvalidCursor].
	Log(ctx context.Context, q Query, limit int) ([]Event, error)

	// CountEvents returns how many entries q selects, its cursor aside.
	CountEvents(ctx context.Context, q Query) (int, error)
}

// Matches reports whether e meets every condition of q, its cursor aside.
func (q Query) Matches(e Event) bool {
	return (q.UserID == "" || e.UserID == q.UserID) &&
		(len(q.Kinds) == 0 || slices.Contains(q.Kinds, e.Kind)) &&
		(len(q.Methods) == 0 || slices.Contains(q.Methods, e.Method)) &&
		(!q.Failed || e.Kind == Attempt && !e.Success) &&
		(q.Since.IsZero() || !e.At.Before(q.Since)) &&
		(q.Until.IsZero() || e.At.Before(q.Until))
}
