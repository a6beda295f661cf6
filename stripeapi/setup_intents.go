package stripeapi

import (
	"slices"

	"github.com/kontorpay/kontor/engine"
)

func init() {
	registerRenderer("setup_intent", renderSetupIntent)
	registerExpandable("setup_intent", "customer", "latest_attempt", "mandate", "payment_method", "single_use_mandate")
	registerRenderer("setup_attempt", renderSetupAttempt)
	registerExpandable("setup_attempt", "customer", "payment_method", "setup_intent")
	// The Sofort details of setup attempts and charges name the SEPA Direct
	// Debit payment method and mandate they generated; both expand. They sit
	// in nested hashes, which carry no object type.
	registerExpandable("", "generated_sepa_debit", "generated_sepa_debit_mandate")
}

// renderSetupIntent renders a SetupIntent in Stripe's shape.
func renderSetupIntent(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	si := o.(*engine.SetupIntent)
	lastErr, err := c.renderIntentError(op, si.LastSetupError)
	if err != nil {
		return nil, err
	}
	opts := &Obj{}
	if slices.Contains(si.PaymentMethodTypes, "sepa_debit") {
		sd := &Obj{}
		opts.Set("sepa_debit", sd.Set("mandate_options", &Obj{}))
	}
	return newObj(si.ID, "setup_intent").
		Set("allowed_payment_method_types", si.PaymentMethodTypes).
		Set("application", nil).
		Set("automatic_payment_methods", renderAutomatic(si.AutomaticPaymentMethods)).
		Set("cancellation_reason", str(si.CancellationReason)).
		Set("client_secret", si.ClientSecret).
		Set("created", si.Created).
		Set("customer", strOrNull(si.Customer)).
		Set("customer_account", nil).
		Set("description", str(si.Description)).
		Set("excluded_payment_method_types", nil).
		Set("flow_directions", nil).
		Set("last_setup_error", lastErr).
		Set("latest_attempt", str(si.LatestAttempt)).
		Set("livemode", false).
		Set("mandate", str(si.Mandate)).
		Set("metadata", meta(si.Metadata)).
		Set("next_action", c.redirectAction(op, si.ID, si.ClientSecret, si.NextAction)).
		Set("on_behalf_of", nil).
		Set("payment_method", str(si.PaymentMethod)).
		Set("payment_method_configuration_details", nil).
		Set("payment_method_options", opts).
		Set("payment_method_types", si.PaymentMethodTypes).
		Set("single_use_mandate", nil).
		Set("status", si.Status).
		Set("usage", si.Usage), nil
}

// renderSetupAttempt renders a SetupAttempt.
func renderSetupAttempt(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	a := o.(*engine.SetupAttempt)
	setupErr, err := c.renderIntentError(op, a.SetupError)
	if err != nil {
		return nil, err
	}
	details := &Obj{}
	switch a.Type {
	case "sofort":
		so := &Obj{}
		s := a.Sofort
		if s == nil {
			s = &engine.SofortDetails{}
		}
		so.Set("bank_code", str(s.BankCode)).
			Set("bank_name", str(s.BankName)).
			Set("bic", str(s.BIC)).
			Set("generated_sepa_debit", str(s.GeneratedSepaDebit)).
			Set("generated_sepa_debit_mandate", str(s.GeneratedSepaDebitMandate)).
			Set("iban_last4", str(s.IBANLast4)).
			Set("preferred_language", str(s.PreferredLanguage)).
			Set("verified_name", str(s.VerifiedName))
		details.Set("sofort", so)
	case "sepa_debit":
		details.Set("sepa_debit", &Obj{})
	}
	details.Set("type", a.Type)
	return newObj(a.ID, "setup_attempt").
		Set("application", nil).
		Set("created", a.Created).
		Set("customer", strOrNull(a.Customer)).
		Set("customer_account", nil).
		Set("flow_directions", nil).
		Set("livemode", false).
		Set("on_behalf_of", nil).
		Set("payment_method", a.PaymentMethod).
		Set("payment_method_details", details).
		Set("setup_error", setupErr).
		Set("setup_intent", a.SetupIntent).
		Set("status", a.Status).
		Set("usage", a.Usage), nil
}

// siSpecs are the parameters of SetupIntent create, update and confirm.
func siSpecs(kind string) []spec {
	opts := pHash("payment_method_options",
		pHash("sepa_debit", pHash("mandate_options")))
	s := append(typesSpecs(), pExpand(), pStr("payment_method"), pHash("payment_method_data", pmDataSpecs()...), opts)
	confirm := []spec{mandateDataSpec(), pStr("return_url").maxlen(5000), pBool("use_stripe_sdk")}
	switch kind {
	case "create":
		s = append(s, pBool("confirm"), pStr("customer"), pStr("description").maxlen(1000), pMeta(),
			pEnum("usage", "off_session", "on_session"), pStr("test_clock"), automaticSpec())
		s = append(s, confirm...)
	case "update":
		s = append(s, pStr("customer"), pStr("description").nullable().maxlen(1000), pMeta())
	case "confirm":
		s = append(s, pStr("client_secret"))
		s = append(s, confirm...)
	}
	return s
}

