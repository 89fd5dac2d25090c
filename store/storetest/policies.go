package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/policy"
)

// RunPolicies checks a [policy.Store]:
//
//   - an empty store lists no policies, and that is not an error;
//   - a saved policy comes back field for field: its target (everyone or
//     its groups, in order), level, allowed factors (in order), deadline
//     (the same instant, to the millisecond, whatever zone it was given
//     in), grace and trust days, and banners, text outside ASCII and
//     control characters included;
//   - an empty list or map of a policy (Groups, Allowed, Banners) may come
//     back nil, and a nil one empty: "none" is all they mean;
//   - policies are listed by name, in byte order (as sort.Strings puts
//     them);
//   - saving a policy of a stored name replaces it whole, and keeps the
//     record of whom it applied to (editing a policy does not restart
//     anyone's grace period);
//   - deleting a policy removes it, and forgets whom it applied to (a
//     policy saved again under its name applies afresh); deleting an
//     unknown name is [policy.ErrNotFound];
//   - PolicyApplied records now the first time and returns that time ever
//     after, whatever now a later call gives; per user and per policy
//     apart; for a policy the store does not hold too (the Service asks
//     it of the policies of its configuration); and 20 calls at once with
//     20 different nows all return the same one of them;
//   - the store shares no memory with its callers: changing a saved
//     policy's lists or banners afterwards, or those of a policy it
//     returned, changes nothing it holds.
//
// newStore is as for [RunTOTP].
func RunPolicies(t *testing.T, newStore func(t *testing.T) policy.Store) {
	// save saves p, at its revision (0: creating it), and expects err.
	saveErr := func(t *testing.T, s policy.Store, p policy.Policy, err error) {
		t.Helper()
		wantErr(t, fmt.Sprintf("SavePolicy(%q at %d)", p.Name, p.Revision), s.SavePolicy(t.Context(), p), err)
	}
	save := func(t *testing.T, s policy.Store, p policy.Policy) {
		t.Helper()
		saveErr(t, s, p, nil)
	}
	// at is p at revision rev.
	at := func(p policy.Policy, rev int) policy.Policy {
		p.Revision = rev
		return p
	}
	// want checks that the store's policies are exactly want, in order.
	want := func(t *testing.T, s policy.Store, want ...policy.Policy) {
		t.Helper()
		got, err := s.Policies(t.Context())
		wantErr(t, "Policies", err, nil)
		if len(got) != len(want) {
			t.Fatalf("Policies = %v, want %v", policyNames(got), policyNames(want))
		}
		for i := range got {
			samePolicy(t, fmt.Sprintf("Policies[%d]", i), got[i], want[i])
		}
	}
	// del deletes the policy of that name at any revision.
	del := func(t *testing.T, s policy.Store, name string, want error) {
		t.Helper()
		wantErr(t, fmt.Sprintf("DeletePolicy(%q)", name), s.DeletePolicy(t.Context(), name, 0), want)
	}
	// applied expects PolicyApplied(user, name, now) to return want.
	applied := func(t *testing.T, s policy.Store, user, name string, now, want time.Time) {
		t.Helper()
		what := fmt.Sprintf("PolicyApplied(%q, %q, %v)", user, name, now)
		got, err := s.PolicyApplied(t.Context(), user, name, now)
		wantErr(t, what, err, nil)
		sameTime(t, what, got, want)
	}
	// A deadline in a zone other than UTC, to the millisecond.
	paris := time.FixedZone("CET", 3600)
	deadline := time.Date(2027, 3, 1, 9, 30, 15, 123_000_000, paris)
	full := policy.Policy{
		Name:      "staff",
		Groups:    []string{"staff", "ops", "Équipe IT"},
		Level:     policy.Required,
		Allowed:   []string{"passkey", "totp"}, // not in the order of policy.Factors
		Deadline:  deadline,
		TrustDays: 30,
		Banners: map[string]string{
			"en": "Turn on two-factor authentication by March 1.",
			"fr": "Activez la double authentification avant le 1ᵉʳ mars — c’est obligatoire.",
			"ja": "3月1日までに二要素認証を有効にしてください。",
			"ar": "فعّل المصادقة الثنائية",
			"de": "Bitte aktivieren 🔐",
		},
	}
	grace := policy.Policy{Name: "admins", Groups: []string{"admins"}, Level: policy.Required, GraceDays: 14}
	everyone := policy.Policy{Name: "everyone", Everyone: true, Level: policy.Recommended}
	t1 := t0.Add(time.Hour)

	t.Run("None", func(t *testing.T) {
		s := newStore(t)
		want(t, s)
	})

	for _, c := range []struct {
		name string
		p    policy.Policy
	}{
		{"Full", full},
		{"Grace", grace},
		{"Everyone", everyone},
		{"Optional", policy.Policy{Name: "optional", Everyone: true, Level: policy.Optional, TrustDays: 1}},
		{"EmptyNotNil", policy.Policy{
			Name: "empty", Everyone: true, Groups: []string{}, Level: policy.Recommended,
			Allowed: []string{}, Banners: map[string]string{},
		}},
		{"DeadlineInUTC", policy.Policy{
			Name: "utc", Groups: []string{"g"}, Level: policy.Required,
			Deadline: time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
		}},
		{"DeadlineWestOfUTC", policy.Policy{
			Name: "west", Groups: []string{"g"}, Level: policy.Required,
			Deadline: time.Date(2027, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(9*3600+30*60))),
		}},
		{"OddText", policy.Policy{
			// What Validate lets through is kept byte for byte: quotes,
			// backslashes, markup, control characters, a NUL.
			Name: `"odd" \ <name> é`, Groups: []string{`a "group"`, `back\slash`, "tab\there"},
			Level: policy.Recommended, Allowed: []string{"sms", "email", "totp", "passkey"},
			Banners: map[string]string{
				"en":         "line one\nline two\r\n\t<b>&amp;</b> \"quoted\" \\ \x00 \u2028 \x7f",
				"zh-Hant-TW": "請啟用雙重驗證",
			},
		}},
	} {
		t.Run("SaveThenRead/"+c.name, func(t *testing.T) {
			s := newStore(t)
			save(t, s, c.p)
			want(t, s, at(c.p, 1))
		})
	}

	t.Run("SortedByName", func(t *testing.T) {
		// Byte order: upper case before lower case, a prefix before what
		// extends it, anything outside ASCII last, whatever the order of
		// saving.
		s := newStore(t)
		names := []string{"b", "Émile", "a b", "B", "z", "a", "ab", "_", "10", "9"}
		for _, n := range names {
			save(t, s, policy.Policy{Name: n, Everyone: true, Level: policy.Recommended})
		}
		got, err := s.Policies(t.Context())
		wantErr(t, "Policies", err, nil)
		sorted := slices.Sorted(slices.Values(names))
		if !slices.Equal(policyNames(got), sorted) {
			t.Errorf("Policies = %q, want %q", policyNames(got), sorted)
		}
	})

	t.Run("Replace", func(t *testing.T) {
		// The newer policy replaces the older whole: nothing of the
		// older's lists, banners or deadline is left.
		s := newStore(t)
		save(t, s, full)
		save(t, s, everyone)
		newer := policy.Policy{Name: full.Name, Everyone: true, Level: policy.Required, GraceDays: 7, Revision: 1}
		save(t, s, newer)
		want(t, s, at(everyone, 1), at(newer, 2))
		save(t, s, at(full, 2))
		want(t, s, at(everyone, 1), at(full, 3))
	})

	t.Run("Revisions", func(t *testing.T) {
		// A save or a delete at a revision the policy is no longer at
		// changes nothing: another administrator's edit stays.
		s := newStore(t)
		save(t, s, grace)
		applied(t, s, "alice", grace.Name, t0, t0)
		saveErr(t, s, everyone, nil)
		saveErr(t, s, at(everyone, 0), policy.ErrExists) // created twice
		want(t, s, at(grace, 1), at(everyone, 1))
		edited := at(grace, 1)
		edited.GraceDays = 30
		save(t, s, edited)
		stale := at(grace, 1)
		stale.GraceDays = 1
		saveErr(t, s, stale, policy.ErrConflict)
		saveErr(t, s, at(stale, 7), policy.ErrConflict)
		saveErr(t, s, at(stale, 0), policy.ErrExists)
		want(t, s, at(edited, 2), at(everyone, 1))
		wantErr(t, "DeletePolicy at a stale revision", s.DeletePolicy(t.Context(), grace.Name, 1), policy.ErrConflict)
		want(t, s, at(edited, 2), at(everyone, 1))
		applied(t, s, "alice", grace.Name, t1, t0) // its record stays too
		wantErr(t, "DeletePolicy at its revision", s.DeletePolicy(t.Context(), grace.Name, 2), nil)
		saveErr(t, s, at(edited, 2), policy.ErrConflict) // deleted since
		wantErr(t, "DeletePolicy, deleted already", s.DeletePolicy(t.Context(), grace.Name, 2), policy.ErrNotFound)
		want(t, s, at(everyone, 1))

		// Created again, the name goes on from its deleted revision: an
		// edit or a delete read before cannot land on the new policy.
		save(t, s, grace)
		want(t, s, at(grace, 4), at(everyone, 1))
		for _, rev := range []int{1, 2, 3} {
			saveErr(t, s, at(stale, rev), policy.ErrConflict)
			wantErr(t, fmt.Sprint("DeletePolicy at the old revision ", rev), s.DeletePolicy(t.Context(), grace.Name, rev), policy.ErrConflict)
		}
		want(t, s, at(grace, 4), at(everyone, 1))
		applied(t, s, "alice", grace.Name, t1, t1) // the record went with the old one
	})

	t.Run("ConcurrentEdits", func(t *testing.T) {
		// 20 administrators create one name at once, then edit what they
		// all read, then save or delete it: one of each round wins, the
		// others are told.
		s := newStore(t)
		const n = 20
		count := func(what string, errs []error, other error) {
			t.Helper()
			won := 0
			for i, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, other):
					t.Errorf("%s %d: %v, want nil or %v", what, i, err, other)
				}
			}
			if won != 1 {
				t.Errorf("%s: %d succeeded, want 1", what, won)
			}
		}
		count("SavePolicy, creating", Together(n, func(i int) error {
			return s.SavePolicy(t.Context(), policy.Policy{Name: "p", Everyone: true, Level: policy.Recommended, TrustDays: i + 1})
		}), policy.ErrExists)
		count("SavePolicy at revision 1", Together(n, func(i int) error {
			return s.SavePolicy(t.Context(), policy.Policy{Name: "p", Everyone: true, Level: policy.Required, GraceDays: i + 1, Revision: 1})
		}), policy.ErrConflict)
		got, err := s.Policies(t.Context())
		wantErr(t, "Policies", err, nil)
		if len(got) != 1 || got[0].Revision != 2 || got[0].Level != policy.Required {
			t.Fatalf("Policies = %+v, want p at revision 2, required", got)
		}

		// Half of them save what they read, half delete it: one wins, the
		// others find it changed or gone.
		errs := Together(n, func(i int) error {
			if i%2 == 0 {
				return s.DeletePolicy(t.Context(), "p", 2)
			}
			return s.SavePolicy(t.Context(), policy.Policy{Name: "p", Everyone: true, Level: policy.Optional, Revision: 2})
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, policy.ErrConflict) && !errors.Is(err, policy.ErrNotFound):
				t.Errorf("save or delete %d: %v, want nil, ErrConflict or ErrNotFound", i, err)
			}
		}
		if won != 1 {
			t.Errorf("saves and deletes at revision 2: %d succeeded, want 1", won)
		}

		// Deletes at once, at any revision: one deletes, the others find
		// nothing.
		save(t, s, policy.Policy{Name: "q", Everyone: true, Level: policy.Recommended})
		count("DeletePolicy", Together(n, func(int) error { return s.DeletePolicy(t.Context(), "q", 0) }), policy.ErrNotFound)
	})

	t.Run("ReplaceKeepsApplied", func(t *testing.T) {
		s := newStore(t)
		save(t, s, grace)
		applied(t, s, "alice", grace.Name, t0, t0)
		longer := at(grace, 1)
		longer.GraceDays = 30
		save(t, s, longer)
		applied(t, s, "alice", grace.Name, t1, t0)
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		del(t, s, "never saved", policy.ErrNotFound)
		save(t, s, full)
		save(t, s, grace)
		save(t, s, everyone)
		del(t, s, full.Name, nil)
		want(t, s, at(grace, 1), at(everyone, 1))
		del(t, s, full.Name, policy.ErrNotFound)
		del(t, s, "STAFF", policy.ErrNotFound) // names are matched exactly
		want(t, s, at(grace, 1), at(everyone, 1))
		del(t, s, grace.Name, nil)
		del(t, s, everyone.Name, nil)
		want(t, s)
		// Created again after a delete: at a revision the name never had
		// (1 when created, 2 when deleted).
		save(t, s, full)
		want(t, s, at(full, 3))
	})

	t.Run("DeleteForgetsApplied", func(t *testing.T) {
		// Deleting a policy forgets whom it applied to, and only it: a
		// policy saved again under its name applies from the next call.
		s := newStore(t)
		other := grace
		other.Name = grace.Name + "-2" // its name begins as the deleted one's
		save(t, s, grace)
		save(t, s, other)
		applied(t, s, "alice", grace.Name, t0, t0)
		applied(t, s, "bob", grace.Name, t0, t0)
		applied(t, s, "alice", other.Name, t0, t0)
		del(t, s, grace.Name, nil)
		want(t, s, at(other, 1))
		save(t, s, grace)
		applied(t, s, "alice", grace.Name, t1, t1)
		applied(t, s, "alice", grace.Name, t1.Add(time.Hour), t1)
		applied(t, s, "bob", grace.Name, t1.Add(time.Minute), t1.Add(time.Minute))
		applied(t, s, "alice", other.Name, t1, t0)
	})

	t.Run("AppliedOnce", func(t *testing.T) {
		// The first call's now is the answer ever after: a later now does
		// not move it, nor does an earlier one (another instance's clock).
		s := newStore(t)
		save(t, s, grace)
		now := t0.In(time.FixedZone("", -5*3600)).Add(1234 * time.Millisecond)
		applied(t, s, "alice", grace.Name, now, now)
		applied(t, s, "alice", grace.Name, now, now)
		applied(t, s, "alice", grace.Name, t1, now)
		applied(t, s, "alice", grace.Name, t0.Add(-24*time.Hour), now)
		want(t, s, at(grace, 1)) // the policy itself is untouched
	})

	t.Run("AppliedWithoutStoredPolicy", func(t *testing.T) {
		// A policy of the Service's configuration is never saved in the
		// store, yet its first application is recorded there.
		s := newStore(t)
		applied(t, s, "alice", "configured", t0, t0)
		applied(t, s, "alice", "configured", t1, t0)
		want(t, s)
	})

	t.Run("AppliedApart", func(t *testing.T) {
		// Each user and policy has a time of its own; user IDs and names
		// that would run together if joined are still apart.
		s := newStore(t)
		applied(t, s, "alice", "p", t0, t0)
		applied(t, s, "bob", "p", t0.Add(time.Minute), t0.Add(time.Minute))
		applied(t, s, "alice", "q", t0.Add(2*time.Minute), t0.Add(2*time.Minute))
		applied(t, s, "a", "b:c", t0.Add(3*time.Minute), t0.Add(3*time.Minute))
		applied(t, s, "a:b", "c", t0.Add(4*time.Minute), t0.Add(4*time.Minute))
		applied(t, s, "élodie", "p", t0.Add(5*time.Minute), t0.Add(5*time.Minute))
		applied(t, s, "Alice", "p", t0.Add(6*time.Minute), t0.Add(6*time.Minute))
		applied(t, s, "alice", "P", t0.Add(7*time.Minute), t0.Add(7*time.Minute))
		for _, c := range []struct {
			user, name string
			want       time.Time
		}{
			{"alice", "p", t0},
			{"bob", "p", t0.Add(time.Minute)},
			{"alice", "q", t0.Add(2 * time.Minute)},
			{"a", "b:c", t0.Add(3 * time.Minute)},
			{"a:b", "c", t0.Add(4 * time.Minute)},
			{"élodie", "p", t0.Add(5 * time.Minute)},
			{"Alice", "p", t0.Add(6 * time.Minute)},
			{"alice", "P", t0.Add(7 * time.Minute)},
		} {
			applied(t, s, c.user, c.name, t1, c.want)
		}
	})

	t.Run("AppliedTo", func(t *testing.T) {
		s, ok := newStore(t).(interface {
			policy.Store
			policy.AppliedReader
		})
		if !ok {
			t.Skip("the store reads no grace periods in bulk (policy.AppliedReader)")
		}
		ctx := t.Context()
		t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		for i, u := range []string{"a", "b"} {
			if _, err := s.PolicyApplied(ctx, u, "p", t0.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.PolicyApplied(ctx, "c", "other", t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.PolicyAppliedTo(ctx, "p", []string{"a", "b", "c", "nobody"})
		wantErr(t, "PolicyAppliedTo", err, nil)
		if len(got) != 2 || !got["a"].Equal(t0) || !got["b"].Equal(t0.Add(time.Hour)) {
			t.Fatalf("PolicyAppliedTo = %v, want a at %v and b an hour later only", got, t0)
		}
		if _, err := s.PolicyApplied(ctx, "c", "p", t0.Add(5*time.Hour)); err != nil {
			t.Fatal(err)
		}
		first, err := s.PolicyApplied(ctx, "nobody", "p", t0.Add(9*time.Hour))
		if err != nil || !first.Equal(t0.Add(9*time.Hour)) {
			t.Fatalf("PolicyAppliedTo recorded something: PolicyApplied(nobody) = %v, %v", first, err)
		}
		none, err := s.PolicyAppliedTo(ctx, "p", nil)
		wantErr(t, "PolicyAppliedTo(nil)", err, nil)
		if len(none) != 0 {
			t.Fatalf("PolicyAppliedTo(nil) = %v", none)
		}
		if _, err := s.PolicyAppliedTo(ctx, "p", make([]string, policy.MaxAppliedBatch+1)); !errors.Is(err, policy.ErrTooMany) {
			t.Fatalf("PolicyAppliedTo(too many) = %v, want ErrTooMany", err)
		}
	})
	t.Run("ConcurrentApplied", func(t *testing.T) {
		// 20 first calls at once, each with a now of its own: one now is
		// recorded, and every call returns it.
		s := newStore(t)
		save(t, s, grace)
		const n = 20
		nows := make([]time.Time, n)
		for i := range nows {
			nows[i] = t0.Add(time.Duration(i) * time.Second)
		}
		// A first round, each caller for a user of its own, readies the
		// backend (connections opened, statements prepared), so that the
		// callers of the second round meet in the store rather than
		// arrive one after the other.
		errs := Together(n, func(i int) error {
			_, err := s.PolicyApplied(t.Context(), fmt.Sprint("user", i), grace.Name, t0)
			return err
		})
		for i, err := range errs {
			wantErr(t, fmt.Sprint("PolicyApplied of user", i), err, nil)
		}
		got := make([]time.Time, n)
		errs = Together(n, func(i int) error {
			var err error
			got[i], err = s.PolicyApplied(t.Context(), "alice", grace.Name, nows[i])
			return err
		})
		for i, err := range errs {
			wantErr(t, fmt.Sprint("PolicyApplied ", i), err, nil)
		}
		first := got[0]
		if !slices.ContainsFunc(nows, func(now time.Time) bool { return now.Sub(first).Abs() < time.Millisecond }) {
			t.Errorf("PolicyApplied = %v, none of the nows given", first)
		}
		for i, g := range got {
			sameTime(t, fmt.Sprint("PolicyApplied ", i), g, first)
		}
		applied(t, s, "alice", grace.Name, t1, first)
	})

	t.Run("CopiedIn", func(t *testing.T) {
		// Changing the policy after saving it changes nothing stored.
		s := newStore(t)
		p := clonePolicy(full)
		save(t, s, p)
		p.Groups[0], p.Allowed[0], p.Banners["en"] = "changed", "sms", "changed"
		p.Banners["xx"] = "added"
		want(t, s, at(full, 1))
	})

	t.Run("CopiedOut", func(t *testing.T) {
		// Changing a policy Policies returned changes nothing stored.
		s := newStore(t)
		save(t, s, full)
		got, err := s.Policies(t.Context())
		wantErr(t, "Policies", err, nil)
		if len(got) != 1 {
			t.Fatalf("Policies = %v, want [%s]", policyNames(got), full.Name)
		}
		got[0].Groups[0], got[0].Allowed[0], got[0].Banners["en"] = "changed", "sms", "changed"
		got[0].Banners["xx"] = "added"
		got[0].Name = "renamed"
		want(t, s, at(full, 1))
	})
}

// samePolicy reports a failure unless got is want as a store keeps it:
// every field equal, the deadline the same instant (exactly: the suite's
// deadlines are whole milliseconds), and an empty list or map the same as
// a nil one.
func samePolicy(t *testing.T, what string, got, want policy.Policy) {
	t.Helper()
	if got.Name != want.Name || got.Revision != want.Revision || got.Everyone != want.Everyone || got.Level != want.Level ||
		got.GraceDays != want.GraceDays || got.TrustDays != want.TrustDays ||
		!slices.Equal(got.Groups, want.Groups) || !slices.Equal(got.Allowed, want.Allowed) ||
		!maps.Equal(got.Banners, want.Banners) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
	if !got.Deadline.Equal(want.Deadline) {
		t.Errorf("%s.Deadline = %v, want %v", what, got.Deadline, want.Deadline)
	}
}

// policyNames returns the names of ps, in order.
func policyNames(ps []policy.Policy) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// clonePolicy returns p with lists and banners of its own.
func clonePolicy(p policy.Policy) policy.Policy {
	p.Groups, p.Allowed, p.Banners = slices.Clone(p.Groups), slices.Clone(p.Allowed), maps.Clone(p.Banners)
	return p
}
