package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
)

// TestPaymentIntentSEPADebit walks a SEPA Direct Debit PaymentIntent through
// create, update, a refused confirmation without mandate, confirmation with
// mandate_data, processing and success, then refunds it by payment_intent.
func TestPaymentIntentSEPADebit(t *testing.T) {
	e := newEnv(t, payments)
	sc, ctx := e.sc, e.ctx
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("payer@example.com")})

	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(2500), Currency: stripe.String("eur"),
		Customer: stripe.String(cus.ID), PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, Description: stripe.String("Order 42"),
		Metadata: map[string]string{"order": "42"}, StatementDescriptor: stripe.String("SHOP 42")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pi.ID, "pi_") || pi.Object != "payment_intent" || pi.Status != "requires_payment_method" || pi.Amount != 2500 ||
		pi.Currency != "eur" || pi.Customer.ID != cus.ID || !strings.HasPrefix(pi.ClientSecret, pi.ID+"_secret_") ||
		pi.CaptureMethod != "automatic" || pi.ConfirmationMethod != "automatic" || !slices.Equal(pi.PaymentMethodTypes, []string{"sepa_debit"}) ||
		pi.LatestCharge != nil || pi.NextAction != nil || pi.Livemode || pi.Metadata["order"] != "42" || pi.Description != "Order 42" {
		t.Errorf("created: %+v", pi)
	}
	e.event("payment_intent.created", pi.ID)

	pi, err = sc.V1PaymentIntents.Update(ctx, pi.ID, &stripe.PaymentIntentUpdateParams{PaymentMethod: stripe.String("pm_success_de"),
		Amount: stripe.Int64(1099)})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != "requires_confirmation" || pi.PaymentMethod == nil || !strings.HasPrefix(pi.PaymentMethod.ID, "pm_") || pi.Amount != 1099 {
		t.Errorf("updated: status %s payment_method %+v amount %d", pi.Status, pi.PaymentMethod, pi.Amount)
	}

	// SEPA Direct Debit needs a mandate: confirming without one changes nothing.
	_, err = sc.V1PaymentIntents.Confirm(ctx, pi.ID, nil)
	invalid(t, err, "parameter_missing", "mandate_data")
	if again, _ := sc.V1PaymentIntents.Retrieve(ctx, pi.ID, nil); again.Status != "requires_confirmation" || again.LatestCharge != nil {
		t.Errorf("a refused confirmation changed the intent: %s %+v", again.Status, again.LatestCharge)
	}

	cp := &stripe.PaymentIntentConfirmParams{MandateData: &stripe.PaymentIntentMandateDataParams{
		CustomerAcceptance: &stripe.PaymentIntentMandateDataCustomerAcceptanceParams{Type: stripe.String("online"),
			Online: &stripe.PaymentIntentMandateDataCustomerAcceptanceOnlineParams{IPAddress: stripe.String("198.51.100.4"), UserAgent: stripe.String("curl/8")}}}}
	cp.AddExpand("latest_charge")
	pi, err = sc.V1PaymentIntents.Confirm(ctx, pi.ID, cp)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != "processing" || pi.LatestCharge == nil || !strings.HasPrefix(pi.LatestCharge.ID, "py_") || pi.AmountReceived != 0 {
		t.Fatalf("confirmed: status %s latest_charge %+v", pi.Status, pi.LatestCharge)
	}
	ch := pi.LatestCharge
	if ch.Status != "pending" || ch.PaymentMethodDetails == nil || ch.PaymentMethodDetails.SEPADebit == nil || ch.Amount != 1099 {
		t.Fatalf("charge: %+v", ch)
	}
	mandateID := ch.PaymentMethodDetails.SEPADebit.Mandate
	if !strings.HasPrefix(mandateID, "mandate_") || ch.PaymentIntent == nil || ch.PaymentIntent.ID != pi.ID {
		t.Errorf("charge mandate %q payment_intent %+v", mandateID, ch.PaymentIntent)
	}
	e.event("payment_intent.processing", pi.ID)
	e.event("payment_intent.succeeded", pi.ID)
	pi = piWait(t, e.acct, pi.ID, "succeeded", "latest_charge")
	if pi.AmountReceived != 1099 || pi.LatestCharge.Status != "succeeded" {
		t.Errorf("succeeded: amount_received %d charge %s", pi.AmountReceived, pi.LatestCharge.Status)
	}
	e.wantEvents(pi.ID, "payment_intent.created", "payment_intent.processing", "payment_intent.succeeded")

	// The mandate: single use (no setup_future_usage), accepted online, with the hosted mandate page.
	m, err := sc.V1Mandates.Retrieve(ctx, mandateID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Object != "mandate" || m.Type != "single_use" || m.SingleUse == nil || m.SingleUse.Amount != 1099 || m.SingleUse.Currency != "eur" ||
		m.CustomerAcceptance.Type != "online" || m.CustomerAcceptance.Online.IPAddress != "198.51.100.4" || m.CustomerAcceptance.Online.UserAgent != "curl/8" ||
		m.PaymentMethod.ID != pi.PaymentMethod.ID || m.PaymentMethodDetails.Type != "sepa_debit" || m.PaymentMethodDetails.SEPADebit.Reference == "" ||
		!strings.HasPrefix(m.PaymentMethodDetails.SEPADebit.URL, e.srv.URL+"/hosted/") {
		t.Errorf("mandate: %+v %+v %+v", m, m.CustomerAcceptance, m.PaymentMethodDetails.SEPADebit)
	}
	if resp, err := http.Get(m.PaymentMethodDetails.SEPADebit.URL); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("mandate page: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	// Refund by payment_intent refunds its latest charge.
	re, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(500)})
	if err != nil {
		t.Fatal(err)
	}
	if re.Charge == nil || re.Charge.ID != pi.LatestCharge.ID || re.Amount != 500 || re.PaymentIntent == nil || re.PaymentIntent.ID != pi.ID {
		t.Errorf("refund: %+v", re)
	}

	// Lists.
	var ids []string
	for p, err := range sc.V1PaymentIntents.List(ctx, &stripe.PaymentIntentListParams{Customer: stripe.String(cus.ID)}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{pi.ID}) {
		t.Errorf("list by customer = %v", ids)
	}
	// A finished intent can be neither confirmed nor canceled.
	_, err = sc.V1PaymentIntents.Cancel(ctx, pi.ID, nil)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "payment_intent_unexpected_state")
}

