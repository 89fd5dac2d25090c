// Package phone turns what a user types as a mobile number into the one
// form the rest of portalmfa stores and sends to: E.164 ("+33612345678").
// It also masks a number, or an email address, for display, so that a page
// can say where a code went without showing the whole address.
//
// Parsing and validation are done by github.com/nyaruka/phonenumbers, the
// Go port of Google's libphonenumber, never by a regular expression of our
// own: number plans change every year and only that metadata keeps up.
//
// # Parsing
//
// [Parse] accepts international input ("+44 7400 123456", "0033 6 12 34 56
// 78") and national input read in the default region the host configures
// ("06 12 34 56 78" with "FR"). It refuses, with [ErrInvalid]:
//
//   - empty input and input longer than [MaxInputLen] bytes, checked before
//     the parser sees it;
//   - numbers the metadata says cannot exist, and numbers with an extension
//     (a text message cannot be sent to one);
//   - numbers that cannot receive a text message, as far as the metadata can
//     tell ([ErrNotMobile], which also matches [ErrInvalid]).
//
// Only MOBILE and FIXED_LINE_OR_MOBILE numbers are accepted. A code sent by
// SMS to a landline, a VoIP or toll-free number is lost or read out by a
// robot; saying so when the user enrolls is better than leaving them at a
// login page waiting for a message that never comes. FIXED_LINE_OR_MOBILE
// is accepted because in some plans (the North American one: the United
// States, Canada, …) a number does not tell what it is; refusing those would
// refuse every number of those countries.
//
// Errors never log or echo the number: it is the user's own input, and a
// page may show it back to them, but it is personal data that stays out of
// logs.
//
// # Masking
//
// [Mask] shows the country code and the last two digits and a bullet for
// every other digit, keeping the spacing of the number's international
// format: "+33 6 12 34 56 78" becomes "+33 • •• •• •• 78", "+1 201-555-0123"
// becomes "+1 •••-•••-••23". [MaskEmail] keeps the first character of the
// local part and the whole domain: "alice@example.com" becomes
// "a•••@example.com". Both reveal at most what the user needs to recognise
// their own address.
package phone
