package passkeys

import (
	_ "embed"
	"encoding/hex"
	"encoding/json"
)

// aaguids.json maps the AAGUIDs of passkey providers to their names. It is
// a copy of the community list "passkey-authenticator-aaguids" (its
// aaguid.json, August 2026), names only: a label for the user's list, never
// a statement about an authenticator's security.
//
//go:embed aaguids.json
var aaguidsJSON []byte

// Names names passkey providers by AAGUID. Build it with [NewNames]; it is
// read-only afterwards and safe for concurrent use.
type Names struct {
	byAAGUID map[string]string // by lowercase hex AAGUID, no dashes
}

// NewNames parses the embedded table of providers.
func NewNames() (*Names, error) {
	var table map[string]string
	if err := json.Unmarshal(aaguidsJSON, &table); err != nil {
		return nil, err
	}
	n := &Names{byAAGUID: make(map[string]string, len(table))}
	for id, name := range table {
		n.byAAGUID[stripDashes(id)] = name
	}
	return n, nil
}

// Provider returns the name of the provider of aaguid ("iCloud Keychain",
// "Windows Hello"), or "" when the table does not know it.
func (n *Names) Provider(aaguid []byte) string {
	return n.byAAGUID[hex.EncodeToString(aaguid)]
}

func stripDashes(s string) string {
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] != '-' {
			b = append(b, s[i]|0x20) // lower case; digits are unchanged
		}
	}
	return string(b)
}
