// Command portal is a small customer portal, "Acme Customer Portal", that
// shows portalmfa in a host it does not own: the portal keeps its users,
// their passwords and its sessions; portalmfa adds the second factor.
//
// Run it from the repository root:
//
//	go run ./examples/portal
//	go run ./examples/portal -addr 127.0.0.1:8080 -db portalmfa-demo.db
//	go run ./examples/portal -origin https://portal.example   # behind a public URL
//	go run ./examples/portal -reseal                          # re-seal TOTP secrets, exit
//
// Open it as http://localhost:PORT (it prints that URL): browsers allow
// passkeys on localhost, never on an IP address such as 127.0.0.1.
//
// It prints its URL and two demo users, alice@example.com (English) and
// bruno@example.com (French), with their passwords. Sign in, open "My
// Account", then "Connection & Security" to turn on an authenticator app:
// scan the QR code, save the ten backup codes, confirm with a code. Sign
// out and in again to meet the login challenge, with the app or with one
// of the backup codes ("Use a backup code instead"); the page after a
// backup code tells how many are left, and "Connection & Security" offers
// new ones when few remain. Tick "Trust this device" at the challenge and
// the next sign-in on that browser asks for the password only;
// "Connection & Security" lists the trusted devices (this one marked) and
// the recent sign-in attempts, each with "This wasn't me". Add a passkey
// there too (after the password): the login challenge then offers it, and
// the login page signs in with it, no password, through the browser's
// autofill or its button.
//
// What the demo wires together:
//
//   - its own login form, password check (bcrypt) and session cookie;
//   - six demo users, one per language, each in a time zone of its own;
//   - its own pages in the signed-in user's language, else the one the
//     switcher at the foot of every page chose, else the browser's
//     (Accept-Language), else English, with the library's translator: its
//     words are go-i18n files, messages/*.json (en, fr, es, de, it, nl,
//     IDs under "acme."), which httpx loads beside its own
//     (Config.Messages); the templates read them with httpx's t, tn and
//     lang ([httpx.Handler.TemplateFuncs]), the handlers with
//     [httpx.Handler.Translate], so a page of the portal and one of the
//     library pick one language, from one catalog format, with one plural
//     rule. The switcher sets a signed-in user's preference, which the
//     library's pages follow too;
//   - after the password, [portalmfa.Service.SecondFactorRequired]: on an
//     error the login stops with "try again later" (fail closed), never
//     skipping the second factor; when a factor is on, the httpx challenge
//     takes over and calls the portal back once it passes;
//   - the httpx security pages mounted at /my/security/, wrapped in the
//     portal's own navbar through a layout.html override, whose words are
//     the portal's own messages (messages/*.json, httpx Config.Messages);
//   - a SQLite file (-db) for everything portalmfa stores, so enrollments
//     survive a restart;
//   - a [portalmfa.Notifier] that writes each notification (new trusted
//     device, 2FA turned off, backup code used, few codes left, repeated
//     failures, "this wasn't me") in the user's language, found through
//     Config.LookupUser, into an in-memory outbox shown at /dev/outbox, a
//     development page in place of the emails a real portal would send;
//     its words are messages of the same files, read with a go-i18n bundle
//     of its own, since no request is there to pick a language;
//   - codes by SMS and by email ([portalmfa.CodesConfig]): the same outbox
//     is the portal's SMS and email sender, so a code texted to a number
//     shows at /dev/outbox; -smtp host:port sends the emails through a real
//     SMTP server instead (STARTTLS; the account from PORTAL_SMTP_USER,
//     PORTAL_SMTP_PASSWORD and PORTAL_SMTP_FROM). The demo's addresses count
//     as verified, and numbers typed without a country code as French;
//   - a password page, /account/password (bcrypt, in memory), which calls
//     [portalmfa.Service.PasswordChanged] so every trusted device is
//     revoked; the security page links to it after "this wasn't me";
//   - an hourly [portalmfa.Service.PruneHistory], started by run and
//     stopped before the database closes.
//
// The demo serves plain http on localhost, so the trusted-device cookie is
// "portalmfa_device", without the __Host- prefix and Secure that httpx
// gives it over HTTPS: browsers refuse both on plain http.
//
// The key ring needs 32 random bytes. On its first start the demo makes them
// with crypto/rand and keeps them, hex-encoded with mode 0600, next to the
// database as <db>.key; later starts read that file. Lose it and every
// stored secret becomes unreadable: logins of users with a second factor
// then fail closed. That file is a demo shortcut: a production portal takes
// its keys from a secret manager.
//
// The session store, the outbox and changed passwords are in memory, so a
// restart signs everyone out, empties the outbox and brings the printed
// passwords back; the second-factor data is what persists.
package main
