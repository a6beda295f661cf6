package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestSofortSourceCreate covers POST /v1/sources for type=sofort: every
// parameter, the object's shape, and retrieval with the publishable key.
func TestSofortSourceCreate(t *testing.T) {
	e := newEnv(t, payments)
	p := sofortParams(1099)
	p.StatementDescriptor = stripe.String("ORDER AT11990")
	p.Owner = &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen"), Email: stripe.String("jenny@example.com"),
		Phone: stripe.String("+4930123"), Address: &stripe.AddressParams{City: stripe.String("Berlin"), Country: stripe.String("DE")}}
	p.Metadata = map[string]string{"order": "42"}
	p.Usage = stripe.String("single_use")
	p.Flow = stripe.String("redirect")
	p.AddExtra("sofort[preferred_language]", "de")
	s := e.createSource(p)

	hasPrefix(t, "source", s.ID, "src_")
	hasPrefix(t, "client secret", s.ClientSecret, "src_client_secret_")
	if s.Object != "source" || s.Type != "sofort" || s.Amount != 1099 || s.Currency != "eur" || s.Flow != "redirect" ||
		s.Usage != "single_use" || s.Status != "pending" || s.Livemode || s.Created == 0 {
		t.Errorf("source = %s", rawJSON(s))
	}
	if s.StatementDescriptor != "ORDER AT11990" || s.Metadata["order"] != "42" || s.Customer != "" {
		t.Errorf("descriptor/metadata/customer: %s", rawJSON(s))
	}
	if o := s.Owner; o == nil || o.Name != "Jenny Rosen" || o.Email != "jenny@example.com" || o.Phone != "+4930123" ||
		o.Address == nil || o.Address.City != "Berlin" || o.VerifiedName != "" {
		t.Errorf("owner = %s", rawJSON(s.Owner))
	}
	so := s.Sofort
	if so == nil || so.Country != "DE" || so.PreferredLanguage != "de" || so.StatementDescriptor != "ORDER AT11990" ||
		so.IBANLast4 != "" || so.BankName != "" {
		t.Errorf("sofort = %s", rawJSON(so))
	}
	r := s.Redirect
	if r == nil || r.ReturnURL != "https://shop.example/return?order=42" || r.Status != "pending" || r.FailureReason != "" {
		t.Fatalf("redirect = %s", rawJSON(r))
	}
	if !strings.HasPrefix(r.URL, e.srv.URL+"/hosted/") || !strings.Contains(r.URL, s.ID) || !strings.Contains(r.URL, s.ClientSecret) {
		t.Errorf("redirect.url = %q: want a hosted page naming the source and its client secret", r.URL)
	}
	if s.Receiver != nil || s.SEPADebit != nil || s.SEPACreditTransfer != nil {
		t.Errorf("hashes of other types present: %s", rawJSON(s))
	}
	// The raw object has exactly Stripe's keys; customer appears only when attached.
	raw := jsonObj(t, e.get("/v1/sources/"+s.ID))
	for _, k := range []string{"id", "object", "allow_redisplay", "amount", "client_secret", "created", "currency", "flow", "livemode",
		"metadata", "owner", "redirect", "sofort", "statement_descriptor", "status", "type", "usage"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("source lacks %q", k)
		}
	}
	if _, ok := raw["customer"]; ok {
		t.Errorf("unattached source has a customer key")
	}
	owner := raw["owner"].(map[string]any)
	for _, k := range []string{"address", "email", "name", "phone", "verified_address", "verified_email", "verified_name", "verified_phone"} {
		if _, ok := owner[k]; !ok {
			t.Errorf("owner lacks %q", k)
		}
	}
	sof := raw["sofort"].(map[string]any)
	for _, k := range []string{"bank_code", "bank_name", "bic", "country", "iban_last4", "preferred_language", "statement_descriptor"} {
		if _, ok := sof[k]; !ok {
			t.Errorf("sofort lacks %q", k)
		}
	}
	// No API version has source.sofort.verified_name: the verified name is the owner's.
	if _, ok := sof["verified_name"]; ok {
		t.Errorf("sofort has verified_name: %v", sof)
	}

	// An app URI scheme is a valid return URL (mobile apps).
	app := sofortParams(100)
	app.Redirect.ReturnURL = stripe.String("myapp://payments/done")
	if s := e.createSource(app); s.Redirect.ReturnURL != "myapp://payments/done" || s.Amount != 100 {
		t.Errorf("app return url: %s", rawJSON(s.Redirect))
	}
	// Every Sofort country and language is accepted; the country is upper-cased.
	for _, c := range []string{"AT", "BE", "DE", "IT", "NL", "ES", "nl"} {
		for _, l := range []string{"de", "en", "es", "it", "fr", "nl", "pl"} {
			p := sofortParams(100)
			p.Params.Extra = nil
			p.AddExtra("sofort[country]", c)
			p.AddExtra("sofort[preferred_language]", l)
			s := e.createSource(p)
			if s.Sofort.Country != strings.ToUpper(c) || s.Sofort.PreferredLanguage != l {
				t.Errorf("country %s language %s: %s", c, l, rawJSON(s.Sofort))
			}
		}
	}

	// Without a statement descriptor the source has none (the account's is used on the page and statement).
	if s := e.createSource(sofortParams(500)); s.StatementDescriptor != "" {
		t.Errorf("default statement_descriptor = %q", s.StatementDescriptor)
	}
}

