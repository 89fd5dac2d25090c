package policyjson

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/policy"
)

// body is the stored object.
type body struct {
	Everyone  bool              `json:"everyone,omitempty"`
	Groups    []string          `json:"groups,omitempty"`
	Level     string            `json:"level"`
	Allowed   []string          `json:"allowed,omitempty"`
	Deadline  string            `json:"deadline,omitempty"`
	GraceDays int               `json:"grace_days,omitempty"`
	TrustDays int               `json:"trust_days,omitempty"`
	Banners   map[string]string `json:"banners,omitempty"`
}

// Check refuses, with an error wrapping [policy.ErrInvalid], what could
// be written but not read back: a level that has no name, a deadline
// outside the years 0 to 9999 of RFC 3339. The memory backend refuses the
// same, so that the backends agree on what SavePolicy takes; anything else
// is stored as it is (validating is [policy.Policy.Validate]'s business).
func Check(p policy.Policy) error {
	if _, err := policy.ParseLevel(p.Level.String()); err != nil {
		return err
	}
	if y := p.Deadline.UTC().Year(); !p.Deadline.IsZero() && (y < 0 || y > 9999) {
		return fmt.Errorf("%w: a deadline in the year %d", policy.ErrInvalid, y)
	}
	return nil
}

// Marshal returns the stored form of p, all but its name, or the error of
// [Check].
func Marshal(p policy.Policy) ([]byte, error) {
	if err := Check(p); err != nil {
		return nil, err
	}
	b := body{
		Everyone: p.Everyone, Groups: p.Groups, Level: p.Level.String(), Allowed: p.Allowed,
		GraceDays: p.GraceDays, TrustDays: p.TrustDays, Banners: p.Banners,
	}
	if !p.Deadline.IsZero() {
		b.Deadline = p.Deadline.UTC().Format(time.RFC3339Nano)
	}
	return json.Marshal(b)
}

// Unmarshal returns the policy named name whose stored form is data.
func Unmarshal(name string, data []byte) (policy.Policy, error) {
	var b body
	if err := json.Unmarshal(data, &b); err != nil {
		return policy.Policy{}, fmt.Errorf("policy %q: %w", name, err)
	}
	level, err := policy.ParseLevel(b.Level)
	if err != nil {
		return policy.Policy{}, fmt.Errorf("policy %q: %w", name, err)
	}
	p := policy.Policy{
		Name: name, Everyone: b.Everyone, Groups: b.Groups, Level: level, Allowed: b.Allowed,
		GraceDays: b.GraceDays, TrustDays: b.TrustDays, Banners: b.Banners,
	}
	if b.Deadline != "" {
		if p.Deadline, err = time.Parse(time.RFC3339Nano, b.Deadline); err != nil {
			return policy.Policy{}, fmt.Errorf("policy %q: deadline: %w", name, err)
		}
		p.Deadline = p.Deadline.UTC()
	}
	return p, nil
}
