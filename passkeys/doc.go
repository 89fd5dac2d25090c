// Package passkeys holds what a portal keeps of its users' passkeys
// (WebAuthn credentials: Face ID, Touch ID, Windows Hello, security keys,
// passkey managers) and the contracts of the stores that keep them.
//
// A [Passkey] is a public key with its authenticator's facts: the AAGUID
// (named for people by [Names.Provider]), the sign counter, whether it is
// synced. A [Store] keeps them; a [CeremonyStore] keeps each WebAuthn
// ceremony between its begin and its finish so that it can be finished
// once ([CeremonyStore.TakeCeremony]).
//
// This package is light on purpose: every storage backend imports it for
// its types, so the ceremonies themselves, on go-webauthn, live in
// [github.com/portalmfa/portalmfa/passkeys/ceremony], which only the
// Service imports.
package passkeys
