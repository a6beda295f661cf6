package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

func TestPaymentMethodsCRUD(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	rcv := kontortest.NewReceiver(t)
	endpoint(t, a, rcv, "payment_method.attached", "payment_method.detached", "payment_method.updated")

	pm, err := sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{
		Type:      stripe.String("sepa_debit"),
		SEPADebit: &stripe.PaymentMethodCreateSEPADebitParams{IBAN: stripe.String("DE89 3704 0044 0532 0130 00")},
		BillingDetails: &stripe.PaymentMethodCreateBillingDetailsParams{Name: stripe.String("Jenny Rosen"),
			Email: stripe.String("jenny@example.com"), Address: &stripe.AddressParams{City: stripe.String("Berlin"), Country: stripe.String("DE")}},
		Metadata: map[string]string{"order": "42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pm.ID, "pm_") || pm.Object != "payment_method" || pm.Type != "sepa_debit" || pm.Livemode || pm.Customer != nil {
		t.Errorf("created: %+v", pm)
	}
	sd := pm.SEPADebit
	if sd == nil || sd.BankCode != "37040044" || sd.Country != "DE" || sd.Last4 != "3000" || sd.Fingerprint == "" || sd.GeneratedFrom == nil {
		t.Errorf("sepa_debit: %+v", sd)
	}
	if pm.BillingDetails.Name != "Jenny Rosen" || pm.BillingDetails.Email != "jenny@example.com" || pm.BillingDetails.Address.City != "Berlin" {
		t.Errorf("billing_details: %+v", pm.BillingDetails)
	}
	if pm.AllowRedisplay != "unspecified" || pm.Metadata["order"] != "42" {
		t.Errorf("allow_redisplay %q metadata %v", pm.AllowRedisplay, pm.Metadata)
	}
	raw := string(pm.LastResponse.RawJSON)
	if strings.Contains(raw, "DE89370400440532013000") || strings.Contains(raw, "0532013000") {
		t.Errorf("the full IBAN leaks: %s", raw)
	}
	// The same account number has the same fingerprint.
	pm2, err := sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sepa_debit"),
		SEPADebit: &stripe.PaymentMethodCreateSEPADebitParams{IBAN: stripe.String("DE89370400440532013000")}})
	if err != nil {
		t.Fatal(err)
	}
	if pm2.SEPADebit.Fingerprint != sd.Fingerprint {
		t.Errorf("fingerprints differ for one IBAN")
	}

	so, err := sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sofort"),
		Sofort: &stripe.PaymentMethodCreateSofortParams{Country: stripe.String("AT")}})
	if err != nil {
		t.Fatal(err)
	}
	if so.Type != "sofort" || so.Sofort == nil || so.Sofort.Country != "AT" || so.SEPADebit != nil {
		t.Errorf("sofort: %+v", so)
	}

	got, err := sc.V1PaymentMethods.Retrieve(ctx, pm.ID, nil)
	if err != nil || got.ID != pm.ID || got.SEPADebit.Last4 != "3000" {
		t.Fatalf("retrieve: %v %+v", err, got)
	}
	up, err := sc.V1PaymentMethods.Update(ctx, pm.ID, &stripe.PaymentMethodUpdateParams{
		BillingDetails: &stripe.PaymentMethodUpdateBillingDetailsParams{Name: stripe.String("Jenny R. Rosen")},
		Metadata:       map[string]string{"order": "", "note": "vip"}})
	if err != nil {
		t.Fatal(err)
	}
	if up.BillingDetails.Name != "Jenny R. Rosen" || up.BillingDetails.Email != "jenny@example.com" || up.Metadata["note"] != "vip" || up.Metadata["order"] != "" {
		t.Errorf("update: %+v %v", up.BillingDetails, up.Metadata)
	}
	rcv.WaitEvent(t, "payment_method.updated", pm.ID)

	cus := mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("pm@example.com")})
	att, err := sc.V1PaymentMethods.Attach(ctx, pm.ID, &stripe.PaymentMethodAttachParams{Customer: stripe.String(cus.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if att.Customer == nil || att.Customer.ID != cus.ID {
		t.Errorf("attach: customer %+v", att.Customer)
	}
	ev := rcv.WaitEvent(t, "payment_method.attached", pm.ID)
	if ev.Data.Object["customer"] != cus.ID {
		t.Errorf("payment_method.attached customer = %v", ev.Data.Object["customer"])
	}
	if _, err := sc.V1PaymentMethods.Attach(ctx, so.ID, &stripe.PaymentMethodAttachParams{Customer: stripe.String(cus.ID)}); err != nil {
		t.Fatal(err)
	}
	// Attaching to another customer needs a detach first.
	other := mustCustomer(t, a, nil)
	_, err = sc.V1PaymentMethods.Attach(ctx, pm.ID, &stripe.PaymentMethodAttachParams{Customer: stripe.String(other.ID)})
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "payment_method_already_attached")

	// Lists: by customer, by type, and the customer's own list.
	ids := func(it func(yield func(*stripe.PaymentMethod, error) bool)) []string {
		var out []string
		for m, err := range it {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m.ID)
		}
		return out
	}
	if got := ids(sc.V1PaymentMethods.List(ctx, &stripe.PaymentMethodListParams{Customer: stripe.String(cus.ID)}).All(ctx)); !slices.Equal(got, []string{so.ID, pm.ID}) {
		t.Errorf("list by customer = %v", got)
	}
	if got := ids(sc.V1PaymentMethods.List(ctx, &stripe.PaymentMethodListParams{Customer: stripe.String(cus.ID), Type: stripe.String("sofort")}).All(ctx)); !slices.Equal(got, []string{so.ID}) {
		t.Errorf("list by customer and type = %v", got)
	}
	if got := ids(sc.V1Customers.ListPaymentMethods(ctx, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(cus.ID), Type: stripe.String("sepa_debit")}).All(ctx)); !slices.Equal(got, []string{pm.ID}) {
		t.Errorf("customer payment methods (sepa_debit) = %v", got)
	}
	cpm, err := sc.V1Customers.RetrievePaymentMethod(ctx, pm.ID, &stripe.CustomerRetrievePaymentMethodParams{Customer: stripe.String(cus.ID)})
	if err != nil || cpm.ID != pm.ID {
		t.Errorf("customer payment method: %v %+v", err, cpm)
	}
	_, err = sc.V1Customers.RetrievePaymentMethod(ctx, pm2.ID, &stripe.CustomerRetrievePaymentMethodParams{Customer: stripe.String(cus.ID)})
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")

	det, err := sc.V1PaymentMethods.Detach(ctx, pm.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if det.Customer != nil {
		t.Errorf("detached payment method still has customer %v", det.Customer.ID)
	}
	rcv.WaitEvent(t, "payment_method.detached", pm.ID)
	if got := ids(sc.V1Customers.ListPaymentMethods(ctx, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(cus.ID)}).All(ctx)); !slices.Equal(got, []string{so.ID}) {
		t.Errorf("after detach = %v", got)
	}
	_, err = sc.V1PaymentMethods.Detach(ctx, pm.ID, nil)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "payment_method_unexpected_state")
}

