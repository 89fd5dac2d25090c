package phone

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// bullet stands for every hidden character.
const bullet = "•"

// shownDigits is how many trailing digits Mask leaves visible: enough for a
// user with two numbers to tell them apart, too few to be worth stealing.
const shownDigits = 2

// Mask returns e164 for display with all digits hidden except the country
// code and the last two: "+33612345678" gives "+33 • •• •• •• 78". The
// hidden digits keep the grouping of the number's international format,
// which is how the user is used to reading it.
//
// Mask expects the output of [Parse]. For anything else it returns bullets
// and at most the last two digits, never more of the input.
func Mask(e164 string) string {
	if strings.HasPrefix(e164, "+") && len(e164) <= MaxInputLen {
		if n, err := phonenumbers.Parse(e164, ""); err == nil {
			cc := "+" + strconv.Itoa(int(n.GetCountryCode()))
			intl := phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
			if rest, ok := strings.CutPrefix(intl, cc); ok {
				return cc + hideDigits(rest)
			}
		}
	}
	return hideDigits(digitsOnly(e164))
}

// hideDigits replaces every ASCII digit of s with a bullet except the last
// shownDigits, and leaves the other characters (the spacing) alone. If s has
// too few digits to keep some hidden, all of them are hidden.
func hideDigits(s string) string {
	total := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			total++
		}
	}
	keep := shownDigits
	if total < 2*shownDigits {
		keep = 0
	}
	var b strings.Builder
	seen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			b.WriteByte(c)
			continue
		}
		seen++
		if seen > total-keep {
			b.WriteByte(c)
		} else {
			b.WriteString(bullet)
		}
	}
	return b.String()
}

// digitsOnly keeps the ASCII digits of s, at most MaxInputLen of them.
func digitsOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < MaxInputLen; i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// MaskEmail returns addr for display with the local part hidden except its
// first character: "alice@example.com" gives "a•••@example.com". The domain
// stays whole, since it tells the user which mailbox to open. Three
// bullets stand for any length, so the mask does not tell the length
// either; a one-character local part is hidden entirely. Without an @,
// MaskEmail returns bullets only.
func MaskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return strings.Repeat(bullet, 3)
	}
	local, domain := addr[:at], addr[at+1:]
	first, size := utf8.DecodeRuneInString(local)
	if size == 0 || size == len(local) || first == utf8.RuneError {
		return strings.Repeat(bullet, 3) + "@" + domain
	}
	return string(first) + strings.Repeat(bullet, 3) + "@" + domain
}
