package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/sepa"
)

var mandateReference = regexp.MustCompile(`^[A-Z0-9]{16}$`)

// TestSepaDebitSource covers POST /v1/sources for type=sepa_debit from an IBAN.
func TestSepaDebitSource(t *testing.T) {
	e := newEnv(t, payments)
	p := sepaDebitParams("DE89 3704 0044 0532 0130 00", "Jenny Rosen")
	p.Owner.Email = stripe.String("jenny@example.com")
	p.Metadata = map[string]string{"customer_ref": "C-1"}
	p.Mandate = &stripe.SourceCreateMandateParams{NotificationMethod: stripe.String("manual"),
		Acceptance: &stripe.SourceCreateMandateAcceptanceParams{Status: stripe.String("accepted"), Type: stripe.String("online"),
			Date: stripe.Int64(1767225600), IP: stripe.String("192.0.2.1"), UserAgent: stripe.String("Mozilla/5.0")}}
	s := e.createSource(p)
	if s.Type != "sepa_debit" || s.Status != "chargeable" || s.Usage != "reusable" || s.Flow != "none" || s.Amount != 0 ||
		s.Currency != "eur" || s.Redirect != nil || s.Sofort != nil || s.Metadata["customer_ref"] != "C-1" {
		t.Errorf("source = %s", rawJSON(s))
	}
	sd := s.SEPADebit
	if sd == nil || sd.BankCode != "37040044" || sd.Country != "DE" || sd.Last4 != "3000" || len(sd.Fingerprint) != 16 ||
		!mandateReference.MatchString(sd.MandateReference) || !strings.HasPrefix(sd.MandateURL, e.srv.URL+"/hosted/") {
		t.Errorf("sepa_debit = %s", rawJSON(sd))
	}
	raw := e.get("/v1/sources/" + s.ID)
	if strings.Contains(string(raw.Body), "370400440532013000") {
		t.Errorf("the source shows the full IBAN: %s", raw.Body)
	}
	sdRaw := jsonObj(t, raw)["sepa_debit"].(map[string]any)
	for _, k := range []string{"bank_code", "branch_code", "country", "fingerprint", "last4", "mandate_reference", "mandate_url"} {
		if _, ok := sdRaw[k]; !ok {
			t.Errorf("sepa_debit lacks %q", k)
		}
	}
	e.event("source.chargeable", s.ID)
	// The mandate page shows the acceptance date given.
	if body := fetchPage(t, http.MethodGet, sd.MandateURL, nil).body; !strings.Contains(body, "1 January 2026") {
		t.Errorf("mandate page lacks the acceptance date")
	}
	// The fingerprint identifies the account: equal for the same IBAN, different otherwise.
	same := e.sepaDebit("DE89370400440532013000", "")
	other := e.sepaDebit("DE62370400440532013001", "")
	if same.SEPADebit.Fingerprint != sd.Fingerprint || other.SEPADebit.Fingerprint == sd.Fingerprint {
		t.Errorf("fingerprints: %s %s %s", sd.Fingerprint, same.SEPADebit.Fingerprint, other.SEPADebit.Fingerprint)
	}
	if same.SEPADebit.MandateReference == sd.MandateReference {
		t.Errorf("two sources share a mandate reference")
	}
	// A British IBAN (SEPA, outside the euro area) is accepted too.
	if gb := e.sepaDebit("GB82WEST12345698765432", ""); gb.SEPADebit.Country != "GB" || gb.SEPADebit.BankCode == "" {
		t.Errorf("GB source: %s", rawJSON(gb.SEPADebit))
	}
}

