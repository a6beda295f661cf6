package stripeapi

import (
	"cmp"
	"errors"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/web"
)

func init() {
	registerRenderer("payment_page", renderCheckoutSession)
	registerExpandable("checkout.session", "customer", "payment_intent", "setup_intent")
	registerVirtual("checkout.session", "line_items", func(c *call, op *engine.Op, o *Obj) (any, error) {
		id, _ := o.Get("id")
		s, err := engine.Get[engine.PaymentPage](op, id.(string))
		if err != nil {
			return nil, err
		}
		return lineItemList(s, s.LineItems, false), nil
	})
}

// renderCheckoutSession renders a Checkout Session. Its url is the hosted
// Checkout page while the session is open, and null afterwards.
func renderCheckoutSession(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	s := o.(*engine.PaymentPage)
	details, err := customerDetails(op, s)
	if err != nil {
		return nil, err
	}
	var url any
	if s.Status == "open" {
		url = web.CheckoutURL(c.baseURL(), op.AccountID(), s.ID)
	}
	var totals any
	if s.Mode == "payment" {
		t := &Obj{}
		totals = t.Set("amount_discount", 0).Set("amount_shipping", 0).Set("amount_tax", 0)
	}
	tax := &Obj{}
	tax.Set("enabled", false).Set("liability", nil).Set("provider", nil).Set("status", nil)
	text := &Obj{}
	text.Set("after_submit", nil).Set("shipping_address", nil).Set("submit", nil).Set("terms_of_service_acceptance", nil)
	phone := &Obj{}
	phone.Set("enabled", false)
	creation := "if_required"
	if s.Mode == "setup" {
		creation = "always"
	}
	return newObj(s.ID, "checkout.session").
		Set("adaptive_pricing", nil).
		Set("after_expiration", nil).
		Set("allow_promotion_codes", nil).
		Set("allowed_payment_method_types", s.PaymentMethodTypes).
		Set("amount_subtotal", s.AmountTotal).
		Set("amount_total", s.AmountTotal).
		Set("automatic_tax", tax).
		Set("billing_address_collection", nil).
		Set("cancel_url", str(s.CancelURL)).
		Set("client_reference_id", str(s.ClientReferenceID)).
		Set("client_secret", nil).
		Set("consent", nil).
		Set("consent_collection", nil).
		Set("created", s.Created).
		Set("currency", str(s.Currency)).
		Set("custom_fields", []any{}).
		Set("custom_text", text).
		Set("customer", strOrNull(s.Customer)).
		Set("customer_account", nil).
		Set("customer_creation", creation).
		Set("customer_details", details).
		Set("customer_email", str(s.CustomerEmail)).
		Set("expires_at", s.ExpiresAt).
		Set("invoice", nil).
		Set("invoice_creation", nil).
		Set("livemode", false).
		Set("locale", str(s.Locale)).
		Set("metadata", meta(s.Metadata)).
		Set("mode", s.Mode).
		Set("payment_intent", str(s.PaymentIntent)).
		Set("payment_link", nil).
		Set("payment_method_collection", "always").
		Set("payment_method_configuration_details", nil).
		Set("payment_method_options", &Obj{}).
		Set("payment_method_types", s.PaymentMethodTypes).
		Set("payment_status", s.PaymentStatus).
		Set("phone_number_collection", phone).
		Set("recovered_from", nil).
		Set("setup_intent", str(s.SetupIntent)).
		Set("shipping_address_collection", nil).
		Set("shipping_cost", nil).
		Set("shipping_options", []any{}).
		Set("status", s.Status).
		Set("submit_type", nil).
		Set("subscription", nil).
		Set("success_url", str(s.SuccessURL)).
		Set("total_details", totals).
		Set("ui_mode", "hosted").
		Set("url", url), nil
}

// payerEmailIs reports whether the payer of s entered email on the page
// (customer_details[email]), compared as Stripe compares e-mail addresses:
// in any case.
func payerEmailIs(op *engine.Op, s *engine.PaymentPage, email string) (bool, error) {
	d, err := customerDetails(op, s)
	if err != nil || d == nil {
		return false, err
	}
	v, _ := d.(*Obj).Get("email")
	got, _ := v.(string)
	return strings.EqualFold(got, email), nil
}

