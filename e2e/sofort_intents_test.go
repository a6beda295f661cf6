package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
)

// sofortPIParams returns a Sofort PaymentIntent of amount for customer,
// paid from a German bank, confirmed at once with a return URL.
func sofortPIParams(amount int64, customer string) *stripe.PaymentIntentCreateParams {
	return &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(amount), Currency: stripe.String("eur"), Customer: stripe.String(customer),
		PaymentMethodTypes: []*string{stripe.String("sofort")}, Confirm: stripe.Bool(true),
		ReturnURL: stripe.String("https://shop.example/return?order=9"),
		PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("sofort"),
			Sofort: &stripe.PaymentMethodSofortParams{Country: stripe.String("DE")},
			BillingDetails: &stripe.PaymentIntentCreatePaymentMethodDataBillingDetailsParams{Name: stripe.String("Max Mustermann"),
				Email: stripe.String("max@example.com")}},
	}
}

// TestSofortPaymentIntent authorises a Sofort PaymentIntent on the hosted
// page: requires_action, then processing, then (after three minutes of the
// test clock, the sandbox's Sofort delay) succeeded.
func TestSofortPaymentIntent(t *testing.T) {
	e := newEnv(t, payments)
	clk, cus := clockCustomer(t, e.acct)
	p := sofortPIParams(2000, cus.ID)
	p.PaymentMethodOptions = &stripe.PaymentIntentCreatePaymentMethodOptionsParams{
		Sofort: &stripe.PaymentIntentCreatePaymentMethodOptionsSofortParams{PreferredLanguage: stripe.String("de")}}
	p.StatementDescriptor = stripe.String("ORDER 9")
	pi, err := e.sc.V1PaymentIntents.Create(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	na := pi.NextAction
	if pi.Status != "requires_action" || na == nil || na.Type != "redirect_to_url" || na.RedirectToURL == nil ||
		na.RedirectToURL.ReturnURL != "https://shop.example/return?order=9" || !strings.HasPrefix(na.RedirectToURL.URL, e.srv.URL+"/hosted/authorize/") ||
		!strings.Contains(na.RedirectToURL.URL, "client_secret=") {
		t.Fatalf("confirmed: status %s next_action %+v", pi.Status, na)
	}
	if pi.PaymentMethodOptions == nil || pi.PaymentMethodOptions.Sofort == nil || pi.PaymentMethodOptions.Sofort.PreferredLanguage != "de" {
		t.Errorf("payment_method_options: %+v", pi.PaymentMethodOptions)
	}
	e.event("payment_intent.requires_action", pi.ID)

	// The page names the payment; a wrong client secret finds nothing.
	resp, err := http.Get(na.RedirectToURL.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"€ 20.00", "ORDER 9", "Germany (DE)", "Authorize test payment", "Fail test payment"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("authorisation page lacks %q", want)
		}
	}
	wrong := strings.Replace(na.RedirectToURL.URL, "client_secret=", "client_secret=x", 1)
	if resp, err := http.Get(wrong); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("wrong client secret: %v %v", err, resp.StatusCode)
	} else {
		resp.Body.Close()
	}

	back := sofortDecide(t, na.RedirectToURL.URL, true)
	q := back.Query()
	if back.Host != "shop.example" || q.Get("order") != "9" || q.Get("payment_intent") != pi.ID ||
		q.Get("payment_intent_client_secret") != pi.ClientSecret || q.Get("redirect_status") != "succeeded" {
		t.Errorf("returned to %s", back)
	}
	got := piWait(t, e.acct, pi.ID, "processing", "latest_charge")
	ch := got.LatestCharge
	if got.NextAction != nil || ch == nil || !strings.HasPrefix(ch.ID, "py_") || ch.Status != "pending" || ch.PaymentMethodDetails.Sofort == nil ||
		ch.PaymentMethodDetails.Sofort.Country != "DE" || ch.PaymentMethodDetails.Sofort.PreferredLanguage != "de" {
		t.Fatalf("processing: next_action %+v charge %+v", got.NextAction, ch)
	}
	// Answering again changes nothing.
	if again := sofortDecide(t, na.RedirectToURL.URL, false); again.Query().Get("redirect_status") != "succeeded" {
		t.Errorf("a second answer redirected with %s", again)
	}

	advance(t, e.acct, clk, time.Unix(intentsT0+120, 0))
	if pi, _ := e.sc.V1PaymentIntents.Retrieve(e.ctx, pi.ID, nil); pi.Status != "processing" {
		t.Errorf("after two minutes: %s", pi.Status)
	}
	advance(t, e.acct, clk, time.Unix(intentsT0+180, 0))
	got = piWait(t, e.acct, pi.ID, "succeeded", "latest_charge")
	if got.AmountReceived != 2000 || got.LatestCharge.Status != "succeeded" || got.LatestCharge.PaymentMethodDetails.Sofort.GeneratedSEPADebit != nil {
		t.Errorf("succeeded: %+v", got.LatestCharge)
	}
	e.wantEvents(pi.ID, "payment_intent.created", "payment_intent.requires_action", "payment_intent.processing", "payment_intent.succeeded")
}

