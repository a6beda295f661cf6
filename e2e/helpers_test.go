// Package e2e drives a real Kontor server, started in-process, with the
// official clients: stripe-go v85 here, and the npm stripe package through
// node_test.go.
package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// setup starts a server and returns it with a fresh account.
func setup(t *testing.T) (*kontortest.Server, *kontortest.Account, context.Context) {
	t.Helper()
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	return s, s.NewAccount(t), t.Context()
}

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
