package totp

import (
	"context"
	"time"
)

// Enrollment is what a [Store] keeps about one user's authenticator.
type Enrollment struct {
	UserID string
	// Secret is the sealed secret (see [Sealer]); stores never see it in clear.
	Secret []byte
	// Active is false while the enrollment waits for its confirming code.
	Active bool
	// LastStep is the last time step accepted for this user (0 before any).
	LastStep    int64
	CreatedAt   time.Time
	ActivatedAt time.Time // zero while pending
	// Replacement is the sealed secret of a new app being set up to
	// replace an active one (a lost phone), nil otherwise; the active
	// secret keeps working until the replacement is confirmed.
	Replacement []byte
}

// Store keeps TOTP enrollments. Implementations must make each method one
// atomic operation: two concurrent callers never both succeed where the
// contract says only one may.
type Store interface {
	// SavePendingTOTP stores a pending enrollment for userID, replacing any
	// pending one. It returns [ErrAlreadyActive], and changes nothing, when
	// the user has an active enrollment.
	SavePendingTOTP(ctx context.Context, userID string, sealed []byte, now time.Time) error

	// TOTPEnrollment returns the user's enrollment, pending or active, or
	// [ErrNotEnrolled].
	TOTPEnrollment(ctx context.Context, userID string) (Enrollment, error)

	// SaveReplacementTOTP stores sealed as the replacement of the user's
	// active enrollment, replacing any earlier replacement; the active
	// secret stays as it is. It returns [ErrNotEnrolled], and changes
	// nothing, unless the user has an active enrollment.
	SaveReplacementTOTP(ctx context.Context, userID string, sealed []byte) error

	// ActivateTOTP turns the user's pending enrollment into an active one,
	// recording step as already used, provided its sealed secret still
	// equals sealed (so a wizard restarted in another tab cannot activate a
	// secret nobody confirmed). For an active enrollment whose Replacement
	// equals sealed, it makes that the secret instead, in the same way: the
	// old secret stops working, the replacement is cleared, LastStep is
	// step and ActivatedAt now. Otherwise it returns [ErrNotEnrolled].
	ActivateTOTP(ctx context.Context, userID string, sealed []byte, step int64, now time.Time) error

	// AcceptTOTPStep records step as the user's last accepted step if, and
	// only if, it is later than the one stored; otherwise it returns
	// [ErrReplayed]. It returns [ErrNotEnrolled] when the user has no active
	// enrollment.
	AcceptTOTPStep(ctx context.Context, userID string, step int64) error

	// DeleteTOTP removes the user's enrollment, pending or active. Deleting
	// nothing is not an error.
	DeleteTOTP(ctx context.Context, userID string) error

	// DeletePendingTOTP removes the user's enrollment only while it is
	// pending (a wizard cancelled); of an active one, it removes the
	// Replacement being set up, and the active secret stays. It returns
	// [ErrNotEnrolled] when it removed nothing.
	DeletePendingTOTP(ctx context.Context, userID string) error
}

// SealedSecret is one enrollment's sealed secret, as a [ResealStore] lists
// it.
type SealedSecret struct {
	UserID string
	Secret []byte // sealed (see [Sealer])
}

// ResealStore is an optional ability of a [Store]: walking every sealed
// secret and replacing one, so that a key can leave the ring once every
// secret is sealed under the newest key ([Sealer.Current]). A Service
// looks for it once, when it is made; a store without it still serves
// everything else.
type ResealStore interface {
	// SealedTOTPSecrets returns at most limit enrollments, pending and
	// active alike, whose user IDs sort after afterUserID byte by byte, in
	// that order; "" starts at the first. Passing the last user ID of one
	// page gets the next, and an empty page is the end: a walk sees every
	// enrollment present from its start to its end once.
	SealedTOTPSecrets(ctx context.Context, afterUserID string, limit int) ([]SealedSecret, error)

	// ResealTOTPSecret replaces the user's sealed secret by resealed
	// provided it still equals sealed, in one atomic step: a secret
	// deleted, replaced by a new enrollment or re-sealed meanwhile is left
	// as it is, and the call returns [ErrNotEnrolled]. Nothing else of the
	// enrollment changes (active or pending, last step, times).
	ResealTOTPSecret(ctx context.Context, userID string, sealed, resealed []byte) error
}
