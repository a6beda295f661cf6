package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/server"
)

func TestCkoPaymentValidation(t *testing.T) {
	c := newEnv(t, envOptions{Cko: true}).cko()
	src := c.source(t, ibanPaid, "recurring", nil)
	body := func(f func(b map[string]any)) map[string]any {
		b := map[string]any{"source": map[string]any{"type": "id", "id": src}, "amount": 5600, "currency": "EUR", "reference": "R1"}
		f(b)
		return b
	}
	for _, tc := range []struct {
		name  string
		body  any
		codes []string
	}{
		{"amount missing", body(func(b map[string]any) { delete(b, "amount") }), []string{"amount_required"}},
		{"amount zero", body(func(b map[string]any) { b["amount"] = 0 }), []string{"amount_invalid"}},
		{"amount decimal", body(func(b map[string]any) { b["amount"] = 10.5 }), []string{"amount_invalid"}},
		{"amount string", body(func(b map[string]any) { b["amount"] = "100" }), []string{"amount_invalid"}},
		{"currency", body(func(b map[string]any) { b["currency"] = "USD" }), []string{"currency_invalid"}},
		{"currency missing", body(func(b map[string]any) { delete(b, "currency") }), []string{"currency_required"}},
		{"source missing", body(func(b map[string]any) { delete(b, "source") }), []string{"payment_source_required"}},
		{"source type", body(func(b map[string]any) { b["source"] = map[string]any{"type": "card", "id": src} }), []string{"payment_source_type_invalid"}},
		{"source id missing", body(func(b map[string]any) { b["source"] = map[string]any{"type": "id"} }), []string{"source_id_required"}},
		{"unknown source", body(func(b map[string]any) {
			b["source"] = map[string]any{"type": "id", "id": "src_aaaaaaaaaaaaaaaaaaaaaaaaaa"}
		}), []string{"source_id_invalid"}},
		{"other customer", body(func(b map[string]any) { b["customer"] = map[string]any{"id": "cus_aaaaaaaaaaaaaaaaaaaaaaaaaa"} }), []string{"customer_id_invalid"}},
		{"reference too long", body(func(b map[string]any) { b["reference"] = strings.Repeat("x", 51) }), []string{"reference_invalid"}},
		{"metadata", body(func(b map[string]any) { b["metadata"] = map[string]any{"nested": map[string]any{"a": 1}} }), []string{"metadata_invalid"}},
		{"several at once", body(func(b map[string]any) { b["amount"] = -1; b["currency"] = "GBP" }), []string{"amount_invalid", "currency_invalid"}},
		{"payment type", body(func(b map[string]any) { b["payment_type"] = "Weekly" }), []string{"payment_type_invalid"}},
		{"descriptor without city", body(func(b map[string]any) { b["billing_descriptor"] = map[string]any{"name": "KONTOR"} }), []string{"billing_descriptor_city_required"}},
		{"descriptor without name", body(func(b map[string]any) { b["billing_descriptor"] = map[string]any{"city": "Berlin"} }), []string{"billing_descriptor_name_required"}},
		{"descriptor city too long", body(func(b map[string]any) {
			b["billing_descriptor"] = map[string]any{"name": "KONTOR", "city": "Castrop-Rauxel-Ost"}
		}), []string{"billing_descriptor_city_invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.do(t, "POST", "/payments", tc.body, nil).wantCodes(t, http.StatusUnprocessableEntity, tc.codes...)
		})
	}
	// The Go SDK's capture:false and merchant_initiated:false change nothing;
	// type "sepa" names the source too; metadata and description come back.
	p := c.do(t, "POST", "/payments", body(func(b map[string]any) {
		b["capture"], b["merchant_initiated"] = false, false
		b["source"] = map[string]any{"type": "sepa", "id": src}
		b["metadata"] = map[string]any{"order": "A-1", "attempt": 2, "vip": true}
		b["description"] = "Set of 3 books"
		b["billing_descriptor"] = map[string]any{"name": "KONTOR BOOKS", "city": "Berlin"}
		b["payment_type"] = "Recurring"
	}), nil).want(t, http.StatusAccepted).obj(t)
	for _, k := range []string{"id", "action_id", "amount", "currency", "approved", "status", "response_code", "response_summary", "reference", "source", "customer", "processed_on", "_links"} {
		if _, ok := p[k]; !ok {
			t.Errorf("payment response has no %s: %v", k, p)
		}
	}
	if !ckoID("pay").MatchString(p["id"].(string)) || !ckoID("act").MatchString(p["action_id"].(string)) {
		t.Errorf("ids %v %v", p["id"], p["action_id"])
	}
	if _, err := time.Parse(time.RFC3339, p["processed_on"].(string)); err != nil {
		t.Errorf("processed_on: %v", err)
	}
	got := c.payment(t, p["id"].(string))
	md := got["metadata"].(map[string]any)
	if md["order"] != "A-1" || md["attempt"] != "2" || md["vip"] != "true" || got["description"] != "Set of 3 books" {
		t.Errorf("payment = %v", got)
	}
	if bd := got["billing_descriptor"].(map[string]any); bd["name"] != "KONTOR BOOKS" || bd["city"] != "Berlin" || got["requested_on"] == nil {
		t.Errorf("payment = %v", got)
	}
	if got["payment_type"] != "Recurring" {
		t.Errorf("payment_type = %v, want the Recurring asked for", got["payment_type"])
	}
	if plain := c.payment(t, c.pay(t, src, 100)); plain["payment_type"] != "Regular" {
		t.Errorf("default payment_type = %v, want Regular", plain["payment_type"])
	}
	acts := got["actions"].([]any)
	if len(acts) != 1 || acts[0].(map[string]any)["type"] != "Authorization" || acts[0].(map[string]any)["id"] != p["action_id"] {
		t.Errorf("actions = %v", acts)
	}
	c.do(t, "GET", "/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", nil, nil).want(t, http.StatusNotFound)
	c.do(t, "GET", "/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa/actions", nil, nil).want(t, http.StatusNotFound)
	c.do(t, "POST", "/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa/refunds", nil, nil).want(t, http.StatusNotFound)
}

