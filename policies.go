package portalmfa

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/policy"
)

// Policies: what administrators ask of groups of users (package policy).
// A user's effective policy is the strictest of those in Config.Policies
// and in the store ([PolicyStore]) that target the user's groups. It
// decides what the security page urges, which factors count, by when one
// must be on, how long a device may be trusted, and whether the last factor
// may go.

// PolicyStore is a Store that keeps policies an administrator makes. It is
// optional: New looks for it; without it only Config.Policies apply.
type PolicyStore = policy.Store

// Errors of policies.
var (
	// ErrFactorNotAllowed: the user's policy does not count that kind of
	// factor: it is neither offered nor accepted.
	ErrFactorNotAllowed = errors.New("portalmfa: this kind of factor is not allowed by policy")
	// ErrPolicyRequires: the user's policy requires a second factor, so the
	// last one may not go.
	ErrPolicyRequires = errors.New("portalmfa: a policy requires a second factor")
)

// PolicyState is where a user stands with the policies that target them.
type PolicyState struct {
	Policy   policy.Effective
	Standing policy.Standing
	Status   Status
}

// Decision is what a login needs after the password.
type Decision int

const (
	// PasswordOnly: no second factor is on, and none is required yet: the
	// host starts its session.
	PasswordOnly Decision = iota
	// Challenge: a second factor is on: the login goes to the challenge.
	Challenge
	// EnrollNow: no factor the policy counts is on and its deadline has
	// passed: the host starts its session, confined to the security page
	// until one is (httpx's Handler.Confine does that).
	EnrollNow
)

