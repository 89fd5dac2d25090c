// Package softauthn is a software WebAuthn authenticator for tests: it
// answers the options our ceremonies send as a browser with a platform
// authenticator would, and can be told to misbehave (another origin or RP
// ID, no user verification, a counter that goes backwards).
package softauthn

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator holds passkeys. Its fields say how it answers.
type Authenticator struct {
	AAGUID [16]byte
	// Origin is the origin the browser reports; RPID, when set, replaces
	// the RP ID of the options in what is signed.
	Origin string
	RPID   string
	// UV sets the user-verified flag; Synced sets backup eligible and
	// backed up; Counting makes the signature counter increase at each use.
	UV, Synced, Counting bool
	// NextID, when set, is the credential ID of the next passkey made.
	NextID []byte

	creds []*Cred
}

// Cred is one passkey of the authenticator.
type Cred struct {
	ID    []byte
	User  []byte // the user handle
	RPID  string
	Count uint32
	key   *ecdsa.PrivateKey
}

// Creds returns the passkeys made so far.
func (a *Authenticator) Creds() []*Cred { return a.creds }

var b64 = base64.RawURLEncoding

type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Allow []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

// Create answers registration options with a new passkey.
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	user, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &Cred{ID: make([]byte, 16), User: user, RPID: o.PublicKey.RP.ID, key: key}
	_, _ = rand.Read(c.ID)
	if a.NextID != nil {
		c.ID, a.NextID = a.NextID, nil
	}
	if a.Counting {
		c.Count = 1
	}
	pub, err := key.PublicKey.Bytes() // 0x04 | X | Y
	if err != nil {
		return nil, err
	}
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:]})
	if err != nil {
		return nil, err
	}
	var attested bytes.Buffer
	attested.Write(a.AAGUID[:])
	_ = binary.Write(&attested, binary.BigEndian, uint16(len(c.ID)))
	attested.Write(c.ID)
	attested.Write(cose)
	authData := a.authData(c, 0x40, attested.Bytes())
	attObj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	a.creds = append(a.creds, c)
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(attObj),
			"transports":        []string{"internal"},
		},
	})
}

// Get answers login options with the first passkey they allow (any of the
// RP's when they allow all).
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	for _, c := range a.creds {
		if c.RPID != o.PublicKey.RPID {
			continue
		}
		allowed := len(o.PublicKey.Allow) == 0
		for _, al := range o.PublicKey.Allow {
			allowed = allowed || al.ID == b64.EncodeToString(c.ID)
		}
		if allowed {
			return a.Sign(c, o.PublicKey.Challenge)
		}
	}
	return nil, errors.New("softauthn: no passkey for these options")
}

// Sign answers challenge (base64url) with c.
func (a *Authenticator) Sign(c *Cred, challenge string) ([]byte, error) {
	if a.Counting {
		c.Count++
	}
	authData := a.authData(c, 0, nil)
	clientData := a.clientData("webauthn.get", challenge)
	h := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(bytes.Clone(authData), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.User),
		},
	})
}

func (a *Authenticator) authData(c *Cred, flags byte, attested []byte) []byte {
	rpID := c.RPID
	if a.RPID != "" {
		rpID = a.RPID
	}
	h := sha256.Sum256([]byte(rpID))
	flags |= 0x01 // user present
	if a.UV {
		flags |= 0x04
	}
	if a.Synced {
		flags |= 0x08 | 0x10
	}
	d := append(h[:], flags)
	d = binary.BigEndian.AppendUint32(d, c.Count)
	return append(d, attested...)
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	return fmt.Appendf(nil, `{"type":%q,"challenge":%q,"origin":%q,"crossOrigin":false}`, typ, challenge, a.Origin)
}
