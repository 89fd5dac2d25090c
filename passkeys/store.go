package passkeys

import (
	"context"
	"errors"
	"time"
)

var (
	// ErrUnknownPasskey: no such passkey (of this user, where a user is named).
	ErrUnknownPasskey = errors.New("passkeys: unknown passkey")
	// ErrDuplicate: the credential ID is registered already, to this user or
	// another, or the ceremony key is stored already; what is stored stays
	// as it was.
	ErrDuplicate = errors.New("passkeys: passkey already registered")
	// ErrTooMany: the user has as many passkeys as allowed.
	ErrTooMany = errors.New("passkeys: too many passkeys")
	// ErrCounterMoved: the passkey's sign counter is no longer the one the
	// login read; another login with it finished first.
	ErrCounterMoved = errors.New("passkeys: sign counter moved")
	// ErrNoCeremony: no such ceremony, it expired, or it was finished
	// already.
	ErrNoCeremony = errors.New("passkeys: no such ceremony")
)

// Passkey is what a [Store] keeps of one registered WebAuthn credential. It
// holds a public key only: nothing in it lets anyone sign in.
type Passkey struct {
	// ID is the credential ID the authenticator chose; it is unique across
	// users.
	ID     []byte
	UserID string
	// Name is the user's name for it; empty until renamed, and then a page
	// shows [Names.Provider] of the AAGUID instead.
	Name string
	// PublicKey is the COSE-encoded credential public key.
	PublicKey []byte
	// AAGUID names the authenticator's model (16 bytes; all zero when the
	// authenticator does not say).
	AAGUID []byte
	// SignCount is the authenticator's signature counter at the last use
	// (0 for authenticators that do not count, as synced passkeys do not).
	SignCount uint32
	// Transports are the authenticator's transports ("internal", "usb", …),
	// as hints for the browser.
	Transports []string
	// AttestationType is the attestation the registration carried ("none").
	AttestationType string
	// UserVerified reports that the authenticator verified the user
	// (biometrics, PIN) at registration.
	UserVerified bool
	// BackupEligible reports a passkey that may be synced (a passkey
	// manager); it never changes. BackedUp reports that it is synced now.
	BackupEligible bool
	BackedUp       bool
	CreatedAt      time.Time
	LastUsedAt     time.Time // zero before the first login with it
	// CreatedOn names the browser and system it was registered on, from the
	// User-Agent: a display fact.
	CreatedOn string
}

// Store keeps passkeys. Each method is one atomic operation, and every
// method that names a passkey of a user also names the user: another
// user's passkey is [ErrUnknownPasskey], and nothing changes.
type Store interface {
	// AddPasskey stores p, unless its ID is registered already, to anyone
	// ([ErrDuplicate], which wins when both apply), or the user has max
	// passkeys already ([ErrTooMany]; max ≤ 0 allows none). Of concurrent
	// additions for one user, no more than max succeed.
	AddPasskey(ctx context.Context, p Passkey, max int) error

	// Passkeys returns the user's passkeys, the oldest first (by ID among
	// those created at the same time); none is not an error.
	Passkeys(ctx context.Context, userID string) ([]Passkey, error)

	// PasskeyByID returns the passkey of credential ID id, whoever's, or
	// [ErrUnknownPasskey]. A passwordless login starts from it.
	PasskeyByID(ctx context.Context, id []byte) (Passkey, error)

	// UsePasskey records a login with the user's passkey id: its counter
	// becomes count, its synced state backedUp and its last use now,
	// provided its counter still is prev; otherwise nothing changes and it
	// returns [ErrCounterMoved]. For passkeys that do not count (prev and
	// count both 0) this guards nothing: a login is single-use because its
	// ceremony is ([CeremonyStore.TakeCeremony]), taken before this.
	UsePasskey(ctx context.Context, userID string, id []byte, prev, count uint32, backedUp bool, now time.Time) error

	// RenamePasskey sets the name of the user's passkey id.
	RenamePasskey(ctx context.Context, userID string, id []byte, name string) error

	// DeletePasskey removes the user's passkey id.
	DeletePasskey(ctx context.Context, userID string, id []byte) error
}

// Ceremony is a WebAuthn ceremony between its begin and its finish: the
// challenge the browser must sign and what it was issued for.
type Ceremony struct {
	// UserID is the user the ceremony was begun for; empty for a
	// passwordless login, where the passkey names its user.
	UserID string
	// Purpose says what the ceremony may finish ("register", "login", …);
	// the finish of another purpose is refused.
	Purpose string
	// Data is the ceremony's state, opaque to the store.
	Data    []byte
	Expires time.Time
}

// CeremonyStore keeps ceremonies between their begin and their finish, so
// that each can be finished once. Keys are hashes of random tokens the
// browser holds.
type CeremonyStore interface {
	// SaveCeremony stores c under key. A key that is stored already is
	// [ErrDuplicate], and the ceremony stored under it stays as it was; of
	// concurrent saves of one key, exactly one succeeds. (The Service also
	// saves the hash of a spent passwordless ceremony this way, to refuse
	// its replay.)
	SaveCeremony(ctx context.Context, key []byte, c Ceremony) error

	// TakeCeremony removes the ceremony of key, and returns it if it has not
	// expired at now (now is before Expires); an expired one is removed
	// all the same, and like a missing one gives [ErrNoCeremony]. Of
	// concurrent takers of one key, exactly one gets it.
	TakeCeremony(ctx context.Context, key []byte, now time.Time) (Ceremony, error)

	// PruneCeremonies removes every ceremony whose Expires is before
	// before, and returns how many it removed.
	PruneCeremonies(ctx context.Context, before time.Time) (int, error)
}
