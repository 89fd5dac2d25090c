package policy_test

import (
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/policy"
)

// Two policies target a partner who is also an administrator: the
// stricter deadline, the factors both allow and the smaller device cap
// hold.
func ExampleResolve() {
	partners := policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required,
		GraceDays: 14, Allowed: []string{"totp", "passkey", "sms"}, TrustDays: 7}
	admins := policy.Policy{Name: "admins", Groups: []string{"admins"}, Level: policy.Required,
		Deadline: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Allowed: []string{"passkey", "totp"}}
	first := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC) // when each first applied to the user

	var applied []policy.Applied
	for _, p := range []policy.Policy{partners, admins} {
		if p.Targets([]string{"partners", "admins"}) {
			applied = append(applied, policy.Applied{Policy: p, Since: first})
		}
	}
	e := policy.Resolve(applied)
	fmt.Println(e.Level, e.Deadline.Format(time.DateOnly), e.Allowed, e.TrustDays)
	fmt.Println(e.Standing(first.AddDate(0, 0, 20), false))
	// Output:
	// required 2026-11-15 [totp passkey] 7
	// overdue
}
