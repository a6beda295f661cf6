package stripeapi

import (
	"testing"

	"github.com/kontorpay/kontor/engine"
)

// TestMessagesAreWordedHere checks that the dialect words the engine's
// codes, parameters and data in Stripe's voice.
func TestMessagesAreWordedHere(t *testing.T) {
	cases := []struct {
		err  *engine.Error
		want string
	}{
		{engine.Missing("url"), "Missing required param: url."},
		{engine.Missing("redirect.return_url"), "Missing required param: redirect[return_url]."},
		{engine.Missing("line_items.0.price_data.product_data.name"), "Missing required param: line_items[0][price_data][product_data][name]."},
		{&engine.Error{Kind: engine.KindState, Code: "payment_intent_unexpected_state",
			Data: map[string]string{"object": "payment_intent", "status": "succeeded", "action": "confirm"}},
			"You cannot confirm this PaymentIntent because it has a status of succeeded."},
		{&engine.Error{Kind: engine.KindState, Code: "setup_intent_unexpected_state",
			Data: map[string]string{"object": "setup_intent", "status": "canceled", "action": "update"}},
			"You cannot update this SetupIntent because it has a status of canceled."},
		{engine.Invalid("parameter_missing", "source", "Must provide source or customer."), "Must provide source or customer."},
		{&engine.Error{Kind: engine.KindInvalid, Code: "amount_too_small", Param: "amount", Data: map[string]string{"minimum": "50"}},
			"Amount must be at least €0.50 eur"},
		{&engine.Error{Kind: engine.KindInvalid, Code: "amount_too_small", Param: "amount", Data: map[string]string{"minimum": "100"}},
			"Amount must be at least €1.00 eur"},
		{&engine.Error{Kind: engine.KindInvalid, Code: "amount_too_small", Param: "line_items", Data: map[string]string{"minimum": "50"}},
			"The Checkout Session's total amount must be at least €0.50 eur."},
		{&engine.Error{Kind: engine.KindInvalid, Code: "amount_too_large", Param: "amount", Data: map[string]string{"maximum": "99999999"}},
			"Amount must be no more than €999,999.99"},
		{&engine.Error{Kind: engine.KindInvalid, Code: "parameter_invalid_enum", Param: "payment_method_data.sofort.country",
			Data: map[string]string{"allowed": "AT BE DE IT NL ES"}},
			"Invalid payment_method_data[sofort][country]: must be one of AT, BE, DE, ES, IT, or NL"},
	}
	for _, c := range cases {
		got := toAPIError(c.err)
		if got.Message != c.want {
			t.Errorf("%s (%s): message %q, want %q", c.err.Code, c.err.Param, got.Message, c.want)
		}
		if got.Code != c.err.Code {
			t.Errorf("%s: code %q", c.err.Code, got.Code)
		}
	}
	if got := feeType(engine.FeeProcessing); got != "stripe_fee" {
		t.Errorf("processing fee is %q in Stripe's words, want stripe_fee", got)
	}
}