// TestCkoRefunds refunds a payment on a test clock: nothing moves between
// the requests but the clock, so the checks hold however slow the machine.
func TestCkoRefunds(t *testing.T) {
	e := newEnv(t, envOptions{Cko: true})
	s, c := e.srv, e.cko()
	rcv := kontortest.NewCkoReceiver(t, c.key)
	c.register(t, rcv)
	t0 := time.Date(2031, 5, 5, 9, 0, 0, 0, time.UTC)
	clock := testClock(t, s, c.key, t0)
	pay := c.pay(t, c.source(t, ibanPaid, "recurring", map[string]any{"test_clock": clock}), 10000)
	// A pending payment cannot be refunded yet.
	c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 100}, nil).wantCodes(t, http.StatusForbidden, "refund_not_allowed")
	if l := c.payment(t, pay)["_links"].(map[string]any); l["refund"] != nil {
		t.Errorf("a pending payment has a refund link: %v", l)
	}
	advance(t, e.acct, clock, t0.Add(time.Minute))
	rcv.WaitAccepted(t, "payment_captured", pay)
	if l := c.payment(t, pay)["_links"].(map[string]any); l["refund"] == nil {
		t.Errorf("a captured payment has no refund link: %v", l)
	}

	r := c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 2500, "reference": "ORD-5023-4E89"}, nil).
		want(t, http.StatusAccepted).obj(t)
	first, _ := r["action_id"].(string)
	if !ckoID("act").MatchString(first) || r["reference"] != "ORD-5023-4E89" ||
		r["_links"].(map[string]any)["payment"].(map[string]any)["href"] != c.base+"/payments/"+pay {
		t.Errorf("refund = %v", r)
	}
	// Never more than what is left; amounts are positive integers; a
	// reference has at most 50 characters.
	c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 7501}, nil).wantCodes(t, http.StatusUnprocessableEntity, "refund_amount_exceeds_balance")
	c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 0}, nil).wantCodes(t, http.StatusUnprocessableEntity, "amount_invalid")
	c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 100, "reference": strings.Repeat("R", 51)}, nil).
		wantCodes(t, http.StatusUnprocessableEntity, "reference_invalid")
	pending := rcv.WaitAccepted(t, "payment_refund_pending", pay)
	if pending.Cko.Data["action_id"] != first || pending.Cko.Data["processed_on"] != t0.Add(time.Minute).Format(time.RFC3339) {
		t.Errorf("payment_refund_pending = %v", pending.Cko.Data)
	}
	// The bank credits the refund days later: payment_refunded is dated then.
	credited := t0.AddDate(0, 0, 10)
	advance(t, e.acct, clock, credited)
	ev := rcv.WaitAccepted(t, "payment_refunded", pay)
	if ev.Cko.Data["action_id"] != first || ev.Cko.Data["amount"] != float64(2500) || ev.Cko.Data["status"] != "Partially Refunded" {
		t.Errorf("payment_refunded = %v", ev.Cko.Data)
	}
	if on, _ := time.Parse(time.RFC3339, ev.Cko.Data["processed_on"].(string)); !on.After(t0.Add(time.Minute)) || on.After(credited) {
		t.Errorf("payment_refunded processed_on %v, want when the bank credited it", ev.Cko.Data["processed_on"])
	}
	if st := c.payment(t, pay)["status"]; st != "Partially Refunded" {
		t.Errorf("status = %v", st)
	}

	// The literal null (Go SDK) refunds the rest.
	rest := c.do(t, "POST", "/payments/"+pay+"/refunds", "null", nil).want(t, http.StatusAccepted).obj(t)
	advance(t, e.acct, clock, t0.AddDate(0, 0, 20))
	kontortest.Eventually(t, "second payment_refunded", func() bool {
		for _, d := range rcv.Deliveries() {
			if d.Cko.Type == "payment_refunded" && d.Cko.Data["action_id"] == rest["action_id"] {
				return d.Cko.Data["status"] == "Refunded" && d.Cko.Data["amount"] == float64(7500)
			}
		}
		return false
	})
	p := c.payment(t, pay)
	if p["status"] != "Refunded" || p["_links"].(map[string]any)["refund"] != nil {
		t.Errorf("refunded payment = %v", p)
	}
	acts := c.do(t, "GET", "/payments/"+pay+"/actions", nil, nil).want(t, http.StatusOK).arr(t)
	var types []string
	for _, a := range acts {
		types = append(types, a["type"].(string))
	}
	if !slices.Equal(types, []string{"Refund", "Refund", "Capture", "Authorization"}) || acts[0]["id"] != rest["action_id"] || acts[1]["id"] != first {
		t.Errorf("actions = %v", acts)
	}
	if acts[1]["reference"] != "ORD-5023-4E89" || acts[1]["amount"] != float64(2500) || acts[1]["approved"] != true {
		t.Errorf("refund action = %v", acts[1])
	}
	// Nothing is left; an empty body (Node SDK) asks for all of nothing.
	c.do(t, "POST", "/payments/"+pay+"/refunds", "", nil).wantCodes(t, http.StatusUnprocessableEntity, "refund_amount_exceeds_balance")
}

