package phone

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// MaxInputLen is the longest input, in bytes, that [Parse] hands to the
// parser. The longest E.164 number has 15 digits; 64 bytes leave room for
// spaces, dashes, brackets and full-width digits, and keep the parser's
// work bounded whatever a form posts.
const MaxInputLen = 64

// ErrInvalid is returned by [Parse] for input that is not a valid number:
// empty, too long, not a number, impossible in its country, or one that
// cannot receive a text message ([ErrNotMobile] matches it too).
var ErrInvalid = errors.New("phone: invalid number")

// ErrNotMobile is returned by [Parse] for a valid number that cannot
// receive a text message as far as the metadata can tell: a landline, a
// VoIP, toll-free or premium number. errors.Is(err, ErrInvalid) holds for
// it too, so a caller that does not care about the difference needs one
// check.
var ErrNotMobile error = notMobileError{}

// notMobileError is the type of ErrNotMobile: a comparable value with an
// Is method, so that ErrNotMobile matches ErrInvalid without copying it.
type notMobileError struct{}

func (notMobileError) Error() string        { return "phone: not a mobile number" }
func (notMobileError) Is(target error) bool { return target == ErrInvalid }

// Parse reads number, typed by a user, and returns it in E.164 form
// ("+33612345678"). National input is read in defaultRegion, an ISO
// 3166-1 alpha-2 code such as "FR" (case does not matter); input that
// starts with + or an international prefix needs no region, and
// defaultRegion may then be empty.
//
// Errors wrap [ErrInvalid] or [ErrNotMobile]; their text never quotes the
// number.
func Parse(number, defaultRegion string) (string, error) {
	if len(number) > MaxInputLen {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxInputLen)
	}
	number = strings.TrimSpace(number)
	if number == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalid)
	}
	if !utf8.ValidString(number) {
		return "", fmt.Errorf("%w: not UTF-8", ErrInvalid)
	}
	if len(defaultRegion) > 3 {
		// A region code is two letters ("001" names non-geographic
		// numbers); anything longer cannot name one.
		defaultRegion = ""
	}
	n, err := phonenumbers.Parse(number, strings.ToUpper(defaultRegion))
	if err != nil {
		// The parser's errors are fixed texts ("invalid country code",
		// "the phone number supplied is not a number", …), never the input.
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if n.GetExtension() != "" {
		return "", fmt.Errorf("%w: has an extension", ErrInvalid)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("%w: not a number in use in its country", ErrInvalid)
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", ErrNotMobile
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// ValidRegion reports whether region is a region code the metadata knows
// ("FR", "us", …), so that a Config can refuse a default region that
// [Parse] would not be able to use.
func ValidRegion(region string) bool {
	return len(region) == 2 && phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region)) != 0
}
