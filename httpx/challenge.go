package httpx

import (
	"net/http"
	"slices"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

func (h *Handler) challengeHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.withPending(h.challengePage))
	mux.HandleFunc("POST /{$}", h.withPending(h.verifyChallenge))
	mux.HandleFunc("GET /backup", h.withPending(h.backupPage))
	mux.HandleFunc("POST /backup", h.withPending(h.verifyBackup))
	mux.HandleFunc("POST /passkey", h.withPending(h.verifyPasskey))
	mux.HandleFunc("POST /send/{channel}", h.withPending(h.sendLoginCode))
	mux.HandleFunc("POST /code/{channel}", h.withPending(h.verifyLoginCode))
	mux.HandleFunc("GET /static/{file}", h.serveStatic)
	return h.wrap(kindChallenge, mux, "/passkey")
}

type pendingHandler func(w http.ResponseWriter, r *http.Request, userID string, lang int)

// withPending lets through only a visitor with a valid pending-login
// cookie, and hands on the user it names. Anything else goes back to the
// login page, told why when the state merely expired; a bad cookie is
// removed so it is not sent again.
func (h *Handler) withPending(next pendingHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(pendingCookie)
		if err != nil {
			h.redirectLogin(w, r, "")
			return
		}
		userID, err := h.svc.PendingLogin(c.Value)
		if err != nil {
			h.clearPending(w, r)
			reason := ""
			if isUserError(err, portalmfa.ErrPendingExpired) {
				reason = "expired"
				if r.Method == http.MethodPost {
					// A code came too late: the user's history shows it.
					if m := challengeMethod(r.URL.Path); m != "" {
						h.svc.ChallengeExpired(r.Context(), c.Value, m, h.client(r))
					}
				}
			}
			h.redirectLogin(w, r, reason)
			return
		}
		next(w, r, userID, h.pickLanguage(r, h.svc.UserLanguage(r.Context(), userID)))
	}
}

func (h *Handler) challengePage(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	h.showChallenge(w, r, userID, lang, http.StatusOK, nil)
}