// TestSofortSourceErrors covers every documented creation error; each
// rejected request changes nothing.
func TestSofortSourceErrors(t *testing.T) {
	e := newEnv(t, payments)
	cases := []struct {
		name  string
		mod   func(p *stripe.SourceCreateParams)
		code  stripe.ErrorCode
		param string
	}{
		{"amount below 1 EUR", func(p *stripe.SourceCreateParams) { p.Amount = stripe.Int64(99) }, "invalid_amount", "amount"},
		{"amount zero", func(p *stripe.SourceCreateParams) { p.Amount = stripe.Int64(0) }, "invalid_amount", "amount"},
		{"no amount", func(p *stripe.SourceCreateParams) { p.Amount = nil }, "parameter_missing", "amount"},
		{"currency not eur", func(p *stripe.SourceCreateParams) { p.Currency = stripe.String("usd") }, "invalid_currency", "currency"},
		{"no currency", func(p *stripe.SourceCreateParams) { p.Currency = nil }, "parameter_missing", "currency"},
		{"country FR", func(p *stripe.SourceCreateParams) { p.Params.Extra = nil; p.AddExtra("sofort[country]", "FR") }, "invalid_sofort_country", "sofort[country]"},
		{"country PL", func(p *stripe.SourceCreateParams) { p.Params.Extra = nil; p.AddExtra("sofort[country]", "PL") }, "invalid_sofort_country", "sofort[country]"},
		{"no country", func(p *stripe.SourceCreateParams) { p.Params.Extra = nil }, "parameter_missing", "sofort[country]"},
		{"language", func(p *stripe.SourceCreateParams) { p.AddExtra("sofort[preferred_language]", "pt") }, "parameter_invalid_enum", "sofort[preferred_language]"},
		{"unknown sofort key", func(p *stripe.SourceCreateParams) { p.AddExtra("sofort[bank]", "x") }, "parameter_unknown", "sofort[bank]"},
		{"no return url", func(p *stripe.SourceCreateParams) { p.Redirect = nil }, "parameter_missing", "redirect[return_url]"},
		{"javascript return url", func(p *stripe.SourceCreateParams) {
			p.Redirect.ReturnURL = stripe.String("javascript:alert(1)")
		}, "url_invalid", "redirect[return_url]"},
		{"relative return url", func(p *stripe.SourceCreateParams) { p.Redirect.ReturnURL = stripe.String("/return") }, "url_invalid", "redirect[return_url]"},
		{"descriptor 36 chars", func(p *stripe.SourceCreateParams) {
			p.StatementDescriptor = stripe.String(strings.Repeat("A", 36))
		}, "invalid_statement_descriptor", "statement_descriptor"},
		{"reusable", func(p *stripe.SourceCreateParams) { p.Usage = stripe.String("reusable") }, "invalid_source_usage", "usage"},
		{"flow none", func(p *stripe.SourceCreateParams) { p.Flow = stripe.String("none") }, "parameter_invalid_enum", "flow"},
		{"sepa_debit hash", func(p *stripe.SourceCreateParams) { p.AddExtra("sepa_debit[iban]", "DE89370400440532013000") }, "parameter_unknown", "sepa_debit"},
		{"unknown type", func(p *stripe.SourceCreateParams) { p.Type = stripe.String("ideal") }, "payment_method_not_available", "type"},
	}
	for _, ch := range []string{"/", "(", ")", "{", "}"} {
		cases = append(cases, struct {
			name  string
			mod   func(p *stripe.SourceCreateParams)
			code  stripe.ErrorCode
			param string
		}{"descriptor with " + ch, func(p *stripe.SourceCreateParams) { p.StatementDescriptor = stripe.String("ORDER " + ch + " 1") },
			"invalid_statement_descriptor", "statement_descriptor"})
	}
	for _, c := range cases {
		e.unchanged(func() {
			p := sofortParams(1099)
			c.mod(p)
			_, err := e.sc.V1Sources.Create(e.ctx, p)
			if err == nil {
				t.Errorf("%s: accepted", c.name)
				return
			}
			invalid(t, err, c.code, c.param)
		})
	}
	// The limits themselves are accepted: 100 cents and 35 characters.
	p := sofortParams(100)
	p.StatementDescriptor = stripe.String(strings.Repeat("B", 35))
	if s := e.createSource(p); s.Amount != 100 || len(s.StatementDescriptor) != 35 {
		t.Errorf("limits: %s", rawJSON(s))
	}
}

