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
//	mux.Handle("/login/passkey/", http.StripPrefix("/login/passkey", mfa.Passwordless()))
//
//	// In the login handler, after the password:
//	decision, err := svc.SignInDecision(ctx, user)
//	if err != nil { /* "try again later"; never let the user in */ }
//	if decision == portalmfa.Challenge {
//		err = mfa.StartChallenge(w, r, user.ID) // sets the cookie, 303 to /login/2fa/
//		return
//	}
//	// Otherwise start the session; for portalmfa.EnrollNow, Confine keeps
//	// the user on the security page until a factor is on:
//	handler := mfa.Confine(mux, "/logout")
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
//	GET  /                           overview: TOTP off, pending or on since a date, passkeys,
//	                                 backup codes left, trusted devices, recent sign-in activity;
//	                                 ?done=totp-on|totp-off|passkey-added|passkey-renamed|
//	                                 passkey-deleted|phone-added|phone-removed|email-on|
//	                                 email-off|device-renamed|device-revoked|
//	                                 devices-revoked|not-me
//	GET  /verify?need=…&next=…       confirm it's you: the password, a code (of the app, or a
//	                                 backup code) or a passkey, as need says
//	POST /verify                     check it (field method=password|code|passkey|sms|email),
//	                                 set the proof cookie, 303 to next (a path of this handler)
//	POST /verify/send/{sms,email}    send a code for the verification, and show its field
//	                                 (email only when it is a factor of its own)
//	POST /totp/begin                 start (or restart) enrollment, 303 to /totp/setup
//	GET  /totp/setup                 wizard step 1: QR code and manual key (begins the
//	                                 enrollment when none is pending)
//	GET  /totp/qr.png                the pending secret as a QR code (404 when none)
//	POST /totp/codes                 step 1's Next: 303 to GET /totp/codes
//	GET  /totp/codes                 wizard step 2 of a first factor: the backup codes, made on
//	                                 the first visit, the same until the wizard ends (303 to
//	                                 /totp/confirm once 2FA is on)
//	POST /totp/cancel                Cancel in the wizard: the pending enrollment goes, 303 to /
//	GET  /totp/confirm               wizard step 3: the code form
//	POST /totp/confirm               check the code and turn TOTP on, 303 to /?done=totp-on
//	POST /backup-codes/download      the posted codes as backup-codes.txt
//	GET  /backup-codes/regenerate    confirmation
//	POST /backup-codes/regenerate    replace the codes and show the new ones, once
//	GET  /totp/disable               confirmation
//	POST /totp/disable               turn TOTP off, 303 to /?done=totp-off
//	GET  /passkeys/add               begin a registration: the page our script runs it from
//	POST /passkeys/add               finish it (field "response"); a first factor shows the
//	                                 account's backup codes, once; else 303 to /?done=passkey-added
//	POST /passkeys/{id}/rename       rename a passkey (field "name")
//	GET  /passkeys/{id}/delete       confirmation
//	POST /passkeys/{id}/delete       delete it, 303 to /?done=passkey-deleted
//	GET  /phone/add                  the number form (when the Service sends SMS)
//	POST /phone/add                  text a code to the number (field "number"; again with
//	                                 resend=1 from the code's page) and ask for it
//	POST /phone/confirm              check it (fields "number", "code"): the number is the
//	                                 user's; a first factor shows the backup codes, once; else
//	                                 303 to /?done=phone-added
//	GET  /phone/remove               confirmation
//	POST /phone/remove               remove the number, 303 to /?done=phone-removed
//	GET  /email/enable               confirmation (when the Service sends email)
//	POST /email/enable               codes by email on, 303 to /?done=email-on
//	GET  /email/disable              confirmation
//	POST /email/disable              codes by email off, 303 to /?done=email-off
//
// The actions that change factors or codes (begin, setup, regenerate,
// disable, passkeys add and delete, phone and email) need a recent
// verification; without
// one, they answer 303 to /verify, which comes back to their GET page.
// Turning a first factor on and removing the last need the password,
// adding another factor and new backup codes need a factor.
//
//	POST /devices/{id}/rename        rename a trusted device (field "name"), 303 to /?done=device-renamed
//	POST /devices/{id}/revoke        stop trusting a device, 303 to /?done=device-revoked
//	POST /devices/revoke-all         stop trusting every device, 303 to /?done=devices-revoked
//	GET  /history/{id}/not-me        "this wasn't me" on a sign-in attempt: what it will do
//	POST /history/{id}/not-me        confirmed: every trusted device is revoked, the host ends
//	                                 the other sessions, 303 to /?done=not-me
//	GET  /static/{file}              portalmfa.css, portalmfa.js
//
// Challenge(), behind the pending-login cookie; without a valid one, 303 to
// Config.LoginURL (with ?reason=expired when it merely expired):
//
//	GET  /                 the app's code form (when the user has the app, or nothing
//	                       else to offer), the passkey button for a user with passkeys,
//	                       and a button that sends a code by SMS, or by email, to each
//	                       destination the user has
//	POST /                 check the code; on success call SecondFactorPassed
//	POST /passkey          check the passkey (field "response"); likewise
//	GET  /backup           the backup-code form
//	POST /backup           redeem a backup code; on success call SecondFactorPassed (see below)
//	POST /send/{sms,email} send a code for this login to the user's number or address, and
//	                       show the page that asks for it (again: a new code, after the
//	                       cooldown; 429 with Retry-After past the hourly cap, 502 when
//	                       the sender failed)
//	POST /code/{sms,email} check a code sent so; on success call SecondFactorPassed
//	GET  /static/{file}    as above
//
// Both forms carry the "trust this device" box (field trust=1; see Trusted
// devices below).
//
// Other methods get 405. Wrong input gets the page again with a translated
// message: 422 for a malformed or wrong code (TOTP or backup), password or
// device name, saying how many tries are left once two or fewer are;
// 429 with the wait from the failure that sets a lock on, its form disabled
// until the lock ends (wrong TOTP codes, backup codes and passwords fill one
// counter); 503 when the store fails (logged; never a
// pass). A device or history entry that is not the user's own gets 404,
// and nothing changes. POSTs
// from another site are refused (403) by [http.CrossOriginProtection];
// bodies over 4 KiB (32 KiB for the forms that carry a passkey's answer) get 413. Every response carries a strict
// Content-Security-Policy (our own files only, no inline script or style),
// X-Frame-Options DENY, Referrer-Policy no-referrer and nosniff; pages are
// Cache-Control: no-store.
//
// # Policies
//
// The overview shows the banner of the user's policy (id
// portalmfa-banner): info when a factor is recommended, a warning with the
// deadline and the days left while one is required, danger once overdue;
// a policy's own text, in the page's language, replaces the default. Kinds
// of factor the policy does not count are not offered there, nor at the
// challenge, where a user left with none signs in with a backup code.
// [Handler.Confine] redirects every other request of an overdue user to
// the overview.
//
// # The administrator's console
//
// Admin(), for the administrator Config.CurrentAdmin names (403 for anyone
// else, 404 for all without CurrentAdmin), mounted behind the host's own
// administrator authentication:
//
//	GET  /                         the overview: the share of users with 2FA, by method
//	                               (a chart drawn on the server), who a policy waits on,
//	                               the last 24 hours' failed challenges and lockouts
//	GET  /policies                 the policies, with how many users each applies to
//	GET  /policies/new             the form
//	POST /policies/new             action=preview: how many users it would apply to;
//	                               action=save: store it, 303 to /policies?done=saved
//	GET  /policies/{name}          the form, filled
//	POST /policies/{name}          as above, the name kept; field "revision", the one
//	                               the form was made from: 409 if saved since
//	GET  /policies/{name}/delete   confirmation
//	POST /policies/{name}/delete   delete it (field "revision", as above), 303 to
//	                               /policies?done=deleted
//	GET  /users                    every user's state (Config.ListUsers, the store's
//	                               summary), ?q= searched by the host, ?filter=no-2fa|
//	                               in-grace|overdue, ?page=, 25 a page
//	GET  /users.csv                the same, every page, as CSV (cells that a
//	                               spreadsheet would read as a formula get a quote)
//	GET  /users/{id}/reset         the user's state, and a reason to give
//	POST /users/{id}/reset         reset their second factor (field "reason",
//	                               required), 303 to /users?done=reset
//	GET  /audit                    every user's security events, newest first (the
//	                               store's history.Log): ?user=, ?kind= (failed,
//	                               attempts, or a kind of event), ?from= and ?to= (days
//	                               in the administrator's zone), 50 a page, the next
//	                               ?after= the last shown; 501 without history.Log
//
// Times and days are the administrator's (CurrentAdmin's TimeZone), and so
// is the language, before the browser's.
//
// Policies kept in portalmfa's Config are listed, not editable (404).
//
// # Backup codes
//
// The wizard has three steps. Step 1 shows the key; its Next posts to
// /totp/codes, which makes ten backup codes and shows them (step 2); step 3
// asks for a code and turns TOTP on, and the codes with it. Until then the
// codes are worth nothing, so a wizard left half-way leaves nothing active;
// a confirmation that skipped step 2 goes back to step 1 with a message.
//
// The codes page (step 2, or after regenerating) is the only place codes
// are ever shown; the server keeps only their hashes. Its Download button
// posts them back to /backup-codes/download, which answers a text file
// (a heading naming the account and the date, then one code a line, CRLF)
// as an attachment: codes travel in request bodies only, never in a URL,
// and are never logged. Copy and Print are buttons of portalmfa.js; the
// stylesheet's print rules print the codes card alone.
//
// # After a backup code
//
// A user who signs in with a backup code should learn how many are left.
// So POST /backup, once the code is redeemed, clears the pending-login
// cookie and calls SecondFactorPassed with a ResponseWriter that holds back
// a redirect (a 3xx status with a Location header) instead of sending it.
// Headers the host sets, its session cookie first of all, go straight to
// the real response. When the host redirected, httpx answers 200 with its
// own page in the redirect's place: "Signed in with a backup code", how
// many codes are left, a Continue link to the redirect's Location, and,
// when few are left (the Service's Config.LowBackupCodes), a link to
// regenerate them under SecurityPath. That page carries our CSP and
// security headers, which replace any of the same name the host set. A host
// that answers otherwise (a page, an error) has its response passed
// through untouched. After a TOTP code, SecondFactorPassed writes to the
// real response as before.
//
// # The pending-login cookie
//
// StartChallenge stores the Service's signed pending-login state in the
// cookie "portalmfa_pending": HttpOnly, SameSite=Lax, Path=ChallengePath,
// Secure over HTTPS (Config.HTTPS), and expiring with the state
// (Config.PendingLoginTTL of the Service). It is not a session: it opens
// the challenge and nothing else, and it is deleted once the challenge is
// passed.
//
// # Trusted devices
//
// Each form of the challenge has a box "Trust this device for N days" (N
// from the Service's Config.TrustDeviceFor). When the code passes with the
// box ticked, [portalmfa.Service.TrustDevice] remembers the browser and the
// response sets the trusted-device cookie: its value is the token alone
// (the Service keeps only a hash), HttpOnly, SameSite=Lax, Path=/, for as
// long as the device is trusted. Over HTTPS (Config.HTTPS; by default,
// when r.TLS is set) the cookie is "__Host-portalmfa_device" and Secure, with no Domain:
// only this host, over HTTPS, can set or read it. Browsers refuse the
// __Host- prefix without Secure, and Secure cookies over plain http, so a
// portal served on http (the demo on localhost) gets "portalmfa_device"
// without either. Behind a proxy that ends TLS, r.TLS is nil: set
// Config.HTTPS to say the browser's side is HTTPS.
//
// [Handler.StartChallenge] reads that cookie. The host calls it only after
// the password was checked; if [portalmfa.Service.UseTrustedDevice] accepts
// the token for that user, the challenge is skipped and SecondFactorPassed
// called at once. One user's token never spares another user the second
// factor: the token is looked up together with the user. A token the
// Service does not know for the user (another user's, expired, revoked,
// tampered with) gets the cookie deleted and the challenge as usual; a
// store failure is an error, and the login stops ("try again later").
//
// The overview lists the devices: name, IP, last use, expiry, status
// (active, expired, revoked), and "This device" on the one whose ID
// ([portalmfa.Service.DeviceID]) matches the browser's cookie. Each can be renamed or
// revoked, or all revoked at once; revoking this browser's device deletes
// its cookie. Device IDs in the forms are checked against the signed-in
// user by the Service.
//
// # Sign-in history
//
// The overview shows the user's last [portalmfa.HistoryLength] second-factor
// attempts, newest first: date and time in the user's language, method,
// IP, device, and the result; failures are marked, with the reason. The
// sign-in of the browser looking at the page is marked "This sign-in" (a
// cookie, portalmfa_signin, names it when the challenge passes). Every other
// entry links to "This wasn't me", which says what it will do and asks to
// confirm: [portalmfa.Service.NotMe] revokes every trusted device and
// records the report, Config.EndOtherSessions ends the user's other
// sessions, and the overview then says exactly that, marks the entry
// "Reported" and links to Config.ChangePasswordURL, when the host set one.
//
// # Templates and look
//
// Pages are html/template files embedded in the package and parsed once by
// New. layout.html is the chrome (html, head, the stylesheet, a Bootstrap
// container) and calls {{template "content" .}}; each page (overview.html,
// setup.html, codes.html, confirm.html, regenerate.html, disable.html,
// challenge.html, backup.html, backup-used.html, not-me.html, error.html) defines
// "content" and "title"; partials.html holds shared blocks. A file of the same name in
// Config.Templates replaces ours, so a portal wraps the pages in its own
// chrome by supplying just layout.html. A page replaced whole must keep
// its forms' fields: the console's policy and delete forms carry the
// hidden "revision" they were made from, without which they are refused
// (400). Templates may call:
//
//	t "message.id" ["Name" value]…   a message in the page's language
//	tn "message.id" count            its plural form for count
//	mount                            the path of the page's handler
//	lang                             the language tag, for <html lang>
//	asset "portalmfa.css"            the versioned URL of our static file
//
// and the host's own: Config.Messages adds its texts (locale files in our
// format, IDs of its own, such as "acme.nav.sign_out") to what t and tn
// find, and Config.Funcs its template functions. The host's own pages can
// speak the same way: [Handler.TemplateFuncs] gives them t, tn and lang
// bound to the language ours would pick, and [Handler.Translate] a
// message outside a template. Our templates read the page data:
// .User (the signed-in portalmfa.User on security pages), .Alert (.Kind,
// .Text, .Link, .LinkText, .For), .TOTP ("off", "pending", "on",
// "replacing"), .Since, .BackupCodes, .BackupCodesLow, .Devices (each
// .ID, .Name, .IP, .LastUsed, .Expires, .Revoked, .Status, .Current,
// .Invalid, .Alert), .ActiveDevices, .History (each .ID, .When, .Datetime,
// .Method, .Success, .Reason, .IP, .Device, .Reported, .Current), .Step
// (1–3 in the wizard), .Key,
// .KeyGroups, .Codes, .CodesHeading, .CodesText, .Regenerated,
// .ContinueURL, .RegenerateURL, .Trust, .TrustDays, .TrustHours, .Focus,
// .Username, .SignIn, .LoginURL.
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
// is the user's (User.Language, or the Service's Config.LookupUser at the challenge),
// else the browser's Accept-Language, else English.
package httpx
