package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/totp"
)

var _ totp.ResealStore = (*Store)(nil)

// {schema} is replaced by the quoted schema name (see resealQuery).
const (
	// user_id is COLLATE "C": the order is byte by byte, and the primary
	// key serves each page.
	sealedTOTPSecrets = `
		SELECT user_id, secret FROM {schema}.totp_enrollments
		WHERE user_id > $1 ORDER BY user_id LIMIT $2`

	// The old sealed bytes in the WHERE clause make the replacement
	// conditional: an update queued behind a concurrent change re-checks
	// them against the row that change left, and matches nothing.
	resealTOTPSecret = `
		UPDATE {schema}.totp_enrollments SET secret = $1
		WHERE user_id = $2 AND secret = $3`
)

// resealQuery fills in the schema of a re-sealing (or pruning) query.
// Those are an operator's occasional walk or an hourly chore, not a
// request's work, so their SQL is built per call rather than kept with the
// [queries] of every request.
func (s *Store) resealQuery(q string) string {
	return strings.ReplaceAll(q, "{schema}", pgx.Identifier{s.schema}.Sanitize())
}

// SealedTOTPSecrets implements [totp.ResealStore].
func (s *Store) SealedTOTPSecrets(ctx context.Context, afterUserID string, limit int) ([]totp.SealedSecret, error) {
	rows, err := s.db(ctx).Query(ctx, s.resealQuery(sealedTOTPSecrets), afterUserID, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("postgres: list sealed totp secrets: %w", err)
	}
	page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (totp.SealedSecret, error) {
		var e totp.SealedSecret
		err := row.Scan(&e.UserID, &e.Secret)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list sealed totp secrets: %w", err)
	}
	return page, nil
}

// ResealTOTPSecret implements [totp.ResealStore].
func (s *Store) ResealTOTPSecret(ctx context.Context, userID string, sealed, resealed []byte) error {
	tag, err := s.db(ctx).Exec(ctx, s.resealQuery(resealTOTPSecret), bytea(resealed), userID, bytea(sealed))
	if err != nil {
		return fmt.Errorf("postgres: reseal totp secret: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return totp.ErrNotEnrolled
	}
	return nil
}
