// Package devicename names a browser from its User-Agent, such as "Firefox
// on Windows", for the lists a user reads: trusted devices, login history,
// where a passkey was registered. See [Name].
//
// The name is a display fact, never an input to a security decision: any
// client can send any User-Agent.
//
// It is a package of its own so that the User-Agent parser is linked only
// by the Service, never by package devices, which every storage backend
// imports.
package devicename
