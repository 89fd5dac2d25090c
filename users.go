package portalmfa

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/summary"
)

// The administrator's view of many users at once.

// ErrNoSummaries: the store cannot read many users' state at once
// ([summary.Store], and [policy.AppliedReader] for grace periods).
var ErrNoSummaries = errors.New("portalmfa: the store reads no summaries")

// ErrTooManyUsers: more users than the administrator's side walks at
// once (MaxUsersWalked); a search narrows them.
var ErrTooManyUsers = errors.New("portalmfa: too many users to walk at once")

// MaxUsersWalked bounds a walk over every user of the host (a preview, a
// filter, an export).
const MaxUsersWalked = 100_000

// UserState is one user's second-factor state, and where the user stands
// with their policy, for the administrator's console.
type UserState struct {
	User    User
	Account summary.Account
	// Policy is the user's effective policy. Its Deadline means something
	// while the user is InGrace or Overdue.
	Policy   policy.Effective
	Standing policy.Standing
	// status is Account as a Status: its factors, fallback marked.
	status Status
}

// Enabled reports whether 2FA is on for the user, as [Status.Enabled].
func (us UserState) Enabled() bool { return us.status.Enabled() }

// accountStatus is the Status of a, as far as a tells: which factors are
// on, and the fallback among them.
func (s *Service) accountStatus(a summary.Account) Status {
	factor := func(k FactorKind, n int) Factor {
		if n == 0 {
			return Factor{Kind: k, State: Off}
		}
		return Factor{Kind: k, State: On, Count: n}
	}
	one := func(on bool) int {
		if on {
			return 1
		}
		return 0
	}
	st := Status{Factors: []Factor{factor(FactorTOTP, one(a.TOTP)), factor(FactorPasskey, a.Passkeys),
		factor(FactorSMS, one(a.SMS)), factor(FactorEmail, one(a.Email))}}
	s.markFallback(st.Factors)
	return st
}

// LookupUser returns the host's user of userID through Config.LookupUser,
// or a user of that ID only without it.
func (s *Service) LookupUser(ctx context.Context, userID string) (User, error) {
	if s.cfg.LookupUser == nil {
		return User{ID: userID}, nil
	}
	u, err := s.cfg.LookupUser(ctx, userID)
	if err != nil {
		return User{}, unavailable(fmt.Errorf("looking up the user: %w", err))
	}
	u.ID = userID
	return u, nil
}

// UserStates returns the state of each of users (with their groups, as
// the host gives them), read a batch at a time: for a page of the console,
// or a walk over every user. It records nothing: a grace period a user has
// not started yet (see [Service.PolicyState]) is shown as starting now.
func (s *Service) UserStates(ctx context.Context, users []User) ([]UserState, error) {
	if s.summaries == nil {
		return nil, ErrNoSummaries
	}
	ps, err := s.Policies(ctx)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	out := make([]UserState, 0, len(users))
	size := min(summary.MaxBatch, policy.MaxAppliedBatch)
	for start := 0; start < len(users); start += size {
		batch := users[start:min(start+size, len(users))]
		ids := make([]string, len(batch))
		for i, u := range batch {
			ids[i] = u.ID
		}
		accounts, err := s.summaries.Accounts(ctx, ids, now)
		if err != nil {
			return nil, unavailable(fmt.Errorf("reading accounts: %w", err))
		}
		// When each grace period began, for the policies that count one.
		since := map[string]map[string]time.Time{}
		for _, p := range ps {
			if p.CountsGrace() {
				if s.applied == nil {
					return nil, ErrNoSummaries
				}
				if since[p.Name], err = s.applied.PolicyAppliedTo(ctx, p.Name, ids); err != nil {
					return nil, unavailable(err)
				}
			}
		}
		for i, u := range batch {
			us := UserState{User: u, Account: accounts[i], status: s.accountStatus(accounts[i])}
			us.Policy, _ = effective(u, ps, func(p policy.Policy) (time.Time, error) {
				if t, ok := since[p.Name][u.ID]; ok {
					return t, nil
				}
				return now, nil
			})
			us.Standing = us.Policy.Standing(now, complies(us.status, us.Policy))
			out = append(out, us)
		}
	}
	return out, nil
}

// Shares are the counts of the console's dashboard: how many users the
// host has, how many have 2FA on, by kind of factor, and how many a
// required policy is waiting on.
type Shares struct {
	Users, WithTwoFA int
	// ByFactor counts the users with each kind of factor on ("totp",
	// "passkey", "sms", "email").
	ByFactor         map[string]int
	InGrace, Overdue int
}

// Shares walks every user of the host (Config.ListUsers), a batch at a
// time, and counts them for the dashboard.
func (s *Service) Shares(ctx context.Context) (Shares, error) {
	sh := Shares{ByFactor: map[string]int{}}
	err := s.EachUserState(ctx, "", func(states []UserState) error {
		for _, us := range states {
			sh.Users++
			if us.Enabled() {
				sh.WithTwoFA++
			}
			for _, f := range us.status.Factors {
				if f.State == On { // a fallback too
					sh.ByFactor[string(f.Kind)]++
				}
			}
			switch us.Standing {
			case policy.InGrace:
				sh.InGrace++
			case policy.Overdue:
				sh.Overdue++
			}
		}
		return nil
	})
	if err != nil {
		return Shares{}, err
	}
	return sh, nil
}

// EachUserState calls fn with the states of the host's users that search
// matches (Config.ListUsers; "" for every one), a page of the host's at a
// time, until it has read them all: for a filter of the console, an export,
// the dashboard. More than MaxUsersWalked is [ErrTooManyUsers].
func (s *Service) EachUserState(ctx context.Context, search string, fn func([]UserState) error) error {
	return s.walkUsers(ctx, search, func(users []User) error {
		states, err := s.UserStates(ctx, users)
		if err != nil {
			return err
		}
		return fn(states)
	})
}

// walkUsers calls fn with each page of the host's users that search
// matches, usersPage at a time, until it has read them all.
func (s *Service) walkUsers(ctx context.Context, search string, fn func([]User) error) error {
	for offset := 0; ; {
		users, total, err := s.ListUsers(ctx, UserQuery{Search: search, Offset: offset, Limit: usersPage})
		if err != nil {
			return err
		}
		if total > MaxUsersWalked {
			return ErrTooManyUsers
		}
		if err := fn(users); err != nil {
			return err
		}
		offset += len(users) // a host may give fewer than asked
		if len(users) == 0 || offset >= total {
			return nil
		}
	}
}
