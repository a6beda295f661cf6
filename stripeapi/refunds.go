package stripeapi

import (
	"strings"

	"github.com/kontorpay/kontor/engine"
)

func init() {
	registerRenderer("refund", renderRefund)
	registerExpandable("refund", "balance_transaction", "charge", "failure_balance_transaction", "payment_intent")
}

// renderRefund renders a Refund; failure fields appear when it failed, pending_reason while pending.
func renderRefund(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	r := o.(*engine.Refund)
	obj := newObj(r.ID, "refund").
		Set("amount", r.Amount).
		Set("balance_transaction", str(r.BalanceTransaction)).
		Set("charge", r.Charge).
		Set("created", r.Created).
		Set("currency", r.Currency)
	if r.Status == "failed" {
		obj.Set("failure_balance_transaction", str(r.FailureBalanceTransaction)).Set("failure_reason", str(r.FailureReason))
	}
	obj.Set("metadata", meta(r.Metadata)).Set("payment_intent", strOrNull(r.PaymentIntent))
	if r.Status == "pending" {
		reason := "processing"
		if r.PendingReason != nil {
			reason = *r.PendingReason
		}
		obj.Set("pending_reason", reason)
	}
	return obj.Set("reason", str(r.Reason)).
		Set("receipt_number", nil).
		Set("source_transfer_reversal", nil).
		Set("status", r.Status).
		Set("transfer_reversal", nil), nil
}

// refundedCharge resolves the charge a refund request names: charge, or the
// latest charge of payment_intent that did not fail.
func refundedCharge(op *engine.Op, p Params) (string, error) {
	chID, pi := p.String("charge"), p.String("payment_intent")
	switch {
	case chID != "" && pi != "":
		ch, err := getCharge(op, chID)
		if err != nil {
			return "", err
		}
		if ch.PaymentIntent != pi {
			return "", engine.Invalid("parameters_exclusive", "payment_intent", "The charge %s does not belong to the PaymentIntent %s.", chID, pi)
		}
		return chID, nil
	case chID != "":
		return chID, nil
	case pi != "":
		chs, err := engine.ListWhere[engine.Charge](op, engine.ChargeFilter{PaymentIntent: pi}, engine.ListParams{Limit: 100})
		if err != nil {
			return "", err
		}
		for _, ch := range chs {
			if ch.PaymentIntent == pi && ch.Status != "failed" {
				return ch.ID, nil
			}
		}
		return "", engine.Invalid("resource_missing", "payment_intent", "The PaymentIntent %s has no charge that can be refunded.", pi)
	}
	return "", engine.Invalid("parameter_missing", "charge", "Missing required param: charge (or payment_intent).")
}

// refundRoutes registers the /v1/refunds endpoints.
func (a *API) refundRoutes() {
	a.handle("POST /v1/refunds", route{write: true, specs: []spec{pStr("charge"), pStr("payment_intent"), pInt("amount"),
		pEnum("reason", "duplicate", "fraudulent", "requested_by_customer"), pMeta(), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			chID, err := refundedCharge(op, c.p)
			if err != nil {
				return nil, err
			}
			rp := engine.RefundParams{Charge: chID, Reason: c.p.Str("reason"), Metadata: c.p.Metadata(), IDPrefix: "re_"}
			// Refunds of payments (py_) are pyr_, as at Stripe.
			if strings.HasPrefix(chID, "py_") {
				rp.IDPrefix = "pyr_"
			}
			if n, ok := c.p.Int("amount"); ok {
				rp.Amount = &n
			}
			r, err := op.CreateRefund(rp)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, r)
		}})
	a.handle("GET /v1/refunds/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		r, err := op.GetRefund(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, r)
	}})
	a.handle("POST /v1/refunds/{id}", route{write: true, specs: []spec{pMeta(), pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		r, err := op.UpdateRefund(c.r.PathValue("id"), c.p.Metadata())
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, r)
	}})
	a.handle("GET /v1/refunds", route{specs: listSpecs(pStr("charge"), pStr("payment_intent")), h: func(c *call, op *engine.Op) (any, error) {
		return listOf[engine.Refund](c, op, "/v1/refunds", "refund", engine.RefundFilter{Charge: c.p.String("charge"), PaymentIntent: c.p.String("payment_intent")})
	}})
}
