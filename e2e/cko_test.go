package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// ckoID matches Checkout.com's identifiers: a prefix and 26 lowercase base32 characters.
func ckoID(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`^` + prefix + `_[a-z2-7]{26}$`)
}

func TestCkoAuthentication(t *testing.T) {
	e := newEnv(t, envOptions{Cko: true})
	s, c := e.srv, e.cko()
	for _, tc := range []struct {
		name, auth string
	}{
		{"no key", ""},
		{"malformed key", "not-a-key"},
		{"publishable key", "pk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"},
		{"bearer without key", "Bearer "},
		{"live key", "sk_live_0b9b5db6-f223-49d0-b68f-f6643dd4f808"},
		{"previous live key", "sk_0b9b5db6-f223-49d0-b68f-f6643dd4f808"},
		{"made-up test key", "sk_test_abc"},
		{"test key with a short UUID", "sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f80"},
		{"made-up sandbox key", "Bearer sk_sbox_abc"},
		{"sandbox key of 26 characters", "Bearer sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4"},
	} {
		r := (&cko{base: s.URL}).do(t, "GET", "/webhooks", nil, map[string]string{"Authorization": tc.auth})
		if r.Status != http.StatusUnauthorized || len(r.Body) != 0 {
			t.Errorf("%s: %d %q, want 401 with no body", tc.name, r.Status, r.Body)
		}
	}
	// Raw previous-platform keys and Bearer sandbox keys both work (an
	// account without registrations lists none: 204).
	c.do(t, "GET", "/webhooks", nil, nil).want(t, http.StatusNoContent)
	sbox := &cko{base: s.URL, key: "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", bearer: true}
	sbox.do(t, "GET", "/webhooks", nil, nil).want(t, http.StatusNoContent)
	// The check characters checkout-sdk-node also accepts.
	for _, key := range []string{"sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4*", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4=", "sk_sboxm73dzbpy7cf3gfd46xr4yj5xo4#"} {
		(&cko{base: s.URL, key: key, bearer: true}).do(t, "GET", "/webhooks", nil, nil).want(t, http.StatusNoContent)
	}
	// checkout-sdk-node merges a webhook registration's custom
	// "authorization" header into its own: the key comes first.
	c.do(t, "GET", "/webhooks", nil, map[string]string{"Authorization": c.key + ", node-1234"}).want(t, http.StatusNoContent)
	// Unknown paths answer 404 with no body, and a request id.
	r := c.do(t, "GET", "/no-such-thing", nil, nil)
	if r.Status != http.StatusNotFound || len(r.Body) != 0 {
		t.Errorf("unknown path: %d %q", r.Status, r.Body)
	}
	if r.Header.Get("Cko-Version") == "" {
		t.Error("no Cko-Version header")
	}
}

