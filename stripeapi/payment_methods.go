package stripeapi

import (
	"slices"

	"github.com/kontorpay/kontor/engine"
)

func init() {
	registerRenderer("payment_method", renderPaymentMethod)
	registerExpandable("payment_method", "customer")
}

// renderPaymentMethod renders a PaymentMethod of type sepa_debit or sofort.
func renderPaymentMethod(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	pm := o.(*engine.PaymentMethod)
	obj := newObj(pm.ID, "payment_method").
		Set("allow_redisplay", "unspecified").
		Set("billing_details", renderBilling(pm.Billing)).
		Set("created", pm.Created).
		Set("customer", strOrNull(pm.Customer)).
		Set("customer_account", nil).
		Set("livemode", false).
		Set("metadata", meta(pm.Metadata))
	if sd := pm.SepaDebit; sd != nil {
		from := &Obj{}
		from.Set("charge", str(sd.GeneratedFromCharge)).Set("setup_attempt", str(sd.GeneratedFromSetupAttempt))
		a := sd.Account
		s := &Obj{}
		s.Set("bank_code", strOrNull(a.BankCode)).
			Set("branch_code", strOrNull(a.BranchCode)).
			Set("country", strOrNull(a.Country)).
			Set("fingerprint", a.Fingerprint).
			Set("generated_from", from).
			Set("last4", a.Last4)
		obj.Set("sepa_debit", s)
	}
	if so := pm.Sofort; so != nil {
		s := &Obj{}
		obj.Set("sofort", s.Set("country", so.Country))
	}
	return obj.Set("type", pm.Type), nil
}

// renderBilling renders billing_details.
func renderBilling(b engine.Billing) *Obj {
	o := &Obj{}
	return o.Set("address", renderAddress(b.Address)).
		Set("email", str(b.Email)).
		Set("name", str(b.Name)).
		Set("phone", str(b.Phone)).
		Set("tax_id", nil)
}

// billingSpec describes billing_details.
func billingSpec() spec {
	return pHash("billing_details", addressSpec("address"), pStr("email").nullable().maxlen(800),
		pStr("name").nullable().maxlen(5000), pStr("phone").nullable().maxlen(5000), pStr("tax_id"))
}

// billingParams reads billing_details.
func billingParams(p Params) engine.BillingParams {
	b := p.Hash("billing_details")
	return engine.BillingParams{Name: b.Str("name"), Email: b.Str("email"), Phone: b.Str("phone"), Address: b.Address("address")}
}

// pmDataSpecs are the fields of a new payment method, at the top level of
// POST /v1/payment_methods and nested as payment_method_data in intents.
func pmDataSpecs() []spec {
	return []spec{
		pStr("type").req(), billingSpec(), pMeta(), pEnum("allow_redisplay", "always", "limited", "unspecified"),
		pHash("sepa_debit", pStr("iban").req().maxlen(34)),
		pHash("sofort", pStr("country").req().maxlen(2)),
	}
}

// pmDataParams reads the fields of a new payment method. A hash for
// another type than the one named is refused, as Stripe does.
func pmDataParams(p Params) (engine.PaymentMethodParams, error) {
	typ := p.String("type")
	for _, t := range engine.PMTypes {
		if p.Has(t) && t != typ && slices.Contains(engine.PMTypes, typ) {
			return engine.PaymentMethodParams{}, engine.Invalid("parameter_unknown", paramName(p.prefix, t),
				"Received parameters for %s, but the payment method type is %s. Pass %s[…] only with type=%s.",
				paramName(p.prefix, t), typ, paramName(p.prefix, t), t)
		}
	}
	return engine.PaymentMethodParams{Type: typ, IBAN: p.Hash("sepa_debit").String("iban"),
		SofortCountry: p.Hash("sofort").String("country"), Billing: billingParams(p), Metadata: p.Metadata()}, nil
}

