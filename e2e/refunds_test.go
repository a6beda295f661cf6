package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
)

func (e *env) refund(charge string, amount int64) *stripe.Refund {
	e.t.Helper()
	p := &stripe.RefundCreateParams{Charge: stripe.String(charge)}
	if amount > 0 {
		p.Amount = stripe.Int64(amount)
	}
	r, err := e.sc.V1Refunds.Create(e.ctx, p)
	if err != nil {
		e.t.Fatalf("refund %s: %v", charge, err)
	}
	return r
}

// TestRefunds covers full, partial and several refunds of one charge, never
// more than its amount, with their events, shape, update and list.
func TestRefunds(t *testing.T) {
	e := newEnv(t, payments)
	s := e.sepaDebit("DE89370400440532013000", "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	ch := e.charge(s.ID, cus.ID, 1099)
	e.waitCharge(ch.ID, "succeeded")

	r1, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID), Amount: stripe.Int64(300),
		Reason: stripe.String("requested_by_customer"), Metadata: map[string]string{"ticket": "T-1"}})
	if err != nil {
		t.Fatal(err)
	}
	hasPrefix(t, "refund", r1.ID, "pyr_")
	if r1.Object != "refund" || r1.Amount != 300 || r1.Currency != "eur" || r1.Charge == nil || r1.Charge.ID != ch.ID ||
		r1.Status != "pending" || r1.Reason != "requested_by_customer" || r1.Metadata["ticket"] != "T-1" || r1.BalanceTransaction == nil {
		t.Errorf("refund = %s", rawJSON(r1))
	}
	e.event("refund.created", r1.ID)
	refunded := e.event("charge.refunded", ch.ID)
	if refunded.Data.Object["amount_refunded"] != float64(300) || refunded.Data.PreviousAttributes["amount_refunded"] != float64(0) {
		t.Errorf("charge.refunded = %v / %v", refunded.Data.Object["amount_refunded"], refunded.Data.PreviousAttributes)
	}
	e.event("refund.updated", r1.ID)
	e.event("charge.refund.updated", r1.ID)
	if got := e.getRefund(r1.ID); got.Status != "succeeded" {
		t.Errorf("refund status = %s", got.Status)
	}
	e.wantEvents(r1.ID, "refund.created", "refund.updated", "charge.refund.updated")

	r2 := e.refund(ch.ID, 500)
	e.waitRefund(r2.ID, "succeeded") // so that its events do not land amid the checks below
	// Never more than what is left: 1099 − 800 = 299.
	e.unchanged(func() {
		_, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID), Amount: stripe.Int64(300)})
		invalid(t, err, "amount_too_large", "amount")
	})
	got := e.getCharge(ch.ID)
	if got.AmountRefunded != 800 || got.Refunded {
		t.Errorf("charge after two partial refunds: refunded %d %v", got.AmountRefunded, got.Refunded)
	}
	r3 := e.refund(ch.ID, 0) // the rest
	e.waitRefund(r3.ID, "succeeded")
	if r3.Amount != 299 {
		t.Errorf("refund of the rest = %d, want 299", r3.Amount)
	}
	got = e.getCharge(ch.ID, "refunds")
	if got.AmountRefunded != 1099 || !got.Refunded || got.Refunds == nil || len(got.Refunds.Data) != 3 || got.Refunds.Data[0].ID != r3.ID {
		t.Errorf("fully refunded charge = %s", rawJSON(got))
	}
	e.unchanged(func() {
		_, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID)})
		invalid(t, err, "amount_too_large", "amount")
	})

	// Bad requests change nothing.
	other := e.charge(s.ID, cus.ID, 1000)
	e.waitCharge(other.ID, "succeeded")
	for _, c := range []struct {
		form   url.Values
		status int
		code   string
		param  string
	}{
		{url.Values{}, 400, "parameter_missing", "charge"},
		{url.Values{"charge": {"py_nope"}}, 400, "resource_missing", "charge"},
		{url.Values{"charge": {other.ID}, "amount": {"0"}}, 400, "invalid_refund_amount", "amount"},
		{url.Values{"charge": {other.ID}, "amount": {"1001"}}, 400, "amount_too_large", "amount"},
		{url.Values{"charge": {other.ID}, "reason": {"changed_mind"}}, 400, "parameter_invalid_enum", "reason"},
		{url.Values{"charge": {other.ID}, "payment_intent": {"pi_other"}}, 400, "parameters_exclusive", "payment_intent"},
		{url.Values{"payment_intent": {"pi_nope"}}, 400, "resource_missing", "payment_intent"},
		{url.Values{"charge": {other.ID}, "instructions_email": {"a@example.com"}}, 400, "parameter_unknown", "instructions_email"},
	} {
		e.unchanged(func() { apiErr(t, e.post("/v1/refunds", c.form), c.status, c.code, c.param) })
	}

	// Update (metadata only), retrieve, list.
	upd, err := e.sc.V1Refunds.Update(e.ctx, r2.ID, &stripe.RefundUpdateParams{Metadata: map[string]string{"note": "late"}})
	if err != nil || upd.Metadata["note"] != "late" {
		t.Fatalf("update refund: %v %s", err, rawJSON(upd))
	}
	e.unchanged(func() {
		apiErr(t, e.post("/v1/refunds/"+r2.ID, url.Values{"amount": {"1"}}), http.StatusBadRequest, "parameter_unknown", "amount")
	})
	var ids []string
	for r, err := range e.sc.V1Refunds.List(e.ctx, &stripe.RefundListParams{Charge: stripe.String(ch.ID)}).All(e.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{r3.ID, r2.ID, r1.ID}) {
		t.Errorf("refunds of the charge = %v", ids)
	}
	page := jsonObj(t, e.get("/v1/refunds?limit=1"))
	if page["has_more"] != true || page["url"] != "/v1/refunds" {
		t.Errorf("refund page = %v", page)
	}
	sub := jsonObj(t, e.get("/v1/charges/"+ch.ID+"/refunds?limit=2"))
	if d := sub["data"].([]any); len(d) != 2 || sub["has_more"] != true {
		t.Errorf("GET /v1/charges/{id}/refunds = %v", sub)
	}
	exp, err := e.sc.V1Refunds.Retrieve(e.ctx, r1.ID, &stripe.RefundRetrieveParams{Expand: []*string{stripe.String("charge"), stripe.String("balance_transaction")}})
	if err != nil || exp.Charge.Amount != 1099 || exp.BalanceTransaction.Type != "payment_refund" || exp.BalanceTransaction.Amount != -300 {
		t.Errorf("expanded refund: %v %s", err, rawJSON(exp))
	}
	_, err = e.sc.V1Refunds.Retrieve(e.ctx, "pyr_nope", nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)

	// A failed charge has nothing to refund.
	f := e.sepaDebit("DE62370400440532013001", "")
	fc := e.charge(f.ID, "", 500)
	e.waitCharge(fc.ID, "failed")
	e.unchanged(func() {
		_, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(fc.ID)})
		invalid(t, err, "charge_not_refundable", "charge")
	})
}

