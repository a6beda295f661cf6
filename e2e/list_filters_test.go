package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// TestChargeTransferGroup lists charges by transfer_group: a charge takes
// one when created, or from its PaymentIntent.
func TestChargeTransferGroup(t *testing.T) {
	e := newEnv(t, envOptions{})
	src := e.sepaDebit("DE89370400440532013000", "")
	cus := jsonObj(t, e.post("/v1/customers", url.Values{"source": {src.ID}}))["id"].(string)
	grouped := jsonObj(t, e.post("/v1/charges", url.Values{"amount": {"1500"}, "currency": {"eur"}, "customer": {cus}, "transfer_group": {"ORDER10"}}))
	if grouped["transfer_group"] != "ORDER10" {
		t.Errorf("charge transfer_group = %v", grouped["transfer_group"])
	}
	jsonObj(t, e.post("/v1/charges", url.Values{"amount": {"1600"}, "currency": {"eur"}, "customer": {cus}}))
	p := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"), Confirm: stripe.Bool(true),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, TransferGroup: stripe.String("ORDER10"),
		PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("sepa_debit"),
			SEPADebit:      &stripe.PaymentMethodSEPADebitParams{IBAN: stripe.String("DE89370400440532013000")},
			BillingDetails: &stripe.PaymentIntentCreatePaymentMethodDataBillingDetailsParams{Name: stripe.String("Jenny Rosen")}},
		MandateData: onlineAcceptance()}
	pi, err := e.sc.V1PaymentIntents.Create(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if pi.TransferGroup != "ORDER10" || pi.LatestCharge == nil {
		t.Fatalf("PaymentIntent: transfer_group %q, latest_charge %v", pi.TransferGroup, pi.LatestCharge)
	}
	got := e.chargeIDs(&stripe.ChargeListParams{TransferGroup: stripe.String("ORDER10")})
	if len(got) != 2 || got[0] != pi.LatestCharge.ID || got[1] != grouped["id"] {
		t.Errorf("transfer_group=ORDER10 lists %v, want %s and %s", got, pi.LatestCharge.ID, grouped["id"])
	}
	if got := e.chargeIDs(&stripe.ChargeListParams{TransferGroup: stripe.String("ORDER11")}); len(got) != 0 {
		t.Errorf("transfer_group=ORDER11 lists %v", got)
	}
	if all := e.chargeIDs(nil); len(all) != 3 {
		t.Errorf("all charges: %v", all)
	}
}

// TestCheckoutSessionListFilters lists Checkout Sessions by the payer's
// e-mail (customer_details[email], in any case) and by payment link, which
// no session of Kontor's has.
func TestCheckoutSessionListFilters(t *testing.T) {
	e := newEnv(t, envOptions{})
	session := func() *stripe.CheckoutSession {
		cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
			PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String("https://shop.example/ok")})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	paid, open := session(), session()
	resp := checkoutSubmit(t, paid.URL, url.Values{"payment_method": {"sepa_debit"}, "iban": {"AT611904300234573201"},
		"name": {"Anna Berger"}, "email": {"anna@example.com"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	ids := func(q string) []string {
		var out []string
		for _, d := range jsonObj(t, e.get("/v1/checkout/sessions?"+q))["data"].([]any) {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}
	if got := ids("customer_details[email]=Anna@Example.com"); len(got) != 1 || got[0] != paid.ID {
		t.Errorf("customer_details[email] lists %v, want %s", got, paid.ID)
	}
	if got := ids("customer_details[email]=other@example.com"); len(got) != 0 {
		t.Errorf("another e-mail lists %v", got)
	}
	if got := ids("payment_link=plink_123"); len(got) != 0 {
		t.Errorf("payment_link lists %v", got)
	}
	if got := ids(""); len(got) != 2 || got[0] != open.ID {
		t.Errorf("all sessions: %v", got)
	}
	apiErr(t, e.get("/v1/checkout/sessions?customer_details[name]=Anna"), http.StatusBadRequest, "parameter_unknown", "customer_details[name]")
}

// TestCustomerCreateAttachesPaymentMethod creates a customer with
// payment_method: the payment method is attached to it, as Stripe does.
func TestCustomerCreateAttachesPaymentMethod(t *testing.T) {
	e := newEnv(t, payments)
	pm := jsonObj(t, e.post("/v1/payment_methods", url.Values{"type": {"sepa_debit"}, "sepa_debit[iban]": {"DE89370400440532013000"},
		"billing_details[name]": {"Jenny Rosen"}}))["id"].(string)
	cus := jsonObj(t, e.post("/v1/customers", url.Values{"payment_method": {pm}, "invoice_settings[default_payment_method]": {pm}}))
	got := jsonObj(t, e.get("/v1/payment_methods/"+pm))
	if got["customer"] != cus["id"] {
		t.Errorf("payment method customer = %v, want %v", got["customer"], cus["id"])
	}
	e.event("payment_method.attached", pm)
	list := jsonObj(t, e.get("/v1/customers/"+cus["id"].(string)+"/payment_methods"))["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != pm {
		t.Errorf("customer's payment methods: %v", list)
	}
	e.unchanged(func() {
		apiErr(t, e.post("/v1/customers", url.Values{"payment_method": {"pm_nope"}}), http.StatusBadRequest, "resource_missing", "payment_method")
	})
	other := jsonObj(t, e.post("/v1/customers", nil))["id"].(string)
	apiErr(t, e.post("/v1/customers", url.Values{"payment_method": {pm}}), http.StatusBadRequest, "payment_method_already_attached", "payment_method")
	apiErr(t, e.post("/v1/customers/"+other, url.Values{"payment_method": {pm}}), http.StatusBadRequest, "parameter_unknown", "payment_method")
}
