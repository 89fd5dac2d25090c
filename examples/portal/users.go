package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

// demoUser is a seeded account, with the password printed at start so
// anyone can try the demo.
type demoUser struct {
	ID, Name, Email, Language, TimeZone, Password string
	Groups                                        []string
	Admin                                         bool // may open the console at /admin/2fa/
}

// demoUsers returns the accounts the portal starts with: one per language
// of the library, each in a time zone of its own, so every translation and
// local times show without editing code.
func demoUsers() []demoUser {
	return []demoUser{
		{ID: "1001", Name: "Alice Martin", Email: "alice@example.com", Language: "en", TimeZone: "America/New_York", Password: "alice-demo-pass", Groups: []string{"customers"}},
		{ID: "1002", Name: "Bruno Lefèvre", Email: "bruno@example.com", Language: "fr", TimeZone: "Europe/Paris", Password: "bruno-demo-pass", Groups: []string{"partners"}},
		{ID: "1003", Name: "Carmen Ruiz", Email: "carmen@example.com", Language: "es", TimeZone: "America/Mexico_City", Password: "carmen-demo-pass", Groups: []string{"customers"}},
		{ID: "1004", Name: "Dieter Schulz", Email: "dieter@example.com", Language: "de", TimeZone: "Europe/Berlin", Password: "dieter-demo-pass", Groups: []string{"partners"}},
		{ID: "1005", Name: "Giulia Romano", Email: "giulia@example.com", Language: "it", TimeZone: "Europe/Rome", Password: "giulia-demo-pass", Groups: []string{"customers"}},
		{ID: "1006", Name: "Noor de Vries", Email: "noor@example.com", Language: "nl", TimeZone: "Europe/Amsterdam", Password: "noor-demo-pass", Groups: []string{"partners"}},
		{ID: "1099", Name: "Ada Admin", Email: "admin@example.com", Language: "en", TimeZone: "Europe/London", Password: "admin-demo-pass", Groups: []string{"staff"}, Admin: true},
	}
}

// demoPolicies are the policies the demo starts with, saved in the store
// when it has none, where the console edits them: partners must turn a
// second factor on within 14 days of the first sign-in that found them
// under the policy; customers are urged to.
func demoPolicies() []policy.Policy {
	return []policy.Policy{
		{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 14},
		{Name: "customers", Groups: []string{"customers"}, Level: policy.Recommended},
	}
}

// seedPolicies saves the demo's policies when the store has none.
func seedPolicies(ctx context.Context, svc *portalmfa.Service) error {
	ps, err := svc.Policies(ctx)
	if err != nil || len(ps) > 0 {
		return err
	}
	for _, p := range demoPolicies() {
		if err := svc.SavePolicy(ctx, p, portalmfa.Actor{Name: "the demo's first start"}); err != nil {
			return fmt.Errorf("saving the demo's policies: %w", err)
		}
	}
	return nil
}

// account is a portal user as the portal keeps it: only the password hash.
type account struct {
	ID, Name, Email, TimeZone string
	Groups                    []string
	Admin                     bool
	language                  atomic.Value // string: the preferred language, which the switcher changes
	hash                      []byte
}

// Language is the account's preferred language tag.
func (a *account) Language() string {
	s, _ := a.language.Load().(string)
	return s
}

func (a *account) mfaUser() portalmfa.User {
	return portalmfa.User{ID: a.ID, Name: a.Name, Email: a.Email, Language: a.Language(), TimeZone: a.TimeZone, Groups: a.Groups}
}

// directory is the portal's user list. The accounts are fixed; only their
// password hashes change (the password page), under mu.
type directory struct {
	byID    map[string]*account
	byEmail map[string]*account
	// dummy is a hash compared against when the email is unknown, so a
	// wrong email costs as much time as a wrong password.
	dummy []byte
	cost  int

	mu sync.RWMutex // guards every account's hash
}

func newDirectory(seeds []demoUser, cost int) (*directory, error) {
	d := &directory{byID: map[string]*account{}, byEmail: map[string]*account{}, cost: cost}
	var err error
	if d.dummy, err = bcrypt.GenerateFromPassword([]byte("no such user"), cost); err != nil {
		return nil, fmt.Errorf("hashing: %w", err)
	}
	for _, s := range seeds {
		h, err := bcrypt.GenerateFromPassword([]byte(s.Password), cost)
		if err != nil {
			return nil, fmt.Errorf("hashing the password of %s: %w", s.Email, err)
		}
		a := &account{ID: s.ID, Name: s.Name, Email: s.Email, TimeZone: s.TimeZone, Groups: s.Groups, Admin: s.Admin, hash: h}
		a.language.Store(s.Language)
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
	if !d.matches(a, ok, password) {
		return nil, false
	}
	return a, true
}

// byEmailAddress returns the account of an email address.
func (d *directory) byEmailAddress(email string) (*account, bool) {
	a, ok := d.byEmail[normalizeEmail(email)]
	return a, ok
}

// checkPassword reports whether password is the password of user id.
func (d *directory) checkPassword(id, password string) bool {
	a, ok := d.byID[id]
	return d.matches(a, ok, password)
}

// matches compares password with a's hash, or with the dummy when there is
// no such account.
func (d *directory) matches(a *account, ok bool, password string) bool {
	if !ok {
		_ = bcrypt.CompareHashAndPassword(d.dummy, []byte(password))
		return false
	}
	d.mu.RLock()
	hash := a.hash
	d.mu.RUnlock()
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

// minPasswordLength is the demo's rule for a new password.
const minPasswordLength = 10

// errWeakPassword: a new password shorter than minPasswordLength, or longer
// than bcrypt takes.
var errWeakPassword = fmt.Errorf("a new password needs at least %d characters and at most 72 bytes", minPasswordLength)

func validPassword(password string) bool {
	return len(password) >= minPasswordLength && len(password) <= 72
}

// setPassword replaces the password of user id, in memory only.
func (d *directory) setPassword(id, password string) error {
	a, ok := d.byID[id]
	if !ok {
		return fmt.Errorf("no user %q", id)
	}
	if !validPassword(password) {
		return errWeakPassword
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), d.cost)
	if err != nil {
		return err
	}
	d.mu.Lock()
	a.hash = h
	d.mu.Unlock()
	return nil
}

// list returns the page q asks for of the accounts whose name or email
// holds q.Search, by ID, and how many match in all: portalmfa's
// Config.ListUsers.
func (d *directory) list(q portalmfa.UserQuery) ([]portalmfa.User, int) {
	var all []portalmfa.User
	search := strings.ToLower(q.Search)
	for _, a := range d.byID {
		if search == "" || strings.Contains(strings.ToLower(a.Name), search) || strings.Contains(a.Email, search) {
			all = append(all, a.mfaUser())
		}
	}
	slices.SortFunc(all, func(a, b portalmfa.User) int { return strings.Compare(a.ID, b.ID) })
	start := min(max(q.Offset, 0), len(all))
	return all[start:min(start+max(q.Limit, 0), len(all))], len(all)
}

// lookup returns the account with this ID.
func (d *directory) lookup(id string) (*account, bool) {
	a, ok := d.byID[id]
	return a, ok
}
