package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
)

// TestSourceTestHelpers covers Kontor's test helpers for sources: authorise
// or fail a Sofort source, deliver a credit transfer.
func TestSourceTestHelpers(t *testing.T) {
	e := newEnv(t, payments)
	s := e.sofort(1099, "", "")
	got := jsonObj(t, e.post("/v1/test_helpers/sources/"+s.ID+"/authorize", nil))
	if got["status"] != "chargeable" || got["redirect"].(map[string]any)["status"] != "succeeded" {
		t.Errorf("authorized = %v", got)
	}
	e.event("source.chargeable", s.ID)
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/sources/"+s.ID+"/authorize", nil), http.StatusBadRequest, "source_not_pending", "source")
	})
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/sources/"+s.ID+"/fail", nil), http.StatusBadRequest, "source_not_pending", "source")
	})
	for _, reason := range []string{"", "user_abort", "declined", "processing_error"} {
		f := e.sofort(1099, "", "")
		form := url.Values{}
		if reason != "" {
			form.Set("failure_reason", reason)
		}
		got := jsonObj(t, e.post("/v1/test_helpers/sources/"+f.ID+"/fail", form))
		want := reason
		if want == "" {
			want = "user_abort"
		}
		red := got["redirect"].(map[string]any)
		if got["status"] != "failed" || red["status"] != "failed" || red["failure_reason"] != want {
			t.Errorf("fail with %q = %v", reason, got)
		}
		ev := e.event("source.failed", f.ID)
		if ev.Data.Object["redirect"].(map[string]any)["failure_reason"] != want {
			t.Errorf("source.failed data = %v", ev.Data.Object["redirect"])
		}
	}
	p := e.sofort(1099, "", "")
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/sources/"+p.ID+"/fail", url.Values{"failure_reason": {"bored"}}), http.StatusBadRequest, "parameter_invalid_enum", "failure_reason")
	})
	sd := e.sepaDebit("DE89370400440532013000", "")
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/sources/"+sd.ID+"/authorize", nil), http.StatusBadRequest, "source_not_redirect", "source")
	})
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/sources/src_nope/authorize", nil), http.StatusNotFound, "resource_missing", "id")
	})

	// Credit transfers.
	ct := e.creditTransfer("jenny@example.com", "")
	tx := jsonObj(t, e.post("/v1/test_helpers/sources/"+ct.ID+"/credit_transfers", url.Values{"amount": {"1234"}}))
	sct := tx["sepa_credit_transfer"].(map[string]any)
	if tx["amount"] != float64(1234) || sct["sender_iban"] != "DE89370400440532013000" || sct["sender_name"] != "Jenny Rosen" || sct["reference"] != "" {
		t.Errorf("default transfer = %v", tx)
	}
	e.event("source.transaction.created", tx["id"].(string))
	for _, c := range []struct {
		id     string
		form   url.Values
		status int
		code   string
		param  string
	}{
		{ct.ID, url.Values{}, 400, "parameter_missing", "amount"},
		{ct.ID, url.Values{"amount": {"0"}}, 400, "invalid_amount", "amount"},
		{ct.ID, url.Values{"amount": {"-1"}}, 400, "invalid_amount", "amount"},
		{ct.ID, url.Values{"amount": {"100"}, "sender_iban": {"DE00000"}}, 400, "invalid_bank_account_iban", "sender_iban"},
		{sd.ID, url.Values{"amount": {"100"}}, 400, "source_not_receiver", "source"},
		{"src_nope", url.Values{"amount": {"100"}}, 404, "resource_missing", "id"},
	} {
		e.unchanged(func() {
			apiErr(t, e.post("/v1/test_helpers/sources/"+c.id+"/credit_transfers", c.form), c.status, c.code, c.param)
		})
	}
	// The helpers need the secret key.
	pk := e.acct.Do(t, http.MethodPost, "/v1/test_helpers/sources/"+p.ID+"/authorize", "", map[string]string{"Authorization": "Bearer " + e.acct.PublishableKey})
	apiErr(t, pk, http.StatusUnauthorized, "secret_key_required", "")
}

// TestChargeTestHelpers covers Kontor's test helpers for charges: settle or
// fail a pending charge (optionally with a failure code), open a dispute.
func TestChargeTestHelpers(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	s := e.sepaDebit("DE62370400440532013001", clk.ID) // would fail by itself
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	ch := e.charge(s.ID, cus.ID, 1000)
	got := jsonObj(t, e.post("/v1/test_helpers/charges/"+ch.ID+"/settle", nil))
	if got["status"] != "succeeded" || got["balance_transaction"] == nil {
		t.Errorf("settled = %v", got)
	}
	e.event("charge.succeeded", ch.ID)
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+ch.ID+"/settle", nil), http.StatusBadRequest, "charge_not_pending", "charge")
	})
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+ch.ID+"/fail", nil), http.StatusBadRequest, "charge_not_pending", "charge")
	})

	ok := e.sepaDebit("DE89370400440532013000", clk.ID) // would succeed by itself
	okCus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(ok.ID)})
	for _, code := range []string{"", "insufficient_funds", "account_closed", "charge_exceeds_source_limit", "charge_exceeds_weekly_limit", "debit_canceled"} {
		c := e.charge(ok.ID, okCus.ID, 500)
		form := url.Values{}
		if code != "" {
			form.Set("failure_code", code)
		}
		got := jsonObj(t, e.post("/v1/test_helpers/charges/"+c.ID+"/fail", form))
		want := code
		if want == "" {
			want = "generic_decline"
		}
		if got["status"] != "failed" || got["failure_code"] != want || got["failure_message"] == nil {
			t.Errorf("fail with %q = %v / %v / %v", code, got["status"], got["failure_code"], got["failure_message"])
		}
		e.event("charge.failed", c.ID)
	}
	pending := e.charge(ok.ID, okCus.ID, 500)
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+pending.ID+"/fail", url.Values{"failure_code": {"meh"}}), http.StatusBadRequest, "parameter_invalid_enum", "failure_code")
	})
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/py_nope/settle", nil), http.StatusNotFound, "resource_missing", "id")
	})
	// The bank's own answer, due later, no longer changes the forced outcomes.
	advance(e.t, e.acct, clk.ID, t0.Add(5*time.Minute))
	if st := e.getCharge(ch.ID).Status; st != "succeeded" {
		t.Errorf("settled charge after the clock moved: %s", st)
	}
	e.wantEvents(ch.ID, "charge.pending", "charge.succeeded")
	if st := e.getCharge(pending.ID).Status; st != "succeeded" {
		t.Errorf("untouched charge: %s", st)
	}

	// Dispute with a chosen reason.
	d := e.openDispute(ch.ID, "insufficient_funds")
	if d.Reason != "insufficient_funds" || d.Status != "lost" || d.Charge.ID != ch.ID {
		t.Errorf("dispute = %s", rawJSON(d))
	}
	e.event("charge.dispute.created", d.ID)
	e.event("charge.dispute.funds_withdrawn", d.ID)
	e.event("charge.dispute.closed", d.ID)
	// Without a reason, the dispute is general.
	if d := e.openDispute(pending.ID, ""); d.Reason != "general" {
		t.Errorf("default reason = %s", d.Reason)
	}
}
