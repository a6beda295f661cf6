package stripeapi

import (
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/web"
)

func init() {
	registerRenderer("source", renderSource)
	registerRenderer("source_transaction", renderSourceTransaction)
	registerRenderer("source_mandate_notification", renderMandateNotification)
}

// sourceFlows is the flow each implemented source type has; a flow parameter
// naming another one is refused.
var sourceFlows = map[string]string{"sofort": "redirect", "sepa_debit": "none", "sepa_credit_transfer": "receiver"}

// ownerSpec describes owner[…] of a source.
func ownerSpec() spec {
	return pHash("owner", addressSpec("address"), pStr("email").maxlen(800), pStr("name").maxlen(5000), pStr("phone").maxlen(5000))
}

// sourceCreateSpecs are the parameters of POST /v1/sources.
func sourceCreateSpecs() []spec {
	acceptance := pHash("acceptance", pTime("date"), pStr("ip"), pHash("offline", pStr("contact_email").req()),
		pHash("online", pTime("date"), pStr("ip"), pStr("user_agent")),
		pEnum("status", "accepted", "pending", "refused", "revoked").req(), pEnum("type", "offline", "online"), pStr("user_agent"))
	return []spec{
		pStr("type").req(), pInt("amount"), pCurrency(),
		pEnum("flow", "code_verification", "none", "receiver", "redirect"), pEnum("usage", "reusable", "single_use"),
		pMeta(), ownerSpec(),
		pHash("redirect", pStr("return_url").req().maxlen(2048)),
		pHash("receiver", pEnum("refund_attributes_method", "email", "manual", "none")),
		pStr("statement_descriptor").maxlen(5000),
		// Type-specific hashes (stripe-go sends them with AddExtra).
		pHash("sofort", pStr("country"), pStr("preferred_language")),
		pHash("sepa_debit", pStr("iban").maxlen(64), pStr("sofort")),
		pHash("mandate", acceptance, pInt("amount"), pCurrency(), pEnum("interval", "one_time", "scheduled", "variable"),
			notificationMethodSpec()),
		// Kontor's extension: bind the source (and what follows from it) to a test clock.
		pStr("test_clock"),
		pExpand(),
	}
}

// refundAttributeSpecs are the refund account of a credit transfer source,
// as the merchant sets it (sepa_credit_transfer[…] on POST /v1/sources/{id})
// and as the payer answers Stripe's e-mail (the test helper).
func refundAttributeSpecs() []spec {
	return []spec{pStr("refund_iban").maxlen(64), pStr("refund_account_holder_name").maxlen(70),
		pStr("refund_account_holder_address_line1"), pStr("refund_account_holder_address_line2"),
		pStr("refund_account_holder_address_city"), pStr("refund_account_holder_address_state"),
		pStr("refund_account_holder_address_postal_code"), pStr("refund_account_holder_address_country")}
}

// refundAttributes reads the refund account h names.
func refundAttributes(h Params) (*engine.RefundAttributesParams, error) {
	if !h.Has("refund_iban") {
		return nil, engine.Missing(paramName(h.prefix, "refund_iban"))
	}
	return &engine.RefundAttributesParams{IBAN: h.String("refund_iban"), HolderName: h.String("refund_account_holder_name"),
		Line1: h.String("refund_account_holder_address_line1"), Line2: h.String("refund_account_holder_address_line2"),
		City: h.String("refund_account_holder_address_city"), State: h.String("refund_account_holder_address_state"),
		PostalCode: h.String("refund_account_holder_address_postal_code"), Country: h.String("refund_account_holder_address_country")}, nil
}

// notificationMethodSpec is mandate[notification_method]: who tells the
// payer of each debit (engine.Op.notifyMandateDebit).
func notificationMethodSpec() spec {
	return pEnum("notification_method", "deprecated_none", "email", "manual", "none", "stripe_email")
}

// sourceUpdateSpecs are the parameters of POST /v1/sources/{id}.
func sourceUpdateSpecs() []spec {
	return []spec{
		pMeta(), ownerSpec(), pHash("mandate", notificationMethodSpec()),
		pHash("sepa_credit_transfer", refundAttributeSpecs()...),
		pExpand(),
	}
}

// ownerParams reads owner[…] as the engine's update.
func ownerParams(p Params) engine.OwnerParams {
	o := p.Hash("owner")
	return engine.OwnerParams{Name: o.Str("name"), Email: o.Str("email"), Phone: o.Str("phone"), Address: o.Address("address")}
}