// customerDetails renders what the payer entered on the page: the name and
// e-mail of the payment method the session's intent used. It is null until
// the payer has submitted the page.
func customerDetails(op *engine.Op, s *engine.PaymentPage) (any, error) {
	var pmID string
	if s.SetupIntent != nil {
		si, err := engine.Get[engine.SetupIntent](op, *s.SetupIntent)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			if si.PaymentMethod != nil {
				pmID = *si.PaymentMethod
			} else if si.LastSetupError != nil {
				pmID = si.LastSetupError.PaymentMethodID
			}
		}
	}
	if s.PaymentIntent != nil {
		pi, err := engine.Get[engine.PaymentIntent](op, *s.PaymentIntent)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			if pi.PaymentMethod != nil {
				pmID = *pi.PaymentMethod
			} else if pi.LastPaymentError != nil {
				pmID = pi.LastPaymentError.PaymentMethodID
			}
		}
	}
	if pmID == "" {
		return nil, nil
	}
	pm, err := engine.Get[engine.PaymentMethod](op, pmID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d := &Obj{}
	return d.Set("address", renderAddress(pm.Billing.Address)).
		Set("email", str(pm.Billing.Email)).
		Set("name", str(pm.Billing.Name)).
		Set("phone", str(pm.Billing.Phone)).
		Set("tax_exempt", "none").
		Set("tax_ids", []any{}), nil
}

// renderLineItem renders one line of a payment-mode session with its inline price.
func renderLineItem(s *engine.PaymentPage, li engine.LineItem) *Obj {
	suffix := strings.TrimPrefix(li.ID, "li_")
	price := newObj("price_"+suffix, "price").
		Set("active", false).
		Set("billing_scheme", "per_unit").
		Set("created", s.Created).
		Set("currency", li.Currency).
		Set("custom_unit_amount", nil).
		Set("livemode", false).
		Set("lookup_key", nil).
		Set("metadata", map[string]string{}).
		Set("nickname", nil).
		Set("product", "prod_"+suffix).
		Set("recurring", nil).
		Set("tax_behavior", "unspecified").
		Set("tiers_mode", nil).
		Set("transform_quantity", nil).
		Set("type", "one_time").
		Set("unit_amount", li.UnitAmount).
		Set("unit_amount_decimal", strconv.FormatInt(li.UnitAmount, 10))
	total := li.UnitAmount * li.Quantity
	return newObj(li.ID, "item").
		Set("amount_discount", 0).
		Set("amount_subtotal", total).
		Set("amount_tax", 0).
		Set("amount_total", total).
		Set("currency", li.Currency).
		Set("description", li.Name).
		Set("price", price).
		Set("quantity", li.Quantity)
}

func lineItemList(s *engine.PaymentPage, items []engine.LineItem, hasMore bool) *Obj {
	data := make([]*Obj, 0, len(items))
	for _, li := range items {
		data = append(data, renderLineItem(s, li))
	}
	l := &Obj{}
	return l.Set("object", "list").Set("data", data).Set("has_more", hasMore).Set("url", "/v1/checkout/sessions/"+s.ID+"/line_items")
}

// checkoutSpecs are the parameters of POST /v1/checkout/sessions.
func checkoutSpecs() []spec {
	product := pHash("product_data", pStr("name").req().maxlen(5000), pStr("description").maxlen(40000), pMeta())
	price := pHash("price_data", pCurrency().req().maxlen(3), pInt("unit_amount").between(0, 99999999), product, pStr("product"))
	item := pHash("", price, pInt("quantity").between(1, 999999), pStr("price"))
	return append(typesSpecs(),
		pEnum("mode", "payment", "setup", "subscription").req(), pStr("success_url").maxlen(5000), pStr("cancel_url").maxlen(5000),
		pStr("customer"), pStr("customer_email").maxlen(800), pCurrency(), pArr("line_items", item), pMeta(),
		pTime("expires_at"), pStr("client_reference_id").maxlen(200), pStr("locale").maxlen(10), pStr("test_clock"),
		pEnum("ui_mode", "hosted", "hosted_page"), pExpand())
}

