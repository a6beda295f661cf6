package stripeapi

import (
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
)

func init() {
	registerRenderer("charge", renderCharge)
	registerExpandable("charge", "balance_transaction", "customer", "failure_balance_transaction", "payment_intent")
	registerVirtual("charge", "refunds", chargeRefunds)
}

// embeddedListSize is how many items a list embedded in an object shows (charge.refunds, customer.sources).
const embeddedListSize = 10

// expectedDebitDate renders a unix time as the date Stripe's expected_debit_date holds.
func expectedDebitDate(unix int64) any {
	if unix == 0 {
		return nil
	}
	return time.Unix(unix, 0).UTC().Format(time.DateOnly)
}

// chargeOutcome renders the outcome of a SEPA charge: there is no risk
// assessment; the payer's bank approves or declines.
func chargeOutcome(ch *engine.Charge) *Obj {
	o := &Obj{}
	o.Set("advice_code", nil).Set("network_advice_code", nil).Set("network_decline_code", nil)
	if ch.Status == "failed" {
		code := ""
		if ch.FailureCode != nil {
			code = *ch.FailureCode
		}
		return o.Set("network_status", "declined_by_network").Set("reason", strOrNull(code)).Set("risk_level", "not_assessed").
			Set("seller_message", "The bank returned the decline code `"+code+"`.").Set("type", "issuer_declined")
	}
	msg := "Payment complete."
	if ch.Status == "pending" {
		msg = "The payment is pending: the payer's bank has not confirmed it yet."
	}
	return o.Set("network_status", "approved_by_network").Set("reason", nil).Set("risk_level", "not_assessed").
		Set("seller_message", msg).Set("type", "authorized")
}

// chargeMethodDetails renders payment_method_details for the charge's method type.
func chargeMethodDetails(ch *engine.Charge) *Obj {
	d := &Obj{}
	m := ch.Method
	switch {
	case m.SepaDebit != nil:
		sd := m.SepaDebit
		o := &Obj{}
		o.Set("bank_code", strOrNull(sd.BankCode)).Set("branch_code", strOrNull(sd.BranchCode)).Set("country", sd.Country).
			Set("expected_debit_date", expectedDebitDate(sd.ExpectedDebitDate)).Set("fingerprint", sd.Fingerprint).
			Set("last4", sd.Last4).Set("mandate", strOrNull(ch.Mandate))
		d.Set("sepa_debit", o)
	case m.Sofort != nil:
		so := m.Sofort
		o := &Obj{}
		o.Set("bank_code", str(so.BankCode)).Set("bank_name", str(so.BankName)).Set("bic", str(so.BIC)).Set("country", so.Country).
			Set("generated_sepa_debit", str(so.GeneratedSepaDebit)).Set("generated_sepa_debit_mandate", str(so.GeneratedSepaDebitMandate)).
			Set("iban_last4", str(so.IBANLast4)).Set("preferred_language", str(so.PreferredLanguage)).Set("verified_name", str(so.VerifiedName))
		d.Set("sofort", o)
	case m.CreditTransfer != nil:
		ct := m.CreditTransfer
		o := &Obj{}
		o.Set("bank_name", ct.BankName).Set("bic", ct.BIC).Set("iban", ct.IBAN)
		d.Set("sepa_credit_transfer", o)
	}
	return d.Set("type", m.Type)
}

// calculatedDescriptor is what the payer's statement shows: the charge's (or
// for Sofort the source's) descriptor, else the account's.
func calculatedDescriptor(op *engine.Op, ch *engine.Charge) any {
	if ch.StatementDescriptor != nil {
		return *ch.StatementDescriptor
	}
	if acct, err := op.Account(); err == nil && acct.Settings.StatementDescriptor != "" {
		return acct.Settings.StatementDescriptor
	}
	return nil
}

// renderCharge renders a Charge in Stripe's shape, with the Source object as source charges carry it.
func renderCharge(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	ch := o.(*engine.Charge)
	var src any
	if ch.Source != "" {
		if s, err := engine.Peek[engine.Source](op, ch.Source); err == nil {
			var err error
			if src, err = c.render(op, s); err != nil {
				return nil, err
			}
		}
	}
	pm := ch.PaymentMethod
	if pm == "" {
		pm = ch.Source
	}
	billing := &Obj{}
	billing.Set("address", renderAddress(ch.Billing.Address)).Set("email", str(ch.Billing.Email)).Set("name", str(ch.Billing.Name)).
		Set("phone", str(ch.Billing.Phone)).Set("tax_id", nil)
	return newObjOf(ch.ID, "charge", chargeFields).
		Set("amount", ch.Amount).
		Set("amount_captured", ch.Amount).
		Set("amount_refunded", ch.AmountRefunded).
		Set("application", nil).
		Set("application_fee", nil).
		Set("application_fee_amount", nil).
		Set("balance_transaction", str(ch.BalanceTransaction)).
		Set("billing_details", billing).
		Set("calculated_statement_descriptor", calculatedDescriptor(op, ch)).
		Set("captured", true).
		Set("created", ch.Created).
		Set("currency", ch.Currency).
		Set("customer", strOrNull(ch.Customer)).
		Set("description", str(ch.Description)).
		Set("disputed", ch.Disputed).
		Set("failure_balance_transaction", nil).
		Set("failure_code", str(ch.FailureCode)).
		Set("failure_message", str(ch.FailureMessage)).
		Set("fraud_details", map[string]string{}).
		Set("livemode", false).
		Set("metadata", meta(ch.Metadata)).
		Set("on_behalf_of", nil).
		Set("outcome", chargeOutcome(ch)).
		Set("paid", ch.Status == "succeeded").
		Set("payment_intent", strOrNull(ch.PaymentIntent)).
		Set("payment_method", strOrNull(pm)).
		Set("payment_method_details", chargeMethodDetails(ch)).
		Set("receipt_email", str(ch.ReceiptEmail)).
		Set("receipt_number", nil).
		Set("receipt_url", nil).
		Set("refunded", ch.Amount > 0 && ch.AmountRefunded == ch.Amount).
		Set("review", nil).
		Set("shipping", nil).
		Set("source", src).
		Set("source_transfer", nil).
		Set("statement_descriptor", str(ch.StatementDescriptor)).
		Set("statement_descriptor_suffix", nil).
		Set("status", ch.Status).
		Set("transfer_data", nil).
		Set("transfer_group", str(ch.TransferGroup)), nil
}

