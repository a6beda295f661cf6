package stripeapi

import (
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/sepa"
)

// The routes below are Kontor's extensions under /v1/test_helpers/ (see
// docs/test-helpers.md): they force documented outcomes on existing objects
// where no test value applies.

// chargeFailureCodes are the failure codes a pending charge can be failed with.
var chargeFailureCodes = []string{"account_closed", "insufficient_funds", "charge_exceeds_source_limit", "charge_exceeds_weekly_limit",
	"generic_decline", "payment_not_confirmed", "debit_canceled"}

// pendingSofort loads a Sofort source that still waits for its payer.
func pendingSofort(op *engine.Op, id string) error {
	s, err := op.GetSource(id, "source")
	if err != nil {
		return err
	}
	if s.Type != "sofort" {
		return engine.Errorf(engine.KindState, "source_not_redirect", "source",
			"Only sofort sources are authorised by their payer; %s is a %s source.", s.ID, s.Type)
	}
	if s.Status != "pending" {
		return engine.Errorf(engine.KindState, "source_not_pending", "source",
			"The source %s is %s; only a pending source can be authorised or failed.", s.ID, s.Status)
	}
	return nil
}

// testHelperRoutes registers the source and charge test helpers.
func (a *API) testHelperRoutes() {
	a.handle("POST /v1/test_helpers/sources/{id}/authorize", route{write: true, specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		id := c.r.PathValue("id")
		if err := pendingSofort(op, id); err != nil {
			return nil, err
		}
		s, err := op.AuthorizeSofort(id, true)
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("POST /v1/test_helpers/sources/{id}/fail", route{write: true,
		specs: []spec{pEnum("failure_reason", engine.SofortFailureReasons...), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			id := c.r.PathValue("id")
			if err := pendingSofort(op, id); err != nil {
				return nil, err
			}
			reason := c.p.String("failure_reason")
			if reason == "" {
				reason = "user_abort"
			}
			s, err := op.FailSofort(id, reason)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, s)
		}})
	a.handle("POST /v1/test_helpers/sources/{id}/credit_transfers", route{write: true,
		specs: []spec{pInt("amount").req(), pStr("reference").maxlen(140), pStr("sender_iban").maxlen(64), pStr("sender_name").maxlen(70), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			amount, _ := c.p.Int("amount")
			t, err := op.DeliverCreditTransfer(c.r.PathValue("id"), amount, c.p.String("reference"), c.p.String("sender_iban"), c.p.String("sender_name"))
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, t)
		}})
	a.handle("POST /v1/test_helpers/sources/{id}/refund_attributes", route{write: true,
		specs: append(refundAttributeSpecs(), pExpand()),
		h: func(c *call, op *engine.Op) (any, error) {
			ra, err := refundAttributes(c.p)
			if err != nil {
				return nil, err
			}
			s, err := op.AnswerRefundAttributes(c.r.PathValue("id"), *ra)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, s)
		}})
	a.handle("POST /v1/test_helpers/charges/{id}/settle", route{write: true, specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		ch, err := op.SettleCharge(c.r.PathValue("id"), true, "")
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, ch)
	}})
	a.handle("POST /v1/test_helpers/charges/{id}/fail", route{write: true,
		specs: []spec{pEnum("failure_code", chargeFailureCodes...), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			// Stripe names the failure; the bank answers with a SEPA reason code.
			reason, _ := sepa.ReasonForStripeFailure(c.p.String("failure_code"))
			ch, err := op.SettleCharge(c.r.PathValue("id"), false, reason.Code)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, ch)
		}})
	a.handle("POST /v1/test_helpers/charges/{id}/return", route{write: true,
		specs: []spec{pStr("reason").req().maxlen(35), pBool("after_settlement"), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			after, _ := c.p.Bool("after_settlement")
			ch, err := op.ReturnCharge(c.r.PathValue("id"), c.p.String("reason"), after)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, ch)
		}})
	a.handle("POST /v1/test_helpers/charges/{id}/dispute", route{write: true,
		specs: []spec{pEnum("reason", engine.DisputeReasons...), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			reason := c.p.String("reason")
			if reason == "" {
				reason = "general"
			}
			d, err := op.OpenDispute(c.r.PathValue("id"), reason)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, d)
		}})
}
