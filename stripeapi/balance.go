package stripeapi

import (
	"slices"

	"github.com/kontorpay/kontor/engine"
)

func init() {
	registerRenderer("balance_transaction", renderBalanceTransaction)
	registerExpandable("balance_transaction", "source")
}

// balanceTransactionTypes are the types Kontor books; the list filter accepts any of Stripe's.
var balanceTransactionTypes = []string{"adjustment", "advance", "advance_funding", "anticipation_repayment", "application_fee",
	"application_fee_refund", "charge", "connect_collection_transfer", "contribution", "issuing_authorization_hold",
	"issuing_authorization_release", "issuing_dispute", "issuing_transaction", "payment", "payment_failure_refund",
	"payment_refund", "payment_reversal", "payout", "payout_cancel", "payout_failure", "refund", "refund_failure",
	"reserve_transaction", "reserved_funds", "stripe_fee", "stripe_fx_fee", "tax_fee", "topup", "topup_reversal",
	"transfer", "transfer_cancel", "transfer_failure", "transfer_refund"}

// feeType names an engine fee type in Stripe's words.
func feeType(t string) string {
	if t == engine.FeeProcessing {
		return "stripe_fee"
	}
	return t
}

// renderBalanceTransaction renders a balance movement; its status compares
// available_on with the time of the clock the movement's object lives on.
func renderBalanceTransaction(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	b := o.(*engine.BalanceTransaction)
	fees := make([]*Obj, 0, len(b.FeeDetails))
	for _, f := range b.FeeDetails {
		fd := &Obj{}
		fees = append(fees, fd.Set("amount", f.Amount).Set("application", nil).Set("currency", f.Currency).
			Set("description", f.Description).Set("type", feeType(f.Type)))
	}
	status := "pending"
	if b.AvailableOn <= op.Now(b.ClockID).Unix() {
		status = "available"
	}
	return newObj(b.ID, "balance_transaction").
		Set("amount", b.Amount).
		Set("available_on", b.AvailableOn).
		Set("balance_type", "payments").
		Set("created", b.Created).
		Set("currency", b.Currency).
		Set("description", str(b.Description)).
		Set("exchange_rate", b.ExchangeRate).
		Set("fee", b.Fee).
		Set("fee_details", fees).
		Set("net", b.Net).
		Set("reporting_category", b.ReportingCategory).
		Set("source", strOrNull(b.Source)).
		Set("status", status).
		Set("type", b.Type), nil
}

// balanceFunds renders amounts per currency, sorted by currency, all from bank accounts.
func balanceFunds(m map[string]int64) []*Obj {
	curs := make([]string, 0, len(m))
	for cur := range m {
		curs = append(curs, cur)
	}
	slices.Sort(curs)
	out := make([]*Obj, 0, len(curs))
	for _, cur := range curs {
		f := &Obj{}
		out = append(out, f.Set("amount", m[cur]).Set("currency", cur).Set("source_types", map[string]int64{"bank_account": m[cur]}))
	}
	return out
}

// balanceRoutes registers /v1/balance and /v1/balance_transactions.
func (a *API) balanceRoutes() {
	a.handle("GET /v1/balance", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		b, err := op.Balance()
		if err != nil {
			return nil, err
		}
		obj := &Obj{}
		return obj.Set("object", "balance").Set("available", balanceFunds(b.Available)).Set("livemode", false).
			Set("pending", balanceFunds(b.Pending)), nil
	}})
	a.handle("GET /v1/balance_transactions/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		id := c.r.PathValue("id")
		b, err := engine.Get[engine.BalanceTransaction](op, id)
		if err != nil {
			return nil, engine.NotFoundOr(err, "id", "balance transaction", id)
		}
		return c.renderExpanded(op, b)
	}})
	a.handle("GET /v1/balance_transactions", route{specs: listSpecs(pStr("source"), pEnum("type", balanceTransactionTypes...),
		pCurrency(), pStr("payout")),
		h: func(c *call, op *engine.Op) (any, error) {
			cur := c.p.String("currency")
			payout := c.p.String("payout")
			return listOfWhere(c, op, "/v1/balance_transactions", "balance transaction", engine.BalanceTransactionFilter{Source: c.p.String("source"), Type: c.p.String("type")}, func(b *engine.BalanceTransaction) bool {
				// Kontor makes no payouts, so no movement belongs to one.
				return (cur == "" || b.Currency == cur) && payout == ""
			})
		}})
}
