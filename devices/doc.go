// Package devices remembers the browsers a user chose to trust, so that a
// login from one of them, after the correct password, may skip the second
// factor for a while.
//
// Trusting a device hands the browser a random token of 256 bits
// ([NewToken]) in a cookie; the [Store] keeps only its SHA-256 hash, with
// the user, a readable name made from the User-Agent, the IP, and the
// times it was created, last used and expires. A token is looked up
// together with the user whose password was just checked
// ([Store.UseDevice]), so a token of one user never spares another user the
// second factor. A plain hash suffices: the token is 256 random bits, not
// something a person chose, so nothing can be guessed from the hash.
//
// The name and the IP are display facts for the user's device list, never
// inputs to a security decision. A name typed in a rename form goes through
// [CleanName], as one from a User-Agent does, before it is stored. The
// User-Agent is read by package
// [github.com/portalmfa/portalmfa/devices/devicename], apart from this one
// so that the storage backends, which import this package, do not link a
// User-Agent parser.
package devices