// TestPaymentIntentSEPATestIBANs runs each behaviour of the documented test
// IBANs (Germany's) through a PaymentIntent confirmed at creation.
func TestPaymentIntentSEPATestIBANs(t *testing.T) {
	e := newEnv(t, payments)
	cases := []struct {
		iban, status, code string
		disputed           bool
	}{
		{"DE89370400440532013000", "succeeded", "", false},
		{"DE62370400440532013001", "requires_payment_method", "account_closed", false},
		{"DE35370400440532013002", "succeeded", "", true},
		{"DE65370400440000343434", "requires_payment_method", "charge_exceeds_source_limit", false},
		{"DE27370400440000121212", "requires_payment_method", "charge_exceeds_weekly_limit", false},
		{"DE65370400440002222227", "requires_payment_method", "insufficient_funds", false},
	}
	for _, tc := range cases {
		pi := sepaPI(t, e.acct, "", tc.iban)
		if pi.Status != "processing" {
			t.Errorf("%s: status %s after confirm, want processing", tc.iban, pi.Status)
			continue
		}
		pi = piWait(t, e.acct, pi.ID, tc.status, "latest_charge")
		if tc.code == "" {
			if pi.LastPaymentError != nil || pi.AmountReceived != 1099 {
				t.Errorf("%s: %+v", tc.iban, pi.LastPaymentError)
			}
		} else {
			le := pi.LastPaymentError
			if le == nil || string(le.Code) != tc.code || le.PaymentMethod == nil || le.PaymentMethod.SEPADebit == nil ||
				le.PaymentMethod.SEPADebit.Last4 != tc.iban[len(tc.iban)-4:] || le.ChargeID != pi.LatestCharge.ID || le.Msg == "" {
				t.Errorf("%s: last_payment_error %+v", tc.iban, le)
			}
			if pi.PaymentMethod != nil {
				t.Errorf("%s: a failed intent keeps payment_method %s", tc.iban, pi.PaymentMethod.ID)
			}
			if pi.LatestCharge.Status != "failed" || string(pi.LatestCharge.FailureCode) != tc.code {
				t.Errorf("%s: charge %s %s", tc.iban, pi.LatestCharge.Status, pi.LatestCharge.FailureCode)
			}
			e.event("payment_intent.payment_failed", pi.ID)
		}
		if tc.disputed {
			ev := e.event("charge.dispute.created", "")
			if ev.Data.Object["charge"] != pi.LatestCharge.ID {
				t.Errorf("dispute of %v, want %s", ev.Data.Object["charge"], pi.LatestCharge.ID)
			}
		}
	}
}