// siParams reads the parameters of a SetupIntent request.
func (c *call) siParams() (engine.SetupIntentParams, string, error) {
	p := c.p
	types, used, err := methodTypes(p)
	if err != nil {
		return engine.SetupIntentParams{}, used, err
	}
	sp := engine.SetupIntentParams{Customer: p.Str("customer"), Description: p.Str("description"), Metadata: p.Metadata(),
		PaymentMethod: p.Str("payment_method"), PaymentMethodTypes: types, Usage: p.String("usage"), ReturnURL: p.Str("return_url"), TestClock: p.Str("test_clock")}
	if p.Has("payment_method_data") {
		if p.Has("payment_method") {
			return sp, used, engine.Invalid("parameters_exclusive", "payment_method_data",
				"You may only specify one of these parameters: payment_method, payment_method_data.")
		}
		d, err := pmDataParams(p.Hash("payment_method_data"))
		if err != nil {
			return sp, used, err
		}
		sp.PaymentMethodData = &d
	}
	if sp.MandateData, err = c.mandateData(); err != nil {
		return sp, used, err
	}
	sp.Confirm, _ = p.Bool("confirm")
	return sp, used, nil
}

func (a *API) setupIntentRoutes() {
	a.handle("POST /v1/setup_intents", route{specs: siSpecs("create"), write: true, h: func(c *call, op *engine.Op) (any, error) {
		sp, used, err := c.siParams()
		if err != nil {
			return nil, err
		}
		sp.AutomaticPaymentMethods = c.automaticMethods(sp.PaymentMethodTypes)
		si, err := op.CreateSetupIntent(sp)
		if err != nil {
			return nil, renameTypesParam(err, used)
		}
		return c.renderExpanded(op, si)
	}})
	a.handle("GET /v1/setup_intents/{id}", route{specs: []spec{pStr("client_secret"), pExpand()}, publishable: true,
		h: func(c *call, op *engine.Op) (any, error) {
			id := c.r.PathValue("id")
			si, err := engine.Get[engine.SetupIntent](op, id)
			if err != nil {
				return nil, engine.NotFoundOr(err, "intent", "setup_intent", id)
			}
			if err := c.checkClientSecret(si.CheckClientSecret, "intent", "setup_intent", id); err != nil {
				return nil, err
			}
			return c.renderExpanded(op, si)
		}})
	a.handle("POST /v1/setup_intents/{id}", route{specs: siSpecs("update"), write: true, h: func(c *call, op *engine.Op) (any, error) {
		sp, used, err := c.siParams()
		if err != nil {
			return nil, err
		}
		si, err := op.UpdateSetupIntent(c.r.PathValue("id"), sp)
		if err != nil {
			return nil, renameTypesParam(err, used)
		}
		return c.renderExpanded(op, si)
	}})
	a.handle("POST /v1/setup_intents/{id}/confirm", route{specs: siSpecs("confirm"), write: true, publishable: true,
		h: func(c *call, op *engine.Op) (any, error) {
			id := c.r.PathValue("id")
			si, err := op.GetSetupIntent(id)
			if err != nil {
				return nil, err
			}
			if err := c.checkClientSecret(si.CheckClientSecret, "intent", "setup_intent", id); err != nil {
				return nil, err
			}
			sp, used, err := c.siParams()
			if err != nil {
				return nil, err
			}
			if si, err = op.ConfirmSetupIntent(id, sp); err != nil {
				return nil, renameTypesParam(err, used)
			}
			return c.renderExpanded(op, si)
		}})
	a.handle("POST /v1/setup_intents/{id}/cancel", route{write: true,
		specs: []spec{pEnum("cancellation_reason", "abandoned", "duplicate", "requested_by_customer"), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			si, err := op.CancelSetupIntent(c.r.PathValue("id"), c.p.Str("cancellation_reason"))
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, si)
		}})
	a.handle("GET /v1/setup_intents", route{specs: listSpecs(pStr("customer"), pStr("payment_method"), pBool("attach_to_self")),
		h: func(c *call, op *engine.Op) (any, error) {
			pmID := c.p.String("payment_method")
			return listOfWhere(c, op, "/v1/setup_intents", "setup intent", engine.IntentFilter{Customer: c.p.String("customer")}, func(si *engine.SetupIntent) bool {
				return pmID == "" || (si.PaymentMethod != nil && *si.PaymentMethod == pmID)
			})
		}})
	a.handle("GET /v1/setup_attempts", route{specs: listSpecs(pStr("setup_intent").req()), h: func(c *call, op *engine.Op) (any, error) {
		id := c.p.String("setup_intent")
		if _, err := engine.Get[engine.SetupIntent](op, id); err != nil {
			return nil, engine.NotFoundOr(err, "setup_intent", "setup_intent", id)
		}
		return listOf[engine.SetupAttempt](c, op, "/v1/setup_attempts", "setup attempt", engine.SetupAttemptFilter{SetupIntent: id})
	}})
}