// sourceParams turns the validated parameters of POST /v1/sources into the
// engine's, refusing the type-specific hashes of other types.
func sourceParams(p Params) (engine.SourceParams, error) {
	typ := p.String("type")
	if _, known := sourceFlows[typ]; !known {
		// The engine refuses the type itself, which is the better message.
		return engine.SourceParams{Type: typ, Currency: p.String("currency")}, nil
	}
	for _, h := range []string{"sofort", "sepa_debit", "mandate", "redirect", "receiver"} {
		if !p.Has(h) {
			continue
		}
		owner := map[string]string{"sofort": "sofort", "redirect": "sofort", "sepa_debit": "sepa_debit", "mandate": "sepa_debit",
			"receiver": "sepa_credit_transfer"}[h]
		if owner != typ {
			return engine.SourceParams{}, engine.Invalid("parameter_unknown", h, "Received unknown parameter: %s. It applies to sources of type %s, not %s.", h, owner, typ)
		}
	}
	if f := p.String("flow"); f != "" && sourceFlows[typ] != "" && f != sourceFlows[typ] {
		return engine.SourceParams{}, engine.Invalid("parameter_invalid_enum", "flow", "Sources of type %s use the %s flow; flow %s is not supported.", typ, sourceFlows[typ], f)
	}
	if p.Has("statement_descriptor") && typ != "sofort" {
		return engine.SourceParams{}, engine.Invalid("parameter_unknown", "statement_descriptor",
			"A statement_descriptor can only be set on sofort sources; for %s payments set it on the charge.", typ)
	}
	sp := engine.SourceParams{
		Type: typ, Currency: p.String("currency"), Usage: p.String("usage"), Owner: ownerParams(p),
		ReturnURL: p.Hash("redirect").String("return_url"), StatementDescriptor: p.Str("statement_descriptor"),
		Metadata: p.Metadata(), SofortCountry: p.Hash("sofort").String("country"),
		SofortLanguage: p.Hash("sofort").String("preferred_language"), IBAN: p.Hash("sepa_debit").String("iban"),
		FromSofort: p.Hash("sepa_debit").String("sofort"), RefundMethod: p.Hash("receiver").String("refund_attributes_method"),
		TestClock: p.Str("test_clock"), NotificationMethod: p.Hash("mandate").String("notification_method"),
	}
	if n, ok := p.Int("amount"); ok {
		sp.Amount = &n
	}
	if p.Has("mandate") {
		acc, err := mandateAcceptance(p.Hash("mandate").Hash("acceptance"))
		if err != nil {
			return sp, err
		}
		sp.Acceptance = acc
	}
	return sp, nil
}

// mandateAcceptance reads mandate[acceptance]: Kontor records accepted
// mandates only (a refused mandate creates no source).
func mandateAcceptance(a Params) (engine.Acceptance, error) {
	var acc engine.Acceptance
	if st := a.String("status"); st != "" && st != "accepted" {
		return acc, engine.Invalid("mandate_not_accepted", "mandate[acceptance][status]",
			"The mandate acceptance status is %s; a SEPA Direct Debit source needs a mandate the customer accepted.", st)
	}
	acc.Type = a.String("type")
	acc.IPAddress, acc.UserAgent = a.String("ip"), a.String("user_agent")
	if d, ok := a.Int("date"); ok {
		acc.AcceptedAt = d
	}
	if on := a.Hash("online"); a.Has("online") {
		acc.Type = "online"
		if d, ok := on.Int("date"); ok {
			acc.AcceptedAt = d
		}
		acc.IPAddress, acc.UserAgent = firstNonEmpty(on.String("ip"), acc.IPAddress), firstNonEmpty(on.String("user_agent"), acc.UserAgent)
	}
	if a.Has("offline") {
		acc.Type = "offline"
	}
	return acc, nil
}