// TestPaymentIntentSEPADelayed uses a test clock: the delayed test IBANs
// decide only after three minutes of the clock.
func TestPaymentIntentSEPADelayed(t *testing.T) {
	e := newEnv(t, payments)
	clk, cus := clockCustomer(t, e.acct)
	ok := sepaPI(t, e.acct, cus.ID, "DE08370400440532013003")
	bad := sepaPI(t, e.acct, cus.ID, "DE78370400440532013004")
	if ok.Created != intentsT0 {
		t.Errorf("the intent lives at its customer's clock: created %d, want %d", ok.Created, intentsT0)
	}
	advance(t, e.acct, clk, time.Unix(intentsT0+120, 0))
	for _, id := range []string{ok.ID, bad.ID} {
		if pi, _ := e.sc.V1PaymentIntents.Retrieve(e.ctx, id, nil); pi.Status != "processing" {
			t.Errorf("%s after two minutes: %s, want processing", id, pi.Status)
		}
	}
	advance(t, e.acct, clk, time.Unix(intentsT0+180, 0))
	if pi, _ := e.sc.V1PaymentIntents.Retrieve(e.ctx, ok.ID, nil); pi.Status != "succeeded" {
		t.Errorf("successDelayed after three minutes: %s", pi.Status)
	}
	pi, _ := e.sc.V1PaymentIntents.Retrieve(e.ctx, bad.ID, nil)
	if pi.Status != "requires_payment_method" || pi.LastPaymentError == nil || pi.LastPaymentError.Code != "account_closed" {
		t.Errorf("failedDelayed after three minutes: %s %+v", pi.Status, pi.LastPaymentError)
	}
	ev := e.event("payment_intent.succeeded", ok.ID)
	if ev.Created != intentsT0+180 {
		t.Errorf("payment_intent.succeeded created %d, want the clock's %d", ev.Created, intentsT0+180)
	}
}

// TestPaymentIntentBadInput checks that refused requests change nothing.
func TestPaymentIntentBadInput(t *testing.T) {
	e := newEnv(t, payments)
	sc, ctx := e.sc, e.ctx
	before := eventCount(t, e.acct)
	base := func() *stripe.PaymentIntentCreateParams {
		return &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1000), Currency: stripe.String("eur")}
	}
	p := base()
	p.PaymentMethodTypes = []*string{stripe.String("card")}
	_, err := sc.V1PaymentIntents.Create(ctx, p)
	invalid(t, err, "payment_intent_invalid_parameter", "payment_method_types[0]")
	p = base()
	p.Currency = stripe.String("usd")
	_, err = sc.V1PaymentIntents.Create(ctx, p)
	invalid(t, err, "payment_intent_invalid_parameter", "currency")
	p = base()
	p.Amount = stripe.Int64(49)
	_, err = sc.V1PaymentIntents.Create(ctx, p)
	invalid(t, err, "amount_too_small", "amount")
	p = base()
	p.CaptureMethod = stripe.String("manual")
	_, err = sc.V1PaymentIntents.Create(ctx, p)
	invalid(t, err, "payment_intent_invalid_parameter", "capture_method")
	p = base()
	p.Confirm, p.PaymentMethod = stripe.Bool(true), stripe.String("pm_success_de")
	_, err = sc.V1PaymentIntents.Create(ctx, p)
	invalid(t, err, "parameter_missing", "mandate_data")
	p = base()
	p.PaymentMethodData = &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("sepa_debit"),
		SEPADebit: &stripe.PaymentMethodSEPADebitParams{IBAN: stripe.String("DE00370400440532013000")}}
	_, err = sc.V1PaymentIntents.Create(ctx, p)
	invalid(t, err, "invalid_bank_account_iban", "payment_method_data[sepa_debit][iban]")
	p = base()
	p.Customer = stripe.String("cus_missing")
	_, err = sc.V1PaymentIntents.Create(ctx, p)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "resource_missing")
	p = base()
	p.MandateData = &stripe.PaymentIntentCreateMandateDataParams{CustomerAcceptance: &stripe.PaymentIntentCreateMandateDataCustomerAcceptanceParams{Type: stripe.String("online")}}
	p.PaymentMethod, p.Confirm = stripe.String("pm_success_de"), stripe.Bool(true)
	_, err = sc.V1PaymentIntents.Create(ctx, p)
	invalid(t, err, "parameter_missing", "mandate_data[customer_acceptance][online]")
	if got := eventCount(t, e.acct); got != before {
		t.Errorf("refused requests recorded events: %d, want %d", got, before)
	}
	for pi, err := range sc.V1PaymentIntents.List(ctx, nil).All(ctx) {
		t.Errorf("a refused request created %v (%v)", pi.ID, err)
	}

	// Cancel, and only once.
	pi, err := sc.V1PaymentIntents.Create(ctx, base())
	if err != nil {
		t.Fatal(err)
	}
	pi, err = sc.V1PaymentIntents.Cancel(ctx, pi.ID, &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String("requested_by_customer")})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != "canceled" || pi.CancellationReason != "requested_by_customer" || pi.CanceledAt == 0 {
		t.Errorf("canceled: %s %s %d", pi.Status, pi.CancellationReason, pi.CanceledAt)
	}
	e.event("payment_intent.canceled", pi.ID)
	_, err = sc.V1PaymentIntents.Confirm(ctx, pi.ID, nil)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "payment_intent_unexpected_state")
}

