// Package httpx is the net/http face of portalmfa: the account-security
// pages a portal user manages their second factor with, and the second
// step of their login. It speaks HTTP and renders pages; every decision
// is the [portalmfa.Service]'s.
//
// # Mounting
//
// [New] takes the Service and three functions of the host: who is signed
// in, what to do once the second factor is passed, and (optionally) the
// language of a user at the challenge. The host mounts two handlers with
// their prefix stripped:
//
//	mfa, err := httpx.New(httpx.Config{
//		Service:            svc,
//		CurrentUser:        sessionUser,   // func(*http.Request) (portalmfa.User, bool)
//		SecondFactorPassed: finishLogin,   // starts the session, redirects
//	})
//	mux.Handle("/my/security/", http.StripPrefix("/my/security", mfa.Security()))
//	mux.Handle("/login/2fa/", http.StripPrefix("/login/2fa", mfa.Challenge()))
//
//	// In the login handler, after the password:
//	required, err := svc.SecondFactorRequired(ctx, userID)
//	if err != nil { /* "try again later"; never let the user in */ }
//	if required {
//		err = mfa.StartChallenge(w, r, userID) // sets the cookie, 303 to /login/2fa/
//		return
//	}
//
// [http.ServeMux] redirects "/my/security" to "/my/security/" by itself;
// with another router, add that redirect. Mounted elsewhere, set
// Config.SecurityPath and Config.ChallengePath to match.
//
// # Routes
//
// Security(), behind the host's session (CurrentUser); without one, GETs
// are redirected to Config.LoginURL and POSTs get 403:
//
//	GET  /                 overview: TOTP off, pending or on since a date; ?done=totp-on|totp-off
//	POST /totp/begin       start (or restart) enrollment, 303 to /totp/setup
//	GET  /totp/setup       the wizard: QR code, manual key, code form
//	GET  /totp/qr.png      the pending secret as a QR code (404 when none)
//	POST /totp/confirm     check the code and turn TOTP on, 303 to /?done=totp-on
//	GET  /totp/disable     password form
//	POST /totp/disable     check the password and turn TOTP off, 303 to /?done=totp-off
//	GET  /static/{file}    portalmfa.css, portalmfa.js
//
// Challenge(), behind the pending-login cookie; without a valid one, 303 to
// Config.LoginURL (with ?reason=expired when it merely expired):
//
//	GET  /                 the code form
//	POST /                 check the code; on success call SecondFactorPassed
//	GET  /static/{file}    as above
//
// Other methods get 405. Wrong input gets the page again with a translated
// message: 422 for a malformed or wrong code or password, 429 with the wait
// while locked out, 503 when the store fails (logged; never a pass). POSTs
// from another site are refused (403) by [http.CrossOriginProtection];
// bodies over 4 KiB get 413. Every response carries a strict
// Content-Security-Policy (our own files only, no inline script or style),
// X-Frame-Options DENY, Referrer-Policy no-referrer and nosniff; pages are
// Cache-Control: no-store.
//
// # The pending-login cookie
//
// StartChallenge stores the Service's signed pending-login state in the
// cookie "portalmfa_pending": HttpOnly, SameSite=Lax, Path=ChallengePath,
// Secure when the request came over TLS, and expiring with the state
// (Config.PendingLoginTTL of the Service). It is not a session: it opens
// the challenge and nothing else, and it is deleted once the challenge is
// passed.
//
// # Templates and look
//
// Pages are html/template files embedded in the package and parsed once by
// New. layout.html is the chrome (html, head, the stylesheet, a Bootstrap
// container) and calls {{template "content" .}}; each page (overview.html,
// setup.html, disable.html, challenge.html, error.html) defines "content"
// and "title"; partials.html holds shared blocks. A file of the same name in
// Config.Templates replaces ours, so a portal wraps the pages in its own
// chrome by supplying just layout.html. Templates may call:
//
//	t "message.id" ["Name" value]…   a message in the page's language
//	tn "message.id" count            its plural form for count
//	mount                            the path of the page's handler
//	lang                             the language tag, for <html lang>
//	asset "portalmfa.css"            the versioned URL of our static file
//
// and read the page data: .User (the signed-in portalmfa.User on security
// pages), .Alert (.Kind, .Text), .TOTP ("off", "pending",
// "on"), .Since, .Key, .KeyGroups, .Focus, .Username, .SignIn, .LoginURL.
//
// The markup is standard Bootstrap 5 (card, list-group, alert, badge,
// btn, form-control), so inside a portal that loads Bootstrap it looks
// native. For portals without it, portalmfa.css covers just those classes.
// Static files are cached for good under their versioned URL ({{asset}})
// and revalidated under the plain one ({{mount}}/static/portalmfa.css).
// The CSP allows stylesheets, scripts and images from the portal's own
// origin only: a replaced layout must not use a CDN or inline code.
//
// # Languages
//
// English, French, Spanish, German, Italian and Dutch. The page's language
// is the user's (User.Language, or Config.UserLanguage at the challenge),
// else the browser's Accept-Language, else English.
package httpx
