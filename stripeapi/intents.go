package stripeapi

import (
	"net"
	"slices"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/web"
)

// This file holds what PaymentIntents, SetupIntents and Checkout Sessions
// share: the two spellings of the payment method types, mandate_data, the
// client secret check of publishable-key requests and the redirect next_action.

// typesSpecs accepts both spellings of the payment method types: stripe-go
// v85 sends payment_method_types, npm stripe 23 (API 2026-09-30 and later)
// sends allowed_payment_method_types.
func typesSpecs() []spec {
	return []spec{pArr("payment_method_types", pStr("").maxlen(100)), pArr("allowed_payment_method_types", pStr("").maxlen(100))}
}

// methodTypes returns the payment method types the request names and the
// parameter it named them with. Giving both spellings with different lists
// is an error.
func methodTypes(p Params) ([]string, string, error) {
	old, cur := p.Strings("payment_method_types"), p.Strings("allowed_payment_method_types")
	switch {
	case p.Has("payment_method_types") && p.Has("allowed_payment_method_types"):
		if !slices.Equal(old, cur) {
			return nil, "", engine.Invalid("parameters_exclusive", "allowed_payment_method_types",
				"You may only specify one of these parameters: allowed_payment_method_types, payment_method_types (or give both the same list).")
		}
		return cur, "allowed_payment_method_types", nil
	case p.Has("allowed_payment_method_types"):
		return cur, "allowed_payment_method_types", nil
	}
	return old, "payment_method_types", nil
}

// automaticSpec describes automatic_payment_methods on intent creation.
func automaticSpec() spec {
	return pHash("automatic_payment_methods", pBool("enabled").req(), pEnum("allow_redirects", "always", "never"))
}

// automaticMethods reads automatic_payment_methods. Since 2023-08-16 an
// intent created without payment method types has them enabled, as if the
// request had said so; before, or with enabled=false, the intent lists the
// account's enabled types without the flag.
func (c *call) automaticMethods(types []string) *engine.AutomaticPaymentMethods {
	if !c.p.Has("automatic_payment_methods") {
		if len(types) == 0 && !versionBefore(c.version, "2023-08-16") {
			return &engine.AutomaticPaymentMethods{Enabled: true}
		}
		return nil
	}
	h := c.p.Hash("automatic_payment_methods")
	enabled, _ := h.Bool("enabled")
	return &engine.AutomaticPaymentMethods{Enabled: enabled, AllowRedirects: h.String("allow_redirects")}
}

// renderAutomatic renders an intent's automatic_payment_methods (null when off).
func renderAutomatic(a *engine.AutomaticPaymentMethods) any {
	if a == nil {
		return nil
	}
	return map[string]any{"allow_redirects": a.AllowRedirects, "enabled": a.Enabled}
}

// renameTypesParam makes an engine error about payment_method_types name
// the spelling the client used.
func renameTypesParam(err error, used string) error {
	if e, ok := engine.AsError(err); ok && used != "payment_method_types" && strings.HasPrefix(e.Param, "payment_method_types") {
		c := *e
		c.Param = used + strings.TrimPrefix(e.Param, "payment_method_types")
		return &c
	}
	return err
}

// mandateDataSpec describes mandate_data[customer_acceptance].
func mandateDataSpec() spec {
	return pHash("mandate_data", pHash("customer_acceptance",
		pEnum("type", "online", "offline").req(), pTime("accepted_at"),
		pHash("online", pStr("ip_address").maxlen(100), pStr("user_agent").maxlen(5000), pBool("infer_from_client")),
		pHash("offline"),
	).req()).nullable()
}

