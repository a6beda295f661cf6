package stripeapi

import (
	"github.com/kontorpay/kontor/engine"
)

func init() {
	registerRenderer("customer", renderCustomer)
	registerExpandable("customer", "default_source", "test_clock")
}

func customerSpecs(create bool) []spec {
	s := []spec{
		addressSpec("address"), pStr("description").nullable().maxlen(350), pStr("email").nullable().maxlen(512),
		pHash("invoice_settings", pArr("custom_fields", pHash("", pStr("name").req().maxlen(40), pStr("value").req().maxlen(140))).nullable(),
			pStr("default_payment_method").nullable(), pStr("footer").nullable().maxlen(5000),
			pHash("rendering_options", pEnum("amount_tax_display", "exclude_tax", "include_inclusive_tax")).nullable()),
		pMeta(), pStr("name").nullable().maxlen(256), pStr("phone").nullable().maxlen(20),
		pArr("preferred_locales", pStr("")), pStr("source"), pStr("default_source"),
		pEnum("tax_exempt", "exempt", "none", "reverse"), pExpand(),
	}
	if create {
		s = append(s, pStr("test_clock"), pStr("payment_method"))
	}
	return s
}

func customerParams(p Params) engine.CustomerParams {
	inv := p.Hash("invoice_settings")
	cp := engine.CustomerParams{
		Email: p.Str("email"), Name: p.Str("name"), Description: p.Str("description"), Phone: p.Str("phone"),
		Address: p.Address("address"), Metadata: p.Metadata(), TestClock: p.Str("test_clock"),
		DefaultPM: inv.Str("default_payment_method"), Footer: inv.Str("footer"),
		Source: p.Str("source"), DefaultSource: p.Str("default_source"), PaymentMethod: p.String("payment_method"),
	}
	if inv.Has("custom_fields") {
		cp.CustomFields.Set = true
		cp.CustomFields.Null = inv.IsNull("custom_fields")
		for _, f := range inv.Hashes("custom_fields") {
			cp.CustomFields.V = append(cp.CustomFields.V, engine.CustomField{Name: f.String("name"), Value: f.String("value")})
		}
	}
	return cp
}

func renderCustomer(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	cu := o.(*engine.Customer)
	if cu.Deleted {
		return newObj(cu.ID, "customer").Set("deleted", true), nil
	}
	inv := &Obj{}
	fields := []any{}
	for _, f := range cu.InvoiceSettings.CustomFields {
		fields = append(fields, map[string]string{"name": f.Name, "value": f.Value})
	}
	var custom any
	if len(fields) > 0 {
		custom = fields
	}
	inv.Set("custom_fields", custom).Set("default_payment_method", str(cu.InvoiceSettings.DefaultPaymentMethod)).
		Set("footer", str(cu.InvoiceSettings.Footer)).Set("rendering_options", nil)
	return newObj(cu.ID, "customer").
		Set("address", renderAddress(cu.Address)).
		Set("balance", 0).
		Set("created", cu.Created).
		Set("currency", nil).
		Set("default_source", str(cu.DefaultSource)).
		Set("delinquent", false).
		Set("description", str(cu.Description)).
		Set("discount", nil).
		Set("email", str(cu.Email)).
		Set("invoice_prefix", cu.InvoicePrefix).
		Set("invoice_settings", inv).
		Set("livemode", false).
		Set("metadata", meta(cu.Metadata)).
		Set("name", str(cu.Name)).
		Set("next_invoice_sequence", 1).
		Set("phone", str(cu.Phone)).
		Set("preferred_locales", []string{}).
		Set("shipping", nil).
		Set("tax_exempt", "none").
		Set("test_clock", strOrNull(cu.ClockID)), nil
}

func renderAddress(a *engine.Address) any {
	if a == nil {
		return nil
	}
	return newAddress(a)
}

func newAddress(a *engine.Address) *Obj {
	o := &Obj{}
	return o.Set("city", str(a.City)).Set("country", str(a.Country)).Set("line1", str(a.Line1)).
		Set("line2", str(a.Line2)).Set("postal_code", str(a.PostalCode)).Set("state", str(a.State))
}

func (a *API) customerRoutes() {
	a.handle("POST /v1/customers", route{specs: customerSpecs(true), write: true, h: func(c *call, op *engine.Op) (any, error) {
		cu, err := op.CreateCustomer(customerParams(c.p))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, cu)
	}})
	a.handle("GET /v1/customers/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		cu, err := op.GetCustomer(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, cu)
	}})
	a.handle("POST /v1/customers/{id}", route{specs: customerSpecs(false), write: true, h: func(c *call, op *engine.Op) (any, error) {
		cu, err := op.UpdateCustomer(c.r.PathValue("id"), customerParams(c.p))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, cu)
	}})
	a.handle("DELETE /v1/customers/{id}", route{specs: nil, write: true, h: func(c *call, op *engine.Op) (any, error) {
		cu, err := op.DeleteCustomer(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.render(op, cu)
	}})
	a.handle("GET /v1/customers", route{specs: listSpecs(pStr("email").maxlen(512), pStr("test_clock")), h: func(c *call, op *engine.Op) (any, error) {
		clockID := c.p.String("test_clock")
		// Without the test_clock filter Stripe leaves out customers bound to a test clock.
		return listOfWhere(c, op, "/v1/customers", "customer", engine.CustomerFilter{Live: true, Email: c.p.String("email"), TestClock: clockID}, func(cu *engine.Customer) bool { return clockID != "" || cu.ClockID == "" })
	}})
}
