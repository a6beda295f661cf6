package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
)

// TestChargeRetrieveUpdateList covers GET, POST and list of charges, with
// expansions, filters and paging.
func TestChargeRetrieveUpdateList(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	src := e.sepaDebit("DE89370400440532013000", clk.ID)
	cusA := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(src.ID)})
	a1 := e.charge(src.ID, cusA.ID, 100)
	advance(e.t, e.acct, clk.ID, t0.Add(24*time.Hour))
	a2 := e.charge(src.ID, cusA.ID, 200)
	a3 := e.charge(src.ID, cusA.ID, 300)
	// Every charge lives on the test clock, so that none settles on the wall
	// clock while the checks below compare counts before and after.
	srcB := e.sepaDebit("AT611904300234573201", clk.ID)
	cusB := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(srcB.ID)})
	b1 := e.charge(srcB.ID, cusB.ID, 400)
	loose := e.chargeableSofort(500, "", clk.ID)
	l1 := e.charge(loose.ID, "", 500)

	if a1.Created != t0.Unix() || a2.Created != t0.Add(24*time.Hour).Unix() {
		t.Errorf("created follows the test clock: %d %d", a1.Created, a2.Created)
	}
	if got := e.chargeIDs(nil); !slices.Equal(got, []string{l1.ID, b1.ID, a3.ID, a2.ID, a1.ID}) {
		t.Errorf("all charges = %v", got)
	}
	if got := e.chargeIDs(&stripe.ChargeListParams{Customer: stripe.String(cusA.ID)}); !slices.Equal(got, []string{a3.ID, a2.ID, a1.ID}) {
		t.Errorf("customer A's charges = %v", got)
	}
	if got := e.chargeIDs(&stripe.ChargeListParams{CreatedRange: &stripe.RangeQueryParams{LesserThan: t0.Add(time.Hour).Unix()}}); !slices.Equal(got, []string{a1.ID}) {
		t.Errorf("charges created before t0+1h = %v", got)
	}
	if got := e.chargeIDs(&stripe.ChargeListParams{PaymentIntent: stripe.String("pi_none")}); len(got) != 0 {
		t.Errorf("charges of an unknown payment intent = %v", got)
	}
	page := jsonObj(t, e.get("/v1/charges?customer="+cusA.ID+"&limit=2"))
	data := page["data"].([]any)
	if page["has_more"] != true || len(data) != 2 || data[0].(map[string]any)["id"] != a3.ID || page["url"] != "/v1/charges" {
		t.Errorf("first page = %v", page)
	}
	next := jsonObj(t, e.get("/v1/charges?customer="+cusA.ID+"&limit=2&starting_after="+a2.ID))
	if d := next["data"].([]any); next["has_more"] != false || len(d) != 1 || d[0].(map[string]any)["id"] != a1.ID {
		t.Errorf("second page = %v", next)
	}
	prev := jsonObj(t, e.get("/v1/charges?customer="+cusA.ID+"&limit=2&ending_before="+a1.ID))
	if d := prev["data"].([]any); len(d) != 2 || d[0].(map[string]any)["id"] != a3.ID || d[1].(map[string]any)["id"] != a2.ID {
		t.Errorf("ending_before page = %v", prev)
	}
	apiErr(t, e.get("/v1/charges?starting_after=py_nope"), http.StatusBadRequest, "resource_missing", "starting_after")

	// Expansions.
	got, err := e.sc.V1Charges.Retrieve(e.ctx, a1.ID, &stripe.ChargeRetrieveParams{Expand: []*string{stripe.String("customer"),
		stripe.String("balance_transaction"), stripe.String("refunds")}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Customer == nil || got.Customer.Email != cusA.Email || got.Customer.Object != "customer" || got.BalanceTransaction == nil ||
		got.BalanceTransaction.Source == nil || got.BalanceTransaction.Source.ID != a1.ID || got.Refunds == nil ||
		got.Refunds.URL != "/v1/charges/"+a1.ID+"/refunds" || len(got.Refunds.Data) != 0 {
		t.Errorf("expanded charge = %s", rawJSON(got))
	}

	// Update: description, metadata, receipt_email; charge.updated with previous attributes.
	upd, err := e.sc.V1Charges.Update(e.ctx, a1.ID, &stripe.ChargeUpdateParams{Description: stripe.String("Renewal"),
		Metadata: map[string]string{"invoice": "INV-1", "keep": "1"}, ReceiptEmail: stripe.String("ada@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Description != "Renewal" || upd.Metadata["invoice"] != "INV-1" || upd.ReceiptEmail != "ada@example.com" {
		t.Errorf("updated charge = %s", rawJSON(upd))
	}
	ev := e.event("charge.updated", a1.ID)
	if ev.Data.PreviousAttributes["description"] != nil || ev.Data.PreviousAttributes["receipt_email"] != nil {
		t.Errorf("previous_attributes = %v", ev.Data.PreviousAttributes)
	}
	if _, ok := ev.Data.PreviousAttributes["description"]; !ok {
		t.Errorf("previous_attributes lacks description: %v", ev.Data.PreviousAttributes)
	}
	upd, err = e.sc.V1Charges.Update(e.ctx, a1.ID, &stripe.ChargeUpdateParams{Description: stripe.String(""), Metadata: map[string]string{"invoice": ""}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Description != "" || upd.Metadata["invoice"] != "" || upd.Metadata["keep"] != "1" {
		t.Errorf("cleared charge = %s", rawJSON(upd))
	}
	before := len(e.eventsOf(a1.ID))
	if _, err := e.sc.V1Charges.Update(e.ctx, a1.ID, &stripe.ChargeUpdateParams{Metadata: map[string]string{"keep": "1"}}); err != nil {
		t.Fatal(err)
	}
	if after := len(e.eventsOf(a1.ID)); after != before {
		t.Errorf("an update that changed nothing emitted an event")
	}
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Update(e.ctx, "py_nope", &stripe.ChargeUpdateParams{Description: stripe.String("x")})
		stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	})
	e.unchanged(func() {
		apiErr(t, e.post("/v1/charges/"+a1.ID, url.Values{"amount": {"5"}}), http.StatusBadRequest, "parameter_unknown", "amount")
	})
	_, err = e.sc.V1Charges.Retrieve(e.ctx, "ch_nope", nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	// Another account sees none of them.
	other := e.srv.NewAccount(t)
	_, err = other.Client.V1Charges.Retrieve(e.ctx, a1.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	_, err = other.Client.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
		Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(srcB.ID)}})
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
}

// TestChargeCreateErrors: every rejected charge names its parameter and changes nothing.
func TestChargeCreateErrors(t *testing.T) {
	e := newEnv(t, payments)
	s := e.sepaDebit("DE89370400440532013000", "")
	cases := []struct {
		name   string
		form   url.Values
		status int
		code   string
		param  string
	}{
		{"no amount", url.Values{"currency": {"eur"}, "source": {s.ID}}, 400, "parameter_missing", "amount"},
		{"zero amount", url.Values{"amount": {"0"}, "currency": {"eur"}, "source": {s.ID}}, 400, "invalid_charge_amount", "amount"},
		{"negative amount", url.Values{"amount": {"-5"}, "currency": {"eur"}, "source": {s.ID}}, 400, "invalid_charge_amount", "amount"},
		{"amount not a number", url.Values{"amount": {"ten"}, "currency": {"eur"}, "source": {s.ID}}, 400, "parameter_invalid_integer", "amount"},
		{"no currency", url.Values{"amount": {"100"}, "source": {s.ID}}, 400, "parameter_missing", "currency"},
		{"usd", url.Values{"amount": {"100"}, "currency": {"usd"}, "source": {s.ID}}, 400, "invalid_currency", "currency"},
		{"no source or customer", url.Values{"amount": {"100"}, "currency": {"eur"}}, 400, "parameter_missing", "source"},
		{"unknown source", url.Values{"amount": {"100"}, "currency": {"eur"}, "source": {"src_nope"}}, 400, "resource_missing", "source"},
		{"unknown customer", url.Values{"amount": {"100"}, "currency": {"eur"}, "source": {s.ID}, "customer": {"cus_nope"}}, 400, "resource_missing", "customer"},
		{"capture false", url.Values{"amount": {"100"}, "currency": {"eur"}, "source": {s.ID}, "capture": {"false"}}, 400, "parameter_invalid_boolean", "capture"},
		{"unknown parameter", url.Values{"amount": {"100"}, "currency": {"eur"}, "source": {s.ID}, "application_fee_amount": {"5"}}, 400, "parameter_unknown", "application_fee_amount"},
	}
	for _, c := range cases {
		e.unchanged(func() {
			r := e.post("/v1/charges", c.form)
			if r.Status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, r.Status, c.status, r.Body)
				return
			}
			apiErr(t, r, c.status, c.code, c.param)
		})
	}
	// Currency is case-insensitive, as at Stripe.
	if ch := jsonObj(t, e.post("/v1/charges", url.Values{"amount": {"100"}, "currency": {"EUR"}, "source": {s.ID}})); ch["currency"] != "eur" {
		t.Errorf("currency = %v", ch["currency"])
	}
}

