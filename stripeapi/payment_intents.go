package stripeapi

import (
	"slices"

	"github.com/kontorpay/kontor/engine"
)

func init() {
	registerRenderer("payment_intent", renderPaymentIntent)
	registerExpandable("payment_intent", "customer", "latest_charge", "payment_method")
}

// renderPaymentIntent renders a PaymentIntent in Stripe's shape.
func renderPaymentIntent(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	pi := o.(*engine.PaymentIntent)
	lastErr, err := c.renderIntentError(op, pi.LastPaymentError)
	if err != nil {
		return nil, err
	}
	return newObj(pi.ID, "payment_intent").
		Set("allowed_payment_method_types", pi.PaymentMethodTypes).
		Set("amount", pi.Amount).
		Set("amount_capturable", 0).
		Set("amount_details", map[string]any{"tip": map[string]any{}}).
		Set("amount_received", pi.AmountReceived).
		Set("application", nil).
		Set("application_fee_amount", nil).
		Set("automatic_payment_methods", renderAutomatic(pi.AutomaticPaymentMethods)).
		Set("canceled_at", pi.CanceledAt).
		Set("cancellation_reason", str(pi.CancellationReason)).
		Set("capture_method", "automatic").
		Set("client_secret", pi.ClientSecret).
		Set("confirmation_method", "automatic").
		Set("created", pi.Created).
		Set("currency", pi.Currency).
		Set("customer", strOrNull(pi.Customer)).
		Set("customer_account", nil).
		Set("description", str(pi.Description)).
		Set("excluded_payment_method_types", nil).
		Set("last_payment_error", lastErr).
		Set("latest_charge", str(pi.LatestCharge)).
		Set("livemode", false).
		Set("metadata", meta(pi.Metadata)).
		Set("next_action", c.redirectAction(op, pi.ID, pi.ClientSecret, pi.NextAction)).
		Set("on_behalf_of", nil).
		Set("payment_method", str(pi.PaymentMethod)).
		Set("payment_method_configuration_details", nil).
		Set("payment_method_options", renderPIOptions(pi)).
		Set("payment_method_types", pi.PaymentMethodTypes).
		Set("processing", nil).
		Set("receipt_email", str(pi.ReceiptEmail)).
		Set("review", nil).
		Set("setup_future_usage", str(pi.SetupFutureUsage)).
		Set("shipping", nil).
		Set("source", nil).
		Set("statement_descriptor", str(pi.StatementDescriptor)).
		Set("statement_descriptor_suffix", nil).
		Set("status", pi.Status).
		Set("transfer_data", nil).
		Set("transfer_group", str(pi.TransferGroup)), nil
}

// renderPIOptions renders payment_method_options for the intent's types.
func renderPIOptions(pi *engine.PaymentIntent) *Obj {
	o := &Obj{}
	opt := pi.Options
	if slices.Contains(pi.PaymentMethodTypes, "sepa_debit") {
		sd := &Obj{}
		mo := &Obj{}
		if opt.SepaDebitReference != nil {
			mo.Set("reference_prefix", *opt.SepaDebitReference)
		}
		sd.Set("mandate_options", mo)
		if opt.SepaDebitSFU != nil {
			sd.Set("setup_future_usage", *opt.SepaDebitSFU)
		}
		o.Set("sepa_debit", sd)
	}
	if slices.Contains(pi.PaymentMethodTypes, "sofort") {
		so := &Obj{}
		so.Set("preferred_language", str(opt.SofortLanguage))
		if opt.SofortSFU != nil {
			so.Set("setup_future_usage", *opt.SofortSFU)
		}
		o.Set("sofort", so)
	}
	return o
}

// piOptionsSpec describes payment_method_options of a PaymentIntent.
func piOptionsSpec() spec {
	return pHash("payment_method_options",
		pHash("sepa_debit",
			pEnum("setup_future_usage", "none", "off_session", "on_session").nullable(),
			pHash("mandate_options"),
		).nullable(),
		pHash("sofort",
			pEnum("preferred_language", engine.SofortLanguages...).nullable(),
			pEnum("setup_future_usage", "none", "off_session").nullable(),
		).nullable(),
	)
}