func TestCkoCreateSource(t *testing.T) {
	c := newEnv(t, envOptions{Cko: true}).cko()
	r := c.do(t, "POST", "/sources", sourceBody(ibanPaid, "recurring"), nil).want(t, http.StatusCreated)
	src := r.obj(t)
	id, _ := src["id"].(string)
	if !ckoID("src").MatchString(id) {
		t.Errorf("id = %q", id)
	}
	if src["type"] != "Sepa" || src["response_code"] != "10000" {
		t.Errorf("type %v, response_code %v", src["type"], src["response_code"])
	}
	rd := src["response_data"].(map[string]any)
	ref, isString := rd["mandate_reference"].(string)
	if !isString || !regexp.MustCompile(`^[1-9][0-9]{6}$`).MatchString(ref) {
		t.Errorf("mandate_reference = %#v, want a 7-digit string", rd["mandate_reference"])
	}
	for k, v := range rd {
		if _, ok := v.(string); !ok {
			t.Errorf("response_data.%s = %#v is not a string", k, v)
		}
	}
	cust := src["customer"].(map[string]any)
	if !ckoID("cus").MatchString(cust["id"].(string)) || cust["email"] != "sophie.bonneville@ckomail.com" {
		t.Errorf("customer = %v", cust)
	}
	// Seed 003's links: the source itself and the mandate under /sepa-external/.
	links := src["_links"].(map[string]any)
	if len(links) != 3 {
		t.Errorf("create answers %d links, want self and the two mandate links: %v", len(links), links)
	}
	wantLinks := map[string]string{
		"self":                c.base + "/sources/" + id,
		"sepa:mandate-get":    c.base + "/sepa-external/mandates/" + id,
		"sepa:mandate-cancel": c.base + "/sepa-external/mandates/" + id + "/cancel",
	}
	for rel, href := range wantLinks {
		if got := links[rel].(map[string]any)["href"]; got != href {
			t.Errorf("_links[%s] = %v, want %s", rel, got, href)
		}
	}

	// GET /sources/{id}.
	got := c.do(t, "GET", "/sources/"+id, nil, nil).want(t, http.StatusOK).obj(t)
	if got["id"] != id || got["type"] != "sepa" {
		t.Errorf("GET source = %v", got)
	}
	gl := got["_links"].(map[string]any)
	if gl["self"].(map[string]any)["href"] != c.base+"/sources/"+id || gl["sepa:mandate"].(map[string]any)["href"] != c.base+"/sepa/mandates/"+id {
		t.Errorf("GET source links = %v", gl)
	}
	c.do(t, "GET", "/sources/src_aaaaaaaaaaaaaaaaaaaaaaaaaa", nil, nil).want(t, http.StatusNotFound)

	// The same e-mail finds the same customer; an id names it; neither creates one.
	again := c.do(t, "POST", "/sources", sourceBody(ibanPaid, "single"), nil).want(t, http.StatusCreated).obj(t)
	if again["customer"].(map[string]any)["id"] != cust["id"] {
		t.Errorf("same e-mail: customer %v, want %v", again["customer"], cust["id"])
	}
	byID := sourceBody(ibanPaid, "single")
	byID["customer"] = map[string]any{"id": cust["id"]}
	if m := c.do(t, "POST", "/sources", byID, nil).want(t, http.StatusCreated).obj(t); m["customer"].(map[string]any)["id"] != cust["id"] {
		t.Errorf("by id: customer %v", m["customer"])
	}
	anon := sourceBody(ibanPaid, "single")
	delete(anon, "customer")
	if m := c.do(t, "POST", "/sources", anon, nil).want(t, http.StatusCreated).obj(t); m["customer"].(map[string]any)["id"] == cust["id"] {
		t.Error("a source without customer reused an existing customer")
	}
	byID["customer"] = map[string]any{"id": "cus_aaaaaaaaaaaaaaaaaaaaaaaaaa"}
	c.do(t, "POST", "/sources", byID, nil).wantCodes(t, http.StatusUnprocessableEntity, "customer_id_invalid")

	// Type is case-insensitive ("Sepa" from the Go SDK).
	goStyle := sourceBody(ibanPaid, "single")
	goStyle["type"] = "Sepa"
	c.do(t, "POST", "/sources", goStyle, nil).want(t, http.StatusCreated)
}

