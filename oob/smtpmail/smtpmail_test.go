package smtpmail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/portalmfa/portalmfa/oob/smtpmail"
)

// emailSender is the seam the Service sends email through.
type emailSender interface {
	SendEmail(ctx context.Context, to, subject, body string) error
}

var _ emailSender = (*smtpmail.Sender)(nil)

const (
	testUser     = "portal@portal.example"
	testPassword = "s3cret-Pa55word"
)

// testCA is a self-signed certificate for 127.0.0.1, made per test, and the
// pool that trusts it.
func testCA(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtpmail test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// received is what the test server saw in one session.
type received struct {
	authUser, authPassword string
	tlsAtAuth, tlsAtMail   bool
	mailFrom               string
	rcpts                  []string
	data                   []byte
}

// backend records sessions; authErr, when set, answers every AUTH, and
// delay slows each command down.
type backend struct {
	mu       sync.Mutex
	sessions []*received
	authErr  func(password string) error
	delay    time.Duration
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	r := &received{}
	b.mu.Lock()
	b.sessions = append(b.sessions, r)
	b.mu.Unlock()
	return &session{b: b, c: c, r: r}, nil
}

// last returns a copy of the last session with a message, or nil.
func (b *backend) last() *received {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.sessions) - 1; i >= 0; i-- {
		if b.sessions[i].data != nil {
			r := *b.sessions[i]
			return &r
		}
	}
	return nil
}

// sessionCount counts the connections the server accepted.
func (b *backend) sessionCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sessions)
}

// authAttempts counts the sessions that tried to authenticate.
func (b *backend) authAttempts() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, s := range b.sessions {
		if s.authUser != "" {
			n++
		}
	}
	return n
}

type session struct {
	b      *backend
	c      *smtp.Conn
	r      *received
	authed bool
}

