package ceremony_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"

	"github.com/portalmfa/portalmfa/internal/softauthn"
	"github.com/portalmfa/portalmfa/passkeys/ceremony"
)

// The browser's answers to a ceremony are the outside input here: JSON
// holding base64url-encoded CBOR and signatures. Each target keeps one
// ceremony open with a genuine answer made by softauthn, and the fuzzed
// input either is the answer or edits the genuine one (splice), so that the
// fuzzer reaches the checks past the parsing: the challenge, the origin,
// the RP ID hash, the signature. The genuine answer differs in each fuzzing
// process (softauthn draws its keys, go-webauthn its challenges); an edit
// of it means the same everywhere.

// fuzzParty is a relying party with alice, who has one passkey on a. Its
// ceremonies last long enough for any fuzzing run worth having.
type fuzzParty struct {
	rp *ceremony.RP
	a  *softauthn.Authenticator
	u  ceremony.User
}

func newFuzzParty(f *testing.F) *fuzzParty {
	f.Helper()
	rp, err := ceremony.New(ceremony.Config{RPID: "portal.example", RPName: "Portal", Origins: []string{origin}, Timeout: 10 * time.Minute})
	if err != nil {
		f.Fatal(err)
	}
	p := &fuzzParty{rp: rp, a: &softauthn.Authenticator{Origin: origin, UV: true, Counting: true}, u: alice()}
	p.a.NextID = []byte("alice's passkey!") // the same in every process
	opts, state, err := rp.BeginRegistration(p.u)
	if err != nil {
		f.Fatal(err)
	}
	resp, err := p.a.Create(opts)
	if err != nil {
		f.Fatal(err)
	}
	pk, err := rp.FinishRegistration(p.u, state, resp)
	if err != nil {
		f.Fatal(err)
	}
	p.u.Passkeys = append(p.u.Passkeys, pk)
	return p
}

// splice is genuine with cut bytes from at replaced by insert, when edit;
// insert alone otherwise.
func splice(edit bool, genuine []byte, at, cut uint16, insert []byte) []byte {
	if !edit {
		return insert
	}
	i := min(int(at), len(genuine))
	j := min(i+int(cut), len(genuine))
	return append(append(bytes.Clone(genuine[:i]), insert...), genuine[j:]...)
}

// signedParts is what an assertion's signature covers, decoded as
// go-webauthn decodes it.
type signedParts struct {
	Response struct {
		ClientDataJSON    protocol.URLEncodedBase64 `json:"clientDataJSON"`
		AuthenticatorData protocol.URLEncodedBase64 `json:"authenticatorData"`
		Signature         protocol.URLEncodedBase64 `json:"signature"`
	} `json:"response"`
}

