package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// balanceIn returns the available and pending amounts of currency.
func (e *env) balanceIn(currency string) (available, pending int64) {
	e.t.Helper()
	b, err := e.sc.V1Balance.Retrieve(e.ctx, nil)
	if err != nil {
		e.t.Fatalf("retrieve balance: %v", err)
	}
	if b.Object != "balance" || b.Livemode {
		e.t.Errorf("balance = %s", rawJSON(b))
	}
	for _, f := range b.Available {
		if string(f.Currency) == currency {
			available = f.Amount
			if f.SourceTypes["bank_account"] != f.Amount {
				e.t.Errorf("available source_types = %v", f.SourceTypes)
			}
		}
	}
	for _, f := range b.Pending {
		if string(f.Currency) == currency {
			pending = f.Amount
		}
	}
	return available, pending
}

// TestBalance covers GET /v1/balance and the balance transactions of
// payments and refunds with their fees, filters and paging.
func TestBalance(t *testing.T) {
	e := newEnv(t, payments)
	if a, p := e.balanceIn("eur"); a != 0 || p != 0 {
		t.Errorf("new account's balance = %d / %d", a, p)
	}
	s := e.sepaDebit("DE89370400440532013000", "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	ch := e.charge(s.ID, cus.ID, 1099)
	// Nothing moves while the charge is pending.
	if a, p := e.balanceIn("eur"); a != 0 || p != 0 {
		t.Errorf("balance with a pending charge = %d / %d", a, p)
	}
	e.waitCharge(ch.ID, "succeeded")
	so := e.chargeableSofort(1099, "", "")
	sch := e.charge(so.ID, "", 1099)
	e.waitCharge(sch.ID, "succeeded")
	ct := e.creditTransfer("amount_10000@example.com", "")
	cch := e.charge(ct.ID, "", 10000)

	// Default fees: SEPA Direct Debit €0.35, Sofort 1.4 % + €0.25, SEPA Credit Transfer 0.8 %.
	for id, want := range map[string]struct{ fee int64 }{ch.ID: {35}, sch.ID: {40}, cch.ID: {80}} {
		c := e.getCharge(id, "balance_transaction")
		bt := c.BalanceTransaction
		hasPrefix(t, "balance transaction", bt.ID, "txn_")
		if bt.Object != "balance_transaction" || bt.Type != "payment" || bt.ReportingCategory != "charge" || bt.Amount != c.Amount ||
			bt.Fee != want.fee || bt.Net != c.Amount-want.fee || bt.Currency != "eur" || bt.Status != "available" || bt.AvailableOn == 0 ||
			bt.ExchangeRate != 0 || len(bt.FeeDetails) != 1 || bt.FeeDetails[0].Type != "stripe_fee" || bt.FeeDetails[0].Amount != want.fee ||
			bt.Source == nil || bt.Source.ID != id {
			t.Errorf("%s: balance transaction = %s", id, rawJSON(bt))
		}
	}
	raw := jsonObj(t, e.get("/v1/balance_transactions/"+e.getCharge(ch.ID).BalanceTransaction.ID))
	for _, k := range []string{"id", "object", "amount", "available_on", "balance_type", "created", "currency", "description", "exchange_rate",
		"fee", "fee_details", "net", "reporting_category", "source", "status", "type"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("balance transaction lacks %q", k)
		}
	}
	if fd := raw["fee_details"].([]any)[0].(map[string]any); fd["application"] != nil || fd["description"] == nil {
		t.Errorf("fee_details = %v", fd)
	}
	net := int64(1099-35) + (1099 - 40) + (10000 - 80)
	if a, p := e.balanceIn("eur"); a != net || p != 0 {
		t.Errorf("balance = %d / %d, want %d / 0", a, p, net)
	}

	r := e.refund(ch.ID, 300)
	e.waitRefund(r.ID, "succeeded")
	if a, _ := e.balanceIn("eur"); a != net-300 {
		t.Errorf("balance after a refund = %d, want %d", a, net-300)
	}
	refunds := e.balanceTxns(&stripe.BalanceTransactionListParams{Type: stripe.String("payment_refund")})
	if len(refunds) != 1 || refunds[0].Amount != -300 || refunds[0].Fee != 0 || refunds[0].Net != -300 || refunds[0].Source.ID != r.ID ||
		refunds[0].ReportingCategory != "refund" {
		t.Errorf("refund balance transactions = %s", rawJSON(refunds))
	}
	if got := e.balanceTxns(&stripe.BalanceTransactionListParams{Type: stripe.String("payment")}); len(got) != 3 {
		t.Errorf("%d payment balance transactions, want 3", len(got))
	}
	if got := e.balanceTxns(&stripe.BalanceTransactionListParams{Source: stripe.String(sch.ID)}); len(got) != 1 || got[0].Source.ID != sch.ID {
		t.Errorf("balance transactions of %s = %s", sch.ID, rawJSON(got))
	}
	if got := e.balanceTxns(&stripe.BalanceTransactionListParams{Currency: stripe.String("chf")}); len(got) != 0 {
		t.Errorf("chf balance transactions = %d", len(got))
	}
	if got := e.balanceTxns(&stripe.BalanceTransactionListParams{Type: stripe.String("adjustment")}); len(got) != 0 {
		t.Errorf("adjustments = %d", len(got))
	}
	all := e.balanceTxns(nil)
	if len(all) != 4 || all[0].Source.ID != r.ID {
		t.Errorf("all balance transactions (newest first) = %s", rawJSON(all))
	}
	page := jsonObj(t, e.get("/v1/balance_transactions?limit=2"))
	if page["has_more"] != true || len(page["data"].([]any)) != 2 || page["url"] != "/v1/balance_transactions" {
		t.Errorf("page = %v", page)
	}
	exp := jsonObj(t, e.get("/v1/balance_transactions?limit=1&expand[]=data.source"))
	if src := exp["data"].([]any)[0].(map[string]any)["source"].(map[string]any); src["object"] != "refund" {
		t.Errorf("expanded source = %v", src)
	}
	apiErr(t, e.get("/v1/balance_transactions?type=lunch"), http.StatusBadRequest, "parameter_invalid_enum", "type")
	apiErr(t, e.get("/v1/balance_transactions/txn_nope"), http.StatusNotFound, "resource_missing", "")
	// A failed charge books nothing.
	f := e.sepaDebit("DE62370400440532013001", "")
	fc := e.charge(f.ID, "", 500)
	e.waitCharge(fc.ID, "failed")
	if got := len(e.balanceTxns(nil)); got != 4 {
		t.Errorf("%d balance transactions after a failed charge, want 4", got)
	}
	// Another account's balance is its own.
	other := e.srv.NewAccount(t)
	ob, err := other.Client.V1Balance.Retrieve(e.ctx, nil)
	if err != nil || len(ob.Available) != 1 || ob.Available[0].Amount != 0 {
		t.Errorf("other account's balance: %v %s", err, rawJSON(ob))
	}
	_, err = other.Client.V1BalanceTransactions.Retrieve(e.ctx, all[0].ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	// The settlement currency always appears, even when empty.
	e.setAccount(url.Values{"settlement_currency": {"chf"}})
	b, err := e.sc.V1Balance.Retrieve(e.ctx, nil)
	if err != nil || len(b.Available) != 2 || b.Available[0].Currency != "chf" || b.Available[0].Amount != 0 || len(b.Pending) != 1 || b.Pending[0].Currency != "chf" {
		t.Errorf("balance with settlement currency chf: %v %s", err, rawJSON(b))
	}
}
