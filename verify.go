package portalmfa

import (
	"context"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/totp"
)

// Sensitive changes (adding or removing a factor, new backup codes, turning
// 2FA off) need a recent verification, not a session alone: a session can
// be stolen, and whoever holds one must not be able to lock the owner out or
// plant a factor of their own. The user proves themselves again with the
// password or a factor, and gets a proof: a signed, user-bound state that
// lasts Config.RecentVerification (GitHub's "sudo mode"; ASVS 5 V6.1
// re-authentication). The host keeps it in a cookie of the browser that
// earned it (httpx does).
//
// Format: base64url(version 1 | password until, unix seconds, 8 bytes |
// factor until, 8 bytes | 16-byte nonce | user ID) "." base64url(HMAC-SHA256
// of the first part), under a key of its own.

const proofVersion = 1

// Need is the kind of recent verification a change needs.
type Need int

const (
	NeedNothing  Need = iota // the proof at hand suffices
	NeedAny                  // the password or a factor
	NeedPassword             // the account password
	NeedFactor               // a factor: a code of the app, a backup code or a passkey
)

// ErrVerificationNeeded: the change needs a recent verification the proof
// does not hold. [Service.Needs] says which.
var ErrVerificationNeeded = errors.New("portalmfa: recent verification needed")

// Change names a sensitive change, for [Service.Needs].
type Change int

const (
	// AddFactor: turning a first factor on needs the password; adding
	// another needs a factor, so that a stolen session and password do not
	// quietly add one beside the owner's (they could only remove the
	// owner's factors first, each removal notified).
	AddFactor Change = iota
	// RemoveFactor: removing one factor needs any verification while
	// another stays on, the password for the last one.
	RemoveFactor
	// RegenerateCodes needs a factor: new codes are a factor too.
	RegenerateCodes
	// RemoveEmailCodes: turning codes by email off needs what removing a
	// factor needs, or any verification while they are a fallback.
	RemoveEmailCodes
)

// Needs says what verification change needs for this user beyond what
// proof holds already: NeedNothing when proof suffices.
func (s *Service) Needs(ctx context.Context, userID, proof string, ch Change) (Need, error) {
	st, err := s.Status(ctx, userID)
	if err != nil {
		return 0, err
	}
	need := changeNeed(st, ch)
	if s.checkProof(userID, proof, need) == nil {
		return NeedNothing, nil
	}
	return need, nil
}

func changeNeed(st Status, ch Change) Need {
	switch ch {
	case AddFactor:
		if st.Enabled() {
			return NeedFactor
		}
		return NeedPassword
	case RemoveFactor:
		return removalNeed(st, "")
	case RemoveEmailCodes:
		return removalNeed(st, FactorEmail)
	}
	return NeedFactor // RegenerateCodes, and whatever comes later: the strictest
}

// checkAdd checks that a factor of kind k may be added, and proof for it,
// and returns the user's status before it.
func (s *Service) checkAdd(ctx context.Context, userID, proof string, k FactorKind) (Status, error) {
	if err := s.allowed(ctx, userID, k); err != nil {
		return Status{}, err
	}
	st, err := s.Status(ctx, userID)
	if err != nil {
		return Status{}, err
	}
	return st, s.checkProof(userID, proof, changeNeed(st, AddFactor))
}

// ReverifyPassword checks the account password and returns a proof of it,
// merged with what prev (a proof of the same user, or "") still holds.
// Wrong passwords count towards the lockout like wrong codes.
func (s *Service) ReverifyPassword(ctx context.Context, userID, password, prev string, c Client) (proof string, err error) {
	if password == "" {
		return "", ErrWrongPassword
	}
	err = s.attempt(ctx, userID, c, passwordCheck, func(ctx context.Context) error { return s.checkPassword(ctx, userID, password) })
	if err != nil {
		return "", err
	}
	return s.newProof(userID, prev, true)
}

// PasswordAttempt runs the host's own check of a password (its sign-in
// form, its password page) as one counted attempt, in the limits of the
// second factor: refused, unevaluated, while the account or the client's
// address is locked ([*LockedOutError]), and counted as a failure when
// check says no ([ErrWrongPassword]). account is the user's ID, or for a
// sign-in name that names no user, any stable key of it ("login:" + the
// email), so that guessing at unknown names is limited too. Without it, a
// stolen session could find the password by guessing on the password page,
// then turn 2FA off.
func (s *Service) PasswordAttempt(ctx context.Context, account string, c Client, check func() (bool, error)) error {
	return s.attempt(ctx, account, c, passwordCheck, func(ctx context.Context) error {
		ok, err := check()
		switch {
		case err != nil:
			return unavailable(err)
		case !ok:
			return ErrWrongPassword
		}
		return nil
	})
}