// showChallenge renders the challenge with the user's factors: the code
// form when TOTP is on, the passkey button (a ceremony begun for this
// page) when they have passkeys.
func (h *Handler) showChallenge(w http.ResponseWriter, r *http.Request, userID string, lang int, status int, a *alert) {
	ctx := r.Context()
	st, err := h.svc.Status(ctx, userID)
	if err != nil {
		h.renderError(w, r, kindChallenge, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	v, e, err := h.challengeView(w, r, userID, lang, status, a)
	if err != nil {
		h.renderError(w, r, kindChallenge, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	// The factors the Service offers and the user's policy counts.
	passkeys := st.Factor(portalmfa.FactorPasskey).State == portalmfa.On && h.svc.PasskeysEnabled() && e.Allows("passkey")
	v.Send = slices.DeleteFunc(sends(h.svc, st, false), func(s sendView) bool { return !e.Allows(s.Channel) })
	totp := st.Factor(portalmfa.FactorTOTP).State == portalmfa.On && e.Allows("totp")
	if !totp && !passkeys && len(v.Send) == 0 && st.Enabled() {
		// The user's factors are none the Service offers now (a sender
		// gone from its configuration): backup codes still work.
		h.render(w, r, kindChallenge, lang, "backup.html", status, v)
		return
	}
	// The app's code form when the user has the app, or nothing at all.
	// (A user with no factor turned 2FA off since the password: the code
	// posted is answered by starting the login over.)
	if totp || !st.Enabled() {
		v.TOTP = "on"
	}
	if passkeys {
		c, err := h.svc.BeginPasskeyLogin(ctx, userID)
		if err != nil {
			h.renderError(w, r, kindChallenge, lang, h.unavailable(r, err), msgUnavailable)
			return
		}
		h.setCeremony(w, r, h.cfg.ChallengePath, c)
		v.PasskeyOptions = string(c.Options)
	}
	v.Focus = v.TOTP == "on"
	h.render(w, r, kindChallenge, lang, "challenge.html", status, v)
}

// verifyChallenge checks the code of the app.
func (h *Handler) verifyChallenge(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	if !h.postForm(w, r, kindChallenge, lang) {
		return
	}
	err := h.svc.VerifyTOTP(r.Context(), userID, r.PostForm.Get("code"), h.client(r))
	h.challengeResult(w, r, userID, lang, err)
}

// challengeResult answers a code or passkey of the challenge. Only a nil
// error from the Service lets the user on; every other outcome shows the
// page again or, when the state no longer holds, starts the login over.
func (h *Handler) challengeResult(w http.ResponseWriter, r *http.Request, userID string, lang int, err error) {
	switch {
	case err == nil:
		h.clearPending(w, r)
		h.trustIfAsked(w, r, userID)
		h.markSignIn(w, r, userID)
		h.cfg.SecondFactorPassed(w, r, userID)
	case isUserError(err, portalmfa.ErrNotEnrolled):
		// The factor was turned off since the password step: start over,
		// and the host will find whether a second factor is required.
		h.clearPending(w, r)
		h.redirectLogin(w, r, "")
	default:
		status, a := h.problem(w, r, lang, err)
		h.showChallenge(w, r, userID, lang, status, a)
	}
}

// challengeView is the data of the challenge's forms, shown with status
// and message a. A form shown again after a wrong code keeps its "trust
// this device" box as it was. While the user is locked out the form is
// disabled, and a page without a message says why before a code is typed.
//
// It returns the user's effective policy too, read once for the page.
func (h *Handler) challengeView(w http.ResponseWriter, r *http.Request, userID string, lang, status int, a *alert) (*view, policy.Effective, error) {
	v := &view{Alert: a, Focus: true, LoginURL: h.cfg.LoginURL, Trust: r.PostForm.Get("trust") == "1",
		Locked: a != nil && a.Lock, HelpURL: h.cfg.HelpURL}
	e, err := h.svc.UserPolicy(r.Context(), userID)
	if err != nil {
		return nil, e, err
	}
	v.TrustDays, v.TrustHours = trustLabel(h.svc.TrustPeriodUnder(e))
	if a == nil {
		locked, err := h.svc.LockedOut(r.Context(), userID)
		if err != nil {
			return nil, e, err
		}
		if locked != nil {
			_, v.Alert = h.locked(w, lang, locked.Wait)
			v.Locked = true
		}
	}
	return v, e, nil
}

func (h *Handler) backupPage(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	h.showBackup(w, r, userID, lang, http.StatusOK, nil)
}

func (h *Handler) showBackup(w http.ResponseWriter, r *http.Request, userID string, lang, status int, a *alert) {
	v, _, err := h.challengeView(w, r, userID, lang, status, a)
	if err != nil {
		h.renderError(w, r, kindChallenge, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	h.render(w, r, kindChallenge, lang, "backup.html", status, v)
}

// verifyBackup redeems a backup code. A wrong one counts towards the same
// lockout as a wrong TOTP code (the Service sees to that).
func (h *Handler) verifyBackup(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	if !h.postForm(w, r, kindChallenge, lang) {
		return
	}
	remaining, err := h.svc.VerifyBackupCode(r.Context(), userID, r.PostForm.Get("code"), h.client(r))
	switch {
	case err == nil:
		h.clearPending(w, r)
		h.trustIfAsked(w, r, userID)
		h.passWithBackupCode(w, r, userID, lang, remaining)
	case isUserError(err, portalmfa.ErrNotEnrolled):
		h.clearPending(w, r)
		h.redirectLogin(w, r, "")
	default:
		status, a := h.problem(w, r, lang, err)
		h.showBackup(w, r, userID, lang, status, a)
	}
}

// passWithBackupCode lets the host finish the login, then tells the user
// how many codes are left before they go where the host sends them. The
// host's redirect is caught rather than sent: its headers (the session
// cookie) go out with our page, whose Continue link is the redirect's
// Location. A host that answers otherwise is passed through untouched.
func (h *Handler) passWithBackupCode(w http.ResponseWriter, r *http.Request, userID string, lang int, remaining int) {
	h.markSignIn(w, r, userID)
	c := &redirectCatcher{w: w}
	h.cfg.SecondFactorPassed(c, r, userID)
	if !c.caught {
		return
	}
	hdr := w.Header()
	hdr.Del("Location")
	hdr.Del("Content-Length")
	setSecureHeaders(hdr) // our page, our policy
	h.render(w, r, kindChallenge, lang, "backup-used.html", http.StatusOK, &view{
		BackupCodes:    remaining,
		BackupCodesLow: remaining <= h.svc.LowBackupCodes(),
		ContinueURL:    c.location,
		RegenerateURL:  h.cfg.SecurityPath + "/backup-codes/regenerate",
	})
}

// redirectCatcher is the ResponseWriter SecondFactorPassed gets after a
// backup code. Headers go straight to the real response. A redirect (a 3xx
// status with a Location) is held back, body and all, for us to answer in
// its place; any other response is passed through as written.
type redirectCatcher struct {
	w        http.ResponseWriter
	caught   bool   // a redirect was held back
	passed   bool   // the response goes through as written
	location string // the caught redirect's Location
}

func (c *redirectCatcher) Header() http.Header { return c.w.Header() }

func (c *redirectCatcher) WriteHeader(code int) {
	switch {
	case c.caught:
		return
	case c.passed, code < 200: // informational answers come before the real one
		c.w.WriteHeader(code)
		return
	}
	if loc := c.w.Header().Get("Location"); code >= 300 && code < 400 && loc != "" {
		c.caught, c.location = true, loc
		return
	}
	c.passed = true
	c.w.WriteHeader(code)
}

func (c *redirectCatcher) Write(b []byte) (int, error) {
	if c.caught {
		return len(b), nil // the redirect's body: our page replaces it
	}
	if !c.passed {
		c.WriteHeader(http.StatusOK)
	}
	return c.w.Write(b)
}

// FlushError lets http.ResponseController flush a passed-through response;
// a caught one has nothing to flush.
func (c *redirectCatcher) FlushError() error {
	if c.caught {
		return nil
	}
	if !c.passed {
		c.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(c.w).Flush()
}

func (c *redirectCatcher) Unwrap() http.ResponseWriter { return c.w }