// checkoutParams reads the parameters of POST /v1/checkout/sessions.
func (c *call) checkoutParams() (engine.PaymentPageParams, string, error) {
	p := c.p
	types, used, err := methodTypes(p)
	if err != nil {
		return engine.PaymentPageParams{}, used, err
	}
	cp := engine.PaymentPageParams{Mode: p.String("mode"), PaymentMethodTypes: types, Customer: p.String("customer"),
		CustomerEmail: p.Str("customer_email"), Currency: strings.ToLower(p.String("currency")), SuccessURL: p.String("success_url"),
		CancelURL: p.String("cancel_url"), Metadata: p.Metadata(), ClientReferenceID: p.Str("client_reference_id"),
		Locale: p.Str("locale"), TestClock: p.Str("test_clock")}
	if cp.Mode == "subscription" {
		return cp, used, engine.Invalid("parameter_invalid_enum", "mode",
			"Kontor implements Checkout in payment and setup mode; subscription mode needs Billing, which Kontor does not have.")
	}
	if n, ok := p.Int("expires_at"); ok {
		cp.ExpiresAt = &n
	}
	for i, it := range p.Hashes("line_items") {
		name := "line_items[" + strconv.Itoa(i) + "]"
		if it.Has("price") {
			return cp, used, engine.NotFound(name+"[price]", "price", it.String("price"))
		}
		if !it.Has("price_data") {
			return cp, used, engine.Invalid("parameter_missing", name+"[price_data]", "Missing required param: %s[price_data] (Kontor has no Prices API; describe each line with price_data).", name)
		}
		pd := it.Hash("price_data")
		if pd.Has("product") {
			return cp, used, engine.NotFound(name+"[price_data][product]", "product", pd.String("product"))
		}
		if !pd.Has("product_data") {
			return cp, used, engine.Invalid("parameter_missing", name+"[price_data][product_data]", "Missing required param: %s[price_data][product_data].", name)
		}
		amount, ok := pd.Int("unit_amount")
		if !ok {
			return cp, used, engine.Invalid("parameter_missing", name+"[price_data][unit_amount]", "Missing required param: %s[price_data][unit_amount].", name)
		}
		qty, ok := it.Int("quantity")
		if !ok {
			return cp, used, engine.Invalid("parameter_missing", name+"[quantity]", "Missing required param: %s[quantity].", name)
		}
		prod := pd.Hash("product_data")
		cp.LineItems = append(cp.LineItems, engine.LineItem{Name: prod.String("name"), Description: prod.String("description"),
			Currency: strings.ToLower(pd.String("currency")), UnitAmount: amount, Quantity: qty})
	}
	return cp, used, nil
}

func (a *API) checkoutSessionRoutes() {
	a.handle("POST /v1/checkout/sessions", route{specs: checkoutSpecs(), write: true, h: func(c *call, op *engine.Op) (any, error) {
		cp, used, err := c.checkoutParams()
		if err != nil {
			return nil, err
		}
		s, err := op.CreatePaymentPage(cp)
		if err != nil {
			return nil, renameTypesParam(err, used)
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("GET /v1/checkout/sessions/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		s, err := op.GetPaymentPage(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("POST /v1/checkout/sessions/{id}/expire", route{specs: []spec{pExpand()}, write: true, h: func(c *call, op *engine.Op) (any, error) {
		s, err := op.ExpirePaymentPage(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("GET /v1/checkout/sessions/{id}/line_items", route{specs: listSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		s, err := op.GetPaymentPage(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		pg, err := c.page()
		if err != nil {
			return nil, err
		}
		items := s.LineItems
		if pg.startingAfter != "" || pg.endingBefore != "" {
			cursor := pg.startingAfter + pg.endingBefore
			at := -1
			for i, li := range items {
				if li.ID == cursor {
					at = i
				}
			}
			if at < 0 {
				param := "starting_after"
				if pg.endingBefore != "" {
					param = "ending_before"
				}
				return nil, engine.NotFound(param, "line item", cursor)
			}
			if pg.startingAfter != "" {
				items = items[at+1:]
			} else {
				items = items[:at]
				items = items[max(0, len(items)-pg.limit):]
			}
		}
		hasMore := len(items) > pg.limit
		if hasMore {
			items = items[:pg.limit]
		}
		l := lineItemList(s, items, hasMore)
		return l, c.expandAll(op, l)
	}})
	a.handle("GET /v1/checkout/sessions", route{specs: listSpecs(pStr("customer"), pStr("payment_intent"),
		pEnum("status", "open", "complete", "expired"), pHash("customer_details", pStr("email").req()), pStr("payment_link")),
		h: func(c *call, op *engine.Op) (any, error) {
			filter := engine.PageFilter{Customer: c.p.String("customer"), PaymentIntent: c.p.String("payment_intent"),
				Status: engine.PageStatus(c.p.String("status"))}
			email := c.p.Hash("customer_details").String("email")
			if email == "" && !c.p.Has("payment_link") {
				return listOf[engine.PaymentPage](c, op, "/v1/checkout/sessions", "checkout session", filter)
			}
			// Kontor has no payment links: no session was created from one.
			// The payer's e-mail is what the page collected (customer_details).
			var ferr error
			l, err := listOfWhere(c, op, "/v1/checkout/sessions", "checkout session", filter, func(s *engine.PaymentPage) bool {
				if c.p.Has("payment_link") || ferr != nil {
					return false
				}
				var ok bool
				ok, ferr = payerEmailIs(op, s, email)
				return ok
			})
			return l, cmp.Or(ferr, err)
		}})
}