// TestSepaDebitSourceErrors covers the documented creation errors; none changes anything.
func TestSepaDebitSourceErrors(t *testing.T) {
	e := newEnv(t, payments)
	cases := []struct {
		name  string
		p     func() *stripe.SourceCreateParams
		code  stripe.ErrorCode
		param string
	}{
		{"owner name of two characters", func() *stripe.SourceCreateParams { return sepaDebitParams("DE89370400440532013000", "Jo") }, "invalid_owner_name", "owner[name]"},
		{"owner name of spaces", func() *stripe.SourceCreateParams { return sepaDebitParams("DE89370400440532013000", "   ") }, "invalid_owner_name", "owner[name]"},
		{"no owner", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "x")
			p.Owner = nil
			return p
		}, "invalid_owner_name", "owner[name]"},
		{"bad check digits", func() *stripe.SourceCreateParams { return sepaDebitParams("DE89370400440532013001", "Jenny Rosen") }, "invalid_bank_account_iban", "sepa_debit[iban]"},
		{"garbage", func() *stripe.SourceCreateParams { return sepaDebitParams("NOTANIBAN", "Jenny Rosen") }, "invalid_bank_account_iban", "sepa_debit[iban]"},
		{"wrong length", func() *stripe.SourceCreateParams { return sepaDebitParams("DE8937040044053201300", "Jenny Rosen") }, "invalid_bank_account_iban", "sepa_debit[iban]"},
		{"not a SEPA country", func() *stripe.SourceCreateParams {
			return sepaDebitParams("BR1800360305000010009795493C1", "Jenny Rosen")
		}, "invalid_bank_account_iban", "sepa_debit[iban]"},
		{"no iban", func() *stripe.SourceCreateParams {
			return &stripe.SourceCreateParams{Type: stripe.String("sepa_debit"), Currency: stripe.String("eur"), Owner: &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen")}}
		}, "parameter_missing", "sepa_debit[iban]"},
		{"iban and sofort", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
			p.AddExtra("sepa_debit[sofort]", "src_x")
			return p
		}, "parameters_exclusive", "sepa_debit[sofort]"},
		{"single use", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
			p.Usage = stripe.String("single_use")
			return p
		}, "invalid_source_usage", "usage"},
		{"usd", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
			p.Currency = stripe.String("usd")
			return p
		}, "invalid_currency", "currency"},
		{"redirect", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
			p.Redirect = &stripe.SourceCreateRedirectParams{ReturnURL: stripe.String("https://x.example")}
			return p
		}, "parameter_unknown", "redirect"},
		{"statement descriptor", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
			p.StatementDescriptor = stripe.String("X")
			return p
		}, "parameter_unknown", "statement_descriptor"},
		{"refused mandate", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
			p.Mandate = &stripe.SourceCreateMandateParams{Acceptance: &stripe.SourceCreateMandateAcceptanceParams{Status: stripe.String("refused")}}
			return p
		}, "mandate_not_accepted", "mandate[acceptance][status]"},
		{"unknown key", func() *stripe.SourceCreateParams {
			p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
			p.AddExtra("sepa_debit[bic]", "COBADEFFXXX")
			return p
		}, "parameter_unknown", "sepa_debit[bic]"},
	}
	for _, c := range cases {
		e.unchanged(func() {
			_, err := e.sc.V1Sources.Create(e.ctx, c.p())
			if err == nil {
				t.Errorf("%s: accepted", c.name)
				return
			}
			invalid(t, err, c.code, c.param)
		})
	}
	// Three characters are enough.
	if s := e.createSource(sepaDebitParams("DE89370400440532013000", "Ada")); s.Status != "chargeable" {
		t.Errorf("three-character owner: %s", s.Status)
	}
}

