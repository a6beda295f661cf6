package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// Checkout.com's sandbox test IBANs (BIC PBNKDEFFXXX) and what they do.
const (
	ibanRejected  = "DE09100100101234567890" // rejected when the source is created
	ibanPending   = "DE79100100101234567891" // stays Pending
	ibanCanceled  = "DE52100100101234567892" // Pending, then Canceled
	ibanPaid      = "DE25100100101234567893" // Captured, then Paid
	ibanCBRefund  = "DE95100100101234567894" // Paid, then charged back: RFND
	ibanCBActive  = "DE68100100101234567895" // ACT
	ibanCBFunds   = "DE41100100101234567896" // NSF
	ibanCBOther   = "DE14100100101234567897" // OTHR
	ibanCBFormat  = "DE84100100101234567898" // FRM
	ckoSandboxBIC = "PBNKDEFFXXX"
)

// newCkoKey returns a fresh previous-platform sandbox key, sk_test_<uuid>;
// the server provisions an account for it on first use.
func newCkoKey() string { return kontortest.NewCkoKey() }

// cko is a plain net/http client of the Checkout.com dialect for one key.
type cko struct {
	base string
	key  string
	// bearer sends the key as "Bearer <key>" instead of raw.
	bearer bool
}

func newCko(s *kontortest.Server, key string) *cko { return &cko{base: s.URL, key: key} }

// ckoResp is a response with its body read.
type ckoResp struct {
	Status int
	Header http.Header
	Body   []byte
}

// obj decodes the body as a JSON object.
func (r *ckoResp) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %q", r.Status, r.Body)
	}
	return m
}

// arr decodes the body as a JSON array of objects.
func (r *ckoResp) arr(t testing.TB) []map[string]any {
	t.Helper()
	var a []map[string]any
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("response %d is not a JSON array: %q", r.Status, r.Body)
	}
	return a
}

// do sends a request; body is sent as JSON unless it is a string (sent as is).
func (c *cko) do(t testing.TB, method, path string, body any, header map[string]string) *ckoResp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	auth := c.key
	if c.bearer {
		auth = "Bearer " + c.key
	}
	if c.key != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &ckoResp{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if r.Header.Get("Cko-Request-Id") == "" {
		t.Errorf("%s %s: no Cko-Request-Id header", method, path)
	}
	return r
}