// TestSourcePublishableKey creates a source with the publishable key, as
// Stripe.js does, and retrieves it only together with its client secret.
func TestSourcePublishableKey(t *testing.T) {
	e := newEnv(t, payments)
	pk := e.srv.NewClient(e.acct.PublishableKey)
	s, err := pk.V1Sources.Create(e.ctx, sofortParams(1099))
	if err != nil {
		t.Fatalf("create with publishable key: %v", err)
	}
	if s.ClientSecret == "" || s.Status != "pending" {
		t.Errorf("source = %s", rawJSON(s))
	}
	got, err := pk.V1Sources.Retrieve(e.ctx, s.ID, &stripe.SourceRetrieveParams{ClientSecret: stripe.String(s.ClientSecret)})
	if err != nil || got.ID != s.ID || got.Redirect.URL != s.Redirect.URL {
		t.Fatalf("retrieve with client secret: %v %s", err, rawJSON(got))
	}
	_, err = pk.V1Sources.Retrieve(e.ctx, s.ID, &stripe.SourceRetrieveParams{ClientSecret: stripe.String("src_client_secret_wrong")})
	se := stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	if strings.Contains(se.Msg, "secret") {
		t.Errorf("a wrong secret answers like an unknown source, got %q", se.Msg)
	}
	_, err = pk.V1Sources.Retrieve(e.ctx, s.ID, nil)
	invalid(t, err, "parameter_missing", "client_secret")
	// SEPA Direct Debit sources too (the IBAN never touches the merchant's server).
	sd, err := pk.V1Sources.Create(e.ctx, sepaDebitParams("DE89370400440532013000", "Jenny Rosen"))
	if err != nil || sd.Status != "chargeable" {
		t.Fatalf("sepa_debit with publishable key: %v %s", err, rawJSON(sd))
	}
	// Everything else needs the secret key.
	_, err = pk.V1Sources.Update(e.ctx, s.ID, &stripe.SourceUpdateParams{Metadata: map[string]string{"a": "b"}})
	stripeErr(t, err, http.StatusUnauthorized, stripe.ErrorTypeInvalidRequest, "secret_key_required")
	_, err = pk.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"), Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(sd.ID)}})
	stripeErr(t, err, http.StatusUnauthorized, stripe.ErrorTypeInvalidRequest, "secret_key_required")
	// The secret key needs no client secret.
	if got := e.source(s.ID); got.ID != s.ID {
		t.Errorf("secret key retrieve: %s", rawJSON(got))
	}
	// Another account's publishable key sees nothing.
	other := e.srv.NewAccount(t)
	mustCustomer(t, other, nil) // the first use of its secret key provisions the account
	_, err = e.srv.NewClient(other.PublishableKey).V1Sources.Retrieve(e.ctx, s.ID, &stripe.SourceRetrieveParams{ClientSecret: stripe.String(s.ClientSecret)})
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
}