// TestRefundsOfPendingCharges: a refund of a pending charge waits for it; it
// is carried out once the charge succeeds and canceled if the charge fails.
func TestRefundsOfPendingCharges(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	// Sofort: succeeds.
	so := e.chargeableSofort(1099, "succeeding_charge", clk.ID)
	sch := e.charge(so.ID, "", 1099)
	sr := e.refund(sch.ID, 400)
	if sr.Status != "pending" || sr.PendingReason != "charge_pending" || sr.BalanceTransaction != nil {
		t.Errorf("refund of a pending charge = %s", rawJSON(sr))
	}
	sr2 := e.refund(sch.ID, 699)
	e.unchanged(func() {
		_, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(sch.ID), Amount: stripe.Int64(1)})
		invalid(t, err, "amount_too_large", "amount")
	})
	// SEPA Direct Debit: fails.
	sd := e.sepaDebit("DE62370400440532013001", clk.ID)
	dch := e.charge(sd.ID, "", 2000)
	dr := e.refund(dch.ID, 2000)
	if dr.Status != "pending" || dr.PendingReason != "charge_pending" {
		t.Errorf("refund of a pending SEPA charge = %s", rawJSON(dr))
	}
	// The charges settle within seconds of the clock; the refunds a moment later.
	advance(e.t, e.acct, clk.ID, t0.Add(time.Second))
	if got := e.getCharge(sch.ID); got.Status != "succeeded" {
		t.Fatalf("sofort charge = %s", got.Status)
	}
	r := e.getRefund(sr.ID)
	if (r.Status != "pending" && r.Status != "succeeded") || r.BalanceTransaction == nil || r.PendingReason == "charge_pending" {
		t.Errorf("refund once the charge succeeded = %s", rawJSON(r))
	}
	upd := e.event("refund.updated", sr.ID)
	if upd.Data.PreviousAttributes["balance_transaction"] != nil {
		t.Errorf("refund.updated previous_attributes = %v", upd.Data.PreviousAttributes)
	}
	got := e.getCharge(dch.ID)
	if got.Status != "failed" || got.AmountRefunded != 0 || got.Refunded {
		t.Errorf("failed charge: %s refunded %d", got.Status, got.AmountRefunded)
	}
	if r := e.getRefund(dr.ID); r.Status != "canceled" || r.BalanceTransaction != nil {
		t.Errorf("refund of the failed charge = %s", rawJSON(r))
	}
	e.event("refund.updated", dr.ID)
	e.wantEvents(dr.ID, "refund.created", "refund.updated", "charge.refund.updated")
	advance(e.t, e.acct, clk.ID, t0.Add(time.Minute))
	for _, id := range []string{sr.ID, sr2.ID} {
		if r := e.getRefund(id); r.Status != "succeeded" {
			t.Errorf("refund %s = %s", id, r.Status)
		}
	}
	e.wantEvents(sr.ID, "refund.created", "refund.updated", "charge.refund.updated", "refund.updated", "charge.refund.updated")
	// Only the carried-out refunds moved money.
	var refundTotal int64
	for _, bt := range e.balanceTxns(&stripe.BalanceTransactionListParams{Type: stripe.String("payment_refund")}) {
		refundTotal += bt.Amount
	}
	if refundTotal != -1099 {
		t.Errorf("refund balance transactions total %d, want -1099", refundTotal)
	}
}

