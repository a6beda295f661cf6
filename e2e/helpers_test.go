// Package e2e drives a real Kontor server, started in-process, with the
// official clients: stripe-go v85 here, and the npm stripe package through
// node_test.go.
package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/e2e/kontortest"
)

// env is what an end-to-end test works with: a server of its own, a fresh
// account on it with a stripe-go client and, when asked for, a webhook
// receiver subscribed to every event that verifies each delivery's
// signature.
type env struct {
	t    *testing.T
	ctx  context.Context
	srv  *kontortest.Server
	acct *kontortest.Account
	sc   *stripe.Client
	hook *kontortest.Receiver
	// wall is the server's frozen wall clock when envOptions.FrozenWall
	// asked for one.
	wall *clock.Manual
}

// envOptions say what newEnv starts.
type envOptions struct {
	Server  kontortest.Options
	Profile kontortest.Profile
	// Webhooks subscribes a receiver (env.hook) to every Stripe event.
	Webhooks bool
	// FrozenWall gives the server a wall clock that moves only when the
	// test advances it (env.wall). It is set to the real time once the
	// test starts running, after t.Parallel: a clock made earlier would
	// lag the real time by however long the test waited for its turn, and
	// webhooks signed at that time fall outside the receivers' five-minute
	// tolerance.
	FrozenWall bool
	// Cko gives the account a key of Checkout.com's previous platform,
	// sk_test_<uuid>, which both dialects accept.
	Cko bool
}

// payments is the environment of the payment flow tests: the sandbox's
// "within seconds" takes quickDelay, so that they run quickly, and every
// event is delivered to env.hook.
var payments = envOptions{Profile: kontortest.Profile{SandboxDelay: quickDelay}, Webhooks: true}

// quickDelay is the sandbox's "within seconds" in most payment tests;
// TestSofortChargeableEmail keeps the default.
const quickDelay = 300 * time.Millisecond

// newEnv starts a server for the test, which runs in parallel with others,
// and opens a fresh account on it.
func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	t.Parallel()
	var wall *clock.Manual
	if o.FrozenWall {
		wall = clock.NewManual(time.Now())
		o.Server.Clock = wall
	}
	s := kontortest.StartProfile(t, o.Server, o.Profile)
	key := kontortest.NewKey()
	if o.Cko {
		key = newCkoKey()
	}
	a := s.Account(key)
	e := &env{t: t, ctx: t.Context(), srv: s, acct: a, sc: a.Client, wall: wall}
	if o.Webhooks {
		e.hook = kontortest.NewReceiver(t)
		we, err := a.Client.V1WebhookEndpoints.Create(e.ctx, &stripe.WebhookEndpointCreateParams{
			URL: stripe.String(e.hook.URL), EnabledEvents: []*string{stripe.String("*")}})
		if err != nil {
			t.Fatalf("create webhook endpoint: %v", err)
		}
		e.hook.SetSecret(we.Secret)
	}
	return e
}

// cko returns a Checkout.com client for the env's account.
func (e *env) cko() *cko { return newCko(e.srv, e.acct.Key) }

// advance moves the account's test clock id to `to` and waits until the
// clock is ready at that time.
func advance(t testing.TB, a *kontortest.Account, id string, to time.Time) {
	t.Helper()
	if _, err := a.Client.V1TestHelpersTestClocks.Advance(t.Context(), id, &stripe.TestHelpersTestClockAdvanceParams{FrozenTime: stripe.Int64(to.Unix())}); err != nil {
		t.Fatalf("advance %s: %v", id, err)
	}
	waitReady(t, a, id, to.Unix())
}

// waitReady waits until the account's test clock id is ready at frozen.
// Advancing fires every due timer, one transaction each: with many objects
// on the clock (and the race detector) that takes a while.
func waitReady(t testing.TB, a *kontortest.Account, id string, frozen int64) {
	t.Helper()
	deadline := time.Now().Add(advanceTimeout)
	for {
		c, err := a.Client.V1TestHelpersTestClocks.Retrieve(t.Context(), id, nil)
		if err != nil {
			t.Fatalf("retrieve test clock: %v", err)
		}
		if c.Status == stripe.TestHelpersTestClockStatusReady && c.FrozenTime == frozen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("test clock %s not ready at %s after %s: %s", id, time.Unix(frozen, 0).UTC(), advanceTimeout, c.Status)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// advanceTimeout bounds how long waitReady waits for a clock to be ready.
const advanceTimeout = 3 * time.Minute

// stripeErr asserts that err is a *stripe.Error with the HTTP status, type
// and code given ("" skips a check) and returns it.
func stripeErr(t *testing.T, err error, status int, typ stripe.ErrorType, code stripe.ErrorCode) *stripe.Error {
	t.Helper()
	var se *stripe.Error
	if !errors.As(err, &se) {
		t.Fatalf("want a *stripe.Error, got %T: %v", err, err)
	}
	if status != 0 && se.HTTPStatusCode != status {
		t.Errorf("status = %d, want %d (%s)", se.HTTPStatusCode, status, se.Msg)
	}
	if typ != "" && se.Type != typ {
		t.Errorf("type = %q, want %q (%s)", se.Type, typ, se.Msg)
	}
	if code != "" && se.Code != code {
		t.Errorf("code = %q, want %q (%s)", se.Code, code, se.Msg)
	}
	if se.Msg == "" {
		t.Errorf("error without a message: %+v", se)
	}
	if se.RequestID == "" {
		t.Errorf("error without a Request-Id")
	}
	return se
}

// invalid asserts a 400 invalid_request_error with code naming param.
func invalid(t *testing.T, err error, code stripe.ErrorCode, param string) *stripe.Error {
	t.Helper()
	se := stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, code)
	if se.Param != param {
		t.Errorf("param = %q, want %q (%s)", se.Param, param, se.Msg)
	}
	return se
}

// customerIDs lists the account's customers (every page) and returns their ids in order.
func customerIDs(t *testing.T, a *kontortest.Account, p *stripe.CustomerListParams) []string {
	t.Helper()
	if p == nil {
		p = &stripe.CustomerListParams{}
	}
	var ids []string
	for c, err := range a.Client.V1Customers.List(t.Context(), p).All(t.Context()) {
		if err != nil {
			t.Fatalf("list customers: %v", err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// eventCount counts the account's events (every page).
func eventCount(t *testing.T, a *kontortest.Account) int {
	t.Helper()
	n := 0
	for _, err := range a.Client.V1Events.List(t.Context(), &stripe.EventListParams{}).All(t.Context()) {
		if err != nil {
			t.Fatalf("list events: %v", err)
		}
		n++
	}
	return n
}

func mustCustomer(t *testing.T, a *kontortest.Account, p *stripe.CustomerCreateParams) *stripe.Customer {
	t.Helper()
	if p == nil {
		p = &stripe.CustomerCreateParams{}
	}
	c, err := a.Client.V1Customers.Create(t.Context(), p)
	if err != nil {
		t.Fatalf("create customer: %v", err)
	}
	return c
}