// TestCkoTestClock binds sources to a Stripe-style test clock (Kontor's
// test_clock extension) and moves it through the refund window, the
// chargeback window and the mandate lapse.
func TestCkoTestClock(t *testing.T) {
	e := newEnv(t, envOptions{Cko: true})
	s, c := e.srv, e.cko()
	rcv := kontortest.NewCkoReceiver(t, c.key)
	c.register(t, rcv)
	t0 := time.Date(2031, 3, 3, 10, 0, 0, 0, time.UTC)

	t.Run("refund after eight weeks", func(t *testing.T) {
		t.Parallel()
		clock := testClock(t, s, c.key, t0)
		pay := c.pay(t, c.source(t, ibanPaid, "recurring", map[string]any{"test_clock": clock}), 5000)
		if got := c.payment(t, pay)["requested_on"]; got != t0.Format(time.RFC3339) {
			t.Errorf("requested_on = %v, want the clock's time", got)
		}
		advance(t, e.acct, clock, t0.Add(time.Minute))
		if st := c.payment(t, pay)["status"]; st != "Paid" {
			t.Fatalf("status after a minute = %v", st)
		}
		advance(t, e.acct, clock, t0.AddDate(0, 0, 55))
		c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 100}, nil).want(t, http.StatusAccepted)
		advance(t, e.acct, clock, t0.AddDate(0, 0, 57))
		c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 100}, nil).wantCodes(t, http.StatusForbidden, "refund_period_expired")
		if st := c.payment(t, pay)["status"]; st != "Partially Refunded" {
			t.Errorf("status = %v", st)
		}
	})
	t.Run("recurring mandate lapses after 36 months", func(t *testing.T) {
		t.Parallel()
		clock := testClock(t, s, c.key, t0)
		used := c.source(t, ibanPaid, "recurring", map[string]any{"test_clock": clock})
		idle := c.source(t, ibanPaid, "recurring", map[string]any{"test_clock": clock})
		advance(t, e.acct, clock, t0.AddDate(2, 0, 0))
		// A collection restarts the 36 months.
		c.pay(t, used, 1000)
		advance(t, e.acct, clock, t0.AddDate(3, 0, 1))
		m := c.do(t, "GET", "/sepa/mandates/"+idle, nil, nil).want(t, http.StatusOK).obj(t)
		if m["mandate_state"] != "Expired" {
			t.Errorf("idle mandate state = %v, want Expired", m["mandate_state"])
		}
		c.do(t, "POST", "/payments", map[string]any{"source": map[string]any{"type": "id", "id": idle}, "amount": 100, "currency": "EUR"}, nil).
			wantCodes(t, http.StatusUnprocessableEntity, "mandate_expired")
		if m := c.do(t, "GET", "/sepa/mandates/"+used, nil, nil).want(t, http.StatusOK).obj(t); m["mandate_state"] != "Active" {
			t.Errorf("used mandate state = %v, want Active", m["mandate_state"])
		}
		c.pay(t, used, 1000)
		ev := rcv.WaitAccepted(t, "source_updated", idle)
		if ev.Cko.Data["mandate_state"] != "Expired" || !strings.HasSuffix(ev.Cko.Links["source"].Href, "/sources/"+idle) {
			t.Errorf("source_updated = %v %v", ev.Cko.Data, ev.Cko.Links)
		}
	})
	// A chargeback is a later event than the payout, in order and in time,
	// however the bank's return and the payout fall: one advance fires the
	// collection, the return and the payout at once.
	for _, tc := range []struct{ iban, token, code string }{
		{ibanCBRefund, "RFND", "MS02"}, {ibanCBActive, "ACT", "MD06"}, {ibanCBFunds, "NSF", "AM04"},
		{ibanCBOther, "OTHR", "AC04"}, {ibanCBFormat, "FRM", "FF01"},
	} {
		t.Run("chargeback "+tc.token+" after payment_paid", func(t *testing.T) {
			t.Parallel()
			clock := testClock(t, s, c.key, t0)
			pay := c.pay(t, c.source(t, tc.iban, "recurring", map[string]any{"test_clock": clock}), 5000)
			advance(t, e.acct, clock, t0.AddDate(0, 0, 30))
			cb := rcv.WaitAccepted(t, "payment_chargeback", pay)
			checkCkoEventOrder(t, c, rcv, pay, []string{"payment_pending", "payment_captured", "payment_paid", "payment_chargeback"})
			d := cb.Cko.Data
			if d["reason"] != tc.token || d["reason_code"] != tc.code || d["amount"] != float64(5000) || d["currency"] != "EUR" || d["status"] != "Paid" {
				t.Errorf("payment_chargeback data = %v", d)
			}
			acts := c.do(t, "GET", "/payments/"+pay+"/actions", nil, nil).want(t, http.StatusOK).arr(t)
			if len(acts) != 3 || acts[0]["type"] != "Chargeback" || acts[0]["id"] != d["action_id"] || acts[0]["processed_on"] != d["processed_on"] ||
				acts[0]["amount"] != float64(5000) {
				t.Errorf("actions = %v, want the Chargeback %v first", acts, d["action_id"])
			}
		})
	}
	t.Run("chargeback months later", func(t *testing.T) {
		t.Parallel()
		clock := testClock(t, s, c.key, t0)
		pay := c.pay(t, c.source(t, ibanCBActive, "recurring", map[string]any{"test_clock": clock}), 5000)
		advance(t, e.acct, clock, t0.Add(time.Hour))
		ev := rcv.WaitAccepted(t, "payment_chargeback", pay)
		if ev.Cko.Data["reason"] != "ACT" || ev.Cko.Data["reason_code"] != "MD06" {
			t.Errorf("chargeback = %v", ev.Cko.Data)
		}
		if !strings.HasPrefix(ev.Cko.CreatedOn, "2031-03-03T10:00:0") {
			t.Errorf("created_on %s, want the clock's time", ev.Cko.CreatedOn)
		}
	})
}