func (s *session) sleep() { time.Sleep(s.b.delay) }

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	s.sleep()
	return sasl.NewPlainServer(func(identity, username, password string) error {
		_, isTLS := s.c.TLSConnectionState()
		s.b.mu.Lock()
		s.r.authUser, s.r.authPassword, s.r.tlsAtAuth = username, password, isTLS
		s.b.mu.Unlock()
		if s.b.authErr != nil {
			return s.b.authErr(password)
		}
		if username != testUser || password != testPassword {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.sleep()
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	_, isTLS := s.c.TLSConnectionState()
	s.b.mu.Lock()
	s.r.mailFrom, s.r.tlsAtMail = from, isTLS
	s.b.mu.Unlock()
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.sleep()
	s.b.mu.Lock()
	s.r.rcpts = append(s.r.rcpts, to)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Data(r io.Reader) error {
	s.sleep()
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.r.data = data
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// serverOptions shape the test server.
type serverOptions struct {
	noStartTLS  bool // offer no STARTTLS
	implicitTLS bool // TLS from the first byte
	insecure    bool // allow AUTH without TLS
}

// startServer runs a go-smtp server on 127.0.0.1 and returns its port and
// the pool that trusts its certificate.
func startServer(t *testing.T, be *backend, o serverOptions) (int, *x509.CertPool) {
	t.Helper()
	cert, pool := testCA(t)
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = o.insecure
	if !o.noStartTLS && !o.implicitTLS {
		srv.TLSConfig = tlsConfig
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.implicitTLS {
		l = tls.NewListener(l, tlsConfig)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return l.Addr().(*net.TCPAddr).Port, pool
}

func newSender(t *testing.T, port int, pool *x509.CertPool, change func(*smtpmail.Config)) *smtpmail.Sender {
	t.Helper()
	cfg := smtpmail.Config{
		Host:      "127.0.0.1",
		Port:      port,
		Username:  testUser,
		Password:  testPassword,
		From:      "Portail Sécurité <no-reply@portal.example>",
		TLSConfig: &tls.Config{RootCAs: pool},
		Timeout:   5 * time.Second,
	}
	if change != nil {
		change(&cfg)
	}
	s, err := smtpmail.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parsed is a received message read back as a mail client would.
type parsed struct {
	from, to, subject, body string
	header                  mail.Header
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		t.Fatalf("From %q: %v", m.Header.Get("From"), err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		t.Fatalf("To %q: %v", m.Header.Get("To"), err)
	}
	if ct, params, err := mime.ParseMediaType(m.Header.Get("Content-Type")); err != nil || ct != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type %q, want text/plain; charset=UTF-8", m.Header.Get("Content-Type"))
	}
	var body io.Reader = m.Body
	switch cte := strings.ToLower(m.Header.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(m.Body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected Content-Transfer-Encoding %q", cte)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return parsed{
		from:    from[0].String(),
		to:      to[0].String(),
		subject: subject,
		body:    strings.ReplaceAll(string(b), "\r\n", "\n"),
		header:  m.Header,
	}
}

const testBody = "Bonjour Élodie,\n\nVotre code de vérification est 482913. Il expire dans 10 minutes.\n\n@portal.example #482913"

func TestSendEmailStartTLS(t *testing.T) {
	be := &backend{}
	port, pool := startServer(t, be, serverOptions{})
	s := newSender(t, port, pool, nil)

	subject := "Votre code de sécurité — Portail Exemple ✓"
	if err := s.SendEmail(t.Context(), "Élodie Dupont <elodie@example.com>", subject, testBody); err != nil {
		t.Fatal(err)
	}
	r := be.last()
	if r == nil {
		t.Fatal("the server received no message")
	}
	if r.authUser != testUser || r.authPassword != testPassword {
		t.Errorf("AUTH PLAIN as %q/%q, want %q and the password", r.authUser, r.authPassword, testUser)
	}
	if !r.tlsAtAuth {
		t.Error("AUTH happened before STARTTLS")
	}
	if !r.tlsAtMail {
		t.Error("the message travelled without TLS")
	}
	if r.mailFrom != "no-reply@portal.example" {
		t.Errorf("MAIL FROM %q", r.mailFrom)
	}
	if len(r.rcpts) != 1 || r.rcpts[0] != "elodie@example.com" {
		t.Errorf("RCPT TO %q", r.rcpts)
	}
	m := parse(t, r.data)
	if want := `=?utf-8?q?Portail_S=C3=A9curit=C3=A9?= <no-reply@portal.example>`; m.from != want {
		t.Errorf("From %q, want %q", m.from, want)
	}
	if want := `=?utf-8?q?=C3=89lodie_Dupont?= <elodie@example.com>`; m.to != want {
		t.Errorf("To %q, want %q", m.to, want)
	}
	if m.subject != subject {
		t.Errorf("Subject %q, want %q", m.subject, subject)
	}
	if strings.TrimRight(m.body, "\n") != testBody {
		t.Errorf("body %q, want %q", m.body, testBody)
	}
}

func TestSendEmailImplicitTLS(t *testing.T) {
	be := &backend{}
	port, pool := startServer(t, be, serverOptions{implicitTLS: true})
	s := newSender(t, port, pool, func(c *smtpmail.Config) { c.TLS = smtpmail.ImplicitTLS })
	if err := s.SendEmail(t.Context(), "alice@example.com", "Code", "123456"); err != nil {
		t.Fatal(err)
	}
	r := be.last()
	if r == nil || !r.tlsAtAuth || r.authUser != testUser {
		t.Fatalf("received %+v", r)
	}
	if m := parse(t, r.data); m.body != "123456" && m.body != "123456\n" {
		t.Errorf("body %q", m.body)
	}
}

func TestSendEmailInsecurePlaintext(t *testing.T) {
	be := &backend{}
	port, _ := startServer(t, be, serverOptions{noStartTLS: true, insecure: true})
	s := newSender(t, port, nil, func(c *smtpmail.Config) { c.TLS = smtpmail.InsecurePlaintext })
	if err := s.SendEmail(t.Context(), "alice@example.com", "Code", "123456"); err != nil {
		t.Fatal(err)
	}
	if r := be.last(); r == nil || r.tlsAtAuth || r.authUser != testUser {
		t.Fatalf("received %+v", r)
	}
}

func TestSendEmailRefusesWithoutTLS(t *testing.T) {
	t.Run("no STARTTLS offered", func(t *testing.T) {
		be := &backend{}
		port, pool := startServer(t, be, serverOptions{noStartTLS: true, insecure: true})
		s := newSender(t, port, pool, nil)
		err := s.SendEmail(t.Context(), "alice@example.com", "Code", testBody)
		if err == nil {
			t.Fatal("sent over a connection without STARTTLS")
		}
		if be.authAttempts() != 0 || be.last() != nil {
			t.Error("the password or the message reached a server without TLS")
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		be := &backend{}
		port, _ := startServer(t, be, serverOptions{})
		_, otherPool := testCA(t)
		s := newSender(t, port, otherPool, nil)
		err := s.SendEmail(t.Context(), "alice@example.com", "Code", testBody)
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("error %v, want an unknown authority", err)
		}
		if be.authAttempts() != 0 || be.last() != nil {
			t.Error("the password or the message reached an untrusted server")
		}
	})
}

func TestSendEmailWrongPassword(t *testing.T) {
	be := &backend{}
	port, pool := startServer(t, be, serverOptions{})
	const wrong = "not-the-Pa55word"
	s := newSender(t, port, pool, func(c *smtpmail.Config) { c.Password = wrong })
	err := s.SendEmail(t.Context(), "alice@example.com", "Code", testBody)
	if err == nil {
		t.Fatal("sent with a wrong password")
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error %q does not carry the server's 535", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), "482913") {
		t.Errorf("error %q holds the password or the code", err)
	}
	if be.last() != nil {
		t.Error("the message was delivered")
	}
}

// A server that echoes the password (or the code) in its answer must not
// put it in our error text.
func TestSendEmailScrubsEchoes(t *testing.T) {
	be := &backend{authErr: func(password string) error {
		return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad password " + password + " for you"}
	}}
	port, pool := startServer(t, be, serverOptions{})
	s := newSender(t, port, pool, nil)
	err := s.SendEmail(t.Context(), "alice@example.com", "Code", testBody)
	if err == nil {
		t.Fatal("sent although AUTH failed")
	}
	if strings.Contains(err.Error(), testPassword) {
		t.Errorf("error %q holds the password", err)
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "bad password") {
		t.Errorf("error %q lost the server's answer", err)
	}
}

func TestSendEmailTimeout(t *testing.T) {
	t.Run("server never greets", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var conns sync.WaitGroup
		t.Cleanup(func() { _ = l.Close(); conns.Wait() })
		conns.Go(func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer func() { _ = c.Close() }()
			_, _ = io.Copy(io.Discard, c) // read until the client gives up
		})
		s := newSender(t, l.Addr().(*net.TCPAddr).Port, nil, func(c *smtpmail.Config) { c.Timeout = 300 * time.Millisecond })
		start := time.Now()
		err = s.SendEmail(t.Context(), "alice@example.com", "Code", testBody)
		elapsed := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want one matching context.DeadlineExceeded", err)
		}
		if elapsed > 2*time.Second {
			t.Errorf("gave up after %v, want about 300ms", elapsed)
		}
	})
	// Each command answers within the timeout, but all of them together
	// do not: the timeout bounds the whole send, not each step.
	t.Run("slow drip", func(t *testing.T) {
		be := &backend{delay: 400 * time.Millisecond} // 1.6 s for AUTH, MAIL, RCPT, DATA
		port, pool := startServer(t, be, serverOptions{})
		s := newSender(t, port, pool, func(c *smtpmail.Config) { c.Timeout = 600 * time.Millisecond })
		start := time.Now()
		err := s.SendEmail(t.Context(), "alice@example.com", "Code", testBody)
		elapsed := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want one matching context.DeadlineExceeded", err)
		}
		if elapsed > 1200*time.Millisecond {
			t.Errorf("gave up after %v, want about 600ms", elapsed)
		}
		if strings.Contains(err.Error(), "482913") || strings.Contains(err.Error(), testPassword) {
			t.Errorf("error %q holds a secret", err)
		}
	})
	t.Run("context deadline sooner than the timeout", func(t *testing.T) {
		be := &backend{delay: 400 * time.Millisecond}
		port, pool := startServer(t, be, serverOptions{})
		s := newSender(t, port, pool, nil) // 5 s
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.SendEmail(ctx, "alice@example.com", "Code", testBody)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want one matching context.DeadlineExceeded", err)
		}
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("gave up after %v, want about 300ms", elapsed)
		}
	})
	t.Run("context already canceled", func(t *testing.T) {
		s := newSender(t, 1, nil, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.SendEmail(ctx, "alice@example.com", "Code", testBody); !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
}

func TestSendEmailBadInput(t *testing.T) {
	be := &backend{}
	port, pool := startServer(t, be, serverOptions{})
	s := newSender(t, port, pool, nil)
	for _, to := range []string{"", "not an address", "alice@example.com, bob@example.com", "alice@example.com\r\nBcc: eve@example.com"} {
		if err := s.SendEmail(t.Context(), to, "Code", testBody); !errors.Is(err, smtpmail.ErrInvalidAddress) {
			t.Errorf("SendEmail to %q: %v, want ErrInvalidAddress", to, err)
		}
	}
	if be.sessionCount() != 0 {
		t.Error("a connection was made for an invalid address")
	}

	// A line break in the subject must not start a header of its own.
	if err := s.SendEmail(t.Context(), "alice@example.com", "Code\r\nBcc: eve@example.com", testBody); err != nil {
		t.Fatal(err)
	}
	r := be.last()
	m := parse(t, r.data)
	if len(r.rcpts) != 1 || m.header.Get("Bcc") != "" {
		t.Errorf("subject injected a header: rcpts %q, Bcc %q", r.rcpts, m.header.Get("Bcc"))
	}
}

func TestNew(t *testing.T) {
	valid := smtpmail.Config{Host: "smtp.example.com", From: "no-reply@portal.example"}
	tests := []struct {
		name   string
		change func(*smtpmail.Config)
	}{
		{"no host", func(c *smtpmail.Config) { c.Host = " " }},
		{"no from", func(c *smtpmail.Config) { c.From = "" }},
		{"bad from", func(c *smtpmail.Config) { c.From = "portal" }},
		{"port out of range", func(c *smtpmail.Config) { c.Port = 70000 }},
		{"negative port", func(c *smtpmail.Config) { c.Port = -1 }},
		{"password without username", func(c *smtpmail.Config) { c.Password = "x" }},
		{"negative timeout", func(c *smtpmail.Config) { c.Timeout = -time.Second }},
		{"unknown TLS mode", func(c *smtpmail.Config) { c.TLS = 42 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			if _, err := smtpmail.New(cfg); !errors.Is(err, smtpmail.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
	if _, err := smtpmail.New(valid); err != nil {
		t.Errorf("New(valid): %v", err)
	}
}
