package stripeapi

import (
	"errors"
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

func init() {
	registerRenderer("dispute", renderDispute)
	registerExpandable("dispute", "charge", "payment_intent")
}

// disputeEvidenceFields are the fields of Stripe's dispute evidence; a SEPA
// dispute never has any, so they all render null.
var disputeEvidenceFields = []string{"access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
	"cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name", "customer_purchase_ip",
	"customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
	"product_description", "receipt", "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "service_date",
	"service_documentation", "shipping_address", "shipping_carrier", "shipping_date", "shipping_documentation",
	"shipping_tracking_number", "uncategorized_file", "uncategorized_text"}

// renderDispute renders a SEPA Direct Debit dispute: final (lost) at once,
// with its balance transactions as full objects and no evidence.
func renderDispute(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	d := o.(*engine.Dispute)
	bts := make([]*Obj, 0, len(d.BalanceTransactions))
	for _, id := range d.BalanceTransactions {
		bt, err := engine.Get[engine.BalanceTransaction](op, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		r, err := c.render(op, bt)
		if err != nil {
			return nil, err
		}
		bts = append(bts, r)
	}
	ev := &Obj{}
	for _, f := range disputeEvidenceFields {
		ev.Set(f, nil)
	}
	ev.Set("enhanced_evidence", map[string]any{})
	details := &Obj{}
	details.Set("due_by", nil).Set("enhanced_eligibility", map[string]any{}).Set("has_evidence", false).
		Set("past_due", false).Set("submission_count", 0).Set("submission_method", "not_submitted")
	pmd := &Obj{}
	pmd.Set("type", "sepa_debit")
	return newObj(d.ID, "dispute").
		Set("amount", d.Amount).
		Set("balance_transactions", bts).
		Set("charge", d.Charge).
		Set("created", d.Created).
		Set("currency", d.Currency).
		Set("enhanced_eligibility_types", []string{}).
		Set("evidence", ev).
		Set("evidence_details", details).
		Set("intended_submission_method", nil).
		Set("is_charge_refundable", false).
		Set("livemode", false).
		Set("metadata", meta(d.Metadata)).
		Set("network_reason_code", strOrNull(d.ReturnReason)).
		Set("payment_intent", strOrNull(d.PaymentIntent)).
		Set("payment_method_details", pmd).
		Set("reason", d.Reason).
		Set("status", d.Status), nil
}

// errDisputeFinal answers attempts to respond to a SEPA dispute.
func errDisputeFinal(id, param string) error {
	return engine.Errorf(engine.KindState, "dispute_closed", param,
		"The dispute %s is closed (lost): SEPA Direct Debit disputes are final, take no evidence and have no appeal. Reach out to your customer to settle it.", id)
}

// disputeRoutes registers the /v1/disputes endpoints.
func (a *API) disputeRoutes() {
	a.handle("GET /v1/disputes/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		d, err := op.GetDispute(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, d)
	}})
	a.handle("POST /v1/disputes/{id}", route{write: true, specs: []spec{pAny("evidence"), pBool("submit"), pMeta(), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			id := c.r.PathValue("id")
			if _, err := op.GetDispute(id); err != nil {
				return nil, err
			}
			if c.p.Has("evidence") {
				return nil, errDisputeFinal(id, "evidence")
			}
			if submit, ok := c.p.Bool("submit"); ok && submit {
				return nil, errDisputeFinal(id, "submit")
			}
			d, err := op.UpdateDispute(id, c.p.Metadata())
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, d)
		}})
	a.handle("POST /v1/disputes/{id}/close", route{write: true, specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		id := c.r.PathValue("id")
		if _, err := op.GetDispute(id); err != nil {
			return nil, err
		}
		return nil, errDisputeFinal(id, "")
	}})
	a.handle("GET /v1/disputes", route{specs: listSpecs(pStr("charge"), pStr("payment_intent")), h: func(c *call, op *engine.Op) (any, error) {
		return listOf[engine.Dispute](c, op, "/v1/disputes", "dispute", engine.DisputeFilter{Charge: c.p.String("charge"), PaymentIntent: c.p.String("payment_intent")})
	}})
}