// TestSofortChargeableEmail: owner[email] xxx_chargeable@example.com makes
// the source chargeable by itself within seconds (default sandbox timing).
func TestSofortChargeableEmail(t *testing.T) {
	// The wall clock is frozen: "within seconds" is the sandbox delay of the
	// server's clock, which the test moves on by exactly that much.
	const delay = 2 * time.Second
	e := newEnv(t, envOptions{FrozenWall: true, Profile: kontortest.Profile{SandboxDelay: delay}, Webhooks: true})
	// Other e-mail addresses do nothing by themselves. They are created
	// first: timers fire in due order, so once the test value's source has
	// moved, theirs would have too.
	p := sofortParams(1099)
	p.Owner = &stripe.SourceCreateOwnerParams{Email: stripe.String("chargeable@example.com")}
	other := e.createSource(p)
	p = sofortParams(1099)
	p.Owner = &stripe.SourceCreateOwnerParams{Email: stripe.String("x_chargeable@example.org")}
	other2 := e.createSource(p)

	p = sofortParams(1099)
	p.Owner = &stripe.SourceCreateOwnerParams{Email: stripe.String("order42_chargeable@example.com")}
	s := e.createSource(p)
	if s.Status != "pending" {
		t.Fatalf("status = %s, want pending at first", s.Status)
	}
	if got := e.source(s.ID); got.Status != "pending" {
		t.Fatalf("status = %s before the clock moved, want pending", got.Status)
	}
	e.wall.Advance(delay)
	ev := e.event("source.chargeable", s.ID)
	if ev.Data.Object["status"] != "chargeable" || ev.Data.PreviousAttributes["status"] != "pending" {
		t.Errorf("source.chargeable data = %v previous %v", ev.Data.Object, ev.Data.PreviousAttributes)
	}
	got := e.source(s.ID)
	if got.Status != "chargeable" || got.Redirect.Status != "succeeded" || got.Sofort.IBANLast4 != "3000" ||
		got.Sofort.BankName == "" || got.Sofort.BIC == "" || got.Sofort.BankCode == "" ||
		got.Owner.VerifiedName == "" {
		t.Errorf("authorised source = %s", rawJSON(got))
	}
	for _, id := range []string{other.ID, other2.ID} {
		if st := e.source(id).Status; st != "pending" {
			t.Errorf("%s status = %s, want pending", id, st)
		}
	}
	e.wantEvents(s.ID, "source.chargeable")
}

