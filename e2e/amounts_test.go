package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestAmountBounds sends amounts past Stripe's bounds to every endpoint that
// takes one: below €0.50 (Sofort €1.00) amount_too_small, past eight digits
// amount_too_large (int64's largest value included, which used to turn the
// balance negative), a signed "+5" an invalid integer. None of them changes
// anything; the largest amount Stripe takes is charged and booked.
func TestAmountBounds(t *testing.T) {
	e := newEnv(t, envOptions{})
	src := e.sepaDebit("DE89370400440532013000", "")
	charge := func(amount string) *kontortest.Response {
		return e.post("/v1/charges", url.Values{"amount": {amount}, "currency": {"eur"}, "source": {src.ID}})
	}
	e.unchanged(func() {
		for _, c := range []struct{ amount, code string }{
			{"10", "amount_too_small"}, {"49", "amount_too_small"}, {"1", "amount_too_small"},
			{"100000000", "amount_too_large"}, {"9223372036854775807", "amount_too_large"},
			{"+500", "parameter_invalid_integer"}, {"9223372036854775808", "parameter_invalid_integer"},
		} {
			apiErr(t, charge(c.amount), http.StatusBadRequest, c.code, "amount")
		}
		pi := func(amount string) *kontortest.Response {
			return e.post("/v1/payment_intents", url.Values{"amount": {amount}, "currency": {"eur"}, "payment_method_types[]": {"sepa_debit"}})
		}
		apiErr(t, pi("100000000"), http.StatusBadRequest, "amount_too_large", "amount")
		apiErr(t, pi("49"), http.StatusBadRequest, "amount_too_small", "amount")
		apiErr(t, pi("+500"), http.StatusBadRequest, "parameter_invalid_integer", "amount")
		sofort := func(amount string) *kontortest.Response {
			return e.post("/v1/sources", url.Values{"type": {"sofort"}, "amount": {amount}, "currency": {"eur"},
				"redirect[return_url]": {"https://shop.example/back"}, "sofort[country]": {"DE"}})
		}
		apiErr(t, sofort("100000000"), http.StatusBadRequest, "amount_too_large", "amount")
		apiErr(t, sofort("99"), http.StatusBadRequest, "invalid_amount", "amount")
		apiErr(t, e.post("/v1/checkout/sessions", url.Values{"mode": {"payment"}, "payment_method_types[]": {"sofort"},
			"line_items[0][price_data][currency]": {"eur"}, "line_items[0][price_data][unit_amount]": {"99999999"},
			"line_items[0][price_data][product_data][name]": {"Ticket"}, "line_items[0][quantity]": {"2"},
			"success_url": {"https://shop.example/paid"}}), http.StatusBadRequest, "amount_too_large", "line_items")
	})

	ch := jsonObj(t, charge("99999999"))
	if ch["amount"] != float64(99999999) {
		t.Errorf("charge amount = %v, want 99999999", ch["amount"])
	}
	id := ch["id"].(string)
	apiErr(t, e.post("/v1/refunds", url.Values{"charge": {id}, "amount": {"+5"}}), http.StatusBadRequest, "parameter_invalid_integer", "amount")
	apiErr(t, e.post("/v1/refunds", url.Values{"charge": {id}, "amount": {"9223372036854775807"}}), http.StatusBadRequest, "amount_too_large", "amount")
	if available, pending := e.balanceIn("eur"); available < 0 || pending < 0 || available+pending > 99999999 {
		t.Errorf("balance = %d available, %d pending, want at most the charge", available, pending)
	}

	sct := e.creditTransfer("jenny@example.com", "")
	apiErr(t, e.post("/v1/test_helpers/sources/"+sct.ID+"/credit_transfers", url.Values{"amount": {"9223372036854775807"}}),
		http.StatusBadRequest, "invalid_amount", "amount")
}