// TestPaymentIntentPublishableKey retrieves and confirms with the
// publishable key and the client secret, as Stripe.js does; a wrong secret
// answers like an unknown intent and changes nothing.
func TestPaymentIntentPublishableKey(t *testing.T) {
	e := newEnv(t, payments)
	pi, err := e.sc.V1PaymentIntents.Create(e.ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1500), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}})
	if err != nil {
		t.Fatal(err)
	}
	pk := e.srv.NewClient(e.acct.PublishableKey)
	_, err = pk.V1PaymentIntents.Retrieve(e.ctx, pi.ID, &stripe.PaymentIntentRetrieveParams{ClientSecret: stripe.String(pi.ClientSecret + "x")})
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
	_, err = pk.V1PaymentIntents.Retrieve(e.ctx, pi.ID, nil)
	invalid(t, err, "parameter_missing", "client_secret")
	got, err := pk.V1PaymentIntents.Retrieve(e.ctx, pi.ID, &stripe.PaymentIntentRetrieveParams{ClientSecret: stripe.String(pi.ClientSecret)})
	if err != nil || got.ID != pi.ID {
		t.Fatalf("retrieve with the client secret: %v", err)
	}
	// A publishable key may not create or list.
	_, err = pk.V1PaymentIntents.Create(e.ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1500), Currency: stripe.String("eur")})
	stripeErr(t, err, http.StatusUnauthorized, stripe.ErrorTypeInvalidRequest, "secret_key_required")

	form := "payment_method_data[type]=sepa_debit&payment_method_data[sepa_debit][iban]=AT611904300234573201" +
		"&payment_method_data[billing_details][name]=Jenny+Rosen&mandate_data[customer_acceptance][type]=online" +
		"&mandate_data[customer_acceptance][online][infer_from_client]=true&return_url=https%3A%2F%2Fshop.example%2Fdone"
	hdr := map[string]string{"Authorization": "Bearer " + e.acct.PublishableKey, "User-Agent": "Mozilla/5.0 (Stripe.js test)"}
	resp := e.acct.Do(t, "POST", "/v1/payment_intents/"+pi.ID+"/confirm", form+"&client_secret=wrong", hdr)
	if resp.Status != http.StatusNotFound {
		t.Errorf("confirm with a wrong client secret: %d %s", resp.Status, resp.Body)
	}
	if again, _ := e.sc.V1PaymentIntents.Retrieve(e.ctx, pi.ID, nil); again.Status != "requires_payment_method" || again.PaymentMethod != nil {
		t.Errorf("a wrong client secret changed the intent: %s", again.Status)
	}
	resp = e.acct.Do(t, "POST", "/v1/payment_intents/"+pi.ID+"/confirm", form+"&client_secret="+pi.ClientSecret, hdr)
	if resp.Status != http.StatusOK || resp.JSON(t)["status"] != "processing" {
		t.Fatalf("confirm with the client secret: %d %s", resp.Status, resp.Body)
	}
	ch := piWait(t, e.acct, pi.ID, "succeeded", "latest_charge").LatestCharge
	m, err := e.sc.V1Mandates.Retrieve(e.ctx, ch.PaymentMethodDetails.SEPADebit.Mandate, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.CustomerAcceptance.Online.UserAgent != "Mozilla/5.0 (Stripe.js test)" || m.CustomerAcceptance.Online.IPAddress != "127.0.0.1" {
		t.Errorf("infer_from_client: %+v", m.CustomerAcceptance.Online)
	}
}

