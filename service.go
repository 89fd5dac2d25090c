package portalmfa

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/summary"
	"github.com/portalmfa/portalmfa/totp"
)

// Errors a caller can tell apart with errors.Is. Each is caused by the user
// (a wrong code, an expired state) except ErrUnavailable, which means "try
// again later" and never "second factor skipped".
var (
	ErrMalformedCode = totp.ErrMalformedCode
	ErrInvalidCode   = totp.ErrInvalidCode
	ErrReplayed      = totp.ErrReplayed
	// ErrNotEnrolled: the user has no second factor of that kind (or, for a
	// confirmation, no enrollment waiting for one).
	ErrNotEnrolled = totp.ErrNotEnrolled
	// ErrAlreadyEnabled: the factor is on already (TOTP: turn it off before
	// enrolling again), or, for first backup codes, 2FA is on already.
	ErrAlreadyEnabled = totp.ErrAlreadyActive
	// ErrSuspended: the user's app codes are suspended after
	// Config.SuspendAfter failures in a row; a passkey or a backup code
	// still signs in, and lifts it.
	ErrSuspended = errors.New("portalmfa: app codes suspended after too many failures")
	// ErrLockedOut is wrapped by every *LockedOutError.
	ErrLockedOut = lockout.ErrLockedOut
	// ErrMalformedBackupCode and ErrInvalidBackupCode are the backup-code
	// forms of ErrMalformedCode and ErrInvalidCode; a used code is invalid.
	ErrMalformedBackupCode = backupcodes.ErrMalformedCode
	ErrInvalidBackupCode   = backupcodes.ErrInvalidCode
	// ErrNoBackupCodes: the enrollment cannot be confirmed before its
	// backup codes were shown (see [Service.PendingBackupCodes]).
	ErrNoBackupCodes = backupcodes.ErrNoCodes

	ErrWrongPassword  = errors.New("portalmfa: wrong password")
	ErrPendingExpired = errors.New("portalmfa: pending login expired")
	ErrPendingInvalid = errors.New("portalmfa: pending login invalid")
	ErrUnavailable    = errors.New("portalmfa: temporarily unavailable")
)

// FailedAttemptError is a failed attempt (a wrong code, a used one, a wrong
// password…), Err, with what is left of the user's limit, so a page can
// warn before the lock rather than after it. It wraps Err and, when this
// failure set the lock, [ErrLockedOut] too.
type FailedAttemptError struct {
	Err error
	// Left is how many more failures the user's limit allows before it
	// locks; 0 when this one locked it.
	Left int
	// LockedUntil, when set, is the end of the lock this failure set, and
	// Wait that less the Service's clock.
	LockedUntil time.Time
	Wait        time.Duration
}

func (e *FailedAttemptError) Error() string { return e.Err.Error() }
func (e *FailedAttemptError) Unwrap() []error {
	if e.LockedUntil.IsZero() {
		return []error{e.Err}
	}
	return []error{e.Err, ErrLockedOut}
}

// LockedOutError reports that attempts are refused, unevaluated, until Until.
type LockedOutError struct {
	Until time.Time
	// Wait is Until less the Service's clock at the refusal: what to tell
	// the user, and the Retry-After of an HTTP answer.
	Wait time.Duration
}

func (e *LockedOutError) Error() string {
	return "portalmfa: too many failed attempts, locked until " + e.Until.UTC().Format(time.RFC3339)
}

func (e *LockedOutError) Unwrap() error { return ErrLockedOut }

// Store is everything the Service keeps. The backends in store/ satisfy it;
// store/storetest is the contract they are held to.
type Store interface {
	totp.Store
	backupcodes.Store
	devices.Store
	history.Store
	lockout.Store
}

