package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/portalmfa/portalmfa"
)

// What each Service error shows. A failure on our side that happens to wrap
// a user error is still a failure on our side: 503, never "wrong code".
func TestProblem(t *testing.T) {
	h := newTestHandler(t)
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantText   string
		retryAfter string
	}{
		{"malformed", portalmfa.ErrMalformedCode, 422, "Enter the 6 digits", ""},
		{"invalid", fmt.Errorf("wrapped: %w", portalmfa.ErrInvalidCode), 422, "That code isn't right", ""},
		{"replayed", portalmfa.ErrReplayed, 422, "already been used", ""},
		{"wrong password", portalmfa.ErrWrongPassword, 422, "That password isn't right", ""},
		{"locked 90 s", &portalmfa.LockedOutError{Wait: 90 * time.Second}, 429, "in 2 minutes", "90"},
		{"locked 1 h", &portalmfa.LockedOutError{Wait: time.Hour}, 429, "in 60 minutes", "3600"},
		{"locked, already over", &portalmfa.LockedOutError{Wait: -time.Second}, 429, "in 1 minute.", "1"},
		{"suspended", portalmfa.ErrSuspended, 403, "passkey or a backup code", ""},
		{"unavailable", fmt.Errorf("%w: %w", portalmfa.ErrUnavailable, errors.New("db down")), 503, "on our side", ""},
		{"unavailable wrapping a user error", fmt.Errorf("%w: %w", portalmfa.ErrUnavailable, portalmfa.ErrInvalidCode), 503, "on our side", ""},
		{"unknown", errors.New("surprise"), 503, "on our side", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			status, a := h.problem(w, r, 0, tc.err)
			assert.Equal(t, tc.wantStatus, status)
			assert.Equal(t, "danger", a.Kind)
			assert.Contains(t, a.Text, tc.wantText)
			assert.Equal(t, tc.retryAfter, w.Header().Get("Retry-After"))
		})
	}
}
