package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/portalmfa/portalmfa/policy"
)

var (
	day0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	dec1 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

// The effective policy is the strictest of those that apply: highest
// level, earliest deadline, the factors all allow, the smallest device cap,
// the banner of the policy that set the level.
func TestResolve(t *testing.T) {
	everyoneOptional := policy.Policy{Name: "a-optional", Everyone: true}
	recommended := policy.Policy{Name: "b-recommended", Groups: []string{"customers"}, Level: policy.Recommended,
		Banners: map[string]string{"en": "Please turn on 2FA."}}
	requiredGrace := policy.Policy{Name: "c-partners", Groups: []string{"partners"}, Level: policy.Required,
		GraceDays: 14, Allowed: []string{"totp", "passkey", "sms"}, TrustDays: 7, Banners: map[string]string{"en": "Partners: 2FA by Dec 1."}}
	requiredDate := policy.Policy{Name: "d-admins", Groups: []string{"admins"}, Level: policy.Required,
		Deadline: dec1, Allowed: []string{"passkey", "totp"}, TrustDays: 30}
	passkeysOnly := policy.Policy{Name: "e-keys", Groups: []string{"keys"}, Level: policy.Optional, Allowed: []string{"passkey"}}
	smsOnly := policy.Policy{Name: "f-sms", Groups: []string{"sms"}, Level: policy.Optional, Allowed: []string{"sms"}}

	for _, tc := range []struct {
		name    string
		applied []policy.Applied
		want    policy.Effective
	}{
		{name: "none", want: policy.Effective{}},
		{
			name:    "one optional",
			applied: []policy.Applied{{Policy: everyoneOptional, Since: day0}},
			want:    policy.Effective{Names: []string{"a-optional"}},
		},
		{
			name:    "recommended over optional, with its banner",
			applied: []policy.Applied{{Policy: everyoneOptional}, {Policy: recommended}},
			want: policy.Effective{Level: policy.Recommended, Banners: recommended.Banners,
				Names: []string{"a-optional", "b-recommended"}},
		},
		{
			name:    "required with grace: since plus the days",
			applied: []policy.Applied{{Policy: requiredGrace, Since: day0}, {Policy: recommended, Since: day0}},
			want: policy.Effective{Level: policy.Required, Deadline: day0.AddDate(0, 0, 14), Allowed: []string{"totp", "passkey", "sms"},
				TrustDays: 7, Banners: requiredGrace.Banners, Names: []string{"b-recommended", "c-partners"}},
		},
		{
			name:    "two required: the earliest deadline, the factors both allow, the smallest cap, the first banner by name",
			applied: []policy.Applied{{Policy: requiredDate, Since: day0}, {Policy: requiredGrace, Since: day0}},
			want: policy.Effective{Level: policy.Required, Deadline: day0.AddDate(0, 0, 14), Allowed: []string{"totp", "passkey"},
				TrustDays: 7, Banners: requiredGrace.Banners, Names: []string{"c-partners", "d-admins"}},
		},
		{
			name:    "a fixed date earlier than the grace",
			applied: []policy.Applied{{Policy: requiredDate, Since: day0}, {Policy: requiredGrace, Since: dec1}},
			want: policy.Effective{Level: policy.Required, Deadline: dec1, Allowed: []string{"totp", "passkey"},
				TrustDays: 7, Banners: requiredGrace.Banners, Names: []string{"c-partners", "d-admins"}},
		},
		{
			name:    "no factor in common: none counts",
			applied: []policy.Applied{{Policy: passkeysOnly}, {Policy: smsOnly}},
			want:    policy.Effective{Allowed: []string{}, Names: []string{"e-keys", "f-sms"}},
		},
		{
			name:    "an optional policy restricts factors too",
			applied: []policy.Applied{{Policy: passkeysOnly}, {Policy: everyoneOptional}},
			want:    policy.Effective{Allowed: []string{"passkey"}, Names: []string{"a-optional", "e-keys"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, policy.Resolve(tc.applied))
		})
	}
}

func TestAllows(t *testing.T) {
	all := policy.Effective{}
	none := policy.Effective{Allowed: []string{}}
	keys := policy.Effective{Allowed: []string{"passkey"}}
	assert.True(t, all.Allows("sms"))
	assert.False(t, none.Allows("passkey"))
	assert.True(t, keys.Allows("passkey"))
	assert.False(t, keys.Allows("totp"))
}

func TestStanding(t *testing.T) {
	required := policy.Effective{Level: policy.Required, Deadline: dec1}
	for _, tc := range []struct {
		name      string
		e         policy.Effective
		now       time.Time
		complying bool
		want      policy.Standing
	}{
		{"nothing asked", policy.Effective{}, day0, false, policy.Free},
		{"recommended, none on", policy.Effective{Level: policy.Recommended}, day0, false, policy.Urged},
		{"recommended, one on", policy.Effective{Level: policy.Recommended}, day0, true, policy.Free},
		{"required, before the deadline", required, day0, false, policy.InGrace},
		{"required, at the deadline", required, dec1, false, policy.Overdue},
		{"required, after", required, dec1.Add(time.Hour), false, policy.Overdue},
		{"required, met", required, dec1.Add(time.Hour), true, policy.Free},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.e.Standing(tc.now, tc.complying))
		})
	}
}

