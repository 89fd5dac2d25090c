package main

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/portalmfa/portalmfa"
)

// demoUser is a seeded account, with the password printed at start so
// anyone can try the demo.
type demoUser struct {
	ID, Name, Email, Language, Password string
}

// demoUsers returns the accounts the portal starts with: one preferring
// English, one French, so both translations of the security pages show.
func demoUsers() []demoUser {
	return []demoUser{
		{ID: "1001", Name: "Alice Martin", Email: "alice@example.com", Language: "en", Password: "alice-demo-pass"},
		{ID: "1002", Name: "Bruno Lefèvre", Email: "bruno@example.com", Language: "fr", Password: "bruno-demo-pass"},
	}
}

// account is a portal user as the portal keeps it: only the password hash.
type account struct {
	ID, Name, Email, Language string
	hash                      []byte
}

func (a *account) mfaUser() portalmfa.User {
	return portalmfa.User{ID: a.ID, Name: a.Name, Email: a.Email, Language: a.Language}
}

// directory is the portal's user list. It is built once and read-only
// afterwards, so it needs no lock.
type directory struct {
	byID    map[string]*account
	byEmail map[string]*account
	// dummy is a hash compared against when the email is unknown, so a
	// wrong email costs as much time as a wrong password.
	dummy []byte
}

func newDirectory(seeds []demoUser, cost int) (*directory, error) {
	d := &directory{byID: map[string]*account{}, byEmail: map[string]*account{}}
	var err error
	if d.dummy, err = bcrypt.GenerateFromPassword([]byte("no such user"), cost); err != nil {
		return nil, fmt.Errorf("hashing: %w", err)
	}
	for _, s := range seeds {
		h, err := bcrypt.GenerateFromPassword([]byte(s.Password), cost)
		if err != nil {
			return nil, fmt.Errorf("hashing the password of %s: %w", s.Email, err)
		}
		a := &account{ID: s.ID, Name: s.Name, Email: s.Email, Language: s.Language, hash: h}
		d.byID[a.ID] = a
		d.byEmail[normalizeEmail(a.Email)] = a
	}
	return d, nil
}

func normalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// authenticate returns the account whose email and password these are.
func (d *directory) authenticate(email, password string) (*account, bool) {
	a, ok := d.byEmail[normalizeEmail(email)]
	if !ok {
		_ = bcrypt.CompareHashAndPassword(d.dummy, []byte(password))
		return nil, false
	}
	if bcrypt.CompareHashAndPassword(a.hash, []byte(password)) != nil {
		return nil, false
	}
	return a, true
}

// checkPassword reports whether password is the password of user id.
func (d *directory) checkPassword(id, password string) bool {
	a, ok := d.byID[id]
	if !ok {
		_ = bcrypt.CompareHashAndPassword(d.dummy, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword(a.hash, []byte(password)) == nil
}

// lookup returns the account with this ID.
func (d *directory) lookup(id string) (*account, bool) {
	a, ok := d.byID[id]
	return a, ok
}