// firstNonEmpty returns the first of vs that is not empty.
func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// int64OrNull renders a nullable integer.
func int64OrNull(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// renderOwner renders a source's owner hash.
func renderOwner(o engine.Owner) *Obj {
	out := &Obj{}
	return out.Set("address", renderAddress(o.Address)).Set("email", str(o.Email)).Set("name", str(o.Name)).
		Set("phone", str(o.Phone)).Set("verified_address", renderAddress(o.VerifiedAddress)).
		Set("verified_email", str(o.VerifiedEmail)).Set("verified_name", str(o.VerifiedName)).Set("verified_phone", str(o.VerifiedPhone))
}

// renderSource renders a Source in Stripe's shape. Full IBANs appear only
// where Stripe shows them: the receiver account of a credit transfer source
// (the merchant's own virtual account). The refund IBAN is shown masked.
func renderSource(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	s := o.(*engine.Source)
	obj := newObjOf(s.ID, "source", chargeFields).
		Set("allow_redisplay", nil).
		Set("amount", int64OrNull(s.Amount)).
		Set("client_secret", s.ClientSecret).
		Set("created", s.Created).
		Set("currency", str(s.Currency))
	if s.Customer != "" {
		obj.Set("customer", s.Customer)
	}
	obj.Set("flow", s.Flow).
		Set("livemode", false).
		Set("metadata", meta(s.Metadata)).
		Set("owner", renderOwner(s.Owner))
	if ct := s.CreditTransfer; ct != nil {
		rcv := &Obj{}
		rcv.Set("address", ct.IBAN).Set("amount_charged", ct.AmountCharged).Set("amount_received", ct.AmountReceived).
			Set("amount_returned", ct.AmountReturned).Set("refund_attributes_method", ct.RefundMethod).
			Set("refund_attributes_status", ct.RefundStatus())
		obj.Set("receiver", rcv)
	}
	if r := s.Redirect; r != nil {
		red := &Obj{}
		red.Set("failure_reason", str(r.FailureReason)).Set("return_url", r.ReturnURL).Set("status", r.Status).
			Set("url", web.AuthorizeURL(c.baseURL(), op.AccountID(), s.ID, s.ClientSecret))
		obj.Set("redirect", red)
	}
	if ct := s.CreditTransfer; ct != nil {
		sct := &Obj{}
		sct.Set("bank_name", ct.BankName).Set("bic", ct.BIC).Set("iban", ct.IBAN)
		var addr engine.Address
		var holder, refundIBAN any
		if ra := ct.RefundTo; ra != nil {
			addr, holder = ra.Address, ra.HolderName
			if iban, err := op.IBAN(ra.Account); err == nil {
				refundIBAN = iban.Masked()
			}
		}
		sct.Set("refund_account_holder_address_city", str(addr.City)).
			Set("refund_account_holder_address_country", str(addr.Country)).
			Set("refund_account_holder_address_line1", str(addr.Line1)).
			Set("refund_account_holder_address_line2", str(addr.Line2)).
			Set("refund_account_holder_address_postal_code", str(addr.PostalCode)).
			Set("refund_account_holder_address_state", str(addr.State)).
			Set("refund_account_holder_name", holder).
			Set("refund_iban", refundIBAN)
		obj.Set("sepa_credit_transfer", sct)
	}
	if sd := s.SepaDebit; sd != nil {
		a := sd.Account
		sdo := &Obj{}
		sdo.Set("bank_code", strOrNull(a.BankCode)).Set("branch_code", strOrNull(a.BranchCode)).Set("country", a.Country).
			Set("fingerprint", a.Fingerprint).Set("last4", a.Last4).Set("mandate_reference", sd.MandateReference).
			Set("mandate_url", web.MandateURL(c.baseURL(), op.AccountID(), s.ID, s.ClientSecret))
		obj.Set("sepa_debit", sdo)
	}
	if so := s.Sofort; so != nil {
		sof := &Obj{}
		sof.Set("bank_code", str(so.BankCode)).Set("bank_name", str(so.BankName)).Set("bic", str(so.BIC)).
			Set("country", so.Country).Set("iban_last4", str(so.IBANLast4)).Set("preferred_language", str(so.PreferredLanguage)).
			Set("statement_descriptor", str(so.StatementDescriptor))
		obj.Set("sofort", sof)
	}
	return obj.Set("statement_descriptor", str(s.StatementDescriptor)).
		Set("status", s.Status).
		Set("type", s.Type).
		Set("usage", s.Usage), nil
}

// renderSourceTransaction renders an incoming credit transfer. Like Stripe it
// shows the sender's IBAN in full: the merchant needs it to refund the payer.
func renderSourceTransaction(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	t := o.(*engine.SourceTransaction)
	var sender any
	if iban, err := op.IBAN(t.Sender); err == nil {
		sender = string(iban)
	}
	sct := &Obj{}
	sct.Set("reference", t.Reference).Set("sender_iban", sender).Set("sender_name", t.SenderName)
	return newObj(t.ID, "source_transaction").
		Set("amount", t.Amount).
		Set("created", t.Created).
		Set("currency", t.Currency).
		Set("livemode", false).
		Set("sepa_credit_transfer", sct).
		Set("source", t.Source).
		Set("status", t.Status).
		Set("type", "sepa_credit_transfer"), nil
}

// renderMandateNotification renders a source_mandate_notification with the
// full Source object, as Stripe does.
func renderMandateNotification(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	n := o.(*engine.MandateNotification)
	var src any
	if s, err := engine.Get[engine.Source](op, n.Source); err == nil {
		if src, err = c.render(op, s); err != nil {
			return nil, err
		}
	}
	sd := &Obj{}
	sd.Set("creditor_identifier", n.CreditorIdentifier).Set("last4", n.Last4).Set("mandate_reference", n.MandateReference)
	return newObj(n.ID, "source_mandate_notification").
		Set("amount", n.Amount).
		Set("created", n.Created).
		Set("livemode", false).
		Set("reason", n.Reason).
		Set("sepa_debit", sd).
		Set("source", src).
		Set("status", n.Status).
		Set("type", "sepa_debit"), nil
}

// getSource loads a source for a request: with a publishable key the
// request must prove it may see the source with its client secret.
func (c *call) getSource(op *engine.Op, id string) (*engine.Source, error) {
	s, err := engine.Get[engine.Source](op, id)
	if err != nil {
		return nil, engine.NotFoundOr(err, "source", "source", id)
	}
	if c.kind == engine.PublishableKey {
		secret := c.p.String("client_secret")
		if secret == "" {
			return nil, engine.Invalid("parameter_missing", "client_secret",
				"Missing required param: client_secret. A source can only be retrieved with a publishable key together with its client secret.")
		}
		if !s.CheckClientSecret(secret) {
			return nil, engine.NotFound("source", "source", id)
		}
	}
	return s, nil
}

// sourceRoutes registers the /v1/sources endpoints.
func (a *API) sourceRoutes() {
	a.handle("POST /v1/sources", route{specs: sourceCreateSpecs(), write: true, publishable: true, h: func(c *call, op *engine.Op) (any, error) {
		sp, err := sourceParams(c.p)
		if err != nil {
			return nil, err
		}
		s, err := op.CreateSource(sp)
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("GET /v1/sources/{id}", route{specs: []spec{pStr("client_secret"), pExpand()}, publishable: true, h: func(c *call, op *engine.Op) (any, error) {
		s, err := c.getSource(op, c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("POST /v1/sources/{id}", route{specs: sourceUpdateSpecs(), write: true, h: func(c *call, op *engine.Op) (any, error) {
		u := engine.SourceUpdate{Owner: ownerParams(c.p), Metadata: c.p.Metadata(),
			NotificationMethod: c.p.Hash("mandate").String("notification_method")}
		if c.p.Has("sepa_credit_transfer") {
			var err error
			if u.Refund, err = refundAttributes(c.p.Hash("sepa_credit_transfer")); err != nil {
				return nil, err
			}
		}
		s, err := op.UpdateSource(c.r.PathValue("id"), u)
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("GET /v1/sources/{id}/source_transactions", route{specs: listSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		s, err := c.getSource(op, c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return listOf[engine.SourceTransaction](c, op, "/v1/sources/"+s.ID+"/source_transactions", "source transaction",
			engine.SourceChildFilter{Source: s.ID})
	}})
	a.handle("GET /v1/sources/{id}/source_transactions/{txn}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		s, err := c.getSource(op, c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		id := c.r.PathValue("txn")
		t, err := engine.Get[engine.SourceTransaction](op, id)
		if err != nil {
			return nil, engine.NotFoundOr(err, "source_transaction", "source transaction", id)
		}
		if t.Source != s.ID {
			return nil, engine.NotFound("source_transaction", "source transaction", id)
		}
		return c.renderExpanded(op, t)
	}})
	a.handle("GET /v1/sources/{id}/mandate_notifications/{mn}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		s, err := c.getSource(op, c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		id := c.r.PathValue("mn")
		n, err := op.GetMandateNotification(id)
		if err != nil {
			return nil, engine.NotFoundOr(err, "mandate_notification", "source mandate notification", id)
		}
		if n.Source != s.ID {
			return nil, engine.NotFound("mandate_notification", "source mandate notification", id)
		}
		return c.renderExpanded(op, n)
	}})
}