func (d Decision) String() string {
	switch d {
	case PasswordOnly:
		return "password-only"
	case Challenge:
		return "challenge"
	case EnrollNow:
		return "enroll-now"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// SignInDecision tells the host, after a correct password, what the login
// needs: the challenge when a factor is on, else whether the user must
// enroll now. On error the host must not let the user in: the error means
// "try again later". It is [Service.SecondFactorRequired] with policies.
func (s *Service) SignInDecision(ctx context.Context, u User) (Decision, error) {
	ps, err := s.PolicyState(ctx, u)
	switch {
	case err != nil:
		return 0, err
	case ps.Status.Enabled():
		return Challenge, nil
	case ps.Standing == policy.Overdue:
		return EnrollNow, nil
	}
	return PasswordOnly, nil
}

// PolicyState returns u's effective policy, where u stands with it now,
// and u's factors. A required policy's grace period starts the first time
// u is found short of it, not before: a user who complies starts none.
func (s *Service) PolicyState(ctx context.Context, u User) (PolicyState, error) {
	ps, err := s.Policies(ctx)
	if err != nil {
		return PolicyState{}, err
	}
	st, err := s.Status(ctx, u.ID)
	if err != nil {
		return PolicyState{}, err
	}
	return s.policyState(ctx, u, ps, st)
}

// policyState is PolicyState of the policies ps and the status st, read
// once by the caller.
func (s *Service) policyState(ctx context.Context, u User, ps []policy.Policy, st Status) (PolicyState, error) {
	e, err := s.resolve(ctx, u, ps, false)
	if err != nil {
		return PolicyState{}, err
	}
	if !complies(st, e) && e.Level == policy.Required {
		if e, err = s.resolve(ctx, u, ps, true); err != nil { // the deadline, counted from the first time
			return PolicyState{}, err
		}
	}
	return PolicyState{Policy: e, Standing: e.Standing(s.cfg.Now(), complies(st, e)), Status: st}, nil
}

// Overdue reports whether u's policy requires a second factor, past its
// deadline, and none it counts is on: the user must enroll before anything
// else. It reads the policies once, and the user's factors only when a
// policy requires one: it runs on every request of a confined host.
func (s *Service) Overdue(ctx context.Context, u User) (bool, error) {
	ps, err := s.Policies(ctx)
	if err != nil {
		return false, err
	}
	if e, err := s.resolve(ctx, u, ps, false); err != nil || e.Level != policy.Required {
		return false, err
	}
	st, err := s.Status(ctx, u.ID)
	if err != nil {
		return false, err
	}
	state, err := s.policyState(ctx, u, ps, st)
	return state.Standing == policy.Overdue, err
}

// UserPolicy is the effective policy of the user of userID, whose groups
// Config.LookupUser tells: for the challenge, which knows only the ID.
// Its deadline is not meant to be read: see [Service.PolicyState].
func (s *Service) UserPolicy(ctx context.Context, userID string) (policy.Effective, error) {
	if len(s.cfg.Policies) == 0 && s.policyStore == nil {
		return policy.Effective{}, nil
	}
	u := User{ID: userID}
	if s.cfg.LookupUser != nil {
		found, err := s.cfg.LookupUser(ctx, userID)
		if err != nil {
			return policy.Effective{}, unavailable(fmt.Errorf("looking up the user: %w", err))
		}
		u.Groups = found.Groups
	}
	ps, err := s.Policies(ctx)
	if err != nil {
		return policy.Effective{}, err
	}
	return s.resolve(ctx, u, ps, false)
}

// complies reports whether a factor e counts is on (a fallback aside).
func complies(st Status, e policy.Effective) bool {
	return slices.ContainsFunc(st.Factors, func(f Factor) bool {
		return f.State == On && !f.Fallback && e.Allows(string(f.Kind))
	})
}

// Policy returns the effective policy of u: the strictest of those in
// Config.Policies and in the store that target u's groups. A required
// policy with a grace period counts it from when it first applied to u,
// which this records (see [Service.PolicyState], which records it only
// for a user found short).
func (s *Service) Policy(ctx context.Context, u User) (policy.Effective, error) {
	ps, err := s.Policies(ctx)
	if err != nil {
		return policy.Effective{}, err
	}
	return s.resolve(ctx, u, ps, true)
}

// resolve is the effective policy of u among ps, recording when a grace
// period starts only when record is true: otherwise such a period is
// counted from now.
func (s *Service) resolve(ctx context.Context, u User, ps []policy.Policy, record bool) (policy.Effective, error) {
	now := s.cfg.Now()
	return effective(u, ps, func(p policy.Policy) (time.Time, error) {
		if !record || !p.CountsGrace() {
			return now, nil
		}
		t, err := s.policyStore.PolicyApplied(ctx, u.ID, p.Name, now)
		if err != nil {
			return time.Time{}, unavailable(err)
		}
		return t, nil
	})
}

// effective is the strictest of ps that target u, each counted from
// since(p): when it first applied to u.
func effective(u User, ps []policy.Policy, since func(policy.Policy) (time.Time, error)) (policy.Effective, error) {
	var applied []policy.Applied
	for _, p := range ps {
		if !p.Targets(u.Groups) {
			continue
		}
		t, err := since(p)
		if err != nil {
			return policy.Effective{}, err
		}
		applied = append(applied, policy.Applied{Policy: p, Since: t})
	}
	return policy.Resolve(applied), nil
}

// ConfigPolicies are Config.Policies: policies kept in code, which the
// store cannot change.
func (s *Service) ConfigPolicies() []policy.Policy { return slices.Clone(s.cfg.Policies) }

// Policies returns every policy: Config.Policies, then the store's, by
// name. A stored policy of the same name as one in Config is ignored.
func (s *Service) Policies(ctx context.Context) ([]policy.Policy, error) {
	ps := slices.Clone(s.cfg.Policies)
	if s.policyStore == nil {
		return ps, nil
	}
	stored, err := s.policyStore.Policies(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	for _, p := range stored {
		if !slices.ContainsFunc(s.cfg.Policies, func(q policy.Policy) bool { return q.Name == p.Name }) {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// allowed returns ErrFactorNotAllowed unless the user's policy counts
// factors of kind k.
func (s *Service) allowed(ctx context.Context, userID string, k FactorKind) error {
	e, err := s.UserPolicy(ctx, userID)
	switch {
	case err != nil:
		return err
	case !e.Allows(string(k)):
		return ErrFactorNotAllowed
	}
	return nil
}

// TrustPeriod is how long a device the user trusts now stays trusted:
// Config.TrustDeviceFor, or less under the user's policy; for the "trust
// this device for N days" label and the cookie.
func (s *Service) TrustPeriod(ctx context.Context, userID string) (time.Duration, error) {
	e, err := s.UserPolicy(ctx, userID)
	if err != nil {
		return 0, err
	}
	return s.TrustPeriodUnder(e), nil
}

// TrustPeriodUnder is [Service.TrustPeriod] for a user whose effective
// policy is e ([Service.UserPolicy]), for a page that has read it already.
func (s *Service) TrustPeriodUnder(e policy.Effective) time.Duration {
	d := s.cfg.TrustDeviceFor
	if e.TrustDays > 0 {
		d = min(d, time.Duration(e.TrustDays)*24*time.Hour)
	}
	return d
}

// validatePolicies checks Config.Policies: each valid and one the
// Service can hold a user to, names unique.
func (s *Service) validatePolicies() error {
	ps := s.cfg.Policies
	for i, p := range ps {
		if err := s.CheckPolicy(p); err != nil {
			return fmt.Errorf("portalmfa: Config.Policies[%d]: %w", i, err)
		}
		if slices.ContainsFunc(ps[:i], func(q policy.Policy) bool { return q.Name == p.Name }) {
			return fmt.Errorf("portalmfa: Config.Policies: two policies named %q", p.Name)
		}
	}
	return nil
}

// ErrPolicyUnmet: a policy this Service could not hold a user to.
var ErrPolicyUnmet = errors.New("portalmfa: policy cannot be met")

// CheckPolicy validates p ([policy.ErrInvalid]), and refuses what would
// strand its users ([ErrPolicyUnmet]): groups the Service cannot learn at
// the challenge (no Config.LookupUser), a grace period with no store to
// count it in, factors none of which the Service offers.
func (s *Service) CheckPolicy(p policy.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	switch {
	case !p.Everyone && s.cfg.LookupUser == nil:
		return fmt.Errorf("%w: it targets groups, which need Config.LookupUser", ErrPolicyUnmet)
	case p.CountsGrace() && s.policyStore == nil:
		return fmt.Errorf("%w: a grace period needs a store that keeps policies", ErrPolicyUnmet)
	case len(p.Allowed) > 0 && !slices.ContainsFunc(p.Allowed, s.offers):
		return fmt.Errorf("%w: no factor it allows is offered", ErrPolicyUnmet)
	}
	return nil
}

// offers reports whether the Service offers factors of kind (a
// policy's name of a kind).
func (s *Service) offers(kind string) bool {
	switch FactorKind(kind) {
	case FactorTOTP:
		return true
	case FactorPasskey:
		return s.passkeys != nil
	case FactorSMS:
		return s.CodesOn(oob.SMS)
	case FactorEmail:
		return s.CodesOn(oob.Email) && s.EmailAlone()
	}
	return false
}

// Errors of an administrator's changes to policies.
var (
	// ErrNoPolicyStore: the store keeps no policies ([PolicyStore]).
	ErrNoPolicyStore = errors.New("portalmfa: the store keeps no policies")
	// ErrPolicyInConfig: the policy of that name is kept in Config.Policies,
	// in code, and cannot be changed or deleted from the store.
	ErrPolicyInConfig = errors.New("portalmfa: this policy is kept in the configuration")
	// ErrUnknownPolicy: no stored policy of that name.
	ErrUnknownPolicy = policy.ErrNotFound
	// ErrPolicyExists: a policy of that name is stored already.
	ErrPolicyExists = policy.ErrExists
	// ErrPolicyChanged: the stored policy was saved or deleted since it
	// was read (its Revision moved on).
	ErrPolicyChanged = policy.ErrConflict
	// ErrNoUserList: Config.ListUsers is not set.
	ErrNoUserList = errors.New("portalmfa: Config.ListUsers is not set")
)

// SavePolicy stores p, an administrator's policy, for the administrator
// by, and records the change in the audit log. With p.Revision 0 it
// creates it ([ErrPolicyExists] when the name is taken); otherwise it
// replaces the stored policy of its name, as read at p.Revision
// ([ErrPolicyChanged] when it was saved or deleted since). The grace
// periods of a replaced policy go on from when they began. It returns an
// error wrapping [policy.ErrInvalid] for a policy that does not validate.
func (s *Service) SavePolicy(ctx context.Context, p policy.Policy, by Actor) error {
	if err := s.storedPolicy(p.Name); err != nil {
		return err
	}
	if err := s.CheckPolicy(p); err != nil {
		return err
	}
	switch err := s.policyStore.SavePolicy(ctx, p); {
	case errors.Is(err, policy.ErrExists), errors.Is(err, policy.ErrConflict):
		return err
	case err != nil:
		return unavailable(err)
	}
	s.event(ctx, by.Client, by.event(history.PolicySaved, p.Name))
	s.log.InfoContext(ctx, "portalmfa: policy saved", "policy", p.Name, "level", p.Level.String(), "admin", by.Name)
	return nil
}

// DeletePolicy removes the stored policy of that name, as read at
// revision (whatever its revision, when 0), and the record of whom it
// applied to, for the administrator by, and records the change in the
// audit log: added again, its grace periods start afresh.
// [ErrPolicyChanged] when it was saved since.
func (s *Service) DeletePolicy(ctx context.Context, name string, revision int, by Actor) error {
	if err := s.storedPolicy(name); err != nil {
		return err
	}
	switch err := s.policyStore.DeletePolicy(ctx, name, revision); {
	case errors.Is(err, policy.ErrNotFound):
		return ErrUnknownPolicy
	case errors.Is(err, policy.ErrConflict):
		return ErrPolicyChanged
	case err != nil:
		return unavailable(err)
	}
	s.event(ctx, by.Client, by.event(history.PolicyDeleted, name))
	s.log.InfoContext(ctx, "portalmfa: policy deleted", "policy", name, "admin", by.Name)
	return nil
}

// storedPolicy reports whether the policy of that name may be changed in
// the store.
func (s *Service) storedPolicy(name string) error {
	switch {
	case s.policyStore == nil:
		return ErrNoPolicyStore
	case slices.ContainsFunc(s.cfg.Policies, func(q policy.Policy) bool { return q.Name == name }):
		return ErrPolicyInConfig
	}
	return nil
}

// UserQuery asks the host for a page of its users (Config.ListUsers).
type UserQuery struct {
	// Search is text the host matches as it sees fit (a name, an email
	// address); "" for every user.
	Search string
	// Offset and Limit page the list, in an order the host keeps stable.
	Offset, Limit int
}

// ListUsers asks the host for a page of its users (Config.ListUsers):
// [ErrNoUserList] without it, ErrUnavailable when it fails.
func (s *Service) ListUsers(ctx context.Context, q UserQuery) ([]User, int, error) {
	if s.cfg.ListUsers == nil {
		return nil, 0, ErrNoUserList
	}
	us, total, err := s.cfg.ListUsers(ctx, q)
	if err != nil {
		return nil, 0, unavailable(fmt.Errorf("listing users: %w", err))
	}
	return us, total, nil
}

// usersPage is how many users are asked for at once when all are walked.
const usersPage = 500

// PolicyTargets counts, for each of ps, the host's users it targets,
// walking them once through Config.ListUsers: the console's preview.
func (s *Service) PolicyTargets(ctx context.Context, ps ...policy.Policy) ([]int, error) {
	counts := make([]int, len(ps))
	err := s.walkUsers(ctx, "", func(us []User) error {
		for _, u := range us {
			for i, p := range ps {
				if p.Targets(u.Groups) {
					counts[i]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}