// TestSofortCharges covers charging Sofort sources: owner[name]
// succeeding_charge / failing_charge, the single use, and the charge's shape.
func TestSofortCharges(t *testing.T) {
	e := newEnv(t, payments)
	e.setAccount(url.Values{"statement_descriptor": {"KONTOR SHOP"}})

	s := e.chargeableSofort(1099, "succeeding_charge", "")
	if s.Status != "chargeable" {
		t.Fatalf("status = %s", s.Status)
	}
	e.event("source.chargeable", s.ID)
	p := &stripe.ChargeCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"), Description: stripe.String("Order 42"),
		StatementDescriptor: stripe.String("IGNORED ON SOFORT"), Metadata: map[string]string{"order": "42"},
		ReceiptEmail: stripe.String("jenny@example.com")}
	p.SetSource(s.ID)
	ch, err := e.sc.V1Charges.Create(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	hasPrefix(t, "charge", ch.ID, "py_")
	if ch.Status != "pending" || ch.Paid || !ch.Captured || ch.Amount != 1099 || ch.AmountCaptured != 1099 || ch.Currency != "eur" ||
		ch.Description != "Order 42" || ch.Metadata["order"] != "42" || ch.ReceiptEmail != "jenny@example.com" || ch.Refunded ||
		ch.AmountRefunded != 0 || ch.Disputed || ch.BalanceTransaction != nil || ch.FailureCode != "" {
		t.Errorf("pending charge = %s", rawJSON(ch))
	}
	// The charge's descriptor has no effect on Sofort: the source's (here the account's) is used.
	if ch.CalculatedStatementDescriptor != "KONTOR SHOP" || ch.StatementDescriptor != "" {
		t.Errorf("descriptor = %q / calculated %q, want the account's", ch.StatementDescriptor, ch.CalculatedStatementDescriptor)
	}
	if ch.Source == nil || ch.Source.ID != s.ID || ch.Source.Type != stripe.PaymentSourceTypeSource || ch.Source.Source == nil ||
		ch.Source.Source.Status != "consumed" || ch.PaymentMethod != s.ID {
		t.Errorf("source on charge = %s", rawJSON(ch.Source))
	}
	pmd := ch.PaymentMethodDetails
	if pmd == nil || pmd.Type != "sofort" || pmd.Sofort == nil || pmd.Sofort.Country != "DE" || pmd.Sofort.IBANLast4 != "3000" ||
		pmd.Sofort.BankName == "" || pmd.Sofort.BIC == "" || pmd.Sofort.VerifiedName == "" {
		t.Errorf("payment_method_details = %s", rawJSON(pmd))
	}
	if o := ch.Outcome; o == nil || o.Type != "authorized" || o.NetworkStatus != "approved_by_network" || o.RiskLevel != "not_assessed" {
		t.Errorf("outcome = %s", rawJSON(ch.Outcome))
	}
	if bd := ch.BillingDetails; bd == nil || bd.Name != "succeeding_charge" {
		t.Errorf("billing_details = %s", rawJSON(bd))
	}
	e.event("charge.pending", ch.ID)
	succ := e.event("charge.succeeded", ch.ID)
	if succ.Data.PreviousAttributes["status"] != "pending" {
		t.Errorf("charge.succeeded previous_attributes = %v", succ.Data.PreviousAttributes)
	}
	got := e.getCharge(ch.ID, "balance_transaction")
	if got.Status != "succeeded" || !got.Paid || got.BalanceTransaction == nil || got.BalanceTransaction.Amount != 1099 ||
		got.BalanceTransaction.Type != "payment" || got.BalanceTransaction.Fee <= 0 {
		t.Errorf("succeeded charge = %s", rawJSON(got))
	}
	e.wantEvents(ch.ID, "charge.pending", "charge.succeeded")

	// A single-use source is consumed: it cannot pay twice.
	if st := e.source(s.ID).Status; st != "consumed" {
		t.Errorf("source status = %s, want consumed", st)
	}
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(s.ID)}})
		invalid(t, err, "invalid_source_usage", "source")
	})

	// failing_charge: pending, then failed with a failure code and message.
	f := e.chargeableSofort(2000, "failing_charge", "")
	fc := e.charge(f.ID, "", 2000)
	e.event("charge.pending", fc.ID)
	ev := e.event("charge.failed", fc.ID)
	if ev.Data.Object["failure_code"] == nil || ev.Data.Object["failure_message"] == nil {
		t.Errorf("charge.failed data = %v", ev.Data.Object)
	}
	fc = e.getCharge(fc.ID)
	if fc.Status != "failed" || fc.Paid || fc.FailureCode == "" || fc.FailureMessage == "" || fc.BalanceTransaction != nil ||
		fc.Outcome.Type != "issuer_declined" || fc.Outcome.NetworkStatus != "declined_by_network" {
		t.Errorf("failed charge = %s", rawJSON(fc))
	}
	// A charge may not exceed what the payer authorised.
	big := e.chargeableSofort(1000, "", "")
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(1001), Currency: stripe.String("eur"),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(big.ID)}})
		invalid(t, err, "amount_too_large", "amount")
	})
	// With no test value, the Sofort payment succeeds.
	plain := e.charge(big.ID, "", 1000)
	e.event("charge.succeeded", plain.ID)
}

