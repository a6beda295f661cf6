package ckoapi

import "github.com/kontorpay/kontor/engine"

// Kontor's extension of the Checkout.com dialect for tests (docs/checkout.md):
// the bank's answer to a payment's collection, forced on demand.
func (a *API) testHelperRoutes() {
	a.handle("POST /test_helpers/payments/{id}/return", route{write: true, h: returnPayment})
}

// returnPayment answers POST /test_helpers/payments/{id}/return with
// {"reason": "<EPC code>", "after_settlement": true|false}: the same return
// an imported bank file with that reason makes (engine.Op.ReturnCharge),
// then the payment as GET /payments/{id} shows it.
func returnPayment(c *call, op *engine.Op) (int, any, error) {
	var ck checks
	reason := ck.text(c.body, "reason", "reason", true, 35)
	after, ok := c.body.boolean("after_settlement", false)
	if !ok {
		ck.add("after_settlement_invalid")
	}
	if err := ck.err(); err != nil {
		return 0, nil, err
	}
	if _, err := op.ReturnCharge(c.r.PathValue("id"), reason, after); err != nil {
		return 0, nil, err
	}
	return getPayment(c, op)
}