// TestRefundWindow: refunds only within 180 days of the charge.
func TestRefundWindow(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	s := e.sepaDebit("DE89370400440532013000", clk.ID)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	ch := e.charge(s.ID, cus.ID, 1000)
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 0, 179))
	if got := e.getCharge(ch.ID); got.Status != "succeeded" {
		t.Fatalf("charge = %s", got.Status)
	}
	e.refund(ch.ID, 100)
	advance(e.t, e.acct, clk.ID, t0.AddDate(0, 0, 180).Add(time.Hour))
	e.unchanged(func() {
		_, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID), Amount: stripe.Int64(100)})
		invalid(t, err, "charge_expired_for_refund", "charge")
	})
}

// TestRefundByPaymentIntent: a refund may name the PaymentIntent instead of
// its charge; refunds, charges and disputes list by payment_intent.
func TestRefundByPaymentIntent(t *testing.T) {
	e := newEnv(t, payments)
	pi := sepaPI(t, e.acct, "", "DE35370400440532013002") // succeeds, then is disputed
	pi = piWait(t, e.acct, pi.ID, "succeeded")
	if pi.LatestCharge == nil {
		t.Fatalf("PaymentIntent without latest_charge: %s", rawJSON(pi))
	}
	chID := pi.LatestCharge.ID
	if got := e.chargeIDs(&stripe.ChargeListParams{PaymentIntent: stripe.String(pi.ID)}); len(got) != 1 || got[0] != chID {
		t.Errorf("charges of the PaymentIntent = %v, want [%s]", got, chID)
	}
	dl := jsonObj(t, e.get("/v1/disputes?payment_intent="+pi.ID))
	if d := dl["data"].([]any); len(d) != 1 || d[0].(map[string]any)["payment_intent"] != pi.ID {
		t.Errorf("disputes of the PaymentIntent = %v", dl)
	}
	// A disputed payment cannot be refunded, whichever way it is named.
	e.unchanged(func() {
		_, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
		invalid(t, err, "charge_disputed", "charge")
	})

	ok := piWait(t, e.acct, sepaPI(t, e.acct, "", "DE89370400440532013000").ID, "succeeded")
	r, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(ok.ID), Amount: stripe.Int64(99)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Charge == nil || r.Charge.ID != ok.LatestCharge.ID || r.PaymentIntent == nil || r.PaymentIntent.ID != ok.ID {
		t.Errorf("refund by payment_intent = %s", rawJSON(r))
	}
	if _, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(ok.ID),
		Charge: stripe.String(ok.LatestCharge.ID), Amount: stripe.Int64(1)}); err != nil {
		t.Errorf("refund naming both: %v", err)
	}
	var ids []string
	for rf, err := range e.sc.V1Refunds.List(e.ctx, &stripe.RefundListParams{PaymentIntent: stripe.String(ok.ID)}).All(e.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rf.ID)
	}
	if len(ids) != 2 || ids[1] != r.ID {
		t.Errorf("refunds of the PaymentIntent = %v", ids)
	}
}
