package postgres_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/store/postgres"
	"github.com/portalmfa/portalmfa/totp"
)

// TestConnectionLoss puts a TCP proxy between a Service's store and the
// database and breaks it in the two ways a database goes away: refused
// (connections dropped, new ones closed at once, as when the server is
// down) and silent (bytes swallowed, as when the network drops packets).
// Either way the Service fails closed with ErrUnavailable within the
// caller's deadline — never "not required", never a pass — and once the
// proxy is back the same Service works again.
func TestConnectionLoss(t *testing.T) {
	testDSN(t)
	t.Parallel()
	schema := freshSchema(t)
	p, pool := proxiedPool(t)
	st, err := postgres.New(t.Context(), pool, schema)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: t0}
	svc := newService(t, st, clk)
	secret := enroll(t, svc, clk, "u-alice")
	// nextCode moves to the next step and returns its code: each
	// successful login needs a fresh one.
	nextCode := func() string {
		clk.Add(totp.Period)
		return totp.Code(secret, clk.Now())
	}
	if err := svc.VerifyTOTP(t.Context(), "u-alice", nextCode(), portalmfa.Client{}); err != nil {
		t.Fatal(err)
	}
	// Bob may add a factor: only the outage stands in his way.
	bobProof, err := svc.ReverifyPassword(t.Context(), "u-bob", "pw-u-bob", "", portalmfa.Client{})
	if err != nil {
		t.Fatal(err)
	}

	const deadline = 300 * time.Millisecond
	for _, mode := range []proxyMode{refused, silent} {
		t.Run(mode.String(), func(t *testing.T) {
			p.set(mode)
			code := nextCode()
			for i := range 6 {
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				start := time.Now()
				required, err := svc.SecondFactorRequired(ctx, "u-alice")
				if !errors.Is(err, portalmfa.ErrUnavailable) || required {
					t.Errorf("SecondFactorRequired %d: %v, %v; want false, %v", i, required, err, portalmfa.ErrUnavailable)
				}
				if err := svc.VerifyTOTP(ctx, "u-alice", code, portalmfa.Client{IP: "192.0.2.1"}); !errors.Is(err, portalmfa.ErrUnavailable) {
					t.Errorf("VerifyTOTP %d: %v, want %v", i, err, portalmfa.ErrUnavailable)
				}
				if _, err := svc.BeginTOTP(ctx, portalmfa.User{ID: "u-bob"}, bobProof); !errors.Is(err, portalmfa.ErrUnavailable) {
					t.Errorf("BeginTOTP %d: %v, want %v", i, err, portalmfa.ErrUnavailable)
				}
				cancel()
				if d := time.Since(start); d > deadline+time.Second {
					t.Errorf("round %d took %v with a %v deadline", i, d, deadline)
				}
			}

			p.set(up)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if err := svc.VerifyTOTP(ctx, "u-alice", code, portalmfa.Client{IP: "192.0.2.1"}); err != nil {
				t.Fatalf("VerifyTOTP once the database is back: %v", err)
			}
			if required, err := svc.SecondFactorRequired(ctx, "u-alice"); err != nil || !required {
				t.Fatalf("SecondFactorRequired once the database is back: %v, %v", required, err)
			}
		})
	}

	t.Run("EveryStoreMethodFails", func(t *testing.T) {
		// No method answers with a value that could pass for "not
		// enrolled", "accepted" or "not locked" when it could not ask.
		p.set(refused)
		defer p.set(up)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		limit := lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}
		for name, call := range map[string]func() error{
			"SavePendingTOTP": func() error { return st.SavePendingTOTP(ctx, "u-bob", []byte("sealed"), t0) },
			"TOTPEnrollment":  func() error { _, err := st.TOTPEnrollment(ctx, "u-alice"); return err },
			"ActivateTOTP":    func() error { return st.ActivateTOTP(ctx, "u-bob", []byte("sealed"), 1, t0) },
			"AcceptTOTPStep":  func() error { return st.AcceptTOTPStep(ctx, "u-alice", 1<<40) },
			"DeleteTOTP":      func() error { return st.DeleteTOTP(ctx, "u-alice") },
			"ReserveAttempt":  func() error { _, err := st.ReserveAttempt(ctx, "k", limit, t0); return err },
			"ResetAttempts":   func() error { return st.ResetAttempts(ctx, "k") },
			"AddPasskey":      func() error { return st.AddPasskey(ctx, passkeys.Passkey{ID: []byte("id"), UserID: "u-bob"}, 10) },
			"PasskeyByID":     func() error { _, err := st.PasskeyByID(ctx, []byte("id")); return err },
			"UsePasskey":      func() error { return st.UsePasskey(ctx, "u-bob", []byte("id"), 0, 1, false, t0) },
			"TakeCeremony":    func() error { _, err := st.TakeCeremony(ctx, []byte("key"), t0); return err },
		} {
			err := call()
			switch {
			case err == nil:
				t.Errorf("%s succeeded without a database", name)
			case errors.Is(err, totp.ErrNotEnrolled), errors.Is(err, totp.ErrReplayed),
				errors.Is(err, totp.ErrAlreadyActive), errors.Is(err, lockout.ErrLockedOut),
				errors.Is(err, passkeys.ErrUnknownPasskey), errors.Is(err, passkeys.ErrCounterMoved),
				errors.Is(err, passkeys.ErrNoCeremony), errors.Is(err, passkeys.ErrDuplicate),
				errors.Is(err, passkeys.ErrTooMany):
				t.Errorf("%s: %v, an answer it cannot know", name, err)
			case !strings.HasPrefix(err.Error(), "postgres: "):
				t.Errorf("%s: %v, without the package prefix", name, err)
			}
		}
	})
}

