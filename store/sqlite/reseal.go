package sqlite

import (
	"context"
	"fmt"

	"github.com/portalmfa/portalmfa/totp"
)

var _ totp.ResealStore = (*Store)(nil)

// SealedTOTPSecrets implements [totp.ResealStore]. user_id is TEXT with
// SQLite's default BINARY collation, so the order is byte by byte, and the
// primary key serves each page.
func (s *Store) SealedTOTPSecrets(ctx context.Context, afterUserID string, limit int) ([]totp.SealedSecret, error) {
	rows, err := s.query(ctx, `
		SELECT user_id, secret FROM totp_enrollments
		WHERE user_id > ?1 ORDER BY user_id LIMIT ?2`,
		afterUserID, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list sealed totp secrets: %w", err)
	}
	defer rows.Close()
	var page []totp.SealedSecret
	for rows.Next() {
		var e totp.SealedSecret
		if err := rows.Scan(&e.UserID, &e.Secret); err != nil {
			return nil, fmt.Errorf("sqlite: list sealed totp secrets: %w", err)
		}
		page = append(page, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list sealed totp secrets: %w", err)
	}
	return page, nil
}

// ResealTOTPSecret implements [totp.ResealStore]: the update matches the
// old sealed bytes, so a secret changed since it was read is left alone.
func (s *Store) ResealTOTPSecret(ctx context.Context, userID string, sealed, resealed []byte) error {
	res, err := s.exec(ctx, `
		UPDATE totp_enrollments SET secret = ?1 WHERE user_id = ?2 AND secret = ?3`,
		blob(resealed), userID, blob(sealed))
	if err != nil {
		return fmt.Errorf("sqlite: reseal totp secret: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: reseal totp secret: %w", err)
	} else if n == 0 {
		return totp.ErrNotEnrolled
	}
	return nil
}
