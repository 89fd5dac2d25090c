package portalmfa

import (
	"context"
	"errors"
	"fmt"

	"github.com/portalmfa/portalmfa/totp"
)

// resealPage is how many sealed secrets ResealSecrets reads at a time: few
// enough that a page is small, enough that the walk is not all round trips.
const resealPage = 100

// ResealSecrets seals again, under the newest key of Config.Keys, every
// stored TOTP secret (pending or active) that an older key sealed, and
// returns how many it re-sealed. Once every secret is sealed under the
// newest key, the older keys open none of them, and a key can leave the
// ring as far as TOTP is concerned. It is safe to run at any time, while
// the portal serves, and as often as one likes: a secret already under the
// newest key is left alone, and one that changed while the walk went by
// (a new enrollment, a removal) is never overwritten.
//
// Put the new key first on every instance of the portal before re-sealing:
// an instance without it could not open what the pass re-seals, and one
// still sealing under the old key would make secrets the pass has walked
// past.
//
// Only the TOTP secrets are re-sealed. What the other purposes made under
// an older key cannot be made again from what is stored: backup codes
// hashed under it stop working when it leaves the ring (their user makes
// new ones). Passkeys do not depend on it. Pending logins and recent verifications signed with it
// last minutes, and are refused once it is gone.
//
// It needs a Store that is a [totp.ResealStore], and errs at once without
// one. A store failure stops it with an error wrapping [ErrUnavailable];
// what it re-sealed so far stays re-sealed, and running it again finishes
// the job. A secret that no key of the ring opens is skipped and logged,
// and the walk goes on; the error returned at the end then wraps
// [totp.ErrUnsealable]. Such a secret did not open before either: its user
// meets ErrUnavailable at the challenge until an administrator removes it.
func (s *Service) ResealSecrets(ctx context.Context) (int, error) {
	if s.resealer == nil {
		return 0, errors.New("portalmfa: the Store cannot list its sealed secrets (it is no totp.ResealStore)")
	}
	resealed, unopened := 0, 0
	after := ""
	for {
		page, err := s.resealer.SealedTOTPSecrets(ctx, after, resealPage)
		if err != nil {
			return resealed, unavailable(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			switch done, err := s.reseal(ctx, e); {
			case errors.Is(err, totp.ErrUnsealable):
				s.log.ErrorContext(ctx, "portalmfa: re-sealing: cannot open totp secret", "user", e.UserID, "err", err)
				unopened++
			case err != nil:
				return resealed, err
			case done:
				resealed++
			}
		}
		after = page[len(page)-1].UserID
	}
	s.log.InfoContext(ctx, "portalmfa: totp secrets re-sealed", "resealed", resealed, "unopened", unopened)
	if unopened > 0 {
		return resealed, fmt.Errorf("portalmfa: %d TOTP secret(s) open with no key of Config.Keys: %w", unopened, totp.ErrUnsealable)
	}
	return resealed, nil
}

// reseal seals e's secret again under the newest key, unless it is already
// or it changed since it was listed; it reports whether it replaced it.
func (s *Service) reseal(ctx context.Context, e totp.SealedSecret) (bool, error) {
	if s.sealer.Current(e.Secret) {
		return false, nil
	}
	secret, err := s.sealer.Open(e.Secret, e.UserID)
	if err != nil {
		return false, err
	}
	sealed, err := s.sealer.Seal(secret, e.UserID)
	clear(secret)
	if err != nil {
		return false, unavailable(err)
	}
	switch err := s.resealer.ResealTOTPSecret(ctx, e.UserID, e.Secret, sealed); {
	case errors.Is(err, totp.ErrNotEnrolled):
		// Deleted or replaced since it was listed; whatever replaced it
		// was sealed by a Service, under its newest key.
		return false, nil
	case err != nil:
		return false, unavailable(err)
	}
	return true, nil
}
