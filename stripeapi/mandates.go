package stripeapi

import (
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/web"
)

func init() {
	registerRenderer("mandate", renderMandate)
	registerExpandable("mandate", "payment_method")
}

// renderMandate renders the Mandate of a SEPA Direct Debit payment method.
// Its url is the hosted page that shows the mandate to the payer.
func renderMandate(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	m := o.(*engine.Mandate)
	acc := &Obj{}
	acc.Set("accepted_at", m.Acceptance.AcceptedAt)
	if m.Acceptance.Type == "offline" {
		acc.Set("offline", &Obj{})
	} else {
		on := &Obj{}
		acc.Set("online", on.Set("ip_address", strOrNull(m.Acceptance.IPAddress)).Set("user_agent", strOrNull(m.Acceptance.UserAgent)))
	}
	acc.Set("type", m.Acceptance.Type)
	sd := &Obj{}
	sd.Set("reference", m.Reference).Set("url", web.MandateURL(c.baseURL(), op.AccountID(), m.ID, m.ClientSecret))
	details := &Obj{}
	details.Set("sepa_debit", sd).Set("type", "sepa_debit")
	obj := newObj(m.ID, "mandate").
		Set("customer_acceptance", acc).
		Set("livemode", false)
	if m.Type == "single_use" {
		su := &Obj{}
		amount, currency, err := singleUseAmount(op, m)
		if err != nil {
			return nil, err
		}
		obj.Set("single_use", su.Set("amount", amount).Set("currency", currency))
	} else {
		obj.Set("multi_use", &Obj{})
	}
	return obj.Set("payment_method", m.PaymentMethod).
		Set("payment_method_details", details).
		Set("status", m.Status).
		Set("type", m.Type), nil
}

// singleUseAmount returns the amount a single-use mandate was given for: that
// of the one charge made under it.
func singleUseAmount(op *engine.Op, m *engine.Mandate) (int64, string, error) {
	cs, err := engine.ListWhere[engine.Charge](op, engine.ChargeFilter{Mandate: m.ID}, engine.ListParams{Limit: 1})
	if err != nil || len(cs) == 0 {
		return 0, "eur", err
	}
	return cs[0].Amount, cs[0].Currency, nil
}

func (a *API) mandateRoutes() {
	a.handle("GET /v1/mandates/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		id := c.r.PathValue("id")
		m, err := op.GetMandate(id)
		if err != nil {
			return nil, err
		}
		// The mandates of Sources are part of their source and have no Mandate object.
		if m.PaymentMethod == "" {
			return nil, engine.NotFound("mandate", "mandate", id)
		}
		return c.renderExpanded(op, m)
	}})
}