// TestSofortPaymentIntentFails presses "Fail test payment": the intent goes
// back to requires_payment_method and can be paid another way.
func TestSofortPaymentIntentFails(t *testing.T) {
	e := newEnv(t, payments)
	cus := mustCustomer(t, e.acct, nil)
	pi, err := e.sc.V1PaymentIntents.Create(e.ctx, sofortPIParams(1500, cus.ID))
	if err != nil {
		t.Fatal(err)
	}
	pi0 := pi
	back := sofortDecide(t, pi.NextAction.RedirectToURL.URL, false)
	if back.Query().Get("redirect_status") != "failed" || back.Query().Get("payment_intent") != pi.ID {
		t.Errorf("returned to %s", back)
	}
	pi = piWait(t, e.acct, pi.ID, "requires_payment_method")
	le := pi.LastPaymentError
	if le == nil || le.Code != "payment_intent_authentication_failure" || le.PaymentMethod == nil || le.PaymentMethod.Type != "sofort" ||
		pi.PaymentMethod != nil || pi.NextAction != nil || pi.LatestCharge != nil {
		t.Errorf("failed: %+v", le)
	}
	e.event("payment_intent.payment_failed", pi.ID)
	// The page now tells what happened instead of asking again.
	resp, err := http.Get(pi0.NextAction.RedirectToURL.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "This test payment failed") || strings.Contains(string(body), "Authorize test payment") {
		t.Errorf("page after the failure: %d %s", resp.StatusCode, body)
	}

	// Paying again by SEPA Direct Debit succeeds.
	cp := &stripe.PaymentIntentConfirmParams{PaymentMethod: stripe.String("pm_success_de"), PaymentMethodTypes: []*string{stripe.String("sepa_debit")},
		MandateData: &stripe.PaymentIntentMandateDataParams{CustomerAcceptance: &stripe.PaymentIntentMandateDataCustomerAcceptanceParams{
			Type: stripe.String("offline"), Offline: &stripe.PaymentIntentMandateDataCustomerAcceptanceOfflineParams{}}}}
	pi, err = e.sc.V1PaymentIntents.Confirm(e.ctx, pi.ID, cp)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != "processing" || pi.LastPaymentError != nil {
		t.Errorf("retry by SEPA Direct Debit: %s %+v", pi.Status, pi.LastPaymentError)
	}
	piWait(t, e.acct, pi.ID, "succeeded")
}

