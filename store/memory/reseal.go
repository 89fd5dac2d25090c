package memory

import (
	"bytes"
	"context"
	"slices"

	"github.com/portalmfa/portalmfa/totp"
)

var _ totp.ResealStore = (*Store)(nil)

// SealedTOTPSecrets implements [totp.ResealStore].
func (s *Store) SealedTOTPSecrets(_ context.Context, afterUserID string, limit int) ([]totp.SealedSecret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var users []string
	for id := range s.totp {
		if id > afterUserID {
			users = append(users, id)
		}
	}
	slices.Sort(users)
	users = users[:min(len(users), max(limit, 0))]
	page := make([]totp.SealedSecret, len(users))
	for i, id := range users {
		page[i] = totp.SealedSecret{UserID: id, Secret: bytes.Clone(s.totp[id].Secret)}
	}
	return page, nil
}

// ResealTOTPSecret implements [totp.ResealStore].
func (s *Store) ResealTOTPSecret(_ context.Context, userID string, sealed, resealed []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok || !bytes.Equal(e.Secret, sealed) {
		return totp.ErrNotEnrolled
	}
	e.Secret = bytes.Clone(resealed)
	s.totp[userID] = e
	return nil
}