// mandateData reads mandate_data. An online acceptance needs the customer's
// IP address and user agent, or infer_from_client (Stripe.js with a
// publishable key), which takes them from the request.
func (c *call) mandateData() (*engine.MandateData, error) {
	if !c.p.Has("mandate_data") || c.p.IsNull("mandate_data") {
		return nil, nil
	}
	ca := c.p.Hash("mandate_data").Hash("customer_acceptance")
	md := &engine.MandateData{Type: ca.String("type")}
	md.AcceptedAt, _ = ca.Int("accepted_at")
	if md.Type == "offline" {
		if ca.Has("online") {
			return nil, engine.Invalid("parameter_unknown", "mandate_data[customer_acceptance][online]",
				"mandate_data[customer_acceptance][online] cannot be given with type offline.")
		}
		return md, nil
	}
	if !ca.Has("online") {
		return nil, engine.Invalid("parameter_missing", "mandate_data[customer_acceptance][online]",
			"Missing required param: mandate_data[customer_acceptance][online] (the customer's ip_address and user_agent) for an online acceptance.")
	}
	on := ca.Hash("online")
	if infer, _ := on.Bool("infer_from_client"); infer && c.r != nil {
		md.IPAddress, _, _ = net.SplitHostPort(c.r.RemoteAddr)
		md.UserAgent = c.r.UserAgent()
		return md, nil
	}
	md.IPAddress, md.UserAgent = on.String("ip_address"), on.String("user_agent")
	for _, f := range []string{"ip_address", "user_agent"} {
		if on.String(f) == "" {
			return nil, engine.Invalid("parameter_missing", "mandate_data[customer_acceptance][online]["+f+"]",
				"Missing required param: mandate_data[customer_acceptance][online][%s].", f)
		}
	}
	return md, nil
}

// offSession reads off_session, which is a boolean or one_off / recurring.
func offSession(p Params) bool {
	v := p.String("off_session")
	return v == "true" || v == "one_off" || v == "recurring"
}

// checkClientSecret guards requests made with a publishable key: they must
// carry the intent's client secret, and a wrong one answers like an unknown
// intent. Secret-key requests need no client secret.
func (c *call) checkClientSecret(ok func(secret string) bool, param, what, id string) error {
	if c.kind != engine.PublishableKey {
		return nil
	}
	secret := c.p.String("client_secret")
	if secret == "" {
		return engine.Invalid("parameter_missing", "client_secret",
			"Missing required param: client_secret. Requests made with a publishable key must pass the %s's client_secret.", what)
	}
	if !ok(secret) {
		return engine.NotFound(param, what, id)
	}
	return nil
}

// redirectAction renders a redirect_to_url next action, pointing at the
// hosted authorisation page of the intent id.
func (c *call) redirectAction(op *engine.Op, id, secret string, na *engine.NextAction) any {
	if na == nil {
		return nil
	}
	r := &Obj{}
	r.Set("return_url", strOrNull(na.ReturnURL)).Set("url", web.AuthorizeURL(c.baseURL(), op.AccountID(), id, secret))
	o := &Obj{}
	return o.Set("redirect_to_url", r).Set("type", na.Type)
}

// renderIntentError renders last_payment_error or last_setup_error, with the
// payment method as a full object, as Stripe does.
func (c *call) renderIntentError(op *engine.Op, e *engine.PaymentError) (any, error) {
	if e == nil {
		return nil, nil
	}
	o := &Obj{}
	if e.Charge != "" {
		o.Set("charge", e.Charge)
	}
	o.Set("code", e.Code)
	if e.DeclineCode != "" {
		o.Set("decline_code", e.DeclineCode)
	}
	o.Set("doc_url", docURL(e.Code))
	o.Set("message", e.Message)
	if e.PaymentMethodID != "" {
		if pm, err := engine.Get[engine.PaymentMethod](op, e.PaymentMethodID); err == nil {
			r, err := c.render(op, pm)
			if err != nil {
				return nil, err
			}
			o.Set("payment_method", r)
		}
	}
	if e.PaymentMethodType != "" {
		o.Set("payment_method_type", e.PaymentMethodType)
	}
	return o.Set("type", e.Type), nil
}
