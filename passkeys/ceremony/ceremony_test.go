package ceremony_test

import (
	"errors"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/internal/softauthn"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/passkeys/ceremony"
)

const origin = "https://portal.example"

func newRP(t *testing.T, timeout time.Duration) *ceremony.RP {
	t.Helper()
	rp, err := ceremony.New(ceremony.Config{RPID: "portal.example", RPName: "Portal", Origins: []string{origin}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func alice() ceremony.User {
	return ceremony.User{Handle: []byte("handle-of-alice-0123456789abcdef"), Name: "alice@example.com", DisplayName: "Alice"}
}

// register makes a passkey for u on a, and returns u with it.
func register(t *testing.T, rp *ceremony.RP, a *softauthn.Authenticator, u ceremony.User) ceremony.User {
	t.Helper()
	opts, state, err := rp.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rp.FinishRegistration(u, state, resp)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	u.Passkeys = append(u.Passkeys, p)
	return u
}

func login(rp *ceremony.RP, a *softauthn.Authenticator, u ceremony.User, passwordless bool) (ceremony.Used, error) {
	var opts, state []byte
	var err error
	if passwordless {
		opts, state, err = rp.BeginPasswordless(false)
	} else {
		opts, state, err = rp.BeginLogin(u, false)
	}
	if err != nil {
		return ceremony.Used{}, err
	}
	resp, err := a.Get(opts)
	if err != nil {
		return ceremony.Used{}, err
	}
	as, err := ceremony.ParseAssertion(resp)
	if err != nil {
		return ceremony.Used{}, err
	}
	used, err := rp.FinishLogin(u, state, as)
	if err == nil && used.Cloned() {
		return used, ceremony.ErrClone
	}
	return used, err
}

func TestRegisterAndLogin(t *testing.T) {
	rp := newRP(t, time.Minute)
	a := &softauthn.Authenticator{Origin: origin, UV: true, Synced: true, AAGUID: [16]byte{0xfb, 0xfc}}
	u := register(t, rp, a, alice())
	p := u.Passkeys[0]
	if !p.UserVerified || !p.BackupEligible || !p.BackedUp || p.AAGUID[0] != 0xfb || len(p.PublicKey) == 0 {
		t.Errorf("registered passkey = %+v", p)
	}
	for _, passwordless := range []bool{false, true} {
		used, err := login(rp, a, u, passwordless)
		if err != nil {
			t.Fatalf("login (passwordless %v): %v", passwordless, err)
		}
		if string(used.ID) != string(p.ID) || !used.UserVerified {
			t.Errorf("used = %+v", used)
		}
	}
}

func TestRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		misbehave    func(a *softauthn.Authenticator, u *ceremony.User)
		passwordless bool
		want         error
	}{
		"wrong origin": {misbehave: func(a *softauthn.Authenticator, _ *ceremony.User) { a.Origin = "https://evil.example" }, want: ceremony.ErrRefused},
		"wrong RP ID":  {misbehave: func(a *softauthn.Authenticator, _ *ceremony.User) { a.RPID = "evil.example" }, want: ceremony.ErrRefused},
		"no UV when required": {
			misbehave: func(a *softauthn.Authenticator, _ *ceremony.User) { a.UV = false }, passwordless: true, want: ceremony.ErrRefused},
		"clone": {misbehave: func(a *softauthn.Authenticator, u *ceremony.User) {
			u.Passkeys[0].SignCount = 50 // the stored counter is ahead of the authenticator's
		}, want: ceremony.ErrClone},
		"another user's passkey": {misbehave: func(_ *softauthn.Authenticator, u *ceremony.User) {
			u.Handle = []byte("handle-of-mallory-0123456789abcd")
			u.Passkeys = []passkeys.Passkey{{ID: []byte("mallory's own"), PublicKey: u.Passkeys[0].PublicKey}}
		}, passwordless: true, want: ceremony.ErrRefused},
	} {
		t.Run(name, func(t *testing.T) {
			rp := newRP(t, time.Minute)
			a := &softauthn.Authenticator{Origin: origin, UV: true, Counting: true}
			u := register(t, rp, a, alice())
			tc.misbehave(a, &u)
			if _, err := login(rp, a, u, tc.passwordless); !errors.Is(err, tc.want) {
				t.Errorf("login: %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("registration from another origin", func(t *testing.T) {
		rp := newRP(t, time.Minute)
		opts, state, _ := rp.BeginRegistration(alice())
		resp, _ := (&softauthn.Authenticator{Origin: "https://evil.example"}).Create(opts)
		if _, err := rp.FinishRegistration(alice(), state, resp); !errors.Is(err, ceremony.ErrRefused) {
			t.Errorf("FinishRegistration: %v, want ErrRefused", err)
		}
	})
	t.Run("answer to another challenge", func(t *testing.T) {
		rp := newRP(t, time.Minute)
		a := &softauthn.Authenticator{Origin: origin, UV: true}
		u := register(t, rp, a, alice())
		opts, _, _ := rp.BeginLogin(u, false)
		_, state2, _ := rp.BeginLogin(u, false)
		resp, _ := a.Get(opts)
		as, err := ceremony.ParseAssertion(resp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rp.FinishLogin(u, state2, as); !errors.Is(err, ceremony.ErrRefused) {
			t.Errorf("FinishLogin with the state of another ceremony: %v, want ErrRefused", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		rp := newRP(t, time.Millisecond)
		a := &softauthn.Authenticator{Origin: origin, UV: true}
		opts, state, _ := rp.BeginRegistration(alice())
		resp, _ := a.Create(opts)
		time.Sleep(5 * time.Millisecond)
		if _, err := rp.FinishRegistration(alice(), state, resp); !errors.Is(err, ceremony.ErrRefused) {
			t.Errorf("FinishRegistration after the timeout: %v, want ErrRefused", err)
		}
	})
	t.Run("malformed answers", func(t *testing.T) {
		for _, resp := range []string{"", "{}", "not json", `{"id":"AAAA","type":"public-key"}`, string(make([]byte, ceremony.MaxResponse+1))} {
			if _, err := ceremony.ParseAssertion([]byte(resp)); !errors.Is(err, ceremony.ErrRefused) {
				t.Errorf("ParseAssertion(%.20q): %v, want ErrRefused", resp, err)
			}
		}
	})
	t.Run("no passkeys to log in with", func(t *testing.T) {
		if _, _, err := newRP(t, time.Minute).BeginLogin(alice(), false); !errors.Is(err, passkeys.ErrUnknownPasskey) {
			t.Errorf("BeginLogin: %v", err)
		}
	})
}

func TestCloned(t *testing.T) {
	for _, tc := range []struct {
		prev, count uint32
		want        bool
	}{
		{0, 0, false}, // a passkey that does not count
		{0, 1, false},
		{5, 6, false},
		{5, 5, true},
		{5, 4, true},
		{5, 0, true},
	} {
		if got := (ceremony.Used{Prev: tc.prev, SignCount: tc.count}).Cloned(); got != tc.want {
			t.Errorf("Cloned(prev %d, count %d) = %v, want %v", tc.prev, tc.count, got, tc.want)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	for name, cfg := range map[string]ceremony.Config{
		"empty":                    {},
		"IP as RP ID":              {RPID: "127.0.0.1", RPName: "P", Origins: []string{"http://127.0.0.1:8080"}, Timeout: time.Minute},
		"RP ID with port":          {RPID: "localhost:8080", RPName: "P", Origins: []string{"http://localhost:8080"}, Timeout: time.Minute},
		"origin outside RP ID":     {RPID: "portal.example", RPName: "P", Origins: []string{"https://other.example"}, Timeout: time.Minute},
		"http away from localhost": {RPID: "portal.example", RPName: "P", Origins: []string{"http://portal.example"}, Timeout: time.Minute},
		"origin with a path":       {RPID: "portal.example", RPName: "P", Origins: []string{"https://portal.example/login"}, Timeout: time.Minute},
	} {
		if _, err := ceremony.New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	if _, err := ceremony.New(ceremony.Config{RPID: "localhost", RPName: "P", Origins: []string{"http://localhost:8080"}, Timeout: time.Minute}); err != nil {
		t.Errorf("localhost: %v", err)
	}
}
