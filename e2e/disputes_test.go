package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// openDispute opens a dispute on a charge with Kontor's test helper.
func (e *env) openDispute(charge, reason string) *stripe.Dispute {
	e.t.Helper()
	form := url.Values{}
	if reason != "" {
		form.Set("reason", reason)
	}
	r := e.post("/v1/test_helpers/charges/"+charge+"/dispute", form)
	if r.Status != http.StatusOK {
		e.t.Fatalf("open dispute on %s: %d %s", charge, r.Status, r.Body)
	}
	d, err := e.sc.V1Disputes.Retrieve(e.ctx, r.JSON(e.t)["id"].(string), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// TestDisputedIBAN: the disputed test IBAN succeeds and is disputed at once;
// the dispute is final, withdraws the amount and the fee, and takes no evidence.
func TestDisputedIBAN(t *testing.T) {
	e := newEnv(t, payments)
	s := e.sepaDebit("DE35370400440532013002", "")
	ch := e.charge(s.ID, "", 2000)
	created := e.event("charge.dispute.created", "")
	id := created.Data.Object["id"].(string)
	if created.Data.Object["charge"] != ch.ID || created.Data.Object["status"] != "needs_response" {
		t.Errorf("charge.dispute.created data = %v", created.Data.Object)
	}
	withdrawn := e.event("charge.dispute.funds_withdrawn", id)
	if bts, _ := withdrawn.Data.Object["balance_transactions"].([]any); len(bts) != 1 {
		t.Errorf("funds_withdrawn balance_transactions = %v", withdrawn.Data.Object["balance_transactions"])
	}
	closed := e.event("charge.dispute.closed", id)
	if closed.Data.Object["status"] != "lost" || closed.Data.PreviousAttributes["status"] != "needs_response" {
		t.Errorf("charge.dispute.closed = %v / %v", closed.Data.Object["status"], closed.Data.PreviousAttributes)
	}
	e.wantEvents(id, "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed")
	e.wantEvents(ch.ID, "charge.pending", "charge.succeeded", "charge.updated")

	d, err := e.sc.V1Disputes.Retrieve(e.ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasPrefix(t, "dispute", d.ID, "dp_")
	if d.Object != "dispute" || d.Status != "lost" || d.Reason != "general" || d.Amount != 2000 || d.Currency != "eur" || d.Charge == nil ||
		d.Charge.ID != ch.ID || d.IsChargeRefundable || d.Livemode || d.EvidenceDetails == nil || d.EvidenceDetails.HasEvidence ||
		d.EvidenceDetails.PastDue || d.EvidenceDetails.SubmissionCount != 0 || d.EvidenceDetails.DueBy != 0 {
		t.Errorf("dispute = %s", rawJSON(d))
	}
	if len(d.BalanceTransactions) != 1 {
		t.Fatalf("balance_transactions = %s", rawJSON(d.BalanceTransactions))
	}
	bt := d.BalanceTransactions[0]
	if bt.Type != "adjustment" || bt.ReportingCategory != "dispute" || bt.Amount != -2000 || bt.Fee != 750 || bt.Net != -2750 ||
		len(bt.FeeDetails) != 1 || bt.FeeDetails[0].Amount != 750 || bt.FeeDetails[0].Currency != "eur" || bt.Source == nil || bt.Source.ID != d.ID {
		t.Errorf("dispute balance transaction = %s", rawJSON(bt))
	}
	raw := jsonObj(t, e.get("/v1/disputes/"+id))
	ev := raw["evidence"].(map[string]any)
	for k, v := range ev {
		if k != "enhanced_evidence" && v != nil {
			t.Errorf("evidence[%s] = %v, want null", k, v)
		}
	}
	if len(ev) < 27 || raw["payment_method_details"].(map[string]any)["type"] != "sepa_debit" || raw["evidence_details"].(map[string]any)["due_by"] != nil {
		t.Errorf("dispute evidence / payment_method_details = %v / %v", ev, raw["payment_method_details"])
	}
	if got := e.getCharge(ch.ID); !got.Disputed || got.Status != "succeeded" {
		t.Errorf("disputed charge = %s", rawJSON(got))
	}
	// A disputed payment cannot be refunded as well.
	e.unchanged(func() {
		_, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID)})
		invalid(t, err, "charge_disputed", "charge")
	})
	// SEPA disputes are final: no evidence, no submission, nothing to close.
	e.unchanged(func() {
		_, err := e.sc.V1Disputes.Update(e.ctx, id, &stripe.DisputeUpdateParams{Evidence: &stripe.DisputeUpdateEvidenceParams{
			UncategorizedText: stripe.String("The customer agreed.")}})
		invalid(t, err, "dispute_closed", "evidence")
	})
	e.unchanged(func() {
		_, err := e.sc.V1Disputes.Update(e.ctx, id, &stripe.DisputeUpdateParams{Submit: stripe.Bool(true)})
		invalid(t, err, "dispute_closed", "submit")
	})
	e.unchanged(func() {
		_, err := e.sc.V1Disputes.Close(e.ctx, id, nil)
		stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "dispute_closed")
	})
	// Metadata may be set.
	upd, err := e.sc.V1Disputes.Update(e.ctx, id, &stripe.DisputeUpdateParams{Metadata: map[string]string{"case": "42"}})
	if err != nil || upd.Metadata["case"] != "42" || upd.Status != "lost" {
		t.Fatalf("update dispute metadata: %v %s", err, rawJSON(upd))
	}
	e.event("charge.dispute.updated", id)
	// List, filtered by charge.
	n := 0
	for d, err := range e.sc.V1Disputes.List(e.ctx, &stripe.DisputeListParams{Charge: stripe.String(ch.ID)}).All(e.ctx) {
		if err != nil || d.ID != id {
			t.Errorf("listed %v %v", d, err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d disputes of the charge", n)
	}
	if l := jsonObj(t, e.get("/v1/disputes?charge=py_other")); len(l["data"].([]any)) != 0 {
		t.Errorf("disputes of another charge = %v", l)
	}
	_, err = e.sc.V1Disputes.Retrieve(e.ctx, "dp_nope", nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	// The balance lost the amount and the fee.
	b, err := e.sc.V1Balance.Retrieve(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	fee := e.getCharge(ch.ID, "balance_transaction").BalanceTransaction.Fee
	if len(b.Available) != 1 || b.Available[0].Amount != 2000-fee-2000-750 {
		t.Errorf("balance = %s (payment fee %d)", rawJSON(b.Available), fee)
	}
}

// TestDisputeFees: a dispute books one adjustment in the account's
// settlement currency that withdraws the payment (converted at the
// sandbox's rate, exchange_rate set, when the account settles in another
// currency than euros) and charges the dispute fee, in fee and fee_details,
// as Stripe shows it.
func TestDisputeFees(t *testing.T) {
	e := newEnv(t, payments)
	fees := map[string]int64{"chf": 850, "dkk": 6000, "eur": 750, "gbp": 700, "nok": 7000, "sek": 7500, "usd": 850}
	rates := map[string]float64{"chf": 0.94, "dkk": 7.46, "eur": 0, "gbp": 0.86, "nok": 11.72, "sek": 11.18, "usd": 1.08}
	s := e.sepaDebit("DE89370400440532013000", "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	for cur, fee := range fees {
		e.setAccount(url.Values{"settlement_currency": {"eur"}})
		ch := e.charge(s.ID, cus.ID, 1000)
		e.waitCharge(ch.ID, "succeeded")
		e.setAccount(url.Values{"settlement_currency": {cur}})
		d := e.openDispute(ch.ID, "fraudulent")
		e.event("charge.dispute.funds_withdrawn", d.ID)
		if d.Reason != "fraudulent" || d.Status != "lost" || len(d.BalanceTransactions) != 1 {
			t.Fatalf("%s: dispute = %s", cur, rawJSON(d))
		}
		bt := d.BalanceTransactions[0]
		want := int64(-1000)
		if rates[cur] != 0 {
			want = -int64(1000*rates[cur] + 0.5)
		}
		if bt.Type != "adjustment" || bt.ReportingCategory != "dispute" || string(bt.Currency) != cur || bt.Amount != want ||
			bt.ExchangeRate != rates[cur] || bt.Fee != fee || bt.Net != want-fee || len(bt.FeeDetails) != 1 {
			t.Fatalf("%s: balance transaction %s, want %d withdrawn at rate %v and a fee of %d", cur, rawJSON(bt), want, rates[cur], fee)
		}
		if fd := bt.FeeDetails[0]; fd.Amount != fee || string(fd.Currency) != cur || fd.Description != "Dispute fee" || fd.Type != "stripe_fee" {
			t.Errorf("%s: fee_details = %s", cur, rawJSON(bt.FeeDetails))
		}
	}
	// A payment booked while the account settles in usd is converted too.
	e.setAccount(url.Values{"settlement_currency": {"usd"}})
	ch := e.charge(s.ID, cus.ID, 1000)
	done := e.waitCharge(ch.ID, "succeeded")
	bts := e.balanceTxns(&stripe.BalanceTransactionListParams{Source: stripe.String(done.ID)})
	if len(bts) != 1 || bts[0].Currency != "usd" || bts[0].Amount != 1080 || bts[0].ExchangeRate != 1.08 || bts[0].Fee != 38 ||
		bts[0].FeeDetails[0].Currency != "usd" {
		t.Errorf("payment balance transaction in usd: %s", rawJSON(bts))
	}
}

// TestDisputeWindows: within eight weeks of the debit any dispute is
// honoured; until thirteen months only debit_not_authorized; later none.
// Sofort and SEPA Credit Transfer payments have no disputes.
func TestDisputeWindows(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	s := e.sepaDebit("DE89370400440532013000", clk.ID)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	var chs []string
	for range 4 {
		chs = append(chs, e.charge(s.ID, cus.ID, 1000).ID)
	}
	// A pending charge cannot be disputed yet.
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+chs[0]+"/dispute", url.Values{"reason": {"general"}}), http.StatusBadRequest, "dispute_not_possible", "charge")
	})
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 0, 55))
	if d := e.openDispute(chs[0], "product_not_received"); d.Reason != "product_not_received" {
		t.Errorf("within eight weeks: %s", rawJSON(d))
	}
	// Twice is once too many.
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+chs[0]+"/dispute", nil), http.StatusBadRequest, "charge_disputed", "charge")
	})
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 0, 57))
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+chs[1]+"/dispute", url.Values{"reason": {"fraudulent"}}), http.StatusBadRequest, "dispute_window_closed", "reason")
	})
	if d := e.openDispute(chs[1], "debit_not_authorized"); d.Status != "lost" {
		t.Errorf("after eight weeks, unauthorised: %s", rawJSON(d))
	}
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 13, -1))
	if d := e.openDispute(chs[2], "debit_not_authorized"); d.Status != "lost" {
		t.Errorf("within thirteen months, unauthorised: %s", rawJSON(d))
	}
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 13, 1))
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+chs[3]+"/dispute", url.Values{"reason": {"debit_not_authorized"}}), http.StatusBadRequest, "dispute_window_closed", "charge")
	})
	// Disputes are dated by the clock.
	if d := e.disputeOf(chs[1]); d.Created != t0.AddDate(0, 0, 57).Unix() {
		t.Errorf("dispute created %d, want %d", d.Created, t0.AddDate(0, 0, 57).Unix())
	}

	// No disputes on Sofort or credit transfer payments.
	so := e.chargeableSofort(1000, "", "")
	sch := e.charge(so.ID, "", 1000)
	e.waitCharge(sch.ID, "succeeded")
	ct := e.creditTransfer("amount_1000@example.com", "")
	cch := e.charge(ct.ID, "", 1000)
	for _, id := range []string{sch.ID, cch.ID} {
		e.unchanged(func() {
			apiErr(t, e.post("/v1/test_helpers/charges/"+id+"/dispute", nil), http.StatusBadRequest, "dispute_not_possible", "charge")
		})
	}
	e.unchanged(func() {
		apiErr(t, e.post("/v1/test_helpers/charges/"+sch.ID+"/dispute", url.Values{"reason": {"angry"}}), http.StatusBadRequest, "parameter_invalid_enum", "reason")
	})
}

// disputeOf returns the dispute of a charge.
func (e *env) disputeOf(charge string) *stripe.Dispute {
	e.t.Helper()
	for d, err := range e.sc.V1Disputes.List(e.ctx, &stripe.DisputeListParams{Charge: stripe.String(charge)}).All(e.ctx) {
		if err != nil {
			e.t.Fatal(err)
		}
		return d
	}
	e.t.Fatalf("no dispute of %s", charge)
	return nil
}