// FuzzParseAssertion: ParseAssertion refuses with ErrRefused, never
// panics, and refuses anything over MaxResponse. An answer it parses
// completes the open login only when what the signature covers is the
// genuine answer's, byte for byte (the JSON around it may differ), and
// completes no login begun after it, user-bound or passwordless.
func FuzzParseAssertion(f *testing.F) {
	p := newFuzzParty(f)
	opts, state, err := p.rp.BeginLogin(p.u, false)
	if err != nil {
		f.Fatal(err)
	}
	genuine, err := p.a.Get(opts)
	if err != nil {
		f.Fatal(err)
	}
	var want signedParts
	if err := json.Unmarshal(genuine, &want); err != nil {
		f.Fatal(err)
	}
	a, err := ceremony.ParseAssertion(genuine)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := p.rp.FinishLogin(p.u, state, a); err != nil {
		f.Fatalf("the genuine answer is refused, so the fuzzer would prove nothing: %v", err)
	}
	passwordless, _, err := p.rp.BeginPasswordless(false)
	if err != nil {
		f.Fatal(err)
	}
	genuineP, err := p.a.Get(passwordless)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(true, uint16(0), uint16(0), []byte(nil))                   // the genuine answer
	f.Add(true, uint16(0), uint16(0), []byte(" "))                   // with a space before it
	f.Add(true, uint16(len(genuine)/2), uint16(4), []byte("AAAA"))   // four characters changed
	f.Add(true, uint16(len(genuine)-2), uint16(1), []byte(`,"x":1`)) // another member
	f.Add(false, uint16(0), uint16(0), genuine)                      // this process's; another's in the corpus
	f.Add(false, uint16(0), uint16(0), genuineP)
	f.Add(false, uint16(0), uint16(0), bytes.Replace(genuine, []byte(`"type":"public-key"`), []byte(`"type":"other"`), 1))
	f.Add(false, uint16(0), uint16(0), []byte(`{}`))
	f.Add(false, uint16(0), uint16(0), []byte(`null`))
	f.Add(false, uint16(0), uint16(0), []byte(``))
	f.Add(false, uint16(0), uint16(0), []byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}`))
	f.Add(true, uint16(0), uint16(0), bytes.Repeat([]byte{' '}, ceremony.MaxResponse))
	f.Fuzz(func(t *testing.T, edit bool, at, cut uint16, insert []byte) {
		response := splice(edit, genuine, at, cut, insert)
		a, err := ceremony.ParseAssertion(response)
		if err != nil {
			if !errors.Is(err, ceremony.ErrRefused) {
				t.Fatalf("ParseAssertion: %v, not ErrRefused", err)
			}
			return
		}
		if len(response) > ceremony.MaxResponse {
			t.Fatalf("ParseAssertion took an answer of %d bytes", len(response))
		}
		if used, err := p.rp.FinishLogin(p.u, state, a); err == nil {
			var got signedParts
			if err := json.Unmarshal(response, &got); err != nil ||
				!bytes.Equal(got.Response.ClientDataJSON, want.Response.ClientDataJSON) ||
				!bytes.Equal(got.Response.AuthenticatorData, want.Response.AuthenticatorData) ||
				!bytes.Equal(got.Response.Signature, want.Response.Signature) {
				t.Fatalf("an edited answer completed the login (%+v): %q", used, response)
			}
			if !bytes.Equal(used.ID, p.u.Passkeys[0].ID) {
				t.Fatalf("the login used passkey %x, not alice's", used.ID)
			}
		} else if !errors.Is(err, ceremony.ErrRefused) {
			t.Fatalf("FinishLogin: %v, not ErrRefused", err)
		}
		_, fresh, err := p.rp.BeginLogin(p.u, false)
		if err != nil {
			t.Fatal(err)
		}
		if used, err := p.rp.FinishLogin(p.u, fresh, a); err == nil {
			t.Fatalf("an answer completed a login begun after it: %+v", used)
		} else if !errors.Is(err, ceremony.ErrRefused) {
			t.Fatalf("FinishLogin: %v, not ErrRefused", err)
		}
		_, fresh, err = p.rp.BeginPasswordless(false)
		if err != nil {
			t.Fatal(err)
		}
		if used, err := p.rp.FinishLogin(p.u, fresh, a); err == nil {
			t.Fatalf("an answer completed a passwordless login begun after it: %+v", used)
		} else if !errors.Is(err, ceremony.ErrRefused) {
			t.Fatalf("FinishLogin, passwordless: %v, not ErrRefused", err)
		}
	})
}

// FuzzFinishRegistration: an answer to a registration never panics, and
// registers a passkey only when it is an answer to the open ceremony: its
// client data are of a creation, from the portal's origin, with the
// ceremony's challenge, and its authenticator data are for the portal's RP
// ID with the user present. An answer completes no registration begun
// after it.
func FuzzFinishRegistration(f *testing.F) {
	p := newFuzzParty(f)
	opts, state, err := p.rp.BeginRegistration(p.u)
	if err != nil {
		f.Fatal(err)
	}
	var options struct {
		PublicKey struct {
			Challenge protocol.URLEncodedBase64 `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(opts, &options); err != nil {
		f.Fatal(err)
	}
	genuine, err := (&softauthn.Authenticator{Origin: origin, UV: true, NextID: []byte("another passkey!")}).Create(opts)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := p.rp.FinishRegistration(p.u, state, genuine); err != nil {
		f.Fatalf("the genuine answer is refused, so the fuzzer would prove nothing: %v", err)
	}
	rpIDHash := sha256.Sum256([]byte("portal.example"))
	f.Add(true, uint16(0), uint16(0), []byte(nil))
	f.Add(true, uint16(0), uint16(0), []byte(" "))
	f.Add(true, uint16(len(genuine)/2), uint16(4), []byte("AAAA"))
	f.Add(true, uint16(len(genuine)-2), uint16(1), []byte(`,"x":1`))
	f.Add(false, uint16(0), uint16(0), genuine)
	f.Add(false, uint16(0), uint16(0), bytes.Replace(genuine, []byte(`"type":"public-key"`), []byte(`"type":"other"`), 1))
	f.Add(false, uint16(0), uint16(0), []byte(`{}`))
	f.Add(false, uint16(0), uint16(0), []byte(`null`))
	f.Add(false, uint16(0), uint16(0), []byte(``))
	f.Add(false, uint16(0), uint16(0), []byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`))
	f.Fuzz(func(t *testing.T, edit bool, at, cut uint16, insert []byte) {
		response := splice(edit, genuine, at, cut, insert)
		if len(response) > ceremony.MaxResponse {
			return // the Service refuses these before FinishRegistration
		}
		if pk, err := p.rp.FinishRegistration(p.u, state, response); err == nil {
			var got struct {
				Response struct {
					ClientDataJSON    protocol.URLEncodedBase64 `json:"clientDataJSON"`
					AttestationObject protocol.URLEncodedBase64 `json:"attestationObject"`
				} `json:"response"`
			}
			var client struct {
				Type      string
				Challenge string
				Origin    string
			}
			var att struct {
				AuthData []byte `cbor:"authData"`
			}
			if err := json.Unmarshal(response, &got); err != nil {
				t.Fatalf("registered passkey %x from an answer that is not JSON: %v", pk.ID, err)
			}
			_ = json.Unmarshal(got.Response.ClientDataJSON, &client)
			_ = cbor.Unmarshal(got.Response.AttestationObject, &att)
			var challenge protocol.URLEncodedBase64
			quoted, _ := json.Marshal(client.Challenge)
			if err := challenge.UnmarshalJSON(quoted); err != nil ||
				client.Type != "webauthn.create" || client.Origin != origin ||
				!bytes.Equal(challenge, options.PublicKey.Challenge) ||
				len(att.AuthData) < 33 || !bytes.Equal(att.AuthData[:32], rpIDHash[:]) || att.AuthData[32]&0x01 == 0 {
				t.Fatalf("registered passkey %x from %+v, authenticator data %x", pk.ID, client, att.AuthData)
			}
		} else if !errors.Is(err, ceremony.ErrRefused) {
			t.Fatalf("FinishRegistration: %v, not ErrRefused", err)
		}
		_, fresh, err := p.rp.BeginRegistration(p.u)
		if err != nil {
			t.Fatal(err)
		}
		if pk, err := p.rp.FinishRegistration(p.u, fresh, response); err == nil {
			t.Fatalf("an answer completed a registration begun after it: passkey %x", pk.ID)
		} else if !errors.Is(err, ceremony.ErrRefused) {
			t.Fatalf("FinishRegistration: %v, not ErrRefused", err)
		}
	})
}
