package smsgateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/portalmfa/portalmfa/oob/smsgateway"
)

func Example() {
	// A stand-in for the gateway, printing what it receives.
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.Header.Get("Authorization"))
		fmt.Println(string(body))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer gw.Close()

	sender, err := smsgateway.New(smsgateway.Config{
		URL:   gw.URL + "/v1/messages", // https in production
		Token: "example-token",
		From:  "Portal",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = sender.SendSMS(context.Background(), "+33612345678",
		"Your Example Portal code: 123456\n\n@portal.example #123456")
	fmt.Println(err)
	// Output:
	// POST Bearer example-token
	// {"to":"+33612345678","text":"Your Example Portal code: 123456\n\n@portal.example #123456","from":"Portal"}
	// <nil>
}