func TestCkoMandates(t *testing.T) {
	c := newEnv(t, envOptions{Cko: true}).cko()
	rcv := kontortest.NewCkoReceiver(t, c.key)
	c.register(t, rcv)
	prefixes := []string{"/sepa/mandates/", "/sepa-external/mandates/", "/ppro/sepa/mandates/", "/ppro/sepa-external/mandates/", "/apms/ppro/sepa/mandates/"}
	for _, prefix := range prefixes {
		t.Run(strings.Trim(prefix, "/"), func(t *testing.T) {
			src := c.source(t, ibanPaid, "recurring", nil)
			m := c.do(t, "GET", prefix+src, nil, nil).want(t, http.StatusOK).obj(t)
			ref := m["mandate_reference"].(string)
			want := map[string]any{"first_name": "Sophie", "last_name": "Bonneville", "address_line1": "101 Avenue de Gaulle",
				"city": "Paris", "zip": "75013", "country": "FR", "masked_account_iban": "******************7893",
				"account_currency_code": "EUR", "account_country_code": "DE", "mandate_state": "Active",
				"mandate_type": "Recurring", "billing_descriptor": "Thanks for shopping - Mandate: " + ref}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			if !ckoID("cus").MatchString(m["customer_id"].(string)) {
				t.Errorf("customer_id = %v", m["customer_id"])
			}
			// Links name /sepa-external/ whichever path the client called,
			// as the sandbox's recorded answers do.
			linked := c.base + "/sepa-external/mandates/" + src
			if self := m["_links"].(map[string]any)["self"].(map[string]any)["href"]; self != linked {
				t.Errorf("self = %v, want %s", self, linked)
			}
			// Cancel with an empty body, as both SDKs send it.
			r := c.do(t, "POST", prefix+src+"/cancel", "", nil).want(t, http.StatusOK).obj(t)
			l := r["_links"].(map[string]any)
			if l["self"].(map[string]any)["href"] != linked+"/cancel" || l["sepa:mandate-get"].(map[string]any)["href"] != linked {
				t.Errorf("cancel links = %v", l)
			}
			if m := c.do(t, "GET", prefix+src, nil, nil).want(t, http.StatusOK).obj(t); m["mandate_state"] != "Canceled" {
				t.Errorf("state after cancel = %v", m["mandate_state"])
			}
			// A canceled mandate rejects payments; canceling again changes nothing.
			c.do(t, "POST", "/payments", map[string]any{"source": map[string]any{"type": "id", "id": src}, "amount": 100, "currency": "EUR"}, nil).
				wantCodes(t, http.StatusUnprocessableEntity, "mandate_canceled")
			c.do(t, "POST", prefix+src+"/cancel", "null", nil).want(t, http.StatusOK)
			ev := rcv.WaitAccepted(t, "source_updated", src)
			if ev.Cko.Data["mandate_state"] != "Canceled" || ev.Cko.Data["mandate_reference"] != ref {
				t.Errorf("source_updated = %v", ev.Cko.Data)
			}
			c.do(t, "GET", prefix+"src_aaaaaaaaaaaaaaaaaaaaaaaaaa", nil, nil).want(t, http.StatusNotFound)
			c.do(t, "POST", prefix+"src_aaaaaaaaaaaaaaaaaaaaaaaaaa/cancel", "", nil).want(t, http.StatusNotFound)
		})
	}
	t.Run("single mandate allows one payment", func(t *testing.T) {
		src := c.source(t, ibanPaid, "single", nil)
		if m := c.do(t, "GET", "/sepa/mandates/"+src, nil, nil).want(t, http.StatusOK).obj(t); m["mandate_type"] != "Single" {
			t.Errorf("mandate_type = %v", m["mandate_type"])
		}
		c.pay(t, src, 100)
		c.do(t, "POST", "/payments", map[string]any{"source": map[string]any{"type": "id", "id": src}, "amount": 100, "currency": "EUR"}, nil).
			wantCodes(t, http.StatusUnprocessableEntity, "mandate_already_used")
		if m := c.do(t, "GET", "/sepa/mandates/"+src, nil, nil).want(t, http.StatusOK).obj(t); m["mandate_state"] != "Used" {
			t.Errorf("mandate_state = %v", m["mandate_state"])
		}
	})
	t.Run("recurring mandate allows many payments", func(t *testing.T) {
		src := c.source(t, ibanPaid, "recurring", nil)
		a, b := c.pay(t, src, 100), c.pay(t, src, 200)
		if a == b {
			t.Error("two payments share an id")
		}
	})
}

