package smtpmail_test

import (
	"context"
	"log"
	"time"

	"github.com/portalmfa/portalmfa/oob/smtpmail"
)

// A Sender for a submission server with STARTTLS (the default) and a
// password. It is compiled, not run: it needs a real server.
func Example() {
	sender, err := smtpmail.New(smtpmail.Config{
		Host:     "smtp.example.com", // port 587, STARTTLS required
		Username: "portal@example.com",
		Password: "app password from the host's secret store",
		From:     "Example Portal <no-reply@portal.example>",
		Timeout:  5 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	err = sender.SendEmail(context.Background(), "alice@example.com",
		"Your security code", "Your code is 123456.\n\n@portal.example #123456")
	if err != nil {
		log.Print(err) // no password, no body in the text
	}
}
