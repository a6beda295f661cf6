package stripeapi

import (
	"slices"

	"github.com/kontorpay/kontor/engine"
)

// capabilityOf names the Stripe capability behind each payment method type.
var capabilityOf = map[string]string{
	"sepa_debit":           "sepa_debit_payments",
	"sofort":               "sofort_payments",
	"sepa_credit_transfer": "sepa_credit_transfer_payments",
}

func renderAccount(acct *engine.Account) *Obj {
	s := acct.Settings
	caps := &Obj{}
	for _, t := range engine.PaymentMethodTypes {
		st := "inactive"
		if acct.MethodEnabled(t) {
			st = "active"
		}
		caps.Set(capabilityOf[t], st)
	}
	bp := &Obj{}
	bp.Set("name", s.BusinessName).Set("support_email", strOrNull(s.Email))
	payments := &Obj{}
	payments.Set("statement_descriptor", s.StatementDescriptor).Set("settlement_currency", s.SettlementCurrency)
	sdd := &Obj{}
	sdd.Set("creditor_id", s.CreditorID)
	settings := &Obj{}
	settings.Set("payments", payments).Set("sepa_debit_payments", sdd)
	pms := &Obj{}
	for _, t := range engine.PaymentMethodTypes {
		pms.Set(t, acct.MethodEnabled(t))
	}
	var bankAccount any
	if b := s.BankAccount; b != nil {
		bankAccount = (&Obj{}).Set("name", b.Name).Set("bic", strOrNull(b.BIC)).Set("country", b.Country).
			Set("bank_code", b.BankCode).Set("last4", b.Last4).Set("fingerprint", b.Fingerprint)
	}
	return newObj(acct.ID, "account").
		Set("business_profile", bp).
		Set("business_type", "company").
		Set("capabilities", caps).
		Set("charges_enabled", true).
		Set("country", s.Country).
		Set("created", acct.Created).
		Set("default_currency", s.DefaultCurrency).
		Set("details_submitted", true).
		Set("email", strOrNull(s.Email)).
		Set("payouts_enabled", true).
		Set("settings", settings).
		Set("type", "standard").
		Set("payment_methods_enabled", pms).
		Set("bank_connection", s.BankConnectionOrDefault()).
		Set("bank_account", bankAccount)
}

var currencies = []string{"eur", "chf", "dkk", "gbp", "nok", "sek", "usd"}

func (a *API) accountRoutes() {
	a.handle("GET /v1/account", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		acct, err := op.Account()
		if err != nil {
			return nil, err
		}
		return renderAccount(acct), nil
	}})
	// POST /v1/account is Kontor's extension for changing the sandbox account's settings.
	pmSpecs := []spec{}
	for _, t := range engine.PaymentMethodTypes {
		pmSpecs = append(pmSpecs, pBool(t))
	}
	a.handle("POST /v1/account", route{write: true, specs: []spec{
		pStr("business_name").maxlen(100), pStr("email").nullable(), pStr("country").maxlen(2),
		pEnum("default_currency", currencies...), pEnum("settlement_currency", currencies...),
		pStr("statement_descriptor").maxlen(22), pStr("creditor_id").maxlen(35), pStr("api_version"),
		pHash("payment_methods", pmSpecs...), pEnum("bank_connection", engine.BankSimulator, engine.BankISO20022),
		pHash("bank_account", pStr("iban").maxlen(42), pStr("bic").maxlen(11), pStr("name").maxlen(70)), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			if err := checkVersionParam(c.p); err != nil {
				return nil, err
			}
			acct, err := op.Account()
			if err != nil {
				return nil, err
			}
			s := acct.Settings
			s.PaymentMethods = map[string]bool{}
			for k, v := range acct.Settings.PaymentMethods {
				s.PaymentMethods[k] = v
			}
			set := func(dst *string, name string) {
				if o := c.p.Str(name); o.Set {
					*dst = o.V
				}
			}
			set(&s.BusinessName, "business_name")
			set(&s.Email, "email")
			set(&s.Country, "country")
			set(&s.DefaultCurrency, "default_currency")
			set(&s.SettlementCurrency, "settlement_currency")
			set(&s.StatementDescriptor, "statement_descriptor")
			set(&s.CreditorID, "creditor_id")
			set(&s.APIVersion, "api_version")
			pm := c.p.Hash("payment_methods")
			for _, t := range engine.PaymentMethodTypes {
				if v, ok := pm.Bool(t); ok {
					s.PaymentMethods[t] = v
				}
			}
			set(&s.BankConnection, "bank_connection")
			if c.p.Has("bank_account") {
				ba := c.p.Hash("bank_account")
				p := engine.CollectionAccountParams{IBAN: ba.String("iban"), BIC: ba.String("bic"), Name: ba.String("name")}
				if s.BankAccount, err = op.SetCollectionAccount(s.BankAccount, p); err != nil {
					return nil, err
				}
			}
			if !slices.Contains(currencies, s.SettlementCurrency) {
				return nil, engine.Invalid("parameter_invalid_enum", "settlement_currency", "Invalid settlement_currency")
			}
			acct, err = op.UpdateAccountSettings(s)
			if err != nil {
				return nil, err
			}
			return renderAccount(acct), nil
		}})
}
