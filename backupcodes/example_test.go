package backupcodes_test

import (
	"bytes"
	"fmt"

	"github.com/portalmfa/portalmfa/backupcodes"
)

func ExampleNormalize() {
	for _, typed := range []string{"7kq2m xw9pe h3rtd", "7KQ2M-XW9PE-H3RT0"} {
		code, err := backupcodes.Normalize(typed)
		fmt.Printf("%q %v\n", code, err)
	}
	// Output:
	// "7KQ2MXW9PEH3RTD" <nil>
	// "" backupcodes: malformed code
}

func ExampleHasher_Hash() {
	h, _ := backupcodes.NewHasher(bytes.Repeat([]byte{1}, 32)) // derive from your key ring
	salt := bytes.Repeat([]byte{2}, backupcodes.SaltSize)      // backupcodes.NewSalt in practice
	code, _ := backupcodes.Normalize("7KQ2M-XW9PE-H3RTD")
	fmt.Println(bytes.Equal(h.Hash(salt, "alice", code), h.Hash(salt, "bob", code)))
	// Output: false
}
