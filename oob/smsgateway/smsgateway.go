package smsgateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultTimeout bounds a whole send when [Config.Timeout] is zero.
const DefaultTimeout = 10 * time.Second

// maxExcerpt is how many bytes of a refusing gateway's answer an error
// quotes: enough for "invalid number" or "quota exceeded", not enough to
// fill a log with a whole HTML error page.
const maxExcerpt = 200

// Config describes the gateway a [Sender] posts to.
type Config struct {
	// URL receives the POST. It must be https, except on a loopback
	// host (a gateway sidecar, a test server). Required.
	URL string
	// Token is sent as "Authorization: Bearer <Token>". Required.
	Token string
	// From, optional, is the sender ID the gateway shows (a number or a
	// short name); empty leaves the choice to the gateway and leaves
	// "from" out of the JSON.
	From string
	// Timeout bounds a whole send; the context given to SendSMS may end
	// it sooner. Zero means [DefaultTimeout].
	Timeout time.Duration
	// Client, optional, sends the request (for a proxy, a private
	// certificate authority, instrumentation). nil means a client of the
	// Sender's own that does not follow redirects, so the token and the
	// code go nowhere but URL.
	Client *http.Client
}

// ErrConfig is wrapped by the errors [New] returns for a Config it cannot
// use.
var ErrConfig = errors.New("smsgateway: invalid config")

// ErrInvalidNumber is wrapped by the error SendSMS returns when to is not
// in E.164 form. Nothing is sent.
var ErrInvalidNumber = errors.New("smsgateway: recipient not in E.164 form")

// ErrRejected is matched by every [*StatusError]: the gateway answered,
// outside 2xx.
var ErrRejected = errors.New("smsgateway: gateway refused the message")

// StatusError is the error SendSMS returns when the gateway answers with a
// status outside 2xx.
type StatusError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Excerpt is the beginning of the answer's body, at most 200 bytes of
	// printable text, with the token, the recipient and the message
	// (and any run of its digits) blanked out.
	Excerpt string
}

func (e *StatusError) Error() string {
	if e.Excerpt == "" {
		return fmt.Sprintf("smsgateway: gateway refused the message: HTTP %d", e.StatusCode)
	}
	return fmt.Sprintf("smsgateway: gateway refused the message: HTTP %d: %q", e.StatusCode, e.Excerpt)
}

// Is makes every StatusError match [ErrRejected].
func (e *StatusError) Is(target error) bool { return target == ErrRejected }

// Sender posts messages to one gateway. It is safe for concurrent use.
type Sender struct {
	url     string
	token   string
	from    string
	timeout time.Duration
	client  *http.Client
}

// New checks cfg, fills its defaults and returns a Sender.
func New(cfg Config) (*Sender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		// url.Parse quotes the URL, which may hold a key: say less.
		return nil, fmt.Errorf("%w: URL does not parse", ErrConfig)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%w: URL must be absolute, http or https", ErrConfig)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: URL must be https (http only on a loopback host)", ErrConfig)
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("%w: no token", ErrConfig)
	}
	if strings.ContainsFunc(cfg.Token, unicode.IsControl) || strings.ContainsFunc(cfg.From, unicode.IsControl) {
		return nil, fmt.Errorf("%w: control character in token or from", ErrConfig)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout", ErrConfig)
	}
	s := &Sender{
		url:     u.String(),
		token:   cfg.Token,
		from:    cfg.From,
		timeout: cfg.Timeout,
		client:  cfg.Client,
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.client == nil {
		s.client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return s, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// message is the JSON body of the POST.
type message struct {
	To   string `json:"to"`
	Text string `json:"text"`
	From string `json:"from,omitempty"`
}

// SendSMS posts text for the E.164 number to and returns once the gateway
// has answered 2xx, or with an error once it refused, failed or ran out of
// time.
func (s *Sender) SendSMS(ctx context.Context, to, text string) error {
	if !isE164(to) {
		return ErrInvalidNumber
	}
	body, err := json.Marshal(message{To: to, Text: text, From: s.from})
	if err != nil {
		return fmt.Errorf("smsgateway: not sent: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("smsgateway: not sent: %w", s.unquoteURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)

	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("smsgateway: not sent: %w", s.unquoteURL(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Read a little of the answer so the connection can be reused;
		// what it says does not matter.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxExcerpt))
	return &StatusError{StatusCode: resp.StatusCode, Excerpt: s.excerpt(head, to, text)}
}

// isE164 reports whether to is a plus sign and 2 to 15 digits, the shape
// package phone gives every number. It checks the form only: the number
// itself was validated when the user entered it, and refusing it now, after
// a metadata update, would lock its owner out.
func isE164(to string) bool {
	if len(to) < 3 || len(to) > 16 || to[0] != '+' || to[1] == '0' {
		return false
	}
	for i := 1; i < len(to); i++ {
		if to[i] < '0' || to[i] > '9' {
			return false
		}
	}
	return true
}

// unquoteURL drops the URL from the transport's error: its query may hold
// a key. The underlying error, with the context's error inside it, stays
// wrapped.
func (s *Sender) unquoteURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// excerpt turns the head of a refusing answer into printable text without
// the token, the number, the message or any run of four or more digits the
// message holds (the code, on its own).
func (s *Sender) excerpt(head []byte, to, text string) string {
	var b strings.Builder
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		head = head[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			// Not UTF-8, or a character cut at maxExcerpt: skipped.
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsPrint(r):
			b.WriteRune(r)
		}
	}
	out := strings.TrimSpace(b.String())
	secrets := []string{s.token, text, to, strings.TrimPrefix(to, "+")}
	for line := range strings.Lines(text) {
		secrets = append(secrets, strings.TrimSpace(line))
	}
	secrets = append(secrets, digitRuns(text, 4)...)
	// Longest first, so that a secret is blanked before a shorter one
	// inside it.
	slices.SortStableFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, secret := range secrets {
		if len(secret) >= 4 {
			out = strings.ReplaceAll(out, secret, "[redacted]")
		}
	}
	return out
}

// digitRuns returns the runs of at least n ASCII digits in s.
func digitRuns(s string, n int) []string {
	var runs []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= n {
			runs = append(runs, s[start:i])
		}
		start = -1
	}
	return runs
}