func TestCkoIdempotency(t *testing.T) {
	c := newEnv(t, envOptions{Cko: true}).cko()
	src := c.source(t, ibanPaid, "recurring", nil)
	key := map[string]string{"Cko-Idempotency-Key": "order-42"}
	body := `{"source": {"type": "id", "id": "` + src + `"}, "amount": 5600, "currency": "EUR"}`
	first := c.do(t, "POST", "/payments", body, key).want(t, http.StatusAccepted)
	// The same request, differently spaced, replays the first answer, with
	// no header of Checkout.com's own invention.
	again := c.do(t, "POST", "/payments", strings.ReplaceAll(body, " ", ""), key).want(t, http.StatusAccepted)
	if string(again.Body) != string(first.Body) {
		t.Errorf("replay = %s, want %s", again.Body, first.Body)
	}
	for name := range again.Header {
		if strings.Contains(strings.ToLower(name), "idempot") {
			t.Errorf("replay carries %s: %s", name, again.Header.Get(name))
		}
	}
	if again.Header.Get("Cko-Request-Id") == first.Header.Get("Cko-Request-Id") {
		t.Error("a replay reuses the request id")
	}
	// Another body under the same key gets the stored answer too, as
	// Checkout.com documents, and changes nothing.
	other := c.do(t, "POST", "/payments", strings.Replace(body, "5600", "5700", 1), key).want(t, http.StatusAccepted)
	if string(other.Body) != string(first.Body) {
		t.Errorf("another body under the key = %s, want the stored %s", other.Body, first.Body)
	}
	// The key belongs to its endpoint: a refund under it is refused.
	c.do(t, "POST", "/payments/"+first.obj(t)["id"].(string)+"/refunds", map[string]any{"amount": 100}, key).
		wantCodes(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
	// Only payments and refunds honour the key: sources and webhook
	// registrations under one key are new each time.
	sk := map[string]string{"Cko-Idempotency-Key": "source-1"}
	s1 := c.do(t, "POST", "/sources", sourceBody(ibanPaid, "single"), sk).want(t, http.StatusCreated).obj(t)
	s2 := c.do(t, "POST", "/sources", sourceBody(ibanPaid, "single"), sk).want(t, http.StatusCreated).obj(t)
	if s1["id"] == s2["id"] {
		t.Errorf("POST /sources replayed %v under an idempotency key", s1["id"])
	}
	// A failed request is not stored: the key may be used again, fixed.
	k2 := map[string]string{"Cko-Idempotency-Key": "order-43"}
	c.do(t, "POST", "/payments", strings.Replace(body, "EUR", "USD", 1), k2).wantCodes(t, http.StatusUnprocessableEntity, "currency_invalid")
	fixed := c.do(t, "POST", "/payments", body, k2).want(t, http.StatusAccepted).obj(t)
	if fixed["id"] == first.obj(t)["id"] {
		t.Error("another key replayed the first payment")
	}
	// Refunds honour the key too.
	pay := first.obj(t)["id"].(string)
	c.waitStatus(t, pay, "Paid")
	rk := map[string]string{"Cko-Idempotency-Key": "refund-1"}
	r1 := c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 100}, rk).want(t, http.StatusAccepted).obj(t)
	r2 := c.do(t, "POST", "/payments/"+pay+"/refunds", map[string]any{"amount": 100}, rk).want(t, http.StatusAccepted).obj(t)
	if r1["action_id"] != r2["action_id"] {
		t.Errorf("refund replay: %v then %v", r1["action_id"], r2["action_id"])
	}
	if n := len(c.do(t, "GET", "/payments/"+pay+"/actions", nil, nil).arr(t)); n != 3 {
		t.Errorf("%d actions, want 3 (one refund)", n)
	}
}

