// Package qrcode renders a TOTP key URI, as totp.URI builds it, into a PNG
// QR code for an authenticator app to scan: [PNG].
//
// It is a package of its own so that the image stack it needs (a QR
// encoder, a 2D drawing library with its fonts) is linked only by what
// shows the enrollment page, never by package totp, which every storage
// backend imports.
package qrcode
