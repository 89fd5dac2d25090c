package policyjson

import (
	"errors"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/policy"
)

// TestFormat pins the stored form: a change here is a change to what
// databases hold, and needs a migration or a reader of the old form.
func TestFormat(t *testing.T) {
	for _, c := range []struct {
		name string
		p    policy.Policy
		json string
	}{
		{"Least", policy.Policy{Name: "p", Level: policy.Optional}, `{"level":"optional"}`},
		{"Full", policy.Policy{
			Name: "p", Groups: []string{"staff", "ops"}, Level: policy.Required,
			Allowed:   []string{"totp", "passkey"},
			Deadline:  time.Date(2027, 3, 1, 9, 30, 0, 123_000_000, time.FixedZone("CET", 3600)),
			TrustDays: 30, Banners: map[string]string{"fr": "Activez-la", "en": "Turn it on"},
		}, `{"groups":["staff","ops"],"level":"required","allowed":["totp","passkey"],` +
			`"deadline":"2027-03-01T08:30:00.123Z","trust_days":30,"banners":{"en":"Turn it on","fr":"Activez-la"}}`},
		{"Grace", policy.Policy{Name: "p", Everyone: true, Level: policy.Required, GraceDays: 14},
			`{"everyone":true,"level":"required","grace_days":14}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Marshal(c.p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.json {
				t.Errorf("Marshal = %s, want %s", got, c.json)
			}
			back, err := Unmarshal(c.p.Name, []byte(c.json))
			if err != nil {
				t.Fatal(err)
			}
			if back.Deadline.Location() != time.UTC {
				t.Errorf("deadline in %v, want UTC", back.Deadline.Location())
			}
			if !back.Deadline.Equal(c.p.Deadline) || back.Level != c.p.Level || back.Name != c.p.Name ||
				len(back.Groups) != len(c.p.Groups) || len(back.Banners) != len(c.p.Banners) {
				t.Errorf("Unmarshal = %+v, want %+v", back, c.p)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	for name, p := range map[string]policy.Policy{
		"UnnamedLevel":  {Name: "p", Level: policy.Level(7)},
		"NegativeLevel": {Name: "p", Level: -1},
		"YearTooLate":   {Name: "p", Level: policy.Required, Deadline: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Marshal(p); !errors.Is(err, policy.ErrInvalid) {
				t.Errorf("Marshal = %v, want %v", err, policy.ErrInvalid)
			}
		})
	}
}

func TestUnmarshalBad(t *testing.T) {
	for name, data := range map[string]string{
		"NotJSON":      `{`,
		"NoLevel":      `{"everyone":true}`,
		"UnknownLevel": `{"level":"mandatory"}`,
		"BadDeadline":  `{"level":"required","deadline":"1 March 2027"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if p, err := Unmarshal("p", []byte(data)); err == nil {
				t.Errorf("Unmarshal(%s) = %+v, want an error", data, p)
			}
		})
	}
	// A member this version does not know is ignored.
	if _, err := Unmarshal("p", []byte(`{"level":"optional","future":[1,2]}`)); err != nil {
		t.Errorf("Unmarshal with an unknown member: %v", err)
	}
}
