package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/sepa"
)

// reasonCase is one collection of the reason table test: a Stripe charge or
// a Checkout.com payment, and how the bank answers it.
type reasonCase struct {
	reason sepa.Reason
	cko    bool
	// returned: booked, then returned after settlement; else rejected before.
	returned bool
	// helper: answered by the return test helper instead of a file.
	helper bool
	id     string
}

// TestBankReasonTable answers collections of both dialects with every bank
// reason code of sepa's table, once through imported files (a pain.002
// rejection before settlement, a camt.054 booking and a camt.054 return
// after it) and once through the return test helpers, and checks that each
// ends as the table says: the Stripe failure_code or dispute reason, the
// Checkout.com decline response code or chargeback token, and no dispute for
// the negative answers to a recall, which move no money.
func TestBankReasonTable(t *testing.T) {
	// No Stripe webhook endpoint: the Stripe side is read through the API,
	// and 320 collections' deliveries would only slow the Checkout.com ones.
	e := newEnv(t, envOptions{Profile: payments.Profile, Cko: true})
	e.isoAccount()
	c := e.cko()
	rcv := kontortest.NewCkoReceiver(t, c.key)
	c.register(t, rcv)
	src := e.sepaDebit(collectionIBAN, "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(src.ID)})
	csrc := c.source(t, "DE25100100101234567893", "recurring", nil)

	var cases []*reasonCase
	for _, r := range sepa.Reasons() {
		if r.Proprietary {
			continue // Kontor's own checks, never in a bank's file
		}
		for _, ck := range []bool{false, true} {
			for _, returned := range []bool{false, true} {
				for _, helper := range []bool{false, true} {
					rc := &reasonCase{reason: r, cko: ck, returned: returned, helper: helper}
					if ck {
						rc.id = c.pay(t, csrc, 1234)
					} else {
						rc.id = e.charge(src.ID, cus.ID, 1234).ID
					}
					cases = append(cases, rc)
				}
			}
		}
	}

	// The helpers first: what they answered leaves no instruction to export.
	for _, rc := range cases {
		if !rc.helper {
			continue
		}
		after := rc.returned
		if rc.cko {
			resp := c.do(t, "POST", "/test_helpers/payments/"+rc.id+"/return", map[string]any{"reason": rc.reason.Code, "after_settlement": after}, nil)
			if after && !movesMoney(rc.reason) {
				resp.wantCodes(t, http.StatusUnprocessableEntity, "reason_invalid")
				rc.helper = false // refused: the file answers it below
				continue
			}
			resp.want(t, http.StatusOK)
			continue
		}
		resp := e.post("/v1/test_helpers/charges/"+rc.id+"/return", url.Values{"reason": {rc.reason.Code}, "after_settlement": {boolString(after)}})
		if after && !movesMoney(rc.reason) {
			apiErr(t, resp, http.StatusBadRequest, "invalid_reason", "reason")
			rc.helper = false
			continue
		}
		jsonObj(t, resp)
	}

	files := e.exportFiles(nil)
	if len(files) != 1 {
		t.Fatalf("export: %s", rawJSON(files))
	}
	dd := e.exported(files[0])
	want := 0
	for _, rc := range cases {
		if !rc.helper {
			want++
		}
	}
	if len(dd.Instructions) != want {
		t.Fatalf("%d instructions exported, want the %d no helper answered", len(dd.Instructions), want)
	}
	var rejects []testbank.Reject
	var booked, returns []testbank.Entry
	for _, rc := range cases {
		if rc.helper {
			continue
		}
		e2e := instructionOf(t, dd, rc.id).EndToEndID
		if !rc.returned {
			rejects = append(rejects, testbank.Reject{EndToEndID: e2e, Reason: rc.reason.Code})
			continue
		}
		booked = append(booked, testbank.Entry{Credit: true, Amount: 1234, BookingDate: "2026-03-04", EndToEndID: e2e})
		returns = append(returns, testbank.Entry{Credit: false, Amount: 1234, BookingDate: "2026-03-11", EndToEndID: e2e, ReturnReason: rc.reason.Code})
	}
	now := time.Now().UTC()
	wantSummary(t, "pain.002", e.imported(testbank.StatusReport("2019", "REASONS-PAIN002", now, dd, "pain.008.001.08", "", nil, rejects)), len(rejects), 1, 0)
	wantSummary(t, "bookings", e.imported(testbank.Notification("2019", "REASONS-CAMT054-1", now, collectionIBAN, booked)), len(booked), 0, 0)
	wantSummary(t, "returns", e.imported(testbank.Notification("2019", "REASONS-CAMT054-2", now, collectionIBAN, returns)), len(returns), 0, 0)

	for _, rc := range cases {
		r, what := rc.reason, rc.reason.Code+map[bool]string{false: " stripe", true: " cko"}[rc.cko]+
			map[bool]string{false: " rejected", true: " returned"}[rc.returned]+map[bool]string{false: " by file", true: " by helper"}[rc.helper]
		switch {
		case rc.cko && !rc.returned:
			p := c.payment(t, rc.id)
			status, code := "Declined", r.CkoResponse
			if r.Code == sepa.ReasonCanceled {
				status, code = "Canceled", "10000"
			}
			actions, _ := p["actions"].([]any)
			if p["status"] != status || len(actions) == 0 || actions[0].(map[string]any)["response_code"] != code {
				t.Errorf("%s: payment %v, actions %v; want %s with %s", what, p["status"], actions, status, code)
			}
		case rc.cko && movesMoney(r):
			ev := rcv.WaitAccepted(t, "payment_chargeback", rc.id)
			if ev.Cko.Data["reason"] != r.CkoToken || ev.Cko.Data["reason_code"] != r.Code {
				t.Errorf("%s: chargeback %v, want token %s", what, ev.Cko.Data, r.CkoToken)
			}
		case rc.cko:
			if p := c.payment(t, rc.id); p["status"] != "Captured" && p["status"] != "Paid" {
				t.Errorf("%s: a recall's negative answer moved the payment to %v", what, p["status"])
			}
		case !rc.returned:
			ch := e.getCharge(rc.id)
			if ch.Status != stripe.ChargeStatusFailed || ch.FailureCode != r.StripeFailure {
				t.Errorf("%s: charge %s %s, want failed with %s", what, ch.Status, ch.FailureCode, r.StripeFailure)
			}
		case movesMoney(r):
			if d := e.disputeOf(rc.id); d.Reason != stripe.DisputeReason(r.StripeDispute) {
				t.Errorf("%s: dispute reason %s, want %s", what, d.Reason, r.StripeDispute)
			}
		default:
			if ch := e.getCharge(rc.id); ch.Status != stripe.ChargeStatusSucceeded || ch.Disputed {
				t.Errorf("%s: a recall's negative answer left the charge %s, disputed %v", what, ch.Status, ch.Disputed)
			}
		}
	}

	// The helpers' own refusals.
	some := cases[0].id
	apiErr(t, e.post("/v1/test_helpers/charges/"+some+"/return", url.Values{"reason": {"XX99"}}), http.StatusBadRequest, "invalid_reason", "reason")
	apiErr(t, e.post("/v1/test_helpers/charges/"+some+"/return", url.Values{}), http.StatusBadRequest, "parameter_missing", "reason")
	apiErr(t, e.post("/v1/test_helpers/charges/"+some+"/return", url.Values{"reason": {"AM04"}}), http.StatusBadRequest, "charge_already_failed", "charge")
	c.do(t, "POST", "/test_helpers/payments/"+csrc+"/return", map[string]any{"reason": "AM04"}, nil).want(t, http.StatusNotFound)
	c.do(t, "POST", "/test_helpers/payments/"+cases[len(cases)-1].id+"/return", map[string]any{"reason": 7}, nil).wantCodes(t, http.StatusUnprocessableEntity, "reason_invalid")
}

// movesMoney tells whether a return after settlement with r takes the money back.
func movesMoney(r sepa.Reason) bool { return r.ReturnsMoney() }

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
