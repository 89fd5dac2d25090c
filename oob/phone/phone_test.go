package phone_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/portalmfa/portalmfa/oob/phone"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, number, region, want string
	}{
		{"FR international", "+33 6 12 34 56 78", "", "+33612345678"},
		{"FR national with region", "06 12 34 56 78", "FR", "+33612345678"},
		{"FR national, lowercase region", "06.12.34.56.78", "fr", "+33612345678"},
		{"FR with international prefix", "0033 6 12 34 56 78", "FR", "+33612345678"},
		{"DE mobile", "+49 1512 3456789", "", "+4915123456789"},
		{"DE national", "01512 3456789", "DE", "+4915123456789"},
		{"US fixed line or mobile", "+1 (201) 555-0123", "", "+12015550123"},
		{"US national", "(201) 555-0123", "US", "+12015550123"},
		{"GB mobile", "+44 7400 123456", "", "+447400123456"},
		{"GB national", "07400 123456", "GB", "+447400123456"},
		{"NL mobile", "+31 6 12345678", "", "+31612345678"},
		{"NL national", "06-12345678", "NL", "+31612345678"},
		{"foreign number with + and another default region", "+31 6 12345678", "FR", "+31612345678"},
		{"surrounding spaces", "  +33612345678 ", "", "+33612345678"},
		{"full-width digits", "＋３３６１２３４５６７８", "", "+33612345678"},
		{"E.164 parses to itself", "+33612345678", "DE", "+33612345678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := phone.Parse(tt.number, tt.region)
			if err != nil {
				t.Fatalf("Parse(%q, %q): %v", tt.number, tt.region, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q, %q) = %q, want %q", tt.number, tt.region, got, tt.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, number, region string
		notMobile            bool
	}{
		{"empty", "", "FR", false},
		{"blank", "   ", "FR", false},
		{"letters", "hello", "FR", false},
		{"garbage", "+-()//..", "FR", false},
		{"national without a region", "06 12 34 56 78", "", false},
		{"national with an unknown region", "06 12 34 56 78", "XX", false},
		{"national with a long region", "06 12 34 56 78", "FRANCE", false},
		{"too short", "+33 6 12", "", false},
		{"too long for the country", "+33 6 12 34 56 78 90", "", false},
		{"unknown country code", "+999 612345678", "", false},
		{"unassigned range", "+44 7700 900123", "", false},
		{"FR mobile read in DE is a German landline", "0612345678", "DE", true},
		{"extension", "+33 6 12 34 56 78 ext. 12", "", false},
		{"oversized", "+33612345678" + strings.Repeat(" ", phone.MaxInputLen), "", false},
		{"very long", strings.Repeat("6", 100_000), "FR", false},
		{"invalid UTF-8", "+336123456\xff78", "", false},
		{"FR landline", "+33 1 23 45 67 89", "", true},
		{"FR landline national", "01 23 45 67 89", "FR", true},
		{"DE landline", "+49 30 12345678", "", true},
		{"GB landline", "+44 20 7946 0000", "", true},
		{"NL landline", "+31 20 123 4567", "", true},
		{"FR toll free", "+33 800 12 34 56", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := phone.Parse(tt.number, tt.region)
			if err == nil {
				t.Fatalf("Parse(%q, %q) = %q, want an error", tt.number, tt.region, got)
			}
			if got != "" {
				t.Errorf("Parse returned %q with its error", got)
			}
			if !errors.Is(err, phone.ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			if errors.Is(err, phone.ErrNotMobile) != tt.notMobile {
				t.Errorf("errors.Is(%v, ErrNotMobile) = %v, want %v", err, !tt.notMobile, tt.notMobile)
			}
			if digits := strings.Trim(tt.number, " +"); len(digits) >= 6 && strings.Contains(err.Error(), digits) {
				t.Errorf("error %q quotes the number", err)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+33612345678", "+33 • •• •• •• 78"},
		{"+4915123456789", "+49 •••• •••••89"},
		{"+12015550123", "+1 •••-•••-••23"},
		{"+447400123456", "+44 •••• ••••56"},
		{"+31612345678", "+31 • ••••••78"},
		// Not from Parse: digits only, no more than the last two shown.
		{"0612345678", "••••••••78"},
		{"+999123456", "•••••••56"},
		{"123", "•••"},
		{"", ""},
		{"hello", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := phone.Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice@example.com", "a•••@example.com"},
		{"a.very.long.name@example.com", "a•••@example.com"},
		{"élodie@exemple.fr", "é•••@exemple.fr"},
		{"a@example.com", "•••@example.com"},
		{"@example.com", "•••@example.com"},
		{"\"odd@local\"@example.com", "\"•••@example.com"},
		{"no-at-sign", "•••"},
		{"", "•••"},
		{"\xffbc@example.com", "•••@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := phone.MaskEmail(tt.in); got != tt.want {
				t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidRegion(t *testing.T) {
	for _, r := range []string{"FR", "de", "US", "GB", "NL"} {
		if !phone.ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = false", r)
		}
	}
	for _, r := range []string{"", "XX", "UK", "001", "FRA", "F"} {
		if phone.ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = true", r)
		}
	}
}