// chargeRefunds renders charge.refunds, which appears only when expanded.
func chargeRefunds(c *call, op *engine.Op, o *Obj) (any, error) {
	id, _ := o.Get("id")
	chID, _ := id.(string)
	rs, err := engine.ListWhere[engine.Refund](op, engine.RefundFilter{Charge: chID}, engine.ListParams{Limit: embeddedListSize + 1})
	if err != nil {
		return nil, err
	}
	return embeddedList(c, op, rs, "/v1/charges/"+chID+"/refunds")
}

// embeddedList renders up to embeddedListSize items fetched with one extra as a list object.
func embeddedList[T engine.Object](c *call, op *engine.Op, items []T, url string) (*Obj, error) {
	hasMore := len(items) > embeddedListSize
	if hasMore {
		items = items[:embeddedListSize]
	}
	data := make([]*Obj, 0, len(items))
	for _, it := range items {
		r, err := c.render(op, it)
		if err != nil {
			return nil, err
		}
		data = append(data, r)
	}
	l := &Obj{}
	return l.Set("object", "list").Set("data", data).Set("has_more", hasMore).Set("url", url), nil
}

// chargeCreateSpecs are the parameters of POST /v1/charges.
func chargeCreateSpecs() []spec {
	return []spec{
		pInt("amount").req(), pCurrency().req(), pStr("source"), pStr("customer"),
		pStr("description").maxlen(1000), pMeta(), pStr("statement_descriptor"), pStr("receipt_email").maxlen(800),
		pBool("capture"), pStr("transfer_group"), pExpand(),
	}
}

// getCharge loads a charge (of the Stripe dialect: the op works within it),
// with its source where the node knows it (renderCharge reads it).
func getCharge(op *engine.Op, id string) (*engine.Charge, error) {
	ch, err := engine.GetChargeWithSource(op, id)
	if err != nil {
		return nil, engine.NotFoundOr(err, "charge", "charge", id)
	}
	return ch, nil
}

// chargeRoutes registers the /v1/charges endpoints.
func (a *API) chargeRoutes() {
	a.handle("POST /v1/charges", route{specs: chargeCreateSpecs(), write: true, h: func(c *call, op *engine.Op) (any, error) {
		if capture, ok := c.p.Bool("capture"); ok && !capture {
			return nil, engine.Invalid("parameter_invalid_boolean", "capture",
				"SEPA Direct Debit, Sofort and SEPA Credit Transfer payments cannot be authorised and captured later; leave capture out or pass true.")
		}
		amount, _ := c.p.Int("amount")
		ch, err := op.CreateSourceCharge(engine.ChargeParams{Amount: amount, Currency: strings.ToLower(c.p.String("currency")),
			Source: c.p.String("source"), Customer: c.p.String("customer"), Description: c.p.Str("description"),
			Metadata: c.p.Metadata(), StatementDescriptor: c.p.Str("statement_descriptor"), ReceiptEmail: c.p.Str("receipt_email"),
			TransferGroup: c.p.Str("transfer_group")})
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, ch)
	}})
	a.handle("GET /v1/charges/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		ch, err := getCharge(op, c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, ch)
	}})
	a.handle("POST /v1/charges/{id}", route{write: true,
		specs: []spec{pStr("description").nullable().maxlen(1000), pMeta(), pStr("receipt_email").nullable().maxlen(800), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			ch, err := op.UpdateCharge(c.r.PathValue("id"), engine.ChargeUpdate{Description: c.p.Str("description"),
				ReceiptEmail: c.p.Str("receipt_email"), Metadata: c.p.Metadata()})
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, ch)
		}})
	a.handle("GET /v1/charges", route{specs: listSpecs(pStr("customer"), pStr("payment_intent"), pStr("transfer_group")), h: func(c *call, op *engine.Op) (any, error) {
		pi, group := c.p.String("payment_intent"), c.p.String("transfer_group")
		return listOfWhere(c, op, "/v1/charges", "charge", engine.ChargeFilter{Customer: c.p.String("customer"), PaymentIntent: pi}, func(ch *engine.Charge) bool {
			return (pi == "" || ch.PaymentIntent == pi) && (group == "" || (ch.TransferGroup != nil && *ch.TransferGroup == group))
		})
	}})
	a.handle("GET /v1/charges/{id}/refunds", route{specs: listSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		ch, err := getCharge(op, c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return listOf[engine.Refund](c, op, "/v1/charges/"+ch.ID+"/refunds", "refund", engine.RefundFilter{Charge: ch.ID})
	}})
}