func TestCkoSourceValidation(t *testing.T) {
	c := newEnv(t, envOptions{Cko: true}).cko()
	edit := func(f func(b map[string]any)) map[string]any {
		b := sourceBody(ibanPaid, "recurring")
		f(b)
		return b
	}
	sd := func(b map[string]any) map[string]any { return b["source_data"].(map[string]any) }
	ba := func(b map[string]any) map[string]any { return b["billing_address"].(map[string]any) }
	for _, tc := range []struct {
		name  string
		body  any
		codes []string
	}{
		{"test IBAN with invalid bank details", sourceBody(ibanRejected, "single"), []string{"account_iban_invalid"}},
		// The sandbox takes its own test accounts only.
		{"valid IBAN outside the sandbox's", edit(func(b map[string]any) { sd(b)["account_iban"] = "GB82WEST12345698765432" }), []string{"account_iban_invalid"}},
		{"Stripe test IBAN", edit(func(b map[string]any) { sd(b)["account_iban"] = "DE89370400440532013000" }), []string{"account_iban_invalid"}},
		{"billing descriptor missing", edit(func(b map[string]any) { delete(sd(b), "billing_descriptor") }), []string{"billing_descriptor_required"}},
		{"billing descriptor blank", edit(func(b map[string]any) { sd(b)["billing_descriptor"] = "  " }), []string{"billing_descriptor_required"}},
		{"country not assigned", edit(func(b map[string]any) { ba(b)["country"] = "XX" }), []string{"country_invalid"}},
		{"country UK", edit(func(b map[string]any) { ba(b)["country"] = "UK" }), []string{"country_invalid"}},
		// The sandbox's recorded answer to a body of just type and reference.
		{"type and reference only", map[string]any{"type": "sepa", "reference": "X-080957-N34"}, []string{"request_data_required"}},
		{"IBAN check digits", edit(func(b map[string]any) { sd(b)["account_iban"] = "DE26100100101234567893" }), []string{"account_iban_invalid"}},
		{"IBAN length", edit(func(b map[string]any) { sd(b)["account_iban"] = "DE2510010010123456789" }), []string{"account_iban_invalid"}},
		{"IBAN outside SEPA", edit(func(b map[string]any) { sd(b)["account_iban"] = "BR1800360305000010009795493C1" }), []string{"account_iban_invalid"}},
		{"IBAN missing", edit(func(b map[string]any) { delete(sd(b), "account_iban") }), []string{"account_iban_required"}},
		{"other BIC", edit(func(b map[string]any) { sd(b)["bic"] = "COBADEFFXXX" }), []string{"bic_invalid"}},
		{"malformed BIC", edit(func(b map[string]any) { sd(b)["bic"] = "PBNK" }), []string{"bic_invalid"}},
		{"names missing", edit(func(b map[string]any) { delete(sd(b), "first_name"); sd(b)["last_name"] = " " }), []string{"first_name_required", "last_name_required"}},
		{"mandate type", edit(func(b map[string]any) { sd(b)["mandate_type"] = "weekly" }), []string{"mandate_type_invalid"}},
		{"mandate type missing", edit(func(b map[string]any) { delete(sd(b), "mandate_type") }), []string{"mandate_type_required"}},
		{"billing address missing", edit(func(b map[string]any) { delete(b, "billing_address") }), []string{"billing_address_required"}},
		{"address fields missing", edit(func(b map[string]any) {
			delete(ba(b), "address_line1")
			delete(ba(b), "city")
			delete(ba(b), "zip")
			delete(ba(b), "country")
		}), []string{"address_line1_required", "city_required", "zip_required", "country_required"}},
		{"country", edit(func(b map[string]any) { ba(b)["country"] = "fr" }), []string{"country_invalid"}},
		{"type", edit(func(b map[string]any) { b["type"] = "card" }), []string{"source_type_invalid"}},
		{"type missing", edit(func(b map[string]any) { delete(b, "type") }), []string{"source_type_required"}},
		{"source data missing", edit(func(b map[string]any) { delete(b, "source_data") }), []string{"request_data_required"}},
		{"customer e-mail", edit(func(b map[string]any) { b["customer"] = map[string]any{"email": "not-an-email"} }), []string{"customer_email_invalid"}},
		{"test clock", edit(func(b map[string]any) { b["test_clock"] = "clock_nope" }), []string{"test_clock_invalid"}},
		{"malformed JSON", `{"type": "sepa",`, []string{"request_body_malformed"}},
		{"array body", `[1, 2]`, []string{"request_body_malformed"}},
		{"empty body", "", []string{"source_type_required", "request_data_required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.do(t, "POST", "/sources", tc.body, nil).wantCodes(t, http.StatusUnprocessableEntity, tc.codes...)
		})
	}
	// IBANs are normalised: spaces and lower case are fine.
	c.do(t, "POST", "/sources", edit(func(b map[string]any) { sd(b)["account_iban"] = "de25 1001 0010 1234 5678 93" }), nil).want(t, http.StatusCreated)
	// The BIC is optional.
	c.do(t, "POST", "/sources", edit(func(b map[string]any) { delete(sd(b), "bic") }), nil).want(t, http.StatusCreated)
}

