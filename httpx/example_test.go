package httpx_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/store/memory"
)

// ExampleNew mounts the security page and the login challenge in a portal.
// The portal's own session decides who is signed in; a visitor without
// one is sent to the login page.
func ExampleNew() {
	key := make([]byte, 32)
	rand.Read(key) // in a real portal: loaded from the portal's secret store

	svc, err := portalmfa.New(portalmfa.Config{
		Issuer: "Acme Portal",
		Keys:   [][]byte{key},
		Store:  memory.New(),
		CheckPassword: func(ctx context.Context, userID, password string) (bool, error) {
			return false, nil // the portal's password check
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	mfa, err := httpx.New(httpx.Config{
		Service: svc,
		CurrentUser: func(r *http.Request) (portalmfa.User, bool) {
			return portalmfa.User{}, false // the portal's session lookup
		},
		SecondFactorPassed: func(w http.ResponseWriter, r *http.Request, userID string) {
			// The portal starts its session for userID here.
			http.Redirect(w, r, "/", http.StatusSeeOther)
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/my/security/", http.StripPrefix("/my/security", mfa.Security()))
	mux.Handle("/login/2fa/", http.StripPrefix("/login/2fa", mfa.Challenge()))
	// In the portal's login handler, once the password is right:
	//
	//	if required, err := svc.SecondFactorRequired(ctx, userID); err != nil {
	//		// try again later; never let the user in
	//	} else if required {
	//		err = mfa.StartChallenge(w, r, userID) // redirects to /login/2fa/
	//	}

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/my/security/", nil))
	fmt.Println(w.Code, w.Header().Get("Location"))
	// Output: 303 /login
}
