package portalmfa

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/portalmfa/portalmfa/history"
)

// A pending login is the state between a correct password and a passed
// second factor. It is not a session: it names the user and an expiry, is
// signed with a key of its own, and opens nothing but the challenge.
//
// Format: base64url(version 1 | expiry unix seconds, 8 bytes | 16-byte nonce
// | user ID) "." base64url(HMAC-SHA256 of the first part).

const pendingVersion = 1

// NewPendingLogin returns a signed pending-login state for userID, valid for
// Config.PendingLoginTTL. The host calls it (through httpx) once the password
// is right and [Service.SecondFactorRequired] says so. The lifetime is
// returned too, so the cookie carrying the state can go when it does.
func (s *Service) NewPendingLogin(userID string) (state string, lifetime time.Duration, err error) {
	if userID == "" {
		return "", 0, ErrPendingInvalid
	}
	lifetime = s.cfg.PendingLoginTTL
	expires := s.cfg.Now().Add(lifetime)
	payload := make([]byte, 1+8+16, 1+8+16+len(userID))
	payload[0] = pendingVersion
	binary.BigEndian.PutUint64(payload[1:9], uint64(expires.Unix()))
	if _, err := io.ReadFull(s.cfg.Rand, payload[9:25]); err != nil {
		return "", 0, unavailable(err)
	}
	payload = append(payload, userID...)
	return signToken(s.pendingKey[0], payload), lifetime, nil
}

// PendingLogin checks a pending-login state and returns its user. It returns
// [ErrPendingInvalid] for anything not signed by a key of the ring and
// [ErrPendingExpired] once the state is older than its TTL.
func (s *Service) PendingLogin(state string) (userID string, err error) {
	userID, _, err = s.openPending(state)
	if err != nil {
		return "", err
	}
	return userID, nil
}

// ChallengeExpired records, in the user's login history, a code submitted
// with a pending-login state that was genuine but had expired, so the user
// sees that someone got past their password and then came too late. A state
// that is not genuine, or not expired, records nothing, and a user's late
// states record one entry a minute at most.
func (s *Service) ChallengeExpired(ctx context.Context, state string, m history.Method, c Client) {
	userID, _, err := s.openPending(state)
	if !errors.Is(err, ErrPendingExpired) {
		return
	}
	// The same late form posted again and again, or many late forms, are
	// one entry (found in an attack run: 953 rows a second).
	if s.firstOf(ctx, "expired:"+userID, s.cfg.Now().Add(time.Minute)) {
		s.recordAttempt(ctx, userID, c, m, ErrPendingExpired)
	}
}

// openPending is PendingLogin, except that an expired state still names its
// user beside ErrPendingExpired. It returns the state's nonce too, which
// no other state has.
func (s *Service) openPending(state string) (userID string, nonce []byte, err error) {
	payload, ok := openToken(s.pendingKey, state, 4096)
	if !ok || len(payload) <= 25 || payload[0] != pendingVersion {
		return "", nil, ErrPendingInvalid
	}
	userID, nonce = string(payload[25:]), payload[9:25]
	expiry := time.Unix(int64(binary.BigEndian.Uint64(payload[1:9])), 0)
	if !s.cfg.Now().Before(expiry) {
		return userID, nonce, ErrPendingExpired
	}
	return userID, nonce, nil
}
