package smsgateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/oob/smsgateway"
)

// smsSender is the seam the Service sends text messages through.
type smsSender interface {
	SendSMS(ctx context.Context, to, text string) error
}

var _ smsSender = (*smsgateway.Sender)(nil)

const (
	testToken = "tok_3xAmpleBearerT0ken"
	testTo    = "+33612345678"
	testText  = "Votre code portail : 482913\n\n@portal.example #482913"
)

// request is what the test gateway saw.
type request struct {
	method, path, auth, contentType string
	body                            map[string]any
	rawBody                         []byte
}

// gateway is an httptest server that records requests and answers with
// answer (200 when nil).
type gateway struct {
	mu       sync.Mutex
	requests []request
	answer   func(w http.ResponseWriter, r *http.Request)
	srv      *httptest.Server
}

func newGateway(t *testing.T, tls bool, answer func(w http.ResponseWriter, r *http.Request)) *gateway {
	t.Helper()
	g := &gateway{answer: answer}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		g.mu.Lock()
		g.requests = append(g.requests, request{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body, raw})
		g.mu.Unlock()
		if g.answer != nil {
			g.answer(w, r)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"id":"msg_1","status":"queued"}`)
	})
	if tls {
		g.srv = httptest.NewTLSServer(h)
	} else {
		g.srv = httptest.NewServer(h)
	}
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) seen() []request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]request(nil), g.requests...)
}

func newSender(t *testing.T, cfg smsgateway.Config) *smsgateway.Sender {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	s, err := smsgateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendSMS(t *testing.T) {
	for _, tls := range []bool{false, true} {
		name := "http on loopback"
		if tls {
			name = "https"
		}
		t.Run(name, func(t *testing.T) {
			g := newGateway(t, tls, nil)
			cfg := smsgateway.Config{URL: g.srv.URL + "/v1/sms?account=42", From: "Portal"}
			if tls {
				cfg.Client = g.srv.Client()
			}
			s := newSender(t, cfg)
			if err := s.SendSMS(t.Context(), testTo, testText); err != nil {
				t.Fatal(err)
			}
			reqs := g.seen()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.method != http.MethodPost || r.path != "/v1/sms" {
				t.Errorf("%s %s, want POST /v1/sms", r.method, r.path)
			}
			if r.auth != "Bearer "+testToken {
				t.Errorf("Authorization %q", r.auth)
			}
			if r.contentType != "application/json" {
				t.Errorf("Content-Type %q", r.contentType)
			}
			want := map[string]any{"to": testTo, "text": testText, "from": "Portal"}
			if len(r.body) != len(want) || r.body["to"] != want["to"] || r.body["text"] != want["text"] || r.body["from"] != want["from"] {
				t.Errorf("body %s, want %v", r.rawBody, want)
			}
			if lines := strings.Split(r.body["text"].(string), "\n"); lines[len(lines)-1] != "@portal.example #482913" {
				t.Errorf("the origin-bound line did not survive: %q", r.body["text"])
			}
		})
	}
	t.Run("no from", func(t *testing.T) {
		g := newGateway(t, false, nil)
		s := newSender(t, smsgateway.Config{URL: g.srv.URL})
		if err := s.SendSMS(t.Context(), testTo, "x"); err != nil {
			t.Fatal(err)
		}
		if raw := string(g.seen()[0].rawBody); strings.Contains(raw, "from") {
			t.Errorf("body %s names a sender", raw)
		}
	})
}

func TestSendSMSRefused(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   []string // in the error text
	}{
		{"unauthorized", http.StatusUnauthorized, `{"error":"bad token ` + testToken + `"}`, []string{"HTTP 401", "bad token"}},
		{"bad request echoing the message", http.StatusBadRequest, `{"error":"cannot send ` + strings.ReplaceAll(testText, "\n", `\n`) + ` to ` + testTo + `"}`, []string{"HTTP 400", "cannot send"}},
		{"code alone", http.StatusUnprocessableEntity, `rejected: contains 482913`, []string{"HTTP 422", "rejected: contains"}},
		{"long HTML page", http.StatusBadGateway, "<html>" + strings.Repeat("gateway down ", 1000) + "</html>", []string{"HTTP 502", "gateway down"}},
		{"empty", http.StatusInternalServerError, "", []string{"HTTP 500"}},
		{"redirect not followed", http.StatusTemporaryRedirect, "", []string{"HTTP 307"}},
		{"binary", http.StatusForbidden, "\x00\x01\xff\xfe denied\r\n", []string{"HTTP 403", "denied"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var elsewhere atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
			defer other.Close()
			g := newGateway(t, false, func(w http.ResponseWriter, r *http.Request) {
				if tt.status == http.StatusTemporaryRedirect {
					w.Header().Set("Location", other.URL)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			s := newSender(t, smsgateway.Config{URL: g.srv.URL})
			err := s.SendSMS(t.Context(), testTo, testText)
			if !errors.Is(err, smsgateway.ErrRejected) {
				t.Fatalf("error %v, want ErrRejected", err)
			}
			var se *smsgateway.StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.status {
				t.Fatalf("error %v, want a StatusError with %d", err, tt.status)
			}
			if len(se.Excerpt) > 200 {
				t.Errorf("excerpt of %d bytes", len(se.Excerpt))
			}
			text := err.Error()
			t.Log(text)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("error %q lacks %q", text, w)
				}
			}
			for _, secret := range []string{testToken, "482913", "612345678", "Votre code"} {
				if strings.Contains(text, secret) {
					t.Errorf("error %q holds %q", text, secret)
				}
			}
			if elsewhere.Load() != 0 {
				t.Error("the redirect was followed")
			}
		})
	}
}

func TestSendSMSTimeout(t *testing.T) {
	release := make(chan struct{})
	g := newGateway(t, false, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release) // before g's Cleanup closes the server
	s := newSender(t, smsgateway.Config{URL: g.srv.URL + "/?key=" + testToken, Timeout: 300 * time.Millisecond})

	start := time.Now()
	err := s.SendSMS(t.Context(), testTo, testText)
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want context.DeadlineExceeded", err)
	}
	if elapsed > 2*time.Second {
		t.Errorf("gave up after %v, want about 300ms", elapsed)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), g.srv.URL) {
		t.Errorf("error %q quotes the URL or the token", err)
	}

	t.Run("context deadline sooner", func(t *testing.T) {
		s := newSender(t, smsgateway.Config{URL: g.srv.URL})
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := s.SendSMS(ctx, testTo, testText); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want context.DeadlineExceeded", err)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("gave up after %v", elapsed)
		}
	})
	t.Run("slow body", func(t *testing.T) {
		slow := newGateway(t, false, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "slow")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		s := newSender(t, smsgateway.Config{URL: slow.srv.URL, Timeout: 300 * time.Millisecond})
		start := time.Now()
		err := s.SendSMS(t.Context(), testTo, testText)
		if err == nil {
			t.Fatal("no error")
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("gave up after %v", elapsed)
		}
	})
}

func TestSendSMSInvalidNumber(t *testing.T) {
	g := newGateway(t, false, nil)
	s := newSender(t, smsgateway.Config{URL: g.srv.URL})
	for _, to := range []string{"", "+", "33612345678", "06 12 34 56 78", "+33 6 12 34 56 78", "+0612345678", "+3361234567890123", "+33612345678\n"} {
		if err := s.SendSMS(t.Context(), to, testText); !errors.Is(err, smsgateway.ErrInvalidNumber) {
			t.Errorf("SendSMS to %q: %v, want ErrInvalidNumber", to, err)
		}
	}
	if n := len(g.seen()); n != 0 {
		t.Errorf("%d requests for invalid numbers", n)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  smsgateway.Config
		ok   bool
	}{
		{"https", smsgateway.Config{URL: "https://sms.example.com/send", Token: "t"}, true},
		{"http on localhost", smsgateway.Config{URL: "http://localhost:8080/send", Token: "t"}, true},
		{"http on ::1", smsgateway.Config{URL: "http://[::1]:8080/send", Token: "t"}, true},
		{"http elsewhere", smsgateway.Config{URL: "http://sms.example.com/send", Token: "t"}, false},
		{"no URL", smsgateway.Config{Token: "t"}, false},
		{"relative URL", smsgateway.Config{URL: "/send", Token: "t"}, false},
		{"other scheme", smsgateway.Config{URL: "ftp://sms.example.com/", Token: "t"}, false},
		{"bad URL", smsgateway.Config{URL: "https://sms.example.com/%zz", Token: "t"}, false},
		{"no token", smsgateway.Config{URL: "https://sms.example.com/send"}, false},
		{"token with a line break", smsgateway.Config{URL: "https://sms.example.com/send", Token: "t\r\nX-Evil: 1"}, false},
		{"negative timeout", smsgateway.Config{URL: "https://sms.example.com/send", Token: "t", Timeout: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := smsgateway.New(tt.cfg)
			if tt.ok && err != nil {
				t.Errorf("New: %v", err)
			}
			if !tt.ok && !errors.Is(err, smsgateway.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
			if err != nil && tt.cfg.Token != "" && strings.Contains(err.Error(), tt.cfg.Token) && len(tt.cfg.Token) > 1 {
				t.Errorf("error %q holds the token", err)
			}
		})
	}
}
