package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo's own password checks count in portalmfa's limits: a stolen
// session cannot find the password by guessing on the password page, and
// the sign-in form cannot be used to guess either.
func TestPasswordGuessesLimited(t *testing.T) {
	p := newTestPortal(t)
	b := newBrowser(t, p)
	if r := b.login("alice@example.com", "alice-demo-pass"); r.status != 303 {
		t.Fatalf("sign-in: %d", r.status)
	}
	change := func(current string) response {
		return b.post("/account/password", url.Values{"current": {current}, "new": {"a-new-password-1"}, "confirm": {"a-new-password-1"}})
	}
	for i := range 4 {
		if r := change("guess-" + string(rune('a'+i))); r.status != 422 {
			t.Fatalf("wrong guess %d: %d", i, r.status)
		}
	}
	if r := change("guess-e"); r.status != 429 || !strings.Contains(r.body, "Too many attempts") {
		t.Fatalf("the fifth wrong guess, which sets the lock, gets %d: %.200s", r.status, r.body)
	}
	r := change("alice-demo-pass")
	if r.status != 429 || !strings.Contains(r.body, "Too many attempts") {
		t.Fatalf("after 5 wrong guesses the right password gets %d: %.200s", r.status, r.body)
	}

	other := b.fresh()
	for i := range 5 {
		want := 401
		if i == 4 {
			want = 429 // the failure that sets the lock says so
		}
		if r := other.login("bruno@example.com", "wrong-password"); r.status != want {
			t.Fatalf("wrong sign-in %d: %d, want %d", i+1, r.status, want)
		}
	}
	if r := other.login("bruno@example.com", "bruno-demo-pass"); r.status != 429 {
		t.Fatalf("sign-in after 5 wrong passwords: %d, want 429", r.status)
	}
	for range 5 {
		other.login("nobody@example.com", "x")
	}
	if r := other.login("nobody@example.com", "x"); r.status != 429 {
		t.Fatalf("unknown email after 5 tries: %d, want 429", r.status)
	}
}

// A password change ends every other session of the user: whoever knew
// the old password is signed out.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	p := newTestPortal(t)
	mine := newBrowser(t, p)
	intruder := mine.fresh()
	for _, b := range []*browser{mine, intruder} {
		if r := b.login("alice@example.com", "alice-demo-pass"); r.status != 303 {
			t.Fatalf("sign-in: %d", r.status)
		}
	}
	r := mine.post("/account/password", url.Values{"current": {"alice-demo-pass"}, "new": {"a-new-password-1"}, "confirm": {"a-new-password-1"}})
	wantRedirect(t, "password change", r, "/account?done=password")
	if r := mine.get("/account"); r.status != 200 {
		t.Fatalf("my own session ended: %d", r.status)
	}
	wantRedirect(t, "the other session", intruder.get("/account"), "/login")
}

// The demo's database files are its owner's only.
func TestDatabaseFilesPrivate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "portal.db")
	p := openPortal(t, db, nil)
	b := newBrowser(t, p)
	b.login("alice@example.com", "alice-demo-pass") // a write, so the WAL exists
	for _, f := range []string{db, db + "-wal", db + "-shm", db + ".key"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(f), m)
		}
	}
}
