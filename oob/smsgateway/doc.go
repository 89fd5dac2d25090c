// Package smsgateway sends the one-time codes of portalmfa by SMS through
// an HTTP gateway: one JSON POST per message, authenticated with a bearer
// token. A [Sender] made by [New] has the method the Service asks of an SMS
// sender:
//
//	SendSMS(ctx context.Context, to, text string) error
//
// The request is
//
//	POST <Config.URL>
//	Authorization: Bearer <Config.Token>
//	Content-Type: application/json
//
//	{"to": "+33612345678", "text": "…", "from": "<Config.From, when set>"}
//
// and any 2xx answer means the gateway took the message; its body is not
// read. Anything else is an error: a [*StatusError] (matching
// [ErrRejected]) for an answer outside 2xx, the transport's error otherwise.
// The wording of the message is not this package's business: the Service
// composes the text, including its origin-bound last line
// ("@portal.example #123456"), and this package carries it unchanged.
//
// # Time
//
// A send runs inside the request that asked for a code, so [Config.Timeout]
// (10 seconds by default) and the caller's context, whichever ends first,
// bound the whole exchange, reading the answer included. A timeout returns
// an error matching context.DeadlineExceeded.
//
// # What errors and logs never hold
//
// The token, the message text (it holds the code) and the recipient's
// number are removed from every error text, including the short excerpt of
// a refusing gateway's answer; so is the URL, whose query may hold a key.
//
// # Using a provider's SDK instead
//
// Providers with an SDK of their own (or a request shape of their own) need
// no gateway: write a type with the one method the Service calls and hand
// it to the Service in place of a Sender.
//
//	type providerSMS struct {
//		client *provider.Client // made once, from the host's secrets
//		from   string
//	}
//
//	func (p providerSMS) SendSMS(ctx context.Context, to, text string) error {
//		// Bound the call even if the SDK ignores ctx deadlines, and keep
//		// the text (the code) out of any error or log line.
//		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
//		defer cancel()
//		if _, err := p.client.Messages.Create(ctx, p.from, to, text); err != nil {
//			return fmt.Errorf("provider sms: %w", err)
//		}
//		return nil
//	}
//
// to is always E.164 ("+33612345678"), as package
// [github.com/portalmfa/portalmfa/oob/phone] makes it. Return once the
// provider has accepted the message; waiting for the delivery receipt would
// hold the user's page for the whole trip through the phone network.
package smsgateway