// TestPaymentMethodNotAvailable: a method the account disabled cannot create
// sources, nor charge the sources it has.
func TestSourcePaymentMethodNotAvailable(t *testing.T) {
	e := newEnv(t, payments)
	existing := e.sepaDebit("DE89370400440532013000", "")
	for _, m := range []struct {
		method string
		create func() error
	}{
		{"sofort", func() error { _, err := e.sc.V1Sources.Create(e.ctx, sofortParams(1099)); return err }},
		{"sepa_debit", func() error {
			_, err := e.sc.V1Sources.Create(e.ctx, sepaDebitParams("DE89370400440532013000", "Jenny Rosen"))
			return err
		}},
		{"sepa_credit_transfer", func() error {
			_, err := e.sc.V1Sources.Create(e.ctx, &stripe.SourceCreateParams{Type: stripe.String("sepa_credit_transfer"), Currency: stripe.String("eur"),
				Owner: &stripe.SourceCreateOwnerParams{Email: stripe.String("a@example.com")}})
			return err
		}},
	} {
		e.setAccount(url.Values{"payment_methods[" + m.method + "]": {"false"}})
		acct := jsonObj(t, e.get("/v1/account"))
		if acct["payment_methods_enabled"].(map[string]any)[m.method] != false || acct["capabilities"].(map[string]any)[m.method+"_payments"] != "inactive" {
			t.Errorf("%s: account = %v", m.method, acct["capabilities"])
		}
		e.unchanged(func() { invalid(t, m.create(), "payment_method_not_available", "type") })
		if m.method == "sepa_debit" {
			e.unchanged(func() {
				_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
					Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(existing.ID)}})
				invalid(t, err, "payment_method_not_available", "source")
			})
		}
		e.setAccount(url.Values{"payment_methods[" + m.method + "]": {"true"}})
		if err := m.create(); err != nil {
			t.Errorf("%s after enabling it again: %v", m.method, err)
		}
	}
	// The publishable key gets the same answer.
	e.setAccount(url.Values{"payment_methods[sofort]": {"false"}})
	_, err := e.srv.NewClient(e.acct.PublishableKey).V1Sources.Create(e.ctx, sofortParams(1099))
	invalid(t, err, "payment_method_not_available", "type")
}