// TestCkoTestIBANs drives every Checkout.com test IBAN through a payment
// and checks the statuses, actions and signed webhooks it produces.
func TestCkoTestIBANs(t *testing.T) {
	e := newEnv(t, envOptions{Cko: true})
	s, c := e.srv, e.cko()
	rcv := kontortest.NewCkoReceiver(t, c.key)
	c.register(t, rcv)
	// Three runs of each chargeback IBAN on the wall clock: in every run
	// payment_chargeback is dated after payment_paid.
	for i := range 15 {
		tc := []struct{ iban, token string }{
			{ibanCBRefund, "RFND"}, {ibanCBActive, "ACT"}, {ibanCBFunds, "NSF"}, {ibanCBOther, "OTHR"}, {ibanCBFormat, "FRM"},
		}[i%5]
		t.Run(fmt.Sprintf("chargeback %s run %d", tc.token, i/5), func(t *testing.T) {
			t.Parallel()
			pay := c.pay(t, c.source(t, tc.iban, "recurring", nil), 5600)
			rcv.WaitAccepted(t, "payment_captured", pay)
			rcv.WaitAccepted(t, "payment_paid", pay)
			cb := rcv.WaitAccepted(t, "payment_chargeback", pay)
			checkCkoEventOrder(t, c, rcv, pay, []string{"payment_pending", "payment_captured", "payment_paid", "payment_chargeback"})
			if cb.Cko.Data["reason"] != tc.token {
				t.Errorf("chargeback reason = %v, want %s", cb.Cko.Data["reason"], tc.token)
			}
			if cb.Cko.Data["status"] != "Paid" || cb.Cko.Data["amount"] != float64(5600) {
				t.Errorf("chargeback data = %v", cb.Cko.Data)
			}
			// A charged-back payment cannot be refunded as well.
			c.do(t, "POST", "/payments/"+pay+"/refunds", nil, nil).wantCodes(t, http.StatusForbidden, "payment_disputed")
		})
	}
	t.Run("paid", func(t *testing.T) {
		t.Parallel()
		pay := c.pay(t, c.source(t, ibanPaid, "recurring", nil), 5600)
		pend := rcv.WaitAccepted(t, "payment_pending", pay)
		if pend.Cko.Data["status"] != "Pending" {
			t.Errorf("payment_pending status = %v", pend.Cko.Data["status"])
		}
		capt := rcv.WaitAccepted(t, "payment_captured", pay)
		if capt.Cko.Data["status"] != "Captured" {
			t.Errorf("payment_captured status = %v", capt.Cko.Data["status"])
		}
		paid := rcv.WaitAccepted(t, "payment_paid", pay)
		if paid.Cko.Data["status"] != "Paid" || paid.Cko.Data["action_id"] != capt.Cko.Data["action_id"] {
			t.Errorf("payment_paid data = %v", paid.Cko.Data)
		}
		p := c.waitStatus(t, pay, "Paid")
		if got := c.actionTypes(t, pay); !slices.Equal(got, []string{"Capture", "Authorization"}) {
			t.Errorf("actions = %v", got)
		}
		if p["approved"] != true || p["amount"] != float64(5600) || p["currency"] != "EUR" {
			t.Errorf("payment = %v", p)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		t.Parallel()
		pay := c.pay(t, c.source(t, ibanCanceled, "recurring", nil), 5600)
		ev := rcv.WaitAccepted(t, "payment_canceled", pay)
		if ev.Cko.Data["status"] != "Canceled" {
			t.Errorf("payment_canceled status = %v", ev.Cko.Data["status"])
		}
		c.waitStatus(t, pay, "Canceled")
		if got := c.actionTypes(t, pay); !slices.Equal(got, []string{"Void", "Authorization"}) {
			t.Errorf("actions = %v", got)
		}
		c.do(t, "POST", "/payments/"+pay+"/refunds", nil, nil).wantCodes(t, http.StatusForbidden, "refund_not_allowed")
	})
	t.Run("pending", func(t *testing.T) {
		t.Parallel()
		pay := c.pay(t, c.source(t, ibanPending, "recurring", nil), 5600)
		rcv.WaitAccepted(t, "payment_pending", pay)
		// A later payment that went through to Paid settled after this one
		// would have: nothing happened to this one.
		later := c.pay(t, c.source(t, ibanPaid, "recurring", nil), 100)
		rcv.WaitAccepted(t, "payment_paid", later)
		if st := c.payment(t, pay)["status"]; st != "Pending" {
			t.Errorf("status = %v, want Pending", st)
		}
		if got := rcv.Types(pay); !slices.Equal(got, []string{"payment_pending"}) {
			t.Errorf("events = %v, want only payment_pending", got)
		}
		c.do(t, "POST", "/payments/"+pay+"/refunds", nil, nil).wantCodes(t, http.StatusForbidden, "refund_not_allowed")
	})
	t.Run("signatures and headers", func(t *testing.T) {
		t.Parallel()
		d := rcv.WaitAccepted(t, "payment_pending", "")
		if d.Header.Get("Authorization") != "kontor-test-1234" {
			t.Errorf("custom header = %q", d.Header.Get("Authorization"))
		}
		if !ckoID("evt").MatchString(d.Cko.ID) || d.Cko.Version != "2.0" {
			t.Errorf("event id %q version %q", d.Cko.ID, d.Cko.Version)
		}
		if _, err := time.Parse(time.RFC3339, d.Cko.CreatedOn); err != nil {
			t.Errorf("created_on %q: %v", d.Cko.CreatedOn, err)
		}
		if !strings.HasPrefix(d.Cko.Links["payment"].Href, s.URL+"/payments/pay_") {
			t.Errorf("links = %v", d.Cko.Links)
		}
	})
	t.Cleanup(func() {
		if n := rcv.Unverified(); n > 0 {
			t.Errorf("%d deliveries failed signature verification", n)
		}
	})
}