func TestPaymentMethodsBadInput(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	before := eventCount(t, a)

	_, err := sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sepa_debit"),
		SEPADebit: &stripe.PaymentMethodCreateSEPADebitParams{IBAN: stripe.String("DE89370400440532013001")}})
	invalid(t, err, "invalid_bank_account_iban", "sepa_debit[iban]")
	_, err = sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sepa_debit")})
	invalid(t, err, "parameter_missing", "sepa_debit[iban]")
	_, err = sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("card")})
	invalid(t, err, "parameter_invalid_enum", "type")
	_, err = sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sofort"),
		Sofort: &stripe.PaymentMethodCreateSofortParams{Country: stripe.String("FR")}})
	invalid(t, err, "parameter_invalid_enum", "sofort[country]")
	_, err = sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{Type: stripe.String("sofort"),
		SEPADebit: &stripe.PaymentMethodCreateSEPADebitParams{IBAN: stripe.String("DE89370400440532013000")},
		Sofort:    &stripe.PaymentMethodCreateSofortParams{Country: stripe.String("DE")}})
	invalid(t, err, "parameter_unknown", "sepa_debit")
	_, err = sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{})
	invalid(t, err, "parameter_missing", "type")
	_, err = sc.V1PaymentMethods.Retrieve(ctx, "pm_missing", nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
	_, err = sc.V1PaymentMethods.Attach(ctx, "pm_missing", &stripe.PaymentMethodAttachParams{Customer: stripe.String("cus_missing")})
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
	for _, err := range sc.V1Customers.ListPaymentMethods(ctx, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String("cus_missing")}).All(ctx) {
		stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, "resource_missing")
		break
	}
	if got := eventCount(t, a); got != before {
		t.Errorf("bad input changed the account: %d events, want %d", got, before)
	}
	for pm, err := range sc.V1PaymentMethods.List(ctx, nil).All(ctx) {
		t.Errorf("bad input created payment method %v (%v)", pm, err)
	}
}

// TestPaymentMethodTestTokens checks that the documented pm_… tokens work
// wherever a payment method id does, each with its documented behaviour.
func TestPaymentMethodTestTokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	cus := mustCustomer(t, a, nil)
	pm, err := a.Client.V1PaymentMethods.Attach(ctx, "pm_success_at", &stripe.PaymentMethodAttachParams{Customer: stripe.String(cus.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pm.ID, "pm_") || pm.ID == "pm_success_at" || pm.Type != "sepa_debit" || pm.SEPADebit.Country != "AT" || pm.SEPADebit.Last4 != "3201" {
		t.Errorf("pm_success_at: %+v %+v", pm, pm.SEPADebit)
	}
	pi, err := a.Client.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(500), Currency: stripe.String("eur"),
		PaymentMethod: stripe.String("pm_insufficientFunds_nl"), PaymentMethodTypes: []*string{stripe.String("sepa_debit")},
		Confirm: stripe.Bool(true), MandateData: onlineAcceptance()})
	if err != nil {
		t.Fatal(err)
	}
	// NL's insufficient-funds IBAN is also listed as its delayed-success one: the token decides.
	pi = piWait(t, a, pi.ID, "requires_payment_method")
	if pi.LastPaymentError == nil || pi.LastPaymentError.Code != "insufficient_funds" {
		t.Errorf("pm_insufficientFunds_nl: last_payment_error %+v", pi.LastPaymentError)
	}
}
