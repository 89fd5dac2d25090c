package smtpmail

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode says how the connection to the server is secured.
type TLSMode int

const (
	// StartTLS, the default, connects in clear and requires the server to
	// upgrade the connection with STARTTLS before anything else; a server
	// that does not offer it is refused. Default port 587.
	StartTLS TLSMode = iota
	// ImplicitTLS speaks TLS from the first byte ("SMTPS"). Default port
	// 465.
	ImplicitTLS
	// InsecurePlaintext never encrypts: the password and every code travel
	// in clear. For tests and local development servers only, never in
	// production. Default port 25.
	InsecurePlaintext
)

// DefaultTimeout bounds a whole send when [Config.Timeout] is zero.
const DefaultTimeout = 10 * time.Second

// Config describes the SMTP account a [Sender] sends from.
type Config struct {
	// Host is the server's name, also the name its certificate must hold
	// (unless TLSConfig.ServerName says otherwise). Required.
	Host string
	// Port defaults by TLS mode: 587, 465 or 25.
	Port int
	// Username and Password authenticate the Sender. An empty Username
	// means no authentication, for a relay that trusts its clients by
	// address.
	Username, Password string
	// From is the sender, an RFC 5322 address with or without a name:
	// "Example Portal <no-reply@portal.example>". Required.
	From string
	// TLS is how the connection is secured; the zero value is [StartTLS].
	TLS TLSMode
	// TLSConfig, optional, is cloned and used for the TLS handshake, for
	// example with RootCAs holding a private authority. nil means the
	// system roots. ServerName defaults to Host, MinVersion to TLS 1.2.
	TLSConfig *tls.Config
	// Timeout bounds a whole send, from dialling to the server's answer to
	// the message; the context given to SendEmail may end it sooner.
	// Zero means [DefaultTimeout].
	Timeout time.Duration
}

// ErrConfig is wrapped by the errors [New] returns for a Config it
// cannot use.
var ErrConfig = errors.New("smtpmail: invalid config")

// ErrInvalidAddress is wrapped by the error SendEmail returns when the
// recipient is not one RFC 5322 address. Nothing is sent.
var ErrInvalidAddress = errors.New("smtpmail: invalid recipient address")

// Sender sends plain-text email through one SMTP account. It holds no
// connection between sends, and is safe for concurrent use.
type Sender struct {
	host      string
	port      int
	username  string
	password  string
	from      *mail.Address
	mode      TLSMode
	tlsConfig *tls.Config
	timeout   time.Duration
}

// New checks cfg, fills its defaults and returns a Sender.
func New(cfg Config) (*Sender, error) {
	if strings.TrimSpace(cfg.Host) == "" {
		return nil, fmt.Errorf("%w: no host", ErrConfig)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("%w: port %d out of range", ErrConfig, cfg.Port)
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, fmt.Errorf("%w: a password without a username", ErrConfig)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout", ErrConfig)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("%w: from address: %w", ErrConfig, err)
	}
	s := &Sender{
		host:     cfg.Host,
		port:     cfg.Port,
		username: cfg.Username,
		password: cfg.Password,
		from:     from,
		mode:     cfg.TLS,
		timeout:  cfg.Timeout,
	}
	switch cfg.TLS {
	case StartTLS:
		s.port = orDefault(s.port, 587)
	case ImplicitTLS:
		s.port = orDefault(s.port, 465)
	case InsecurePlaintext:
		s.port = orDefault(s.port, 25)
	default:
		return nil, fmt.Errorf("%w: unknown TLS mode %d", ErrConfig, cfg.TLS)
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if cfg.TLSConfig != nil {
		s.tlsConfig = cfg.TLSConfig.Clone()
	} else {
		s.tlsConfig = &tls.Config{}
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = cfg.Host
	}
	if s.tlsConfig.MinVersion == 0 {
		s.tlsConfig.MinVersion = tls.VersionTLS12
	}
	return s, nil
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// SendEmail sends one plain-text UTF-8 message to the single address to.
// The subject may hold any Unicode text; it is encoded for the header.
// The whole exchange ends when the Sender's timeout or ctx's deadline,
// whichever comes first, is reached.
func (s *Sender) SendEmail(ctx context.Context, to, subject, body string) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAddress, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	remaining := time.Until(deadline)
	if err := ctx.Err(); err != nil || remaining <= 0 {
		return fmt.Errorf("smtpmail: not sent: %w", context.Cause(ctx))
	}

	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(rcpt)
	msg.Subject(subject)
	msg.SetBodyString(gomail.TypeTextPlain, body)

	// go-mail bounds each command with its timeout but uses the context
	// for dialling only. To bound the whole exchange, the connection is
	// dialled here and closed the moment ctx ends, which fails whatever
	// read or write is waiting.
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		var conn net.Conn
		var err error
		if s.mode == ImplicitTLS {
			td := tls.Dialer{NetDialer: &d, Config: s.tlsConfig}
			conn, err = td.DialContext(dialCtx, network, addr)
		} else {
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}

	opts := []gomail.Option{
		gomail.WithPort(s.port),
		// The context, closing the connection, is what ends a slow send;
		// go-mail's own per-command deadline is a backstop set a little
		// later, so that the error reliably says the deadline passed.
		gomail.WithTimeout(remaining + time.Second),
		gomail.WithTLSConfig(s.tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	switch s.mode {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS:
		// The dialler above does the handshake; WithSSL tells go-mail not
		// to try STARTTLS on top of it.
		opts = append(opts, gomail.WithSSL())
	case InsecurePlaintext:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.username != "" {
		// PLAIN and LOGIN refuse to run on an unencrypted connection to
		// anything but the loopback address, so a downgraded connection
		// cannot leak the password.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.username),
			gomail.WithPassword(s.password))
	}
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return s.sendError(ctx, err, body)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return s.sendError(ctx, err, body)
	}
	return nil
}

// sendError wraps cause, and the context's error when the context ended,
// in an error whose text holds neither the password nor the body.
func (s *Sender) sendError(ctx context.Context, cause error, body string) error {
	var secrets []string
	if s.password != "" {
		secrets = append(secrets,
			s.password,
			base64.StdEncoding.EncodeToString([]byte(s.password)),
			base64.StdEncoding.EncodeToString([]byte("\x00"+s.username+"\x00"+s.password)))
	}
	if strings.TrimSpace(body) != "" {
		secrets = append(secrets, body)
	}
	text := cause.Error()
	for _, secret := range secrets {
		text = strings.ReplaceAll(text, secret, "[redacted]")
	}
	e := &sendError{text: "smtpmail: not sent: " + text, errs: []error{cause}}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.text = "smtpmail: not sent: " + ctxErr.Error() + ": " + text
		e.errs = []error{ctxErr, cause}
	}
	return e
}

// sendError is an error whose text is scrubbed of secrets while it still
// unwraps to its causes.
type sendError struct {
	text string
	errs []error
}

func (e *sendError) Error() string   { return e.text }
func (e *sendError) Unwrap() []error { return e.errs }