func (a *API) paymentMethodRoutes() {
	a.handle("POST /v1/payment_methods", route{specs: append(pmDataSpecs(), pExpand(), pStr("customer"), pStr("payment_method")), write: true,
		publishable: true,
		h: func(c *call, op *engine.Op) (any, error) {
			if c.p.Has("customer") || c.p.Has("payment_method") {
				return nil, engine.Invalid("parameter_unknown", "customer",
					"Cloning payment methods (customer, payment_method) is a Connect feature; Kontor accounts have no connected accounts. Create the payment method and attach it with POST /v1/payment_methods/{id}/attach.")
			}
			pp, err := pmDataParams(c.p)
			if err != nil {
				return nil, err
			}
			pm, err := op.CreatePaymentMethod(pp)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, pm)
		}})
	a.handle("GET /v1/payment_methods/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		pm, err := op.GetPaymentMethod(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, pm)
	}})
	a.handle("POST /v1/payment_methods/{id}", route{specs: []spec{billingSpec(), pMeta(), pEnum("allow_redisplay", "always", "limited", "unspecified"), pExpand()},
		write: true, h: func(c *call, op *engine.Op) (any, error) {
			pm, err := op.UpdatePaymentMethod(c.r.PathValue("id"), billingParams(c.p), c.p.Metadata())
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, pm)
		}})
	a.handle("POST /v1/payment_methods/{id}/attach", route{specs: []spec{pStr("customer").req(), pExpand()}, write: true,
		h: func(c *call, op *engine.Op) (any, error) {
			pm, err := op.AttachPaymentMethod(c.r.PathValue("id"), c.p.String("customer"))
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, pm)
		}})
	a.handle("POST /v1/payment_methods/{id}/detach", route{specs: []spec{pExpand()}, write: true,
		h: func(c *call, op *engine.Op) (any, error) {
			pm, err := op.DetachPaymentMethod(c.r.PathValue("id"))
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, pm)
		}})
	a.handle("GET /v1/payment_methods", route{specs: listSpecs(pStr("customer"), pStr("type")), h: func(c *call, op *engine.Op) (any, error) {
		cust := c.p.String("customer")
		if cust != "" {
			if _, err := op.LiveCustomer(cust, "customer"); err != nil {
				return nil, err
			}
		}
		return c.listPaymentMethods(op, "/v1/payment_methods", cust)
	}})
	a.handle("GET /v1/customers/{id}/payment_methods", route{specs: listSpecs(pStr("type"), pEnum("allow_redisplay", "always", "limited", "unspecified")),
		h: func(c *call, op *engine.Op) (any, error) {
			id := c.r.PathValue("id")
			if _, err := op.LiveCustomer(id, "customer"); err != nil {
				return nil, err
			}
			return c.listPaymentMethods(op, "/v1/customers/"+id+"/payment_methods", id)
		}})
	a.handle("GET /v1/customers/{id}/payment_methods/{pm}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		id, pmID := c.r.PathValue("id"), c.r.PathValue("pm")
		if _, err := op.LiveCustomer(id, "customer"); err != nil {
			return nil, err
		}
		pm, err := op.GetPaymentMethod(pmID)
		if err != nil {
			return nil, err
		}
		if pm.Customer != id {
			return nil, engine.NotFound("payment_method", "PaymentMethod", pmID)
		}
		return c.renderExpanded(op, pm)
	}})
}

// listPaymentMethods lists the payment methods of customer ("" for all),
// narrowed to the type parameter when given.
func (c *call) listPaymentMethods(op *engine.Op, url, customer string) (*Obj, error) {
	typ := c.p.String("type")
	if typ != "" && !slices.Contains(engine.PMTypes, typ) {
		return nil, engine.Invalid("parameter_invalid_enum", "type", "Invalid type: Kontor implements payment methods of types sepa_debit and sofort, not %s.", typ)
	}
	return listOf[engine.PaymentMethod](c, op, url, "payment method", engine.PaymentMethodFilter{Customer: customer, Type: typ})
}