// TestPaymentIntentAllowedTypes sends the current API's spelling,
// allowed_payment_method_types, as npm stripe 23 does.
func TestPaymentIntentAllowedTypes(t *testing.T) {
	e := newEnv(t, payments)
	resp := e.acct.Do(t, "POST", "/v1/payment_intents", "amount=1000&currency=eur&allowed_payment_method_types[0]=sofort", nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	body := resp.JSON(t)
	if types, _ := body["payment_method_types"].([]any); len(types) != 1 || types[0] != "sofort" {
		t.Errorf("payment_method_types = %v", body["payment_method_types"])
	}
	resp = e.acct.Do(t, "POST", "/v1/payment_intents", "amount=1000&currency=eur&allowed_payment_method_types[0]=ideal", nil)
	if er := resp.Error(t); er["param"] != "allowed_payment_method_types[0]" {
		t.Errorf("error names %v", er["param"])
	}
	resp = e.acct.Do(t, "POST", "/v1/payment_intents", "amount=1000&currency=eur&allowed_payment_method_types[0]=sofort&payment_method_types[0]=sepa_debit", nil)
	if er := resp.Error(t); er["code"] != "parameters_exclusive" {
		t.Errorf("both spellings, different lists: %v", er)
	}
}

// TestPaymentMethodNotAvailable disables Sofort on the account: creating or
// confirming with it fails with payment_method_not_available; SEPA Direct
// Debit keeps working.
func TestPaymentMethodNotAvailable(t *testing.T) {
	e := newEnv(t, payments)
	sc, ctx := e.sc, e.ctx
	so, err := sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sofort"),
		Sofort: &stripe.PaymentMethodCreateSofortParams{Country: stripe.String("DE")}})
	if err != nil {
		t.Fatal(err)
	}
	open, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1000), Currency: stripe.String("eur"),
		PaymentMethod: stripe.String(so.ID), ReturnURL: stripe.String("https://shop.example/done")})
	if err != nil {
		t.Fatal(err)
	}
	if resp := e.acct.Do(t, "POST", "/v1/account", "payment_methods[sofort]=false", nil); resp.Status != http.StatusOK {
		t.Fatalf("disable sofort: %d %s", resp.Status, resp.Body)
	}
	unavailable := func(err error, param string) {
		t.Helper()
		se := stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "payment_method_not_available")
		if se.Param != param {
			t.Errorf("param = %q, want %q", se.Param, param)
		}
	}
	_, err = sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1000), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("sofort")}})
	unavailable(err, "payment_method_types[0]")
	_, err = sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sofort"),
		Sofort: &stripe.PaymentMethodCreateSofortParams{Country: stripe.String("DE")}})
	unavailable(err, "type")
	_, err = sc.V1PaymentIntents.Confirm(ctx, open.ID, nil)
	unavailable(err, "payment_method")
	if pi, _ := sc.V1PaymentIntents.Retrieve(ctx, open.ID, nil); pi.Status != "requires_confirmation" {
		t.Errorf("refused confirmation changed the intent: %s", pi.Status)
	}
	_, err = sc.V1SetupIntents.Create(ctx, &stripe.SetupIntentCreateParams{PaymentMethodTypes: []*string{stripe.String("sofort")}})
	unavailable(err, "payment_method_types[0]")
	_, err = sc.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("sofort")}, SuccessURL: stripe.String("https://shop.example/ok")})
	unavailable(err, "payment_method_types[0]")

	// Without types, intents offer what the account has enabled.
	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1000), Currency: stripe.String("eur")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pi.PaymentMethodTypes, []string{"sepa_debit"}) {
		t.Errorf("default types with Sofort disabled: %v", pi.PaymentMethodTypes)
	}
	sepaPI(t, e.acct, "", "DE89370400440532013000")
}

// TestIntentsTenantIsolation: another account's intents, payment methods,
// mandates and Checkout pages answer exactly like ids that do not exist.
func TestIntentsTenantIsolation(t *testing.T) {
	e := newEnv(t, payments)
	other := e.srv.NewAccount(t)
	pi := sepaPI(t, e.acct, "", "DE89370400440532013000")
	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String("https://shop.example/ok")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Client.V1PaymentIntents.Retrieve(e.ctx, pi.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
	_, err = other.Client.V1PaymentIntents.Cancel(e.ctx, pi.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
	_, err = other.Client.V1PaymentMethods.Retrieve(e.ctx, pi.PaymentMethod.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
	_, err = other.Client.V1CheckoutSessions.Expire(e.ctx, cs.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
	// The hosted page under the other account's id does not exist either.
	page := strings.Replace(cs.URL, accountID(t, e.acct), accountID(t, other), 1)
	if resp, err := http.Get(page); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("Checkout page under another account: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	if s, _ := e.sc.V1CheckoutSessions.Retrieve(e.ctx, cs.ID, nil); s.Status != "open" {
		t.Errorf("another account changed the session: %s", s.Status)
	}
}