// Config configures a [Service]. Fields marked optional have the default
// named in their comment when left zero.
type Config struct {
	// Issuer names the portal in authenticator apps ("Acme Portal"). Required.
	Issuer string
	// Keys is the key ring, newest first; each key has at least 32 random
	// bytes. The newest key seals and signs; every key still opens and
	// verifies, so a new key can be put in front without downtime.
	// Required.
	Keys [][]byte
	// Store keeps enrollments and counters. Required. It may keep more
	// than Store asks (see [PasskeyStore], [totp.ResealStore]); New looks
	// once.
	Store Store
	// CheckPassword reports whether password is the user's account
	// password; it guards sensitive changes ([Service.ReverifyPassword]).
	// Required.
	CheckPassword func(ctx context.Context, userID, password string) (bool, error)

	// Passkeys turns passkeys on when its RPID is set; the Store must
	// then keep them. Optional: no passkeys.
	Passkeys PasskeyConfig
	// Codes turns on codes sent by SMS or email, each when its sender is
	// set; the Store must then keep them ([CodeStore]). Optional: none.
	Codes CodesConfig
	// ListUsers lists the host's users, a page at a time, with their
	// groups, and how many match the query in all: for the administrator's
	// side ([Service.PolicyTargets]). Optional.
	ListUsers func(ctx context.Context, q UserQuery) (users []User, total int, err error)
	// Policies are policies kept in code, beside those an administrator
	// stores ([PolicyStore]); a stored one of the same name is ignored.
	// Policies that target groups need LookupUser, which tells a user's
	// groups at the challenge. Optional.
	Policies []policy.Policy
	// RecentVerification is how long the password or a factor, entered
	// again, allows sensitive changes ([Service.Needs]). Optional: 10
	// minutes; at most 1 hour.
	RecentVerification time.Duration

	// UserLimit locks a user out after consecutive failures, whatever the
	// IP or method. Optional: 5 failures, then 1 minute doubling up to 1
	// hour. The threshold may not exceed 100 (NIST SP 800-63B 5.2.2).
	UserLimit lockout.Limit
	// IPLimit does the same per client IP, so one address cannot spray
	// guesses across many users. Optional: 30 failures, then 1 minute
	// doubling up to 15 minutes.
	IPLimit lockout.Limit
	// SuspendAfter suspends a user's app codes after this many failures of
	// the second step in a row, however spread over time (a lock ending
	// does not start the count afresh; only a success does). The user then
	// signs in with a passkey or a backup code, which lifts it, or an
	// administrator resets the second factor ([Service.ResetSecondFactor]).
	// Optional: 100, the most NIST SP 800-63B 5.2.2 allows.
	SuspendAfter int
	// TrustDeviceFor is how long "trust this device" spares a browser the
	// second factor. Optional: 30 days; at most 400 days.
	TrustDeviceFor time.Duration
	// HistoryRetention is how long login attempts and security events are
	// kept ([Service.PruneHistory]). Optional: 90 days.
	HistoryRetention time.Duration
	// Notifier tells users what happened to their account. Optional: none.
	Notifier Notifier
	// LookupUser returns the host's user of an ID, so notifications carry
	// the user's name, email and language, the login challenge speaks the
	// user's language, and policies that target groups know the user's
	// (Groups). Optional; required by such policies.
	LookupUser func(ctx context.Context, userID string) (User, error)

	// LowBackupCodes is the number of unused backup codes at or below
	// which the user is urged to make new ones. Optional: 3.
	LowBackupCodes int
	// PendingLoginTTL is how long a signed pending-login state lasts between
	// the password and the second factor. Optional: 5 minutes; at most 10.
	PendingLoginTTL time.Duration

	// Logger gets structured events, never a secret or a code. Optional:
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock. Optional: time.Now.
	Now func() time.Time
	// Rand is the source of secrets, codes, tokens and salts, so tests can
	// pin them. Optional: crypto/rand. (AES-GCM nonces always come from
	// crypto/rand: a repeated nonce would break the sealing.)
	Rand io.Reader
}