// TestChargeIdempotency: the order id as the charge's idempotency key (as
// Stripe's best practices advise) creates one charge however often it is sent.
func TestChargeIdempotency(t *testing.T) {
	e := newEnv(t, payments)
	s := e.sepaDebit("DE89370400440532013000", "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	charge := func(key string, amount int64) (*stripe.Charge, error) {
		p := &stripe.ChargeCreateParams{Amount: stripe.Int64(amount), Currency: stripe.String("eur"), Customer: stripe.String(cus.ID)}
		p.SetIdempotencyKey(key)
		return e.sc.V1Charges.Create(e.ctx, p)
	}
	first, err := charge("order-42", 1000)
	if err != nil {
		t.Fatal(err)
	}
	again, err := charge("order-42", 1000)
	if err != nil || again.ID != first.ID || again.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %v %s %v", err, again.ID, again.LastResponse.Header)
	}
	if ids := e.chargeIDs(nil); len(ids) != 1 {
		t.Errorf("%d charges after a replay", len(ids))
	}
	_, err = charge("order-42", 2000)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeIdempotency, "idempotency_key_reused")
	// A refusal that depends on state is replayed too, even after the state changed.
	so := e.sofort(500, "", "")
	p := &stripe.ChargeCreateParams{Amount: stripe.Int64(500), Currency: stripe.String("eur")}
	p.SetSource(so.ID)
	p.SetIdempotencyKey("order-43")
	_, err = e.sc.V1Charges.Create(e.ctx, p)
	invalid(t, err, "invalid_source_usage", "source")
	jsonObj(t, e.post("/v1/test_helpers/sources/"+so.ID+"/authorize", nil))
	_, err = e.sc.V1Charges.Create(e.ctx, p)
	invalid(t, err, "invalid_source_usage", "source")
	p.SetIdempotencyKey("order-43b")
	if ch, err := e.sc.V1Charges.Create(e.ctx, p); err != nil || ch.Status != "pending" {
		t.Errorf("with a new key: %v", err)
	}
}