// proxiedPool starts a proxy to the test database and returns it with a
// pool whose every connection goes through it. The pool keeps the DSN's
// host, port and TLS settings; only the dialling is redirected.
func proxiedPool(t *testing.T) (*proxy, *pgxpool.Pool) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	host, port := cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))
	var p *proxy
	if strings.HasPrefix(host, "/") { // a Unix socket directory
		p = startProxy(t, "unix", host+"/.s.PGSQL."+port)
	} else {
		p = startProxy(t, "tcp", net.JoinHostPort(host, port))
	}
	pool := newPool(t, func(c *pgxpool.Config) {
		// As Open does (with a longer bound): pgxpool finishes a connection
		// attempt in the background after its caller gave up, so without
		// a bound, attempts hung on a silent network would hold every
		// pool slot long after it came back.
		c.ConnConfig.ConnectTimeout = time.Second
		var d net.Dialer
		c.ConnConfig.DialFunc = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", p.ln.Addr().String())
		}
	})
	return p, pool
}

// proxyMode is the state of a proxy.
type proxyMode int

const (
	up      proxyMode = iota
	refused           // connections dropped; new ones closed at once
	silent            // bytes swallowed in both directions; nothing closed
)

func (m proxyMode) String() string {
	return [...]string{"Up", "Refused", "Silent"}[m]
}

// proxy forwards TCP connections to the database, and can be broken and
// mended while a pool uses it.
type proxy struct {
	ln              net.Listener
	network, target string

	mu    sync.Mutex
	mode  proxyMode
	conns map[net.Conn]struct{} // both ends of every open link
	wg    sync.WaitGroup
}

// startProxy listens on a free loopback port and forwards what it accepts
// to target; it stops when the test ends.
func startProxy(t *testing.T, network, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, network: network, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.serve)
	t.Cleanup(func() {
		ln.Close()
		p.set(refused)
		p.wg.Wait()
	})
	return p
}

// set switches the proxy to mode. Leaving up for refused closes every open
// link.
func (p *proxy) set(mode proxyMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
	if mode == refused {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

func (p *proxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.link(client) })
	}
}

// link forwards between client and a new connection to the target until
// either side closes.
func (p *proxy) link(client net.Conn) {
	if !p.track(client) {
		client.Close()
		return
	}
	server, err := net.DialTimeout(p.network, p.target, 5*time.Second)
	if err != nil || !p.track(server) {
		if server != nil {
			server.Close()
		}
		p.untrack(client)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(server, client) })
	p.pipe(client, server)
	wg.Wait()
	p.untrack(client)
	p.untrack(server)
}

// pipe copies src to dst, swallowing what it reads while the proxy is
// silent, and closes both when src ends.
func (p *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && p.current() == up {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) current() proxyMode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// track records c as open, unless the proxy refuses connections.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == refused {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	c.Close()
}