// TestCkoIsolation checks that an account's objects answer 404 (or, when
// named in a body, 422) for another account's key.
func TestCkoIsolation(t *testing.T) {
	e := newEnv(t, envOptions{Cko: true})
	s, a := e.srv, e.cko()
	b := newCko(s, newCkoKey())
	rcv := kontortest.NewCkoReceiver(t, a.key)
	hook := a.register(t, rcv)
	src := a.source(t, ibanPaid, "recurring", nil)
	pay := a.pay(t, src, 100)
	ev := rcv.WaitAccepted(t, "payment_pending", pay)
	for _, path := range []string{"/sources/" + src, "/sepa/mandates/" + src, "/payments/" + pay, "/payments/" + pay + "/actions",
		"/webhooks/" + hook, "/events/" + ev.Cko.ID} {
		a.do(t, "GET", path, nil, nil).want(t, http.StatusOK)
		b.do(t, "GET", path, nil, nil).want(t, http.StatusNotFound)
	}
	b.do(t, "POST", "/sepa/mandates/"+src+"/cancel", "", nil).want(t, http.StatusNotFound)
	b.do(t, "POST", "/payments/"+pay+"/refunds", "", nil).want(t, http.StatusNotFound)
	b.do(t, "POST", "/payments", map[string]any{"source": map[string]any{"type": "id", "id": src}, "amount": 100, "currency": "EUR"}, nil).
		wantCodes(t, http.StatusUnprocessableEntity, "source_id_invalid")
	if r := b.do(t, "GET", "/webhooks", nil, nil).want(t, http.StatusNoContent); len(r.Body) != 0 {
		t.Errorf("another account lists webhooks: %s", r.Body)
	}
	// Checkout.com's ids are not found by the Stripe dialect, and Stripe's event ids not by Checkout.com's.
	if r := s.Do(t, "GET", "/v1/sources/"+src, "", map[string]string{"Authorization": "Bearer " + a.key}); r.Status != http.StatusNotFound {
		t.Errorf("Stripe GET /v1/sources/%s = %d", src, r.Status)
	}
}