func TestTargets(t *testing.T) {
	assert.True(t, policy.Policy{Everyone: true}.Targets(nil))
	p := policy.Policy{Groups: []string{"partners", "staff"}}
	assert.True(t, p.Targets([]string{"customers", "partners"}))
	assert.False(t, p.Targets([]string{"customers"}))
	assert.False(t, p.Targets(nil))
}

func TestValidate(t *testing.T) {
	good := policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 14}
	assert.NoError(t, good.Validate())
	for _, tc := range []struct {
		name string
		edit func(*policy.Policy)
	}{
		{"no name", func(p *policy.Policy) { p.Name = " " }},
		{"a long name", func(p *policy.Policy) { p.Name = strings.Repeat("n", 101) }},
		{"not UTF-8", func(p *policy.Policy) { p.Name = "\xff" }},
		{"a slash", func(p *policy.Policy) { p.Name = "a/b" }},
		{"a control character", func(p *policy.Policy) { p.Name = "a\nb" }},
		{"no target", func(p *policy.Policy) { p.Groups = nil }},
		{"both targets", func(p *policy.Policy) { p.Everyone = true }},
		{"an empty group", func(p *policy.Policy) { p.Groups = []string{""} }},
		{"too many groups", func(p *policy.Policy) { p.Groups = make([]string, 101) }},
		{"an unknown level", func(p *policy.Policy) { p.Level = 7 }},
		{"a negative grace", func(p *policy.Policy) { p.GraceDays = -1 }},
		{"a grace over a year", func(p *policy.Policy) { p.GraceDays = 366 }},
		{"both deadline and grace", func(p *policy.Policy) { p.Deadline = dec1 }},
		{"a deadline without requiring", func(p *policy.Policy) { p.Level, p.GraceDays = policy.Recommended, 3 }},
		{"an unknown factor", func(p *policy.Policy) { p.Allowed = []string{"carrier-pigeon"} }},
		{"a cap over 400 days", func(p *policy.Policy) { p.TrustDays = 401 }},
		{"a long banner", func(p *policy.Policy) { p.Banners = map[string]string{"en": strings.Repeat("b", 1001)} }},
		{"a banner without a language", func(p *policy.Policy) { p.Banners = map[string]string{"": "hi"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			p.Groups = []string{"partners"}
			tc.edit(&p)
			err := p.Validate()
			assert.True(t, errors.Is(err, policy.ErrInvalid), "%v", err)
		})
	}
}

func TestParseLevel(t *testing.T) {
	for _, l := range []policy.Level{policy.Optional, policy.Recommended, policy.Required} {
		got, err := policy.ParseLevel(l.String())
		assert.NoError(t, err)
		assert.Equal(t, l, got)
	}
	_, err := policy.ParseLevel("mandatory")
	assert.ErrorIs(t, err, policy.ErrInvalid)
}