// piSpecs are the parameters of PaymentIntent create, update and confirm.
func piSpecs(kind string) []spec {
	s := append(typesSpecs(), pExpand(), pStr("payment_method").nullable(), pHash("payment_method_data", pmDataSpecs()...),
		piOptionsSpec(), pStr("receipt_email").nullable().maxlen(800),
		pEnum("setup_future_usage", "off_session", "on_session").nullable())
	switch kind {
	case "create":
		s = append(s, pInt("amount").req(), pCurrency().req().maxlen(3), pBool("confirm"),
			pEnum("capture_method", "automatic", "automatic_async", "manual"), pEnum("confirmation_method", "automatic", "manual"),
			pStr("customer"), pStr("description").maxlen(1000), pMeta(), pStr("statement_descriptor").maxlen(22),
			pStr("statement_descriptor_suffix").maxlen(22), pStr("test_clock"), pBool("error_on_requires_action"), pBool("use_stripe_sdk"),
			pStr("transfer_group"), automaticSpec())
		s = append(s, confirmSpecs()...)
	case "update":
		s = append(s, pInt("amount"), pCurrency(), pStr("customer").nullable(), pStr("description").nullable().maxlen(1000),
			pMeta(), pStr("statement_descriptor").nullable().maxlen(22), pStr("statement_descriptor_suffix").nullable().maxlen(22),
			pStr("transfer_group").nullable())
	case "confirm":
		s = append(s, pStr("client_secret"), pBool("error_on_requires_action"), pBool("use_stripe_sdk"),
			pStr("expected_payment_method_type"))
		s = append(s, confirmSpecs()...)
	}
	return s
}

// confirmSpecs are what only create (with confirm=true) and confirm take.
func confirmSpecs() []spec {
	return []spec{mandateDataSpec(), pStr("mandate"), pEnum("off_session", "true", "false", "one_off", "recurring"),
		pStr("return_url").maxlen(5000)}
}

// piParams reads the parameters of a PaymentIntent request.
func (c *call) piParams() (engine.PaymentIntentParams, string, error) {
	p := c.p
	types, used, err := methodTypes(p)
	if err != nil {
		return engine.PaymentIntentParams{}, used, err
	}
	pp := engine.PaymentIntentParams{
		Currency: p.String("currency"), Customer: p.Str("customer"), Description: p.Str("description"),
		Metadata: p.Metadata(), StatementDescriptor: p.Str("statement_descriptor"), ReceiptEmail: p.Str("receipt_email"), TransferGroup: p.Str("transfer_group"),
		PaymentMethod: p.Str("payment_method"), PaymentMethodTypes: types, SetupFutureUsage: p.Str("setup_future_usage"),
		Mandate: p.String("mandate"), ReturnURL: p.Str("return_url"), OffSession: offSession(p), TestClock: p.Str("test_clock"),
	}
	if n, ok := p.Int("amount"); ok {
		pp.Amount = &n
	}
	if v := p.String("capture_method"); v == "manual" {
		return pp, used, engine.Invalid("payment_intent_invalid_parameter", "capture_method",
			"capture_method=manual is not available for SEPA Direct Debit and Sofort: their payments are captured automatically.")
	}
	if v := p.String("confirmation_method"); v == "manual" {
		return pp, used, engine.Invalid("payment_intent_invalid_parameter", "confirmation_method",
			"Kontor implements confirmation_method=automatic only: confirm the PaymentIntent from your server or with its client secret.")
	}
	opts := p.Hash("payment_method_options")
	sd, so := opts.Hash("sepa_debit"), opts.Hash("sofort")
	pp.SepaDebitSFU, pp.SofortSFU, pp.SofortLanguage = sd.Str("setup_future_usage"), so.Str("setup_future_usage"), so.Str("preferred_language")
	if opts.IsNull("sepa_debit") {
		pp.SepaDebitSFU = engine.Opt[string]{Set: true, Null: true}
	}
	if opts.IsNull("sofort") {
		pp.SofortSFU, pp.SofortLanguage = engine.Opt[string]{Set: true, Null: true}, engine.Opt[string]{Set: true, Null: true}
	}
	if p.Has("payment_method_data") {
		d, err := pmDataParams(p.Hash("payment_method_data"))
		if err != nil {
			return pp, used, err
		}
		pp.PaymentMethodData = &d
		if p.Has("payment_method") {
			return pp, used, engine.Invalid("parameters_exclusive", "payment_method_data",
				"You may only specify one of these parameters: payment_method, payment_method_data.")
		}
	}
	if pp.MandateData, err = c.mandateData(); err != nil {
		return pp, used, err
	}
	if v, ok := p.Bool("confirm"); ok {
		pp.Confirm = v
	}
	return pp, used, nil
}