// TestCkoBothDialects checks that one key reaches one account through both
// dialects, and that Checkout.com's customers stay out of Stripe's lists.
func TestCkoBothDialects(t *testing.T) {
	e := newEnv(t, envOptions{Cko: true})
	s, c := e.srv, e.cko()
	other := newCko(s, newCkoKey())
	// A Stripe-style key is no Checkout.com key; a Checkout.com key works
	// for Stripe's paths too.
	if r := newCko(s, kontortest.NewKey()).do(t, "GET", "/webhooks", nil, nil); r.Status != http.StatusUnauthorized || len(r.Body) != 0 {
		t.Errorf("a Stripe key on Checkout.com's paths: %d %q, want 401 with no body", r.Status, r.Body)
	}
	clock := testClock(t, s, c.key, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	c.source(t, ibanPaid, "single", map[string]any{"test_clock": clock})
	// The clock is the account's: another key does not see it.
	b := sourceBody(ibanPaid, "single")
	b["test_clock"] = clock
	other.do(t, "POST", "/sources", b, nil).wantCodes(t, http.StatusUnprocessableEntity, "test_clock_invalid")

	c.source(t, ibanPaid, "single", nil)
	cus := stripeForm(t, s, c.key, "POST", "/v1/customers", url.Values{"email": {"stripe@example.com"}})
	list := stripeForm(t, s, c.key, "GET", "/v1/customers", nil)
	if data := list["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != cus["id"] {
		t.Errorf("Stripe lists %v, want only its own customer %v", data, cus["id"])
	}
	// A Stripe customer is no Checkout.com customer.
	b = sourceBody(ibanPaid, "single")
	b["customer"] = map[string]any{"id": cus["id"]}
	c.do(t, "POST", "/sources", b, nil).wantCodes(t, http.StatusUnprocessableEntity, "customer_id_invalid")
}

func TestCkoWebhookRegistration(t *testing.T) {
	c := newEnv(t, envOptions{Cko: true}).cko()
	// No registrations: 204 with no body, as Checkout.com answers.
	if r := c.do(t, "GET", "/webhooks", nil, nil).want(t, http.StatusNoContent); len(r.Body) != 0 {
		t.Errorf("empty list: %q", r.Body)
	}
	url := "https://example.com/webhooks/cko"
	created := c.do(t, "POST", "/webhooks", map[string]any{
		"url": url, "active": true, "headers": map[string]any{"authorization": "1234"}, "content_type": "json",
		"event_types": []string{"payment_approved", "payment_captured"},
	}, nil).want(t, http.StatusCreated).obj(t)
	id := created["id"].(string)
	if !strings.HasPrefix(id, "wh_") || created["url"] != url || created["active"] != true || created["content_type"] != "json" ||
		created["headers"].(map[string]any)["authorization"] != "1234" || len(created["event_types"].([]any)) != 2 ||
		created["_links"].(map[string]any)["self"].(map[string]any)["href"] != c.base+"/webhooks/"+id {
		t.Errorf("created = %v", created)
	}
	types := []string{"payment_paid"}
	c.do(t, "POST", "/webhooks", map[string]any{"url": url, "event_types": types}, nil).want(t, http.StatusConflict)
	c.do(t, "POST", "/webhooks", map[string]any{"url": "", "event_types": types}, nil).wantCodes(t, http.StatusUnprocessableEntity, "url_required")
	c.do(t, "POST", "/webhooks", map[string]any{"url": "ftp://x", "event_types": types}, nil).wantCodes(t, http.StatusUnprocessableEntity, "url_invalid")
	c.do(t, "POST", "/webhooks", map[string]any{"url": url + "2", "event_types": []string{"nope"}}, nil).wantCodes(t, http.StatusUnprocessableEntity, "event_types_invalid")
	c.do(t, "POST", "/webhooks", map[string]any{"url": url + "2", "event_types": "payment_paid"}, nil).wantCodes(t, http.StatusUnprocessableEntity, "event_types_invalid")
	c.do(t, "POST", "/webhooks", map[string]any{"url": url + "2", "event_types": types, "content_type": "xml"}, nil).wantCodes(t, http.StatusUnprocessableEntity, "content_type_invalid")
	// event_types is required, and may not be empty.
	c.do(t, "POST", "/webhooks", map[string]any{"url": url + "/all"}, nil).wantCodes(t, http.StatusUnprocessableEntity, "event_types_required")
	c.do(t, "POST", "/webhooks", map[string]any{"url": url + "/all", "event_types": []string{}}, nil).wantCodes(t, http.StatusUnprocessableEntity, "event_types_required")
	c.do(t, "POST", "/webhooks", map[string]any{"url": url + "/all", "event_types": types}, nil).want(t, http.StatusCreated)

	if got := c.do(t, "GET", "/webhooks/"+id, nil, nil).want(t, http.StatusOK).obj(t); got["url"] != url {
		t.Errorf("GET = %v", got)
	}
	patched := c.do(t, "PATCH", "/webhooks/"+id, map[string]any{"url": url + "/updated", "active": false}, nil).want(t, http.StatusOK).obj(t)
	if patched["url"] != url+"/updated" || patched["active"] != false || len(patched["event_types"].([]any)) != 2 {
		t.Errorf("PATCH = %v", patched)
	}
	// checkout-sdk-node sends PATCH in lower case.
	c.do(t, "patch", "/webhooks/"+id, map[string]any{"active": false}, nil).want(t, http.StatusOK)
	put := c.do(t, "PUT", "/webhooks/"+id, map[string]any{"url": url + "/put", "event_types": types}, nil).want(t, http.StatusOK).obj(t)
	if put["url"] != url+"/put" || put["active"] != true || len(put["headers"].(map[string]any)) != 0 || len(put["event_types"].([]any)) != 1 {
		t.Errorf("PUT = %v", put)
	}
	c.do(t, "PUT", "/webhooks/"+id, map[string]any{"active": true}, nil).wantCodes(t, http.StatusUnprocessableEntity, "url_required", "event_types_required")
	c.do(t, "PATCH", "/webhooks/"+id, map[string]any{"event_types": []string{}}, nil).wantCodes(t, http.StatusUnprocessableEntity, "event_types_required")
	list := c.do(t, "GET", "/webhooks", nil, nil).want(t, http.StatusOK).arr(t)
	if len(list) != 2 || list[0]["id"] != id {
		t.Errorf("list = %v", list)
	}
	c.do(t, "DELETE", "/webhooks/"+id, nil, nil).want(t, http.StatusOK)
	c.do(t, "GET", "/webhooks/"+id, nil, nil).want(t, http.StatusNotFound)
	c.do(t, "DELETE", "/webhooks/"+id, nil, nil).want(t, http.StatusNotFound)
	c.do(t, "PATCH", "/webhooks/wh_nope", map[string]any{"active": true}, nil).want(t, http.StatusNotFound)
}

// TestCkoWebhookDelivery checks subscriptions, inactive registrations,
// GET /events/{id} and retries on failure with a shortened schedule.
func TestCkoWebhookDelivery(t *testing.T) {
	t.Parallel()
	srv := startCkoServer(t, filepath.Join(t.TempDir(), "cko.db"), []time.Duration{200 * time.Millisecond, 200 * time.Millisecond})
	c := &cko{base: srv.URL(), key: newCkoKey()}

	flaky := kontortest.NewCkoReceiver(t, c.key)
	flaky.Fail(2)
	captured := kontortest.NewCkoReceiver(t, c.key)
	inactive := kontortest.NewCkoReceiver(t, c.key)
	c.do(t, "POST", "/webhooks", map[string]any{"url": flaky.URL, "event_types": []string{"payment_pending"}}, nil).want(t, http.StatusCreated)
	c.do(t, "POST", "/webhooks", map[string]any{"url": captured.URL, "event_types": []string{"payment_captured"}}, nil).want(t, http.StatusCreated)
	c.do(t, "POST", "/webhooks", map[string]any{"url": inactive.URL, "active": false, "event_types": ckoEventTypes}, nil).want(t, http.StatusCreated)

	pay := c.pay(t, c.source(t, ibanPaid, "recurring", nil), 100)
	ok := flaky.WaitAccepted(t, "payment_pending", pay)
	captured.WaitAccepted(t, "payment_captured", pay)
	var attempts []int
	for _, d := range flaky.Deliveries() {
		if d.Cko.ID == ok.Cko.ID {
			attempts = append(attempts, d.Status)
		}
	}
	if !slices.Equal(attempts, []int{500, 500, 200}) {
		t.Errorf("attempts = %v, want two failures and a success", attempts)
	}
	if got := captured.Types(pay); !slices.Equal(got, []string{"payment_captured"}) {
		t.Errorf("payment_captured subscriber got %v", got)
	}
	if n := len(inactive.Deliveries()); n != 0 {
		t.Errorf("an inactive registration got %d deliveries", n)
	}

	// GET /events/{id} answers the delivered event, with links under the request's host.
	got := c.do(t, "GET", "/events/"+ok.Cko.ID, nil, nil).want(t, http.StatusOK).obj(t)
	if got["type"] != "payment_pending" || got["version"] != "2.0" || got["created_on"] != ok.Cko.CreatedOn ||
		got["data"].(map[string]any)["id"] != pay {
		t.Errorf("event = %v", got)
	}
	if self := got["_links"].(map[string]any)["self"].(map[string]any)["href"]; self != fmt.Sprint(c.base, "/events/", ok.Cko.ID) {
		t.Errorf("self = %v", self)
	}
	c.do(t, "GET", "/events/evt_aaaaaaaaaaaaaaaaaaaaaaaaaa", nil, nil).want(t, http.StatusNotFound)
}

// startCkoServer starts a server on db whose Checkout.com webhook retries
// follow retries (kontortest.Options sets only Stripe's schedule). The
// server is shut down when the test ends, unless the test did so first.
func startCkoServer(t *testing.T, db string, retries []time.Duration) *server.Server {
	t.Helper()
	srv, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", DB: db, CkoWebhookRetries: retries})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

// TestCkoWebhookRestart checks that a delivery that failed before a restart
// is retried by the restarted server.
func TestCkoWebhookRestart(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "cko.db")
	first := startCkoServer(t, db, []time.Duration{2 * time.Second})
	c := &cko{base: first.URL(), key: newCkoKey()}
	rcv := kontortest.NewCkoReceiver(t, c.key)
	rcv.Fail(1)
	c.do(t, "POST", "/webhooks", map[string]any{"url": rcv.URL, "event_types": []string{"payment_pending"}}, nil).want(t, http.StatusCreated)
	pay := c.pay(t, c.source(t, ibanPending, "recurring", nil), 100)
	kontortest.Eventually(t, "a failed first attempt", func() bool { return len(rcv.Deliveries()) == 1 })
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := startCkoServer(t, db, []time.Duration{2 * time.Second})
	c.base = second.URL()
	d := rcv.WaitAccepted(t, "payment_pending", pay)
	if n := len(rcv.Deliveries()); n != 2 || rcv.Deliveries()[0].Cko.ID != d.Cko.ID {
		t.Errorf("%d deliveries, want the failed one and its retry of the same event", n)
	}
	if st := c.payment(t, pay)["status"]; st != "Pending" {
		t.Errorf("status after restart = %v", st)
	}
}
