// Package smtpmail sends the one-time codes of portalmfa by email over
// SMTP, on github.com/wneessen/go-mail. A [Sender] made by [New] has the
// method the Service asks of an email sender:
//
//	SendEmail(ctx context.Context, to, subject, body string) error
//
// so a host that has an SMTP account needs no code of its own; a host that
// sends mail another way (a provider's HTTP API, a queue) writes a type
// with that one method instead.
//
// # Transport security
//
// By default the connection must be upgraded with STARTTLS (port 587)
// before anything else is said, and the server's certificate is checked
// against the system roots for [Config.Host]; a server that does not offer
// STARTTLS is refused rather than spoken to in clear. [ImplicitTLS] is for
// servers that expect TLS from the first byte (port 465). [InsecurePlaintext]
// sends the password and the message in clear: it exists for tests and
// local development servers only. [Config.TLSConfig] lets a host trust a
// private certificate authority without turning verification off.
//
// When [Config.Username] is set, the Sender authenticates with PLAIN, or
// LOGIN when the server offers only that (a server offering neither gets
// the strongest mechanism go-mail knows among those it offers). PLAIN and
// LOGIN run only once the connection is encrypted, or when the server is
// on the loopback address.
//
// # Time
//
// A send runs inside the request that asked for a code, so a slow server
// must not hold the page: [Config.Timeout] (10 seconds by default) and the
// deadline of the caller's context, whichever comes first, bound the whole
// exchange — dialling, TLS, authentication and the message — not each
// step. When time runs out the connection is closed and SendEmail returns
// an error that matches context.DeadlineExceeded (or context.Canceled).
//
// # Errors
//
// Errors wrap their cause (errors.Is and errors.As see through them), but
// their text never holds the message body, which carries the code, nor the
// password: both are removed from the text should a server echo them.
package smtpmail