// want asserts the status and returns the response.
func (r *ckoResp) want(t testing.TB, status int) *ckoResp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// wantCodes asserts a 422 (or other status) error with exactly the codes, in any order.
func (r *ckoResp) wantCodes(t testing.TB, status int, codes ...string) {
	t.Helper()
	r.want(t, status)
	var e struct {
		RequestID  string   `json:"request_id"`
		ErrorType  string   `json:"error_type"`
		ErrorCodes []string `json:"error_codes"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error body is not JSON: %q", r.Body)
	}
	if e.RequestID == "" || e.RequestID != r.Header.Get("Cko-Request-Id") {
		t.Errorf("request_id = %q, header %q", e.RequestID, r.Header.Get("Cko-Request-Id"))
	}
	if status == http.StatusUnprocessableEntity && e.ErrorType != "request_invalid" {
		t.Errorf("error_type = %q, want request_invalid", e.ErrorType)
	}
	got := map[string]bool{}
	for _, c := range e.ErrorCodes {
		got[c] = true
	}
	want := map[string]bool{}
	for _, c := range codes {
		want[c] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("error_codes = %v, want %v", e.ErrorCodes, codes)
	}
}

// sourceBody returns a valid POST /sources body for iban; mandateType is
// "single" or "recurring".
func sourceBody(iban, mandateType string) map[string]any {
	return map[string]any{
		"type":      "sepa",
		"reference": "X-080957-N34",
		"source_data": map[string]any{
			"first_name": "Sophie", "last_name": "Bonneville", "account_iban": iban, "bic": ckoSandboxBIC,
			"billing_descriptor": "Thanks for shopping", "mandate_type": mandateType,
		},
		"billing_address": map[string]any{"address_line1": "101 Avenue de Gaulle", "city": "Paris", "zip": "75013", "country": "FR"},
		"phone":           map[string]any{"country_code": "+33", "number": "6 78 91 01 11"},
		"customer":        map[string]any{"email": "sophie.bonneville@ckomail.com"},
	}
}

// source creates a SEPA source and returns its id.
func (c *cko) source(t testing.TB, iban, mandateType string, extra map[string]any) string {
	t.Helper()
	b := sourceBody(iban, mandateType)
	for k, v := range extra {
		b[k] = v
	}
	m := c.do(t, "POST", "/sources", b, nil).want(t, http.StatusCreated).obj(t)
	return m["id"].(string)
}

// pay requests a payment of amount cents against source and returns its id.
func (c *cko) pay(t testing.TB, source string, amount int64) string {
	t.Helper()
	m := c.do(t, "POST", "/payments", map[string]any{
		"source": map[string]any{"type": "id", "id": source}, "amount": amount, "currency": "EUR", "reference": "ORD-" + source[4:10],
	}, nil).want(t, http.StatusAccepted).obj(t)
	if m["status"] != "Pending" {
		t.Fatalf("new payment status = %v, want Pending", m["status"])
	}
	return m["id"].(string)
}

// payment returns GET /payments/{id}.
func (c *cko) payment(t testing.TB, id string) map[string]any {
	t.Helper()
	return c.do(t, "GET", "/payments/"+id, nil, nil).want(t, http.StatusOK).obj(t)
}

// waitStatus polls the payment until its status is want.
func (c *cko) waitStatus(t testing.TB, id, want string) map[string]any {
	t.Helper()
	var p map[string]any
	kontortest.Eventually(t, "payment "+id+" "+want, func() bool {
		p = c.payment(t, id)
		return p["status"] == want
	})
	return p
}

// ckoEventTypes are the event types the dialect sends.
var ckoEventTypes = []string{"payment_pending", "payment_captured", "payment_paid", "payment_canceled", "payment_declined",
	"payment_refund_pending", "payment_refunded", "payment_refund_declined", "payment_chargeback", "source_updated"}

// register registers the receiver for every event type the dialect sends,
// with a custom header.
func (c *cko) register(t testing.TB, r *kontortest.Receiver) string {
	t.Helper()
	m := c.do(t, "POST", "/webhooks", map[string]any{
		"url": r.URL, "active": true, "headers": map[string]string{"authorization": "kontor-test-1234"}, "content_type": "json",
		"event_types": ckoEventTypes,
	}, nil).want(t, http.StatusCreated).obj(t)
	return m["id"].(string)
}

// stripeForm sends a form-encoded Stripe API request with key.
func stripeForm(t testing.TB, s *kontortest.Server, key, method, path string, form url.Values) map[string]any {
	t.Helper()
	resp := s.Do(t, method, path, form.Encode(), map[string]string{"Authorization": "Bearer " + key})
	if resp.Status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.Status, resp.Body)
	}
	return resp.JSON(t)
}

// testClock creates a Stripe test clock for key frozen at t0 and returns its id.
func testClock(t testing.TB, s *kontortest.Server, key string, t0 time.Time) string {
	t.Helper()
	m := stripeForm(t, s, key, "POST", "/v1/test_helpers/test_clocks", url.Values{"frozen_time": {strconv.FormatInt(t0.Unix(), 10)}})
	return m["id"].(string)
}

// actionTypes lists the types of GET /payments/{id}/actions, newest first.
func (c *cko) actionTypes(t testing.TB, id string) []string {
	t.Helper()
	var out []string
	for _, a := range c.do(t, "GET", "/payments/"+id+"/actions", nil, nil).want(t, http.StatusOK).arr(t) {
		out = append(out, a["type"].(string))
	}
	return out
}

// checkCkoEventOrder checks that the payment's events, as delivered, are
// exactly types, and that their created_on and processed_on strictly
// increase in that order: deliveries may arrive in any order, their dates
// may not. It waits for each of types, which may arrive after the last.
func checkCkoEventOrder(t testing.TB, c *cko, rcv *kontortest.Receiver, pay string, types []string) {
	t.Helper()
	for _, typ := range types {
		rcv.WaitAccepted(t, typ, pay)
	}
	byType := map[string]kontortest.CkoEvent{}
	for _, d := range rcv.Deliveries() {
		if d.ObjectID == pay && d.Err == nil {
			byType[d.Cko.Type] = d.Cko
		}
	}
	if len(byType) != len(types) {
		t.Errorf("%s: events %v, want %v", pay, rcv.Types(pay), types)
	}
	var created, processed time.Time
	for i, typ := range types {
		ev, ok := byType[typ]
		if !ok {
			t.Errorf("%s: no %s", pay, typ)
			return
		}
		cr, err1 := time.Parse(time.RFC3339Nano, ev.CreatedOn)
		pr, err2 := time.Parse(time.RFC3339, fmt.Sprint(ev.Data["processed_on"]))
		if err1 != nil || err2 != nil {
			t.Errorf("%s %s: created_on %q, processed_on %v", pay, typ, ev.CreatedOn, ev.Data["processed_on"])
			return
		}
		if i > 0 && (!cr.After(created) || !pr.After(processed)) {
			t.Errorf("%s: %s created_on %s processed_on %s, not after %s's %s and %s", pay, typ, cr.Format(time.RFC3339Nano),
				pr.Format(time.RFC3339), types[i-1], created.Format(time.RFC3339Nano), processed.Format(time.RFC3339))
		}
		created, processed = cr, pr
	}
}