func (s *Service) checkPassword(ctx context.Context, userID, password string) error {
	ok, err := s.cfg.CheckPassword(ctx, userID, password)
	switch {
	case err != nil:
		return unavailable(err)
	case !ok:
		return ErrWrongPassword
	}
	return nil
}

// ReverifyCode checks a code of the user's authenticator app or a backup
// code (which it uses up) and returns a proof of a factor, merged with what
// prev still holds. The two kinds of code cannot be mistaken for each
// other: 6 digits against 15 letters and digits.
func (s *Service) ReverifyCode(ctx context.Context, userID, code, prev string, c Client) (proof string, err error) {
	if _, err := totp.Normalize(code); err == nil {
		// An app code from a user without the app is no guess at anything.
		if st, err := s.Status(ctx, userID); err != nil {
			return "", err
		} else if st.Factor(FactorTOTP).State != On {
			return "", ErrInvalidCode
		}
		err = s.attempt(ctx, userID, c, reverifyingTOTP, func(ctx context.Context) error { return s.checkTOTP(ctx, userID, code) })
		if err != nil {
			return "", err
		}
		return s.newProof(userID, prev, false)
	}
	n, err := backupcodes.Normalize(code)
	if err != nil {
		return "", ErrMalformedCode
	}
	var remaining int
	err = s.attempt(ctx, userID, c, reverifying, func(ctx context.Context) error {
		remaining, err = s.redeemBackupCode(ctx, userID, n)
		return err
	})
	if err != nil {
		return "", err
	}
	s.backupCodeUsed(ctx, userID, c, remaining)
	return s.newProof(userID, prev, false)
}

// newProof returns a proof for userID of a password (or else a factor)
// verified now, keeping what prev still proves of the same user.
func (s *Service) newProof(userID, prev string, password bool) (string, error) {
	now := s.cfg.Now()
	p, _ := s.openProof(userID, prev)
	until := now.Add(s.cfg.RecentVerification)
	if password {
		p.password = until
	} else {
		p.factor = until
	}
	payload := make([]byte, 1+8+8+16, 1+8+8+16+len(userID))
	payload[0] = proofVersion
	binary.BigEndian.PutUint64(payload[1:9], unixOrZero(p.password))
	binary.BigEndian.PutUint64(payload[9:17], unixOrZero(p.factor))
	if _, err := io.ReadFull(s.cfg.Rand, payload[17:33]); err != nil {
		return "", unavailable(err)
	}
	payload = append(payload, userID...)
	return signToken(s.proofKey[0], payload), nil
}

type proof struct{ password, factor time.Time }

// openProof returns when the verifications in a proof of userID end; zero
// times for anything that is not a genuine proof of this user.
func (s *Service) openProof(userID, token string) (proof, bool) {
	payload, ok := openToken(s.proofKey, token, 1024)
	if !ok || len(payload) < 33 || payload[0] != proofVersion || !hmac.Equal(payload[33:], []byte(userID)) {
		return proof{}, false
	}
	unix := func(b []byte) time.Time { return time.Unix(int64(binary.BigEndian.Uint64(b)), 0) }
	return proof{password: unix(payload[1:9]), factor: unix(payload[9:17])}, true
}

// unixOrZero is t in Unix seconds, 0 for the zero time (long past, so it
// proves nothing).
func unixOrZero(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.Unix())
}

// checkProof returns nil when token proves what need asks of userID, now;
// [ErrVerificationNeeded] otherwise.
func (s *Service) checkProof(userID, token string, need Need) error {
	p, _ := s.openProof(userID, token)
	now := s.cfg.Now()
	pw, f := now.Before(p.password), now.Before(p.factor)
	ok := false
	switch need {
	case NeedNothing:
		ok = true
	case NeedAny:
		ok = pw || f
	case NeedPassword:
		ok = pw
	case NeedFactor:
		ok = f
	}
	if !ok {
		return ErrVerificationNeeded
	}
	return nil
}

// RecentVerification is Config.RecentVerification, for the lifetime of the
// cookie that carries a proof.
func (s *Service) RecentVerification() time.Duration { return s.cfg.RecentVerification }