func (a *API) paymentIntentRoutes() {
	a.handle("POST /v1/payment_intents", route{specs: piSpecs("create"), write: true, h: func(c *call, op *engine.Op) (any, error) {
		pp, used, err := c.piParams()
		if err != nil {
			return nil, err
		}
		pp.AutomaticPaymentMethods = c.automaticMethods(pp.PaymentMethodTypes)
		pi, err := op.CreatePaymentIntent(pp)
		if err != nil {
			return nil, renameTypesParam(err, used)
		}
		return c.renderExpanded(op, pi)
	}})
	a.handle("GET /v1/payment_intents/{id}", route{specs: []spec{pStr("client_secret"), pExpand()}, publishable: true,
		h: func(c *call, op *engine.Op) (any, error) {
			id := c.r.PathValue("id")
			pi, err := engine.Get[engine.PaymentIntent](op, id)
			if err != nil {
				return nil, engine.NotFoundOr(err, "intent", "payment_intent", id)
			}
			if err := c.checkClientSecret(pi.CheckClientSecret, "intent", "payment_intent", id); err != nil {
				return nil, err
			}
			return c.renderExpanded(op, pi)
		}})
	a.handle("POST /v1/payment_intents/{id}", route{specs: piSpecs("update"), write: true, h: func(c *call, op *engine.Op) (any, error) {
		pp, used, err := c.piParams()
		if err != nil {
			return nil, err
		}
		pi, err := op.UpdatePaymentIntent(c.r.PathValue("id"), pp)
		if err != nil {
			return nil, renameTypesParam(err, used)
		}
		return c.renderExpanded(op, pi)
	}})
	a.handle("POST /v1/payment_intents/{id}/confirm", route{specs: piSpecs("confirm"), write: true, publishable: true,
		h: func(c *call, op *engine.Op) (any, error) {
			id := c.r.PathValue("id")
			pi, err := op.GetPaymentIntent(id)
			if err != nil {
				return nil, err
			}
			if err := c.checkClientSecret(pi.CheckClientSecret, "intent", "payment_intent", id); err != nil {
				return nil, err
			}
			pp, used, err := c.piParams()
			if err != nil {
				return nil, err
			}
			if pi, err = op.ConfirmPaymentIntent(id, pp); err != nil {
				return nil, renameTypesParam(err, used)
			}
			return c.renderExpanded(op, pi)
		}})
	a.handle("POST /v1/payment_intents/{id}/cancel", route{write: true,
		specs: []spec{pEnum("cancellation_reason", "abandoned", "duplicate", "fraudulent", "requested_by_customer"), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			pi, err := op.CancelPaymentIntent(c.r.PathValue("id"), c.p.Str("cancellation_reason"))
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, pi)
		}})
	a.handle("GET /v1/payment_intents", route{specs: listSpecs(pStr("customer")), h: func(c *call, op *engine.Op) (any, error) {
		return listOf[engine.PaymentIntent](c, op, "/v1/payment_intents", "payment intent", engine.IntentFilter{Customer: c.p.String("customer")})
	}})
}
