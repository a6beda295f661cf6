package webhook

import (
	"errors"
	"net/url"
	"time"
)

// Attempt describes one finished delivery attempt, for the log line and
// for an observer (the server's metrics).
type Attempt struct {
	Dialect    string // the endpoint's dialect: "" for Stripe, "cko"
	DeliveryID string
	EventType  string
	EventID    string
	EndpointID string
	URL        string // the endpoint URL without credentials (RedactURL)
	Status     int    // the receiver's status code; 0 when it did not answer
	Duration   time.Duration
	Err        string // why the attempt failed; "" when it succeeded
	OK         bool   // a 2xx
}

// OnAttempt registers f to be called after every attempt the dispatcher
// makes; call it before Run.
func (d *Dispatcher) OnAttempt(f func(Attempt)) { d.observe = f }

// RedactURL returns u without its user information and query, either of
// which may carry a credential; an unparsable URL is replaced by a placeholder.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.User = nil
	if p.RawQuery != "" {
		p.RawQuery = "…"
	}
	p.Fragment = ""
	return p.String()
}

// attemptError describes why a request failed without repeating its URL,
// which the HTTP client's error names with its user and query.
func attemptError(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err.Error()
	}
	return err.Error()
}