// TestSepaDebitFromSofort follows seed 001: a Sofort payment's bank account
// becomes a reusable SEPA Direct Debit source for recurring payments.
func TestSepaDebitFromSofort(t *testing.T) {
	e := newEnv(t, payments)
	p := sofortParams(1099)
	p.Params.Extra = nil
	p.AddExtra("sofort[country]", "AT")
	p.Owner = &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen")}
	so := e.createSource(p)

	fromSofort := func(id string) (*stripe.Source, error) {
		sp := &stripe.SourceCreateParams{Type: stripe.String("sepa_debit"), Currency: stripe.String("eur"),
			Owner: &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen")}}
		sp.AddExtra("sepa_debit[sofort]", id)
		return e.sc.V1Sources.Create(e.ctx, sp)
	}
	// The Sofort source must have been authorised: a pending one carries no account.
	e.unchanged(func() {
		_, err := fromSofort(so.ID)
		invalid(t, err, "source_not_authorized", "sepa_debit[sofort]")
	})
	e.unchanged(func() {
		_, err := fromSofort("src_doesnotexist")
		stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	})
	sd0 := e.sepaDebit("DE89370400440532013000", "")
	e.unchanged(func() {
		_, err := fromSofort(sd0.ID)
		stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	})
	// The payer authorises on the hosted page; the merchant charges the Sofort source first.
	if res := submitSofortPage(t, e.srv.URL, so.Redirect.URL, "authorize"); res.status != http.StatusSeeOther {
		t.Fatalf("authorize: %d", res.status)
	}
	first := e.charge(so.ID, "", 1099)
	e.event("charge.succeeded", first.ID)
	so = e.source(so.ID)

	sd, err := fromSofort(so.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Status != "chargeable" || sd.Usage != "reusable" || sd.Flow != "none" || sd.SEPADebit.Country != "AT" ||
		sd.SEPADebit.Last4 != so.Sofort.IBANLast4 || sd.SEPADebit.BankCode != "19043" || sd.SEPADebit.MandateReference == "" {
		t.Errorf("sepa_debit from sofort = %s (sofort %s)", rawJSON(sd.SEPADebit), rawJSON(so.Sofort))
	}
	// With the publishable key as well, as Stripe.js does it.
	pk := e.srv.NewClient(e.acct.PublishableKey)
	pp := &stripe.SourceCreateParams{Type: stripe.String("sepa_debit"), Currency: stripe.String("eur"),
		Owner: &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen")}}
	pp.AddExtra("sepa_debit[sofort]", so.ID)
	if s2, err := pk.V1Sources.Create(e.ctx, pp); err != nil || s2.SEPADebit.Last4 != sd.SEPADebit.Last4 {
		t.Errorf("from sofort with the publishable key: %v", err)
	}
	// Attach it to a customer and collect recurring payments without the payer.
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("paying.user@example.com"), Source: stripe.String(sd.ID)})
	if cus.DefaultSource == nil || cus.DefaultSource.ID != sd.ID {
		t.Fatalf("default_source = %v", cus.DefaultSource)
	}
	for i := range 3 {
		ch := e.charge(sd.ID, cus.ID, int64(1000+i))
		hasPrefix(t, "charge", ch.ID, "py_")
		if ch.Status != "pending" || ch.PaymentMethodDetails.Type != "sepa_debit" || ch.Customer == nil || ch.Customer.ID != cus.ID {
			t.Errorf("recurring charge %d = %s", i, rawJSON(ch))
		}
		e.event("charge.succeeded", ch.ID)
	}
	if st := e.source(sd.ID).Status; st != "chargeable" {
		t.Errorf("attached reusable source after charges: %s", st)
	}
}

// TestSepaDebitCharges covers charges on SEPA Direct Debit sources: the
// success and failure test IBANs, the statement descriptor limits, the
// charge's shape and the mandate notifications.
func TestSepaDebitCharges(t *testing.T) {
	e := newEnv(t, payments)
	cid, _ := sepa.NewCreditorID("DE", "ZZZ", "00000012345")
	// The creditor identifier's check digits are validated.
	badCID := string(cid[:2]) + "00" + string(cid[4:])
	r := e.post("/v1/account", url.Values{"creditor_id": {badCID}})
	apiErr(t, r, http.StatusBadRequest, "invalid_creditor_id", "creditor_id")
	if got := jsonObj(t, e.get("/v1/account"))["settings"].(map[string]any)["sepa_debit_payments"].(map[string]any)["creditor_id"]; got == badCID {
		t.Errorf("a bad creditor id was stored")
	}
	e.setAccount(url.Values{"creditor_id": {string(cid)}, "statement_descriptor": {"KONTOR TEST SHOP"}})

	s := e.sepaDebit("DE89370400440532013000", "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	p := &stripe.ChargeCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"), Customer: stripe.String(cus.ID),
		StatementDescriptor: stripe.String(strings.Repeat("D", 22)), Description: stripe.String("Subscription")}
	p.SetSource(s.ID)
	ch, err := e.sc.V1Charges.Create(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	hasPrefix(t, "charge", ch.ID, "py_")
	pmd := ch.PaymentMethodDetails
	if ch.Status != "pending" || pmd == nil || pmd.Type != "sepa_debit" || pmd.SEPADebit == nil || pmd.SEPADebit.BankCode != "37040044" ||
		pmd.SEPADebit.Country != "DE" || pmd.SEPADebit.Last4 != "3000" || pmd.SEPADebit.Fingerprint != s.SEPADebit.Fingerprint ||
		!strings.HasPrefix(pmd.SEPADebit.Mandate, "mandate_") {
		t.Errorf("charge = %s", rawJSON(ch))
	}
	if ch.StatementDescriptor != strings.Repeat("D", 22) || ch.CalculatedStatementDescriptor != strings.Repeat("D", 22) {
		t.Errorf("statement descriptor %q / %q", ch.StatementDescriptor, ch.CalculatedStatementDescriptor)
	}
	rawCharge := jsonObj(t, e.get("/v1/charges/"+ch.ID))
	edd, _ := rawCharge["payment_method_details"].(map[string]any)["sepa_debit"].(map[string]any)["expected_debit_date"].(string)
	if _, err := time.Parse(time.DateOnly, edd); err != nil {
		t.Errorf("expected_debit_date = %q", edd)
	}
	// Stripe's Charge keys are all there.
	for _, k := range []string{"id", "object", "amount", "amount_captured", "amount_refunded", "balance_transaction", "billing_details",
		"calculated_statement_descriptor", "captured", "created", "currency", "customer", "description", "disputed",
		"failure_balance_transaction", "failure_code", "failure_message", "livemode", "metadata", "outcome", "paid", "payment_intent",
		"payment_method", "payment_method_details", "receipt_email", "refunded", "source", "statement_descriptor", "status"} {
		if _, ok := rawCharge[k]; !ok {
			t.Errorf("charge lacks %q", k)
		}
	}
	if _, ok := rawCharge["refunds"]; ok {
		t.Errorf("charge.refunds present without expand")
	}
	e.event("charge.pending", ch.ID)
	e.event("charge.succeeded", ch.ID)

	// The payer was notified of the debit.
	ev := e.event("source.mandate_notification", "")
	mn := ev.Data.Object
	mnID, _ := mn["id"].(string)
	hasPrefix(t, "mandate notification", mnID, "srcmn_")
	sdm, _ := mn["sepa_debit"].(map[string]any)
	src, _ := mn["source"].(map[string]any)
	if mn["object"] != "source_mandate_notification" || mn["reason"] != "debit_initiated" || mn["type"] != "sepa_debit" ||
		mn["amount"] != float64(1099) || sdm["creditor_identifier"] != string(cid) || sdm["last4"] != "3000" ||
		sdm["mandate_reference"] != s.SEPADebit.MandateReference || src["id"] != s.ID || src["object"] != "source" {
		t.Errorf("source.mandate_notification = %v", mn)
	}
	got := jsonObj(t, e.get("/v1/sources/"+s.ID+"/mandate_notifications/"+mnID))
	if got["id"] != mnID || got["status"] == nil || got["livemode"] != false || got["created"] == nil {
		t.Errorf("GET mandate notification = %v", got)
	}
	apiErr(t, e.get("/v1/sources/"+s.ID+"/mandate_notifications/srcmn_nope"), http.StatusNotFound, "resource_missing", "")
	other := e.sepaDebit("DE89370400440532013000", "")
	apiErr(t, e.get("/v1/sources/"+other.ID+"/mandate_notifications/"+mnID), http.StatusNotFound, "resource_missing", "")

	// Statement descriptor limits: 22 characters, none of < > ' ".
	bad := []string{strings.Repeat("E", 23), "A<B", "A>B", "A'B", `A"B`}
	for _, d := range bad {
		e.unchanged(func() {
			p := &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"), Customer: stripe.String(cus.ID),
				StatementDescriptor: stripe.String(d)}
			p.SetSource(s.ID)
			_, err := e.sc.V1Charges.Create(e.ctx, p)
			invalid(t, err, "invalid_statement_descriptor", "statement_descriptor")
		})
	}
	// Without one, the account's descriptor is used.
	plain := e.charge(s.ID, cus.ID, 500)
	if plain.CalculatedStatementDescriptor != "KONTOR TEST SHOP" || plain.StatementDescriptor != "" {
		t.Errorf("default descriptor: %q / %q", plain.StatementDescriptor, plain.CalculatedStatementDescriptor)
	}

	// The failing test IBAN: pending, then failed with a code and a message.
	f := e.sepaDebit("DE62370400440532013001", "")
	fc := e.charge(f.ID, "", 1099)
	e.event("charge.pending", fc.ID)
	e.event("charge.failed", fc.ID)
	fc = e.getCharge(fc.ID)
	if fc.Status != "failed" || fc.FailureCode != "account_closed" || fc.FailureMessage == "" || fc.Paid {
		t.Errorf("failed charge = %s", rawJSON(fc))
	}
	e.wantEvents(fc.ID, "charge.pending", "charge.failed")
	// Charged without being attached, a reusable source is consumed.
	if st := e.source(f.ID).Status; st != "consumed" {
		t.Errorf("unattached source after a charge: %s, want consumed", st)
	}
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(f.ID)}})
		invalid(t, err, "invalid_source_usage", "source")
	})
}
