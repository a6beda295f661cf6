package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// TestSetupIntentSEPADebit sets a SEPA Direct Debit payment method up with a
// mandate, then charges it off session without mandate_data.
func TestSetupIntentSEPADebit(t *testing.T) {
	e := newEnv(t, payments)
	sc, ctx := e.sc, e.ctx
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("setup@example.com")})

	si, err := sc.V1SetupIntents.Create(ctx, &stripe.SetupIntentCreateParams{Customer: stripe.String(cus.ID),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, Description: stripe.String("gym membership"),
		Metadata: map[string]string{"plan": "monthly"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(si.ID, "seti_") || si.Object != "setup_intent" || si.Status != "requires_payment_method" || si.Usage != "off_session" ||
		!strings.HasPrefix(si.ClientSecret, si.ID+"_secret_") || si.Customer.ID != cus.ID || si.LatestAttempt != nil || si.Mandate != nil ||
		!slices.Equal(si.PaymentMethodTypes, []string{"sepa_debit"}) || si.Description != "gym membership" {
		t.Errorf("created: %+v", si)
	}
	e.event("setup_intent.created", si.ID)

	// Without mandate_data a SEPA Direct Debit cannot be set up, and nothing changes.
	_, err = sc.V1SetupIntents.Confirm(ctx, si.ID, &stripe.SetupIntentConfirmParams{PaymentMethod: stripe.String("pm_success_fr")})
	invalid(t, err, "parameter_missing", "mandate_data")
	if again, _ := sc.V1SetupIntents.Retrieve(ctx, si.ID, nil); again.Status != "requires_payment_method" || again.PaymentMethod != nil {
		t.Errorf("a refused confirmation changed the intent: %s %+v", again.Status, again.PaymentMethod)
	}

	cp := &stripe.SetupIntentConfirmParams{
		PaymentMethodData: &stripe.SetupIntentConfirmPaymentMethodDataParams{Type: stripe.String("sepa_debit"),
			SEPADebit: &stripe.SetupIntentConfirmPaymentMethodDataSEPADebitParams{IBAN: stripe.String("FR1420041010050500013M02606")},
			BillingDetails: &stripe.SetupIntentConfirmPaymentMethodDataBillingDetailsParams{Name: stripe.String("Jean Dupont"),
				Email: stripe.String("jean@example.com")}},
		MandateData: &stripe.SetupIntentMandateDataParams{CustomerAcceptance: &stripe.SetupIntentMandateDataCustomerAcceptanceParams{
			Type: stripe.MandateCustomerAcceptanceTypeOffline, AcceptedAt: stripe.Int64(1767225600), Offline: &stripe.SetupIntentMandateDataCustomerAcceptanceOfflineParams{}}},
	}
	cp.AddExpand("latest_attempt")
	cp.AddExpand("mandate")
	si, err = sc.V1SetupIntents.Confirm(ctx, si.ID, cp)
	if err != nil {
		t.Fatal(err)
	}
	if si.Status != "succeeded" || si.PaymentMethod == nil || si.Mandate == nil || si.LatestAttempt == nil {
		t.Fatalf("confirmed: %+v", si)
	}
	att := si.LatestAttempt
	if !strings.HasPrefix(att.ID, "setatt_") || att.Status != "succeeded" || att.SetupIntent.ID != si.ID || att.PaymentMethod.ID != si.PaymentMethod.ID ||
		att.PaymentMethodDetails == nil || att.PaymentMethodDetails.Type != "sepa_debit" || att.Usage != "off_session" {
		t.Errorf("latest_attempt: %+v", att)
	}
	m := si.Mandate
	if m.Type != "multi_use" || m.MultiUse == nil || m.Status != "active" || m.CustomerAcceptance.Type != "offline" ||
		m.CustomerAcceptance.AcceptedAt != 1767225600 || m.CustomerAcceptance.Offline == nil || m.PaymentMethod.ID != si.PaymentMethod.ID {
		t.Errorf("mandate: %+v %+v", m, m.CustomerAcceptance)
	}
	e.event("setup_intent.succeeded", si.ID)
	e.event("mandate.updated", m.ID)
	ev := e.event("payment_method.attached", si.PaymentMethod.ID)
	if ev.Data.Object["customer"] != cus.ID {
		t.Errorf("attached to %v", ev.Data.Object["customer"])
	}

	var atts []string
	for a, err := range sc.V1SetupAttempts.List(ctx, &stripe.SetupAttemptListParams{SetupIntent: stripe.String(si.ID)}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		atts = append(atts, a.ID)
	}
	if !slices.Equal(atts, []string{att.ID}) {
		t.Errorf("setup attempts = %v", atts)
	}
	_, err = sc.V1SetupIntents.Cancel(ctx, si.ID, nil)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "setup_intent_unexpected_state")

	// The set-up payment method is charged later, off session, under its mandate.
	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(4900), Currency: stripe.String("eur"),
		Customer: stripe.String(cus.ID), PaymentMethod: stripe.String(si.PaymentMethod.ID), PaymentMethodTypes: []*string{stripe.String("sepa_debit")},
		Confirm: stripe.Bool(true), OffSession: stripe.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != "processing" {
		t.Fatalf("off-session payment: %s", pi.Status)
	}
	pi = piWait(t, e.acct, pi.ID, "succeeded", "latest_charge")
	if pi.LatestCharge.PaymentMethodDetails.SEPADebit.Mandate != m.ID {
		t.Errorf("charged under mandate %q, want %q", pi.LatestCharge.PaymentMethodDetails.SEPADebit.Mandate, m.ID)
	}

	// Detaching the payment method ends its mandate.
	if _, err := sc.V1PaymentMethods.Detach(ctx, si.PaymentMethod.ID, nil); err != nil {
		t.Fatal(err)
	}
	if m, _ = sc.V1Mandates.Retrieve(ctx, m.ID, nil); m.Status != "inactive" {
		t.Errorf("mandate after detach: %s", m.Status)
	}
}

// TestSetupIntentLifecycle covers cancel, the publishable key with the
// client secret, list filters and bad input.
func TestSetupIntentLifecycle(t *testing.T) {
	e := newEnv(t, payments)
	sc, ctx := e.sc, e.ctx
	cus := mustCustomer(t, e.acct, nil)
	si, err := sc.V1SetupIntents.Create(ctx, &stripe.SetupIntentCreateParams{Customer: stripe.String(cus.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(si.PaymentMethodTypes, []string{"sepa_debit", "sofort"}) {
		t.Errorf("default types = %v", si.PaymentMethodTypes)
	}
	pk := e.srv.NewClient(e.acct.PublishableKey)
	if _, err := pk.V1SetupIntents.Retrieve(ctx, si.ID, &stripe.SetupIntentRetrieveParams{ClientSecret: stripe.String("seti_nope_secret_x")}); err == nil {
		t.Errorf("retrieve with a wrong client secret succeeded")
	}
	if got, err := pk.V1SetupIntents.Retrieve(ctx, si.ID, &stripe.SetupIntentRetrieveParams{ClientSecret: stripe.String(si.ClientSecret)}); err != nil || got.ID != si.ID {
		t.Errorf("retrieve with the client secret: %v", err)
	}
	_, err = sc.V1SetupIntents.Create(ctx, &stripe.SetupIntentCreateParams{Usage: stripe.String("sometimes")})
	invalid(t, err, "parameter_invalid_enum", "usage")
	_, err = sc.V1SetupIntents.Create(ctx, &stripe.SetupIntentCreateParams{PaymentMethodTypes: []*string{stripe.String("card")}})
	invalid(t, err, "payment_intent_invalid_parameter", "payment_method_types[0]")
	resp := e.acct.Do(t, "GET", "/v1/setup_attempts", "", nil)
	if er := resp.Error(t); er["code"] != "parameter_missing" || er["param"] != "setup_intent" {
		t.Errorf("setup_attempts without setup_intent: %v", er)
	}

	si, err = sc.V1SetupIntents.Cancel(ctx, si.ID, &stripe.SetupIntentCancelParams{CancellationReason: stripe.String("abandoned")})
	if err != nil {
		t.Fatal(err)
	}
	if si.Status != "canceled" || si.CancellationReason != "abandoned" {
		t.Errorf("canceled: %s %s", si.Status, si.CancellationReason)
	}
	e.event("setup_intent.canceled", si.ID)
	var ids []string
	for s, err := range sc.V1SetupIntents.List(ctx, &stripe.SetupIntentListParams{Customer: stripe.String(cus.ID)}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{si.ID}) {
		t.Errorf("list by customer = %v", ids)
	}
}
