package e2e

import (
	"net/http"
	"net/url"
	"testing"
)

// TestUnknownIDs sends ids no object has. In the parameters (customer on a
// charge, charge on a refund, sepa_debit[sofort] on a source, …) Stripe
// answers 400 resource_missing naming the parameter; in the path 404,
// naming it "id" (PaymentIntents and SetupIntents "intent", Checkout
// Sessions "session"). An object of another account is as unknown.
func TestUnknownIDs(t *testing.T) {
	e := newEnv(t, envOptions{})
	src := e.sepaDebit("DE89370400440532013000", "")
	other := e.srv.NewAccount(t)
	foreign := jsonObj(t, other.Do(t, "POST", "/v1/customers", "name=Elsewhere", nil))["id"].(string)
	for _, c := range []struct {
		path  string
		form  url.Values
		param string
	}{
		{"/v1/charges", url.Values{"amount": {"1000"}, "currency": {"eur"}, "source": {src.ID}, "customer": {"cus_nope"}}, "customer"},
		{"/v1/charges", url.Values{"amount": {"1000"}, "currency": {"eur"}, "source": {src.ID}, "customer": {foreign}}, "customer"},
		{"/v1/charges", url.Values{"amount": {"1000"}, "currency": {"eur"}, "source": {"src_nope"}}, "source"},
		{"/v1/refunds", url.Values{"charge": {"py_nope"}}, "charge"},
		{"/v1/sources", url.Values{"type": {"sepa_debit"}, "currency": {"eur"}, "owner[name]": {"Jenny Rosen"}, "sepa_debit[sofort]": {"src_nope"}}, "sepa_debit[sofort]"},
		{"/v1/payment_intents", url.Values{"amount": {"1000"}, "currency": {"eur"}, "customer": {"cus_nope"}}, "customer"},
		{"/v1/payment_intents", url.Values{"amount": {"1000"}, "currency": {"eur"}, "payment_method": {"pm_nope"}, "payment_method_types[]": {"sepa_debit"}}, "payment_method"},
		{"/v1/setup_intents", url.Values{"customer": {"cus_nope"}, "payment_method_types[]": {"sepa_debit"}}, "customer"},
		{"/v1/customers", url.Values{"test_clock": {"clock_nope"}}, "test_clock"},
	} {
		e.unchanged(func() { apiErr(t, e.post(c.path, c.form), http.StatusBadRequest, "resource_missing", c.param) })
	}
	apiErr(t, e.get("/v1/customers?starting_after=cus_nope"), http.StatusBadRequest, "resource_missing", "starting_after")

	for path, param := range map[string]string{
		"/v1/charges/py_nope": "id", "/v1/customers/cus_nope": "id", "/v1/customers/" + foreign: "id",
		"/v1/sources/src_nope": "id", "/v1/refunds/re_nope": "id", "/v1/disputes/dp_nope": "id", "/v1/mandates/mandate_nope": "id",
		"/v1/payment_methods/pm_nope": "id", "/v1/events/evt_nope": "id", "/v1/payment_intents/pi_nope": "intent",
		"/v1/setup_intents/seti_nope": "intent", "/v1/checkout/sessions/cs_test_nope": "session",
	} {
		apiErr(t, e.get(path), http.StatusNotFound, "resource_missing", param)
	}
	cus := jsonObj(t, e.post("/v1/customers", nil))["id"].(string)
	apiErr(t, e.get("/v1/customers/"+cus+"/sources/src_nope"), http.StatusNotFound, "resource_missing", "id")
	apiErr(t, e.post("/v1/test_helpers/charges/py_nope/settle", nil), http.StatusNotFound, "resource_missing", "id")
	apiErr(t, e.post("/v1/customers/"+cus+"/sources", url.Values{"source": {"src_nope"}}), http.StatusBadRequest, "resource_missing", "source")
}
