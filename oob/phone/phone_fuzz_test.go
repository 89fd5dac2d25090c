package phone_test

import (
	"testing"

	"github.com/portalmfa/portalmfa/oob/phone"
)

// FuzzParse holds Parse to two promises on any input: it does not panic,
// and what it returns is a fixed point, so a stored number read again
// (whatever the default region) is the same number.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ number, region string }{
		{"+33 6 12 34 56 78", ""},
		{"06 12 34 56 78", "FR"},
		{"(201) 555-0123", "US"},
		{"07400 123456", "GB"},
		{"+39 312 345 6789", "IT"},
		{"0033612345678", "FR"},
		{"+33 6 12 34 56 78 ext. 12", "FR"},
		{"1-800-FLOWERS", "US"},
		{"＋３３６１２３４５６７８", ""},
		{"", ""},
		{"tel:+33612345678", "fr"},
	} {
		f.Add(seed.number, seed.region)
	}
	f.Fuzz(func(t *testing.T, number, region string) {
		got, err := phone.Parse(number, region)
		if err != nil {
			if got != "" {
				t.Fatalf("Parse(%q, %q) = %q with error %v", number, region, got, err)
			}
			return
		}
		for _, r := range []string{"", region, "US"} {
			again, err := phone.Parse(got, r)
			if err != nil || again != got {
				t.Fatalf("Parse(%q, %q) = %q, but Parse(%q, %q) = %q, %v", number, region, got, got, r, again, err)
			}
		}
		_ = phone.Mask(got)
		_ = phone.MaskEmail(number)
	})
}
