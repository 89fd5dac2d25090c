package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/portalmfa/portalmfa"
)

// BenchmarkOverview serves GET /my/security/ for a user with TOTP on, five
// trusted devices and a full history, in process (memory store): the page
// a signed-in user sees most.
func BenchmarkOverview(b *testing.B) {
	hs := newHost(b)
	hs.enroll("alice")
	for range 5 {
		hs.trust("alice", "192.0.2.1", firefoxUA)
	}
	for range 10 {
		_ = hs.svc.VerifyTOTP(context.Background(), "alice", "000000", portalmfa.Client{IP: "192.0.2.9"})
	}
	req := httptest.NewRequest(http.MethodGet, "http://portal.example/my/security/", nil)
	as("alice")(req)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		hs.mux.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
