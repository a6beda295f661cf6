package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/stripe/stripe-go/v85"
)

// TestConfirmWithoutPaymentMethod: confirming a PaymentIntent that has no
// payment method says what to do, naming the customer only when it has one.
func TestConfirmWithoutPaymentMethod(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	sc, ctx := s.NewAccount(t).Client, t.Context()
	cus, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	for customer, want := range map[string]string{
		"":     "You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
		cus.ID: "To confirm the PaymentIntent with " + cus.ID + ", specify a payment method attached to this customer along with the customer ID.",
	} {
		p := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"), PaymentMethodTypes: []*string{stripe.String("sepa_debit")}}
		if customer != "" {
			p.Customer = stripe.String(customer)
		}
		pi, err := sc.V1PaymentIntents.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sc.V1PaymentIntents.Confirm(ctx, pi.ID, nil)
		var se *stripe.Error
		if !errors.As(err, &se) || se.Code != "payment_intent_unexpected_state" || se.Param != "payment_method" ||
			!strings.HasPrefix(se.Msg, "You cannot confirm this PaymentIntent because it's missing a payment method. ") || !strings.HasSuffix(se.Msg, want) {
			t.Errorf("customer %q: %v", customer, err)
		}
	}
}