// TestSofortSaveSEPADebit pays by Sofort with setup_future_usage=off_session:
// the successful payment generates a SEPA Direct Debit payment method and
// mandate for the customer, named on the charge, which pays later off session.
func TestSofortSaveSEPADebit(t *testing.T) {
	e := newEnv(t, payments)
	clk, cus := clockCustomer(t, e.acct)
	p := sofortPIParams(3000, cus.ID)
	p.SetupFutureUsage = stripe.String("off_session")
	pi, err := e.sc.V1PaymentIntents.Create(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if pi.SetupFutureUsage != "off_session" {
		t.Errorf("setup_future_usage = %q", pi.SetupFutureUsage)
	}
	sofortDecide(t, pi.NextAction.RedirectToURL.URL, true)
	advance(t, e.acct, clk, time.Unix(intentsT0+180, 0))
	pi = piWait(t, e.acct, pi.ID, "succeeded", "latest_charge")
	so := pi.LatestCharge.PaymentMethodDetails.Sofort
	if so.GeneratedSEPADebit == nil || so.GeneratedSEPADebitMandate == nil {
		t.Fatalf("charge sofort details: %+v", so)
	}
	gpm, err := e.sc.V1PaymentMethods.Retrieve(e.ctx, so.GeneratedSEPADebit.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gpm.Type != "sepa_debit" || gpm.Customer == nil || gpm.Customer.ID != cus.ID || gpm.SEPADebit.GeneratedFrom == nil ||
		gpm.SEPADebit.GeneratedFrom.Charge == nil || gpm.SEPADebit.GeneratedFrom.Charge.ID != pi.LatestCharge.ID ||
		gpm.BillingDetails.Name != "Max Mustermann" || gpm.SEPADebit.Country != "DE" {
		t.Errorf("generated payment method: %+v %+v", gpm, gpm.SEPADebit)
	}
	m, err := e.sc.V1Mandates.Retrieve(e.ctx, so.GeneratedSEPADebitMandate.ID, nil)
	if err != nil || m.Type != "multi_use" || m.Status != "active" || m.PaymentMethod.ID != gpm.ID {
		t.Errorf("generated mandate: %v %+v", err, m)
	}
	e.event("payment_method.attached", gpm.ID)

	// The charge, expanded two levels, names the generated payment method.
	cp := &stripe.ChargeRetrieveParams{}
	cp.AddExpand("payment_method_details.sofort.generated_sepa_debit")
	ch, err := e.sc.V1Charges.Retrieve(e.ctx, pi.LatestCharge.ID, cp)
	if err != nil {
		t.Fatal(err)
	}
	if g := ch.PaymentMethodDetails.Sofort.GeneratedSEPADebit; g == nil || g.Type != "sepa_debit" || g.SEPADebit == nil {
		t.Errorf("expanded generated_sepa_debit: %+v", g)
	}

	later, err := e.sc.V1PaymentIntents.Create(e.ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(3000), Currency: stripe.String("eur"),
		Customer: stripe.String(cus.ID), PaymentMethod: stripe.String(gpm.ID), Confirm: stripe.Bool(true), OffSession: stripe.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if later.Status != "processing" {
		t.Fatalf("off-session payment: %s", later.Status)
	}
	advance(t, e.acct, clk, time.Unix(intentsT0+240, 0))
	piWait(t, e.acct, later.ID, "succeeded")

	// Sofort cannot be confirmed off session: each payment needs the payer.
	bad := sofortPIParams(1000, cus.ID)
	bad.OffSession = stripe.Bool(true)
	_, err = e.sc.V1PaymentIntents.Create(e.ctx, bad)
	invalid(t, err, "payment_intent_invalid_parameter", "off_session")
}

// TestSofortSetupIntent sets SEPA Direct Debit up through Sofort without
// Checkout: the payer authorises 1 EUR, which is refunded, and the
// SetupAttempt names the generated SEPA Direct Debit payment method.
func TestSofortSetupIntent(t *testing.T) {
	e := newEnv(t, payments)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("erika@example.com")})
	sp := &stripe.SetupIntentCreateParams{Customer: stripe.String(cus.ID), PaymentMethodTypes: []*string{stripe.String("sofort")},
		Confirm: stripe.Bool(true), ReturnURL: stripe.String("https://shop.example/setup-done"),
		PaymentMethodData: &stripe.SetupIntentCreatePaymentMethodDataParams{Type: stripe.String("sofort"),
			Sofort: &stripe.SetupIntentCreatePaymentMethodDataSofortParams{Country: stripe.String("NL")},
			BillingDetails: &stripe.SetupIntentCreatePaymentMethodDataBillingDetailsParams{Name: stripe.String("Erika Mustermann"),
				Email: stripe.String("erika@example.com")}},
	}
	// No API version has Sofort options on SetupIntents.
	apiErr(t, e.post("/v1/setup_intents", url.Values{"payment_method_types[]": {"sofort"}, "payment_method_options[sofort][preferred_language]": {"nl"}}),
		http.StatusBadRequest, "parameter_unknown", "payment_method_options[sofort]")
	si, err := e.sc.V1SetupIntents.Create(e.ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if si.Status != "requires_action" || si.NextAction == nil || si.NextAction.RedirectToURL == nil {
		t.Fatalf("confirmed: %s %+v", si.Status, si.NextAction)
	}
	e.event("setup_intent.requires_action", si.ID)
	resp, err := http.Get(si.NextAction.RedirectToURL.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "€ 1.00") || !strings.Contains(string(body), "Netherlands (NL)") {
		t.Errorf("the page does not ask for the 1 EUR verification payment")
	}
	back := sofortDecide(t, si.NextAction.RedirectToURL.URL, true)
	if q := back.Query(); q.Get("setup_intent") != si.ID || q.Get("setup_intent_client_secret") != si.ClientSecret || q.Get("redirect_status") != "succeeded" {
		t.Errorf("returned to %s", back)
	}
	rp := &stripe.SetupIntentRetrieveParams{}
	rp.AddExpand("latest_attempt")
	si, err = e.sc.V1SetupIntents.Retrieve(e.ctx, si.ID, rp)
	if err != nil {
		t.Fatal(err)
	}
	att := si.LatestAttempt
	if si.Status != "succeeded" || att == nil || att.Status != "succeeded" || att.PaymentMethodDetails.Type != "sofort" || att.PaymentMethodDetails.Sofort == nil {
		t.Fatalf("succeeded: %s %+v", si.Status, att)
	}
	so := att.PaymentMethodDetails.Sofort
	if so.GeneratedSEPADebit == nil || so.GeneratedSEPADebitMandate == nil || so.BankCode == "" || so.BIC == "" || so.BankName == "" ||
		so.IBANLast4 == "" || so.VerifiedName != "Erika Mustermann" {
		t.Errorf("attempt sofort details: %+v", so)
	}
	if si.Mandate == nil || si.Mandate.ID != so.GeneratedSEPADebitMandate.ID {
		t.Errorf("mandate %+v, want %s", si.Mandate, so.GeneratedSEPADebitMandate.ID)
	}
	gpm, err := e.sc.V1PaymentMethods.Retrieve(e.ctx, so.GeneratedSEPADebit.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gpm.Customer == nil || gpm.Customer.ID != cus.ID || gpm.SEPADebit.GeneratedFrom.SetupAttempt == nil ||
		gpm.SEPADebit.GeneratedFrom.SetupAttempt.ID != att.ID || gpm.SEPADebit.Last4 != so.IBANLast4 {
		t.Errorf("generated payment method: %+v", gpm.SEPADebit)
	}
	e.event("setup_intent.succeeded", si.ID)
	e.event("payment_method.attached", gpm.ID)
	e.event("mandate.updated", si.Mandate.ID)

	// The 1 EUR verification payment was refunded.
	var charges []*stripe.Charge
	for c, err := range e.sc.V1Charges.List(e.ctx, &stripe.ChargeListParams{Customer: stripe.String(cus.ID)}).All(e.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		charges = append(charges, c)
	}
	if len(charges) != 1 || charges[0].Amount != 100 || charges[0].AmountRefunded != 100 || charges[0].PaymentMethodDetails.Sofort == nil {
		t.Errorf("verification charges: %+v", charges)
	}
}

// TestSofortSetupIntentFails presses "Fail test payment" on a Sofort
// SetupIntent's page.
func TestSofortSetupIntentFails(t *testing.T) {
	e := newEnv(t, payments)
	cus := mustCustomer(t, e.acct, nil)
	si, err := e.sc.V1SetupIntents.Create(e.ctx, &stripe.SetupIntentCreateParams{Customer: stripe.String(cus.ID),
		PaymentMethodTypes: []*string{stripe.String("sofort")}, Confirm: stripe.Bool(true), ReturnURL: stripe.String("https://shop.example/setup"),
		PaymentMethodData: &stripe.SetupIntentCreatePaymentMethodDataParams{Type: stripe.String("sofort"),
			Sofort: &stripe.SetupIntentCreatePaymentMethodDataSofortParams{Country: stripe.String("AT")}}})
	if err != nil {
		t.Fatal(err)
	}
	back := sofortDecide(t, si.NextAction.RedirectToURL.URL, false)
	if back.Query().Get("redirect_status") != "failed" {
		t.Errorf("returned to %s", back)
	}
	rp := &stripe.SetupIntentRetrieveParams{}
	rp.AddExpand("latest_attempt")
	si, err = e.sc.V1SetupIntents.Retrieve(e.ctx, si.ID, rp)
	if err != nil {
		t.Fatal(err)
	}
	if si.Status != "requires_payment_method" || si.LastSetupError == nil || si.LastSetupError.Code != "setup_intent_authentication_failure" ||
		si.LatestAttempt.Status != "failed" || si.LatestAttempt.SetupError == nil || si.PaymentMethod != nil {
		t.Errorf("failed: %s %+v %+v", si.Status, si.LastSetupError, si.LatestAttempt)
	}
	e.event("setup_intent.setup_failed", si.ID)
	for pm, err := range e.sc.V1Customers.ListPaymentMethods(e.ctx, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(cus.ID)}).All(e.ctx) {
		t.Errorf("a failed set-up attached %v (%v)", pm.ID, err)
	}
}

// TestSofortGeneratedSEPADebitEmail steers the SEPA debits of a payment
// method generated by Sofort with the documented e-mail test values.
func TestSofortGeneratedSEPADebitEmail(t *testing.T) {
	e := newEnv(t, payments)
	for _, tc := range []struct{ email, status, code string }{
		{"test_1_generatedSepaDebitIntentsFailGermany@example.com", "requires_payment_method", "account_closed"},
		{"generatedSepaDebitIntentsSucceedAustria@example.com", "succeeded", ""},
	} {
		cus := mustCustomer(t, e.acct, nil)
		si, err := e.sc.V1SetupIntents.Create(e.ctx, &stripe.SetupIntentCreateParams{Customer: stripe.String(cus.ID),
			PaymentMethodTypes: []*string{stripe.String("sofort")}, Confirm: stripe.Bool(true), ReturnURL: stripe.String("https://shop.example/s"),
			PaymentMethodData: &stripe.SetupIntentCreatePaymentMethodDataParams{Type: stripe.String("sofort"),
				Sofort: &stripe.SetupIntentCreatePaymentMethodDataSofortParams{Country: stripe.String("DE")},
				BillingDetails: &stripe.SetupIntentCreatePaymentMethodDataBillingDetailsParams{Name: stripe.String("Jenny Rosen"),
					Email: stripe.String(tc.email)}}})
		if err != nil {
			t.Fatal(err)
		}
		sofortDecide(t, si.NextAction.RedirectToURL.URL, true)
		rp := &stripe.SetupIntentRetrieveParams{}
		rp.AddExpand("latest_attempt")
		si, err = e.sc.V1SetupIntents.Retrieve(e.ctx, si.ID, rp)
		if err != nil || si.Status != "succeeded" {
			t.Fatalf("%s: %v %s", tc.email, err, si.Status)
		}
		pi, err := e.sc.V1PaymentIntents.Create(e.ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1000), Currency: stripe.String("eur"),
			Customer: stripe.String(cus.ID), PaymentMethod: stripe.String(si.LatestAttempt.PaymentMethodDetails.Sofort.GeneratedSEPADebit.ID),
			Confirm: stripe.Bool(true), OffSession: stripe.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		pi = piWait(t, e.acct, pi.ID, tc.status)
		if tc.code != "" && (pi.LastPaymentError == nil || string(pi.LastPaymentError.Code) != tc.code) {
			t.Errorf("%s: last_payment_error %+v", tc.email, pi.LastPaymentError)
		}
	}
}