// TestSofortSourceExpiry: a pending source is canceled after one hour, a
// chargeable one six hours after it became chargeable; charging a pending,
// failed, canceled or consumed source fails with invalid_source_usage.
func TestSofortSourceExpiry(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	pending := e.sofort(1099, "", clk.ID)
	chargeable := e.chargeableSofort(1099, "", clk.ID)
	failed := e.sofort(1099, "", clk.ID)
	jsonObj(t, e.post("/v1/test_helpers/sources/"+failed.ID+"/fail", nil))

	// Charging a pending or failed source is refused.
	for _, id := range []string{pending.ID, failed.ID} {
		e.unchanged(func() {
			_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"),
				Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(id)}})
			se := invalid(t, err, "invalid_source_usage", "source")
			if !strings.Contains(se.Msg, id) {
				t.Errorf("message does not name the source: %q", se.Msg)
			}
		})
	}

	advance(e.t, e.acct, clk.ID, t0.Add(59*time.Minute))
	if st := e.source(pending.ID).Status; st != "pending" {
		t.Errorf("after 59 min: %s, want pending", st)
	}
	advance(e.t, e.acct, clk.ID, t0.Add(61*time.Minute))
	got := e.source(pending.ID)
	if got.Status != "canceled" || got.Redirect.Status != "failed" {
		t.Errorf("after 61 min: %s", rawJSON(got))
	}
	ev := e.event("source.canceled", pending.ID)
	if ev.Created != t0.Add(time.Hour).Unix() {
		t.Errorf("source.canceled created %d, want the clock's %d", ev.Created, t0.Add(time.Hour).Unix())
	}
	if st := e.source(chargeable.ID).Status; st != "chargeable" {
		t.Errorf("the chargeable source expired with the pending ones: %s", st)
	}
	advance(e.t, e.acct, clk.ID, t0.Add(5*time.Hour+59*time.Minute))
	if st := e.source(chargeable.ID).Status; st != "chargeable" {
		t.Errorf("after 5 h 59: %s, want chargeable", st)
	}
	advance(e.t, e.acct, clk.ID, t0.Add(6*time.Hour+time.Minute))
	if st := e.source(chargeable.ID).Status; st != "canceled" {
		t.Errorf("after 6 h: %s, want canceled", st)
	}
	e.event("source.canceled", chargeable.ID)
	e.wantEvents(chargeable.ID, "source.chargeable", "source.canceled")
	e.wantEvents(failed.ID, "source.failed")
	// The authorised payment went back to the payer: nothing was booked.
	if bts := e.balanceTxns(nil); len(bts) != 0 {
		t.Errorf("balance transactions after expiry: %d", len(bts))
	}
	// A failed source stays failed.
	if st := e.source(failed.ID).Status; st != "failed" {
		t.Errorf("failed source: %s", st)
	}
	for _, id := range []string{pending.ID, chargeable.ID} {
		e.unchanged(func() {
			_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"),
				Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(id)}})
			invalid(t, err, "invalid_source_usage", "source")
		})
	}
	// A source charged in time is consumed and does not expire.
	used := e.chargeableSofort(1099, "", clk.ID)
	e.charge(used.ID, "", 1099)
	advance(e.t, e.acct, clk.ID, t0.Add(13*time.Hour))
	if st := e.source(used.ID).Status; st != "consumed" {
		t.Errorf("charged source: %s, want consumed", st)
	}
}

// TestSofortCutoff: a Sofort payment the payer's bank never confirms fails at
// the 14-day cut-off (Kontor's owner[name] test value pending_charge).
func TestSofortCutoff(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	s := e.chargeableSofort(1099, "pending_charge", clk.ID)
	ch := e.charge(s.ID, "", 1099)
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 0, 13))
	if got := e.getCharge(ch.ID); got.Status != "pending" {
		t.Fatalf("after 13 days: %s, want pending", got.Status)
	}
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 0, 14).Add(time.Minute))
	got := e.getCharge(ch.ID)
	if got.Status != "failed" || got.FailureCode != "payment_not_confirmed" || got.FailureMessage == "" {
		t.Errorf("after the cut-off: %s", rawJSON(got))
	}
	ev := e.event("charge.failed", ch.ID)
	if ev.Created != t0.AddDate(0, 0, 14).Unix() {
		t.Errorf("charge.failed at %d, want the cut-off %d", ev.Created, t0.AddDate(0, 0, 14).Unix())
	}
	if bts := e.balanceTxns(nil); len(bts) != 0 {
		t.Errorf("late or missing funds were booked: %d balance transactions", len(bts))
	}
}
