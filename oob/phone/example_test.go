package phone_test

import (
	"errors"
	"fmt"

	"github.com/portalmfa/portalmfa/oob/phone"
)

func Example() {
	number, err := phone.Parse("06 12 34 56 78", "FR")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(number)
	fmt.Println(phone.Mask(number))
	fmt.Println(phone.MaskEmail("alice@example.com"))

	_, err = phone.Parse("01 23 45 67 89", "FR")
	fmt.Println(errors.Is(err, phone.ErrNotMobile), errors.Is(err, phone.ErrInvalid))
	// Output:
	// +33612345678
	// +33 • •• •• •• 78
	// a•••@example.com
	// true true
}