// Service is the second factor of a portal: enrollment, the login challenge
// and self-service management. It is safe for concurrent use.
type Service struct {
	cfg         Config
	store       Store
	log         *slog.Logger
	sealer      *totp.Sealer
	codesSealer *totp.Sealer          // a pending set of backup codes, while the wizard shows it
	hashers     []*backupcodes.Hasher // backup-code hash keys, newest first
	deviceNames nameCache
	pendingKey  [][]byte // HMAC keys for pending-login states, newest first
	proofKey    [][]byte // HMAC keys for recent verifications, newest first

	factors  []factor         // every kind the Service offers, TOTP first
	passkeys *passkeyService  // nil without passkeys
	codes    *codeService     // nil without a sender of codes
	releaser lockout.Releaser // nil when the store cannot take attempts back
	resealer totp.ResealStore // nil when the store cannot walk its secrets
	tx       TxStore          // nil when the store has no transactions

	policyStore PolicyStore          // nil when the store keeps no policies
	applied     policy.AppliedReader // nil when it cannot read grace periods in bulk
	summaries   summary.Store        // nil when it cannot read many users at once
	trail       history.Log          // nil when it cannot read the trail across users
}

// TxStore is a [Store] that runs several of its calls in one transaction.
// It is optional: with it, each attempt at a factor (its reservations, the
// check, the counters' reset and the history entry) is one transaction, one
// commit. store/sqlite and store/postgres have it; the memory store needs
// none.
type TxStore interface {
	// InTx runs fn in one transaction: every call of the store made with
	// the context fn receives belongs to it. It commits when fn returns
	// nil; otherwise it rolls back and returns fn's error.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Now is the Service's clock, so pages show times consistent with its
// decisions (a lock's wait, a device's expiry).
func (s *Service) Now() time.Time { return s.cfg.Now() }

// Issuer is Config.Issuer, the portal's name as users know it.
func (s *Service) Issuer() string { return s.cfg.Issuer }

// Key-derivation labels. A key of the ring is never used directly, and
// never for two purposes.
const (
	purposeSeal         = "portalmfa v1 totp-seal"
	purposePending      = "portalmfa v1 pending-login"
	purposeBackupHash   = "portalmfa v1 backup-code-hash"
	purposeBackupSeal   = "portalmfa v1 backup-code-seal"
	purposeProof        = "portalmfa v1 recent-verification"
	purposeUserHandle   = "portalmfa v1 passkey-user-handle"
	purposePasswordless = "portalmfa v1 passwordless-ceremony"
)

// New checks cfg, fills in defaults and derives the working keys.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("portalmfa: Config.Issuer is required")
	case len(cfg.Keys) == 0:
		return nil, errors.New("portalmfa: Config.Keys needs at least one key")
	case cfg.Store == nil:
		return nil, errors.New("portalmfa: Config.Store is required")
	case cfg.CheckPassword == nil:
		return nil, errors.New("portalmfa: Config.CheckPassword is required")
	}
	if cfg.UserLimit == (lockout.Limit{}) {
		cfg.UserLimit = lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}
	}
	if cfg.SuspendAfter == 0 {
		cfg.SuspendAfter = 100
	}
	if cfg.SuspendAfter < 0 || cfg.SuspendAfter > 100 {
		return nil, errors.New("portalmfa: Config.SuspendAfter must be between 1 and 100")
	}
	if cfg.IPLimit == (lockout.Limit{}) {
		cfg.IPLimit = lockout.Limit{Threshold: 30, Delay: time.Minute, MaxDelay: 15 * time.Minute}
	}
	for name, l := range map[string]lockout.Limit{"UserLimit": cfg.UserLimit, "IPLimit": cfg.IPLimit} {
		if l.Threshold < 1 || l.Threshold > 100 || l.Delay <= 0 || l.MaxDelay < l.Delay {
			return nil, fmt.Errorf("portalmfa: Config.%s needs 1 ≤ Threshold ≤ 100 and 0 < Delay ≤ MaxDelay", name)
		}
	}
	if cfg.LowBackupCodes == 0 {
		cfg.LowBackupCodes = 3
	}
	if cfg.LowBackupCodes < 0 || cfg.LowBackupCodes >= backupcodes.Count {
		return nil, fmt.Errorf("portalmfa: Config.LowBackupCodes must be below %d", backupcodes.Count)
	}
	if cfg.TrustDeviceFor == 0 {
		cfg.TrustDeviceFor = 30 * 24 * time.Hour
	}
	if cfg.TrustDeviceFor < 0 || cfg.TrustDeviceFor > 400*24*time.Hour {
		return nil, errors.New("portalmfa: Config.TrustDeviceFor must be at most 400 days")
	}
	if cfg.HistoryRetention == 0 {
		cfg.HistoryRetention = 90 * 24 * time.Hour
	}
	if cfg.HistoryRetention < 0 {
		return nil, errors.New("portalmfa: Config.HistoryRetention must be positive")
	}
	if cfg.PendingLoginTTL == 0 {
		cfg.PendingLoginTTL = 5 * time.Minute
	}
	if cfg.PendingLoginTTL < 0 || cfg.PendingLoginTTL > 10*time.Minute {
		return nil, errors.New("portalmfa: Config.PendingLoginTTL must be at most 10 minutes")
	}
	if cfg.RecentVerification == 0 {
		cfg.RecentVerification = 10 * time.Minute
	}
	if cfg.RecentVerification < 0 || cfg.RecentVerification > time.Hour {
		return nil, errors.New("portalmfa: Config.RecentVerification must be at most 1 hour")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}

	var sealKeys, codesKeys [][]byte
	s := &Service{cfg: cfg, store: cfg.Store, log: cfg.Logger}
	for i, k := range cfg.Keys {
		if len(k) < 32 {
			return nil, fmt.Errorf("portalmfa: Config.Keys[%d] is shorter than 32 bytes", i)
		}
		sealKeys = append(sealKeys, deriveKey(k, purposeSeal))
		codesKeys = append(codesKeys, deriveKey(k, purposeBackupSeal))
		s.pendingKey = append(s.pendingKey, deriveKey(k, purposePending))
		s.proofKey = append(s.proofKey, deriveKey(k, purposeProof))
		h, err := backupcodes.NewHasher(deriveKey(k, purposeBackupHash))
		if err != nil {
			return nil, err
		}
		s.hashers = append(s.hashers, h)
	}
	sealer, err := totp.NewSealer(sealKeys...)
	if err != nil {
		return nil, fmt.Errorf("portalmfa: Config.Keys: %w", err)
	}
	s.sealer = sealer
	if s.codesSealer, err = totp.NewSealer(codesKeys...); err != nil {
		return nil, fmt.Errorf("portalmfa: Config.Keys: %w", err)
	}
	s.policyStore, _ = cfg.Store.(PolicyStore)
	s.applied, _ = cfg.Store.(policy.AppliedReader)
	s.summaries, _ = cfg.Store.(summary.Store)
	s.trail, _ = cfg.Store.(history.Log)
	s.resealer, _ = cfg.Store.(totp.ResealStore)
	s.tx, _ = cfg.Store.(TxStore)
	s.releaser, _ = cfg.Store.(lockout.Releaser)
	if cfg.Passkeys.RPID != "" || len(cfg.Passkeys.Origins) > 0 {
		if s.passkeys, err = newPasskeyService(&cfg, cfg.Store); err != nil {
			return nil, err
		}
	}
	if cfg.Codes.SMS != nil || cfg.Codes.Email != nil {
		if s.codes, err = newCodeService(&cfg); err != nil {
			return nil, err
		}
	}
	// The factors are those the store keeps, offered or not (see
	// Status.Factors).
	s.factors = []factor{totpFactor{s}}
	if ps, ok := cfg.Store.(passkeys.Store); ok {
		s.factors = append(s.factors, passkeyFactor{ps})
	}
	if cs, ok := cfg.Store.(CodeStore); ok {
		s.factors = append(s.factors, codesFactor{cs})
	}
	if err := s.validatePolicies(); err != nil {
		return nil, err
	}
	return s, nil
}

func deriveKey(secret []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil {
		panic(err) // only for a length HKDF-SHA256 cannot produce; 32 it always can
	}
	return k
}

// unavailable wraps a store failure so callers fail closed.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
