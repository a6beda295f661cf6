package engine

import (
	"cmp"
	"slices"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// PaymentIntent guides one payment from creation through confirmation to its outcome.
type PaymentIntent struct {
	Meta
	Amount              int64             `json:"amount"`
	Currency            string            `json:"currency"`
	Status              IntentStatus      `json:"status"`
	Customer            string            `json:"customer,omitempty"`
	Description         *string           `json:"description"`
	Metadata            map[string]string `json:"metadata"`
	StatementDescriptor *string           `json:"statement_descriptor"`
	ReceiptEmail        *string           `json:"receipt_email"`
	TransferGroup       *string           `json:"transfer_group"`
	PaymentMethod       *string           `json:"payment_method"`
	PaymentMethodTypes  []string          `json:"payment_method_types"`
	// AutomaticPaymentMethods is set when the types are the account's enabled ones.
	AutomaticPaymentMethods *AutomaticPaymentMethods `json:"automatic_payment_methods,omitempty"`
	Options                 PIOptions                `json:"payment_method_options"`
	SetupFutureUsage        *string                  `json:"setup_future_usage"`
	ClientSecret            string                   `json:"client_secret"`
	LatestCharge            *string                  `json:"latest_charge"`
	AmountReceived          int64                    `json:"amount_received"`
	LastPaymentError        *PaymentError            `json:"last_payment_error"`
	NextAction              *NextAction              `json:"next_action"`
	ReturnURL               *string                  `json:"return_url"`
	Mandate                 *string                  `json:"mandate"`
	CanceledAt              *int64                   `json:"canceled_at"`
	CancellationReason      *string                  `json:"cancellation_reason"`
	OffSession              bool                     `json:"off_session,omitempty"`
	PaymentPage             string                   `json:"payment_page,omitempty"`
}

// PIOptions are the payment method options of an intent.
type PIOptions struct {
	SepaDebitSFU       *string `json:"sepa_debit_setup_future_usage,omitempty"`
	SepaDebitReference *string `json:"sepa_debit_reference_prefix,omitempty"`
	SofortLanguage     *string `json:"sofort_preferred_language,omitempty"`
	SofortSFU          *string `json:"sofort_setup_future_usage,omitempty"`
}

// PaymentError is the last error of an intent's payment or setup attempt.
type PaymentError struct {
	Type              string `json:"type"`
	Code              string `json:"code"`
	Message           string `json:"message"`
	DeclineCode       string `json:"decline_code,omitempty"`
	Charge            string `json:"charge,omitempty"`
	PaymentMethodID   string `json:"payment_method_id,omitempty"`
	PaymentMethodType string `json:"payment_method_type,omitempty"`
}

// NextAction is what the payer must do next; for Sofort, visit the hosted authorisation page.
type NextAction struct {
	Type      string `json:"type"` // redirect_to_url
	ReturnURL string `json:"return_url"`
}

func init() { register(&PaymentIntent{}) }

// ObjectType implements Object.
func (*PaymentIntent) ObjectType() string { return "payment_intent" }

// Index implements Object.
func (pi *PaymentIntent) Index() Index {
	return Index{Customer: pi.Customer, Status: string(pi.Status)}
}

// CheckClientSecret reports whether secret is the intent's client secret.
func (pi *PaymentIntent) CheckClientSecret(secret string) bool {
	return secret != "" && secret == pi.ClientSecret
}

// MandateData is the customer's acceptance given with a confirmation.
type MandateData struct {
	Type      string // online, offline
	IPAddress string
	UserAgent string
	// AcceptedAt is when the customer accepted (Unix seconds); 0 means now.
	AcceptedAt int64
}

// acceptance returns the mandate's record of the customer's acceptance.
func (md *MandateData) acceptance() Acceptance {
	return Acceptance{Type: md.Type, IPAddress: md.IPAddress, UserAgent: md.UserAgent, AcceptedAt: md.AcceptedAt}
}

// PaymentIntentParams create, update or confirm a payment intent.
type PaymentIntentParams struct {
	Amount              *int64
	Currency            string
	Customer            Opt[string]
	Description         Opt[string]
	Metadata            MetadataUpdate
	StatementDescriptor Opt[string]
	ReceiptEmail        Opt[string]
	TransferGroup       Opt[string]
	PaymentMethod       Opt[string]
	PaymentMethodData   *PaymentMethodParams
	PaymentMethodTypes  []string
	// AutomaticPaymentMethods (create only) takes the account's enabled types.
	AutomaticPaymentMethods *AutomaticPaymentMethods
	SetupFutureUsage        Opt[string]
	SepaDebitSFU            Opt[string]
	SofortSFU               Opt[string]
	SofortLanguage          Opt[string]
	MandateData             *MandateData
	Mandate                 string
	ReturnURL               Opt[string]
	OffSession              bool
	Confirm                 bool
	TestClock               Opt[string]
	PaymentPage             string
}

func (op *Op) validatePMTypes(types []string, param string) error {
	for i, t := range types {
		if !slices.Contains(PMTypes, t) {
			return Invalid("payment_intent_invalid_parameter", param+"."+itoa(i),
				"The payment method type %q is invalid. Kontor implements sepa_debit and sofort.", t)
		}
		if err := op.methodAvailable(t, param+"."+itoa(i)); err != nil {
			return err
		}
	}
	return nil
}

// AutomaticPaymentMethods lets an intent take the account's enabled payment
// method types instead of a list of its own. AllowRedirects "never" leaves
// out the methods that send the payer to their bank's page (Sofort).
type AutomaticPaymentMethods struct {
	Enabled        bool   `json:"enabled"`
	AllowRedirects string `json:"allow_redirects,omitempty"`
}

// stored is what an intent keeps of a: nothing unless enabled; redirects
// allowed unless a says never.
func (a *AutomaticPaymentMethods) stored() *AutomaticPaymentMethods {
	if a == nil || !a.Enabled {
		return nil
	}
	return &AutomaticPaymentMethods{Enabled: true, AllowRedirects: cmp.Or(a.AllowRedirects, "always")}
}

// redirectMethods are the payment method types that redirect the payer.
var redirectMethods = []string{"sofort"}

// intentTypes settles the payment method types of a new intent: the types
// given, else the account's enabled types (with automatic payment methods
// among them those it allows). Types and automatic payment methods exclude
// each other.
func (op *Op) intentTypes(types []string, auto *AutomaticPaymentMethods) ([]string, error) {
	if auto != nil && auto.Enabled && len(types) > 0 {
		return nil, Invalid("parameters_exclusive", "automatic_payment_methods",
			"You may only specify one of these parameters: automatic_payment_methods, payment_method_types.")
	}
	if len(types) > 0 {
		return types, op.validatePMTypes(types, "payment_method_types")
	}
	enabled, err := op.defaultPMTypes()
	if err != nil || auto == nil || auto.AllowRedirects != "never" {
		return enabled, err
	}
	var out []string
	for _, t := range enabled {
		if !slices.Contains(redirectMethods, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, Invalid("parameter_invalid_enum", "automatic_payment_methods.allow_redirects",
			"None of the account's enabled payment methods works without a redirect; allow redirects or enable sepa_debit.")
	}
	return out, nil
}

// defaultPMTypes are the enabled PaymentMethod-era types of the account.
func (op *Op) defaultPMTypes() ([]string, error) {
	acct, err := op.Account()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range PMTypes {
		if acct.MethodEnabled(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// CreatePaymentIntent creates an intent and, with Confirm, confirms it.
func (op *Op) CreatePaymentIntent(p PaymentIntentParams) (*PaymentIntent, error) {
	if p.Amount == nil {
		return nil, Missing("amount")
	}
	if err := checkAmount(*p.Amount, minimumAmount, "amount"); err != nil {
		return nil, err
	}
	if p.Currency == "" {
		return nil, Missing("currency")
	}
	if p.Currency != "eur" {
		return nil, Invalid("payment_intent_invalid_parameter", "currency", "SEPA Direct Debit and Sofort payments must be in eur, not %s.", p.Currency)
	}
	clockID, err := op.clockFor(p.TestClock)
	if err != nil {
		return nil, err
	}
	var cust *Customer
	if p.Customer.Set && !p.Customer.Null {
		if cust, err = op.LiveCustomer(p.Customer.V, "customer"); err != nil {
			return nil, err
		}
		if clockID == "" {
			clockID = cust.ClockID
		}
	}
	types, err := op.intentTypes(p.PaymentMethodTypes, p.AutomaticPaymentMethods)
	if err != nil {
		return nil, err
	}
	now := op.Now(clockID)
	pi := &PaymentIntent{Meta: Meta{ID: NewID("pi_"), Created: now.Unix(), ClockID: clockID}, Amount: *p.Amount,
		Currency: p.Currency, Status: IntentRequiresPaymentMethod, Metadata: p.Metadata.apply(nil), PaymentMethodTypes: types,
		PaymentPage: p.PaymentPage}
	pi.AutomaticPaymentMethods = p.AutomaticPaymentMethods.stored()
	pi.ClientSecret = pi.ID + "_secret_" + RandomString(25)
	if cust != nil {
		pi.Customer = cust.ID
	}
	if err := op.applyPIParams(pi, p); err != nil {
		return nil, err
	}
	if err := op.insert(pi); err != nil {
		return nil, err
	}
	if err := op.emit("payment_intent.created", pi, nil); err != nil {
		return nil, err
	}
	if p.Confirm {
		return op.confirmPI(pi, p)
	}
	return pi, nil
}

func (op *Op) applyPIParams(pi *PaymentIntent, p PaymentIntentParams) error {
	applyPtr(&pi.Description, p.Description)
	applyPtr(&pi.StatementDescriptor, p.StatementDescriptor)
	applyPtr(&pi.ReceiptEmail, p.ReceiptEmail)
	applyPtr(&pi.TransferGroup, p.TransferGroup)
	applyPtr(&pi.ReturnURL, p.ReturnURL)
	if p.ReturnURL.Set && !p.ReturnURL.Null {
		if err := ValidateReturnURL(p.ReturnURL.V, "return_url"); err != nil {
			return err
		}
	}
	if p.SetupFutureUsage.Set {
		if !p.SetupFutureUsage.Null && p.SetupFutureUsage.V != "off_session" && p.SetupFutureUsage.V != "on_session" {
			return Invalid("parameter_invalid_enum", "setup_future_usage", "Invalid setup_future_usage: must be one of off_session, or on_session")
		}
		applyPtr(&pi.SetupFutureUsage, p.SetupFutureUsage)
	}
	applyPtr(&pi.Options.SepaDebitSFU, p.SepaDebitSFU)
	applyPtr(&pi.Options.SofortSFU, p.SofortSFU)
	applyPtr(&pi.Options.SofortLanguage, p.SofortLanguage)
	if p.SofortLanguage.Set && !p.SofortLanguage.Null && !slices.Contains(SofortLanguages, p.SofortLanguage.V) {
		return Invalid("parameter_invalid_enum", "payment_method_options.sofort.preferred_language", "Invalid payment_method_options[sofort][preferred_language]: must be one of de, en, es, fr, it, nl, or pl")
	}
	if p.PaymentMethod.Set {
		if p.PaymentMethod.Null {
			pi.PaymentMethod = nil
		} else {
			pm, err := op.ResolvePaymentMethod(p.PaymentMethod.V, "payment_method", pi.ClockID)
			if err != nil {
				return err
			}
			pi.PaymentMethod = &pm.ID
		}
	}
	if p.PaymentMethodData != nil {
		pd := *p.PaymentMethodData
		pd.Param, pd.ClockID = "payment_method_data", pi.ClockID
		pm, err := op.CreatePaymentMethod(pd)
		if err != nil {
			return err
		}
		pi.PaymentMethod = &pm.ID
	}
	if pi.PaymentMethod != nil && pi.Status == IntentRequiresPaymentMethod {
		pi.Status = IntentRequiresConfirmation
	}
	return nil
}

// GetPaymentIntent returns a payment intent.
func (op *Op) GetPaymentIntent(id string) (*PaymentIntent, error) {
	pi, err := GetForUpdate[PaymentIntent](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "intent", "payment_intent", id)
	}
	return pi, nil
}

// awaitingConfirmation reports whether an intent in status may still be
// updated, confirmed or canceled: it has not started processing or ended.
func awaitingConfirmation(status IntentStatus) bool {
	switch status {
	case IntentRequiresPaymentMethod, IntentRequiresConfirmation, IntentRequiresAction:
		return true
	}
	return false
}

// unexpectedState is the error for an action the intent's status does not
// allow; the dialect words it from the object kind, status and action.
func unexpectedState(kind, id, status, action string) error {
	return &Error{Kind: KindState, Code: kind + "_unexpected_state",
		Data: map[string]string{"object": kind, "id": id, "status": status, "action": action}}
}

// UpdatePaymentIntent changes an intent that has not started processing.
func (op *Op) UpdatePaymentIntent(id string, p PaymentIntentParams) (*PaymentIntent, error) {
	pi, err := op.GetPaymentIntent(id)
	if err != nil {
		return nil, err
	}
	if !awaitingConfirmation(pi.Status) {
		return nil, unexpectedState("payment_intent", pi.ID, string(pi.Status), "update")
	}
	if p.Amount != nil {
		if err := checkAmount(*p.Amount, minimumAmount, "amount"); err != nil {
			return nil, err
		}
		pi.Amount = *p.Amount
	}
	if p.Currency != "" && p.Currency != "eur" {
		return nil, Invalid("payment_intent_invalid_parameter", "currency", "SEPA Direct Debit and Sofort payments must be in eur, not %s.", p.Currency)
	}
	if p.Customer.Set {
		if p.Customer.Null {
			pi.Customer = ""
		} else {
			c, err := op.LiveCustomer(p.Customer.V, "customer")
			if err != nil {
				return nil, err
			}
			pi.Customer = c.ID
		}
	}
	if len(p.PaymentMethodTypes) > 0 {
		if err := op.validatePMTypes(p.PaymentMethodTypes, "payment_method_types"); err != nil {
			return nil, err
		}
		pi.PaymentMethodTypes = p.PaymentMethodTypes
	}
	pi.Metadata = p.Metadata.apply(pi.Metadata)
	if err := op.applyPIParams(pi, p); err != nil {
		return nil, err
	}
	// Stripe has no payment_intent.updated event: an update is announced by nothing.
	return pi, op.save(pi)
}

// ConfirmPaymentIntent confirms an intent with its payment method.
func (op *Op) ConfirmPaymentIntent(id string, p PaymentIntentParams) (*PaymentIntent, error) {
	pi, err := op.GetPaymentIntent(id)
	if err != nil {
		return nil, err
	}
	if !awaitingConfirmation(pi.Status) {
		return nil, unexpectedState("payment_intent", pi.ID, string(pi.Status), "confirm")
	}
	if len(p.PaymentMethodTypes) > 0 {
		if err := op.validatePMTypes(p.PaymentMethodTypes, "payment_method_types"); err != nil {
			return nil, err
		}
		pi.PaymentMethodTypes = p.PaymentMethodTypes
	}
	if err := op.applyPIParams(pi, p); err != nil {
		return nil, err
	}
	return op.confirmPI(pi, p)
}

// confirmPI starts the payment: a SEPA debit is collected under a mandate at
// once; a Sofort payment first needs the payer's authorisation by redirect.
func (op *Op) confirmPI(pi *PaymentIntent, p PaymentIntentParams) (*PaymentIntent, error) {
	if pi.PaymentMethod == nil {
		const missing = "You cannot confirm this PaymentIntent because it's missing a payment method."
		if pi.Customer == "" {
			return nil, Invalid("payment_intent_unexpected_state", "payment_method",
				"%s You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.", missing)
		}
		return nil, Invalid("payment_intent_unexpected_state", "payment_method",
			"%s To confirm the PaymentIntent with %s, specify a payment method attached to this customer along with the customer ID.", missing, pi.Customer)
	}
	pm, err := GetForUpdate[PaymentMethod](op, *pi.PaymentMethod)
	if err != nil {
		return nil, NotFoundOr(err, "payment_method", "PaymentMethod", *pi.PaymentMethod)
	}
	if !slices.Contains(pi.PaymentMethodTypes, pm.Type) {
		return nil, Invalid("payment_intent_incompatible_payment_method", "payment_method",
			"The PaymentMethod provided (%s) is not allowed for this PaymentIntent; allowed types are %v.", pm.Type, pi.PaymentMethodTypes)
	}
	if err := op.methodAvailable(pm.Type, "payment_method"); err != nil {
		return nil, err
	}
	if pm.Customer != "" && pm.Customer != pi.Customer {
		return nil, Invalid("payment_intent_invalid_parameter", "payment_method",
			"The provided PaymentMethod belongs to a customer; pass that customer (%s) with the PaymentIntent.", pm.Customer)
	}
	if p.OffSession {
		pi.OffSession = true
	}
	if p.ReturnURL.Set && !p.ReturnURL.Null {
		pi.ReturnURL = &p.ReturnURL.V
	}
	prev := clone(pi)
	pi.LastPaymentError = nil
	switch pm.Type {
	case "sepa_debit":
		m, err := op.mandateForConfirm(pm, pi.Customer, pi.wantsReuse(pm.Type), p, pi.ClockID)
		if err != nil {
			return nil, err
		}
		pi.Mandate = &m.ID
		if pi.wantsReuse(pm.Type) && pi.Customer != "" {
			c, err := op.LiveCustomer(pi.Customer, "customer")
			if err != nil {
				return nil, err
			}
			if err := op.attachPM(pm, c); err != nil {
				return nil, err
			}
		}
		if _, err := op.collectPI(pi, pm, m); err != nil {
			return nil, err
		}
		pi.Status, pi.NextAction = IntentProcessing, nil
		if err := op.save(pi); err != nil {
			return nil, err
		}
		return pi, op.emit("payment_intent.processing", pi, prev)
	case "sofort":
		if pi.ReturnURL == nil && !pi.OffSession {
			if pi.PaymentPage == "" {
				return nil, Invalid("parameter_missing", "return_url", "A return_url is required to confirm a Sofort PaymentIntent: the customer is redirected to authorise the payment.")
			}
		}
		if pi.OffSession {
			return nil, Invalid("payment_intent_invalid_parameter", "off_session", "Sofort payments need the customer to authorise each payment; they cannot be confirmed off_session.")
		}
		pi.Status = IntentRequiresAction
		pi.NextAction = &NextAction{Type: "redirect_to_url", ReturnURL: deref(pi.ReturnURL)}
		if err := op.save(pi); err != nil {
			return nil, err
		}
		return pi, op.emit("payment_intent.requires_action", pi, prev)
	}
	return nil, Invalid("payment_intent_invalid_parameter", "payment_method", "Unsupported payment method type %s.", pm.Type)
}

// wantsReuse reports whether the payment also sets the method up for later use.
func (pi *PaymentIntent) wantsReuse(pmType string) bool {
	if pmType == "sofort" && pi.Options.SofortSFU != nil {
		return *pi.Options.SofortSFU == "off_session"
	}
	if pmType == "sepa_debit" && pi.Options.SepaDebitSFU != nil {
		return *pi.Options.SepaDebitSFU != "none"
	}
	return pi.SetupFutureUsage != nil
}

// mandateForConfirm finds or creates the mandate a SEPA debit needs: from
// mandate_data, a named mandate, or the payment method's active mandate.
func (op *Op) mandateForConfirm(pm *PaymentMethod, customer string, reuse bool, p PaymentIntentParams, clockID string) (*Mandate, error) {
	if p.Mandate != "" {
		// A payment intent is the default dialect's: so is its mandate.
		var m *Mandate
		if err := op.limited("", func() (err error) { m, err = Get[Mandate](op, p.Mandate); return err }); err != nil {
			return nil, NotFoundOr(err, "mandate", "mandate", p.Mandate)
		}
		if m.PaymentMethod != pm.ID {
			return nil, Invalid("payment_intent_mandate_invalid", "mandate", "The mandate %s belongs to another payment method.", m.ID)
		}
		return m, m.checkCollectable("mandate")
	}
	if p.MandateData != nil {
		iban, err := op.IBAN(pm.SepaDebit.Account)
		if err != nil {
			return nil, err
		}
		return op.CreateMandate(MandateParams{IBAN: iban, HolderName: deref(pm.Billing.Name), Email: deref(pm.Billing.Email),
			Customer: customer, PM: pm.ID, SingleUse: !reuse, ClockID: clockID,
			Acceptance: p.MandateData.acceptance()})
	}
	m, err := op.activeMandateFor(pm)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, Invalid("parameter_missing", "mandate_data",
			"A mandate is required to collect a SEPA Direct Debit: pass mandate_data[customer_acceptance] (or a payment method set up with a mandate).")
	}
	return m, nil
}

// collectPI creates the charge of a SEPA Direct Debit intent.
func (op *Op) collectPI(pi *PaymentIntent, pm *PaymentMethod, m *Mandate) (*Charge, error) {
	if pm.Billing.Name == nil || len([]rune(*pm.Billing.Name)) == 0 {
		return nil, Invalid("parameter_missing", "payment_method_data.billing_details.name",
			"SEPA Direct Debit payments require the account holder's name in billing_details[name].")
	}
	d := debit{ID: NewID("py_"), Amount: pi.Amount, Currency: pi.Currency, Customer: pi.Customer, PaymentMethod: pm.ID,
		PaymentIntent: pi.ID, ClockID: pi.ClockID, Payer: op.payer(pm), Billing: pm.Billing,
		Metadata: MetadataUpdate{Set: pi.Metadata}, Description: optOf(pi.Description), StatementDescriptor: optOf(pi.StatementDescriptor),
		ReceiptEmail: optOf(pi.ReceiptEmail), TransferGroup: optOf(pi.TransferGroup)}
	c, err := op.collectUnderMandate(d, m)
	if err != nil {
		return nil, err
	}
	pi.LatestCharge = &c.ID
	return c, nil
}

func optOf(p *string) Opt[string] {
	if p == nil {
		return Opt[string]{}
	}
	return Some(*p)
}

// CancelPaymentIntent cancels an intent that has not started processing.
func (op *Op) CancelPaymentIntent(id string, reason Opt[string]) (*PaymentIntent, error) {
	pi, err := op.GetPaymentIntent(id)
	if err != nil {
		return nil, err
	}
	if !awaitingConfirmation(pi.Status) {
		return nil, unexpectedState("payment_intent", pi.ID, string(pi.Status), "cancel")
	}
	prev := clone(pi)
	now := op.Now(pi.ClockID).Unix()
	pi.Status, pi.CanceledAt, pi.NextAction = IntentCanceled, &now, nil
	applyPtr(&pi.CancellationReason, reason)
	if err := op.save(pi); err != nil {
		return nil, err
	}
	return pi, op.emit("payment_intent.canceled", pi, prev)
}

// ListPaymentIntents lists intents, optionally of one customer.
func (op *Op) ListPaymentIntents(customer string, p ListParams) ([]*PaymentIntent, error) {
	p.Customer = customer
	return List[PaymentIntent](op, p)
}

// AnswerSofortIntent records the payer's answer on the authorisation page for a payment intent.
func (op *Op) AnswerSofortIntent(id string, approve bool) (*PaymentIntent, error) {
	pi, err := op.GetPaymentIntent(id)
	if err != nil {
		return nil, err
	}
	if pi.Status != IntentRequiresAction || pi.PaymentMethod == nil {
		return pi, nil
	}
	pm, err := Get[PaymentMethod](op, *pi.PaymentMethod)
	if err != nil {
		return nil, err
	}
	prev := clone(pi)
	pi.NextAction = nil
	if !approve {
		pi.Status = IntentRequiresPaymentMethod
		pi.LastPaymentError = &PaymentError{Type: "invalid_request_error", Code: "payment_intent_authentication_failure",
			Message:         "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
			PaymentMethodID: pm.ID, PaymentMethodType: pm.Type}
		pi.PaymentMethod = nil
		if err := op.save(pi); err != nil {
			return nil, err
		}
		return pi, op.emit("payment_intent.payment_failed", pi, prev)
	}
	c, err := op.sofortCharge(pm, pi.Amount, pi.Customer, pi.ID, pi.ClockID, pi.Description, pi.TransferGroup, pi.Metadata, pi.Options.SofortLanguage)
	if err != nil {
		return nil, err
	}
	pi.LatestCharge = &c.ID
	pi.Status = IntentProcessing
	if err := op.save(pi); err != nil {
		return nil, err
	}
	if err := op.emit("payment_intent.processing", pi, prev); err != nil {
		return nil, err
	}
	return pi, op.sofortIntentProcessing(pi)
}

// sofortCharge creates the pending charge of an authorised Sofort payment.
func (op *Op) sofortCharge(pm *PaymentMethod, amount int64, customer, piID, clockID string, desc, transferGroup *string, md map[string]string, lang *string) (*Charge, error) {
	bankPayer := op.e.tests.SofortPayer(pm.Sofort.Country, deref(pm.Billing.Name))
	iban, err := sepa.ParseIBAN(bankPayer.IBAN)
	if err != nil {
		return nil, err
	}
	last4, bankCode, bankName, bic, verified := iban.Last4(), bankPayer.BankCode, bankPayer.BankName, bankPayer.BIC, bankPayer.VerifiedName
	// In the sandbox a Sofort PaymentIntent stays processing for three minutes.
	d := debit{ID: NewID("py_"), Amount: amount, Currency: "eur", Customer: customer, PaymentMethod: pm.ID, PaymentIntent: piID,
		ClockID: clockID, Payer: payer{Name: deref(pm.Billing.Name), Email: deref(pm.Billing.Email)},
		Delayed: op.e.timing == TimingSandbox, Billing: pm.Billing, Metadata: MetadataUpdate{Set: md}, Description: optOf(desc), TransferGroup: optOf(transferGroup),
		Method: ChargeMethod{Type: "sofort", Sofort: &SofortDetails{Country: pm.Sofort.Country, BankCode: &bankCode, BankName: &bankName,
			BIC: &bic, IBANLast4: &last4, PreferredLanguage: lang, VerifiedName: &verified}}}
	return op.startDebit(d)
}

// generateSepaDebit creates the SEPA Direct Debit payment method and mandate
// that an authorised Sofort payment yields, attached to the customer.
func (op *Op) generateSepaDebit(sofortPM *PaymentMethod, customer, clockID string, fromCharge, fromAttempt *string, acceptedAt time.Time) (*PaymentMethod, *Mandate, error) {
	bankPayer := op.e.tests.SofortPayer(sofortPM.Sofort.Country, deref(sofortPM.Billing.Name))
	iban, err := sepa.ParseIBAN(bankPayer.IBAN)
	if err != nil {
		return nil, nil, err
	}
	name := deref(sofortPM.Billing.Name)
	if name == "" {
		name = bankPayer.VerifiedName
	}
	pm := &PaymentMethod{Meta: Meta{ID: NewID("pm_"), Created: op.Now(clockID).Unix(), ClockID: clockID}, Type: "sepa_debit",
		Metadata: map[string]string{}, Billing: Billing{Name: &name, Email: sofortPM.Billing.Email, Phone: sofortPM.Billing.Phone,
			Address: sofortPM.Billing.Address},
		SepaDebit: &PMSepaDebit{Account: op.newBankAccount(iban), GeneratedFromCharge: fromCharge, GeneratedFromSetupAttempt: fromAttempt}}
	if err := op.insert(pm); err != nil {
		return nil, nil, err
	}
	m, err := op.CreateMandate(MandateParams{IBAN: iban, HolderName: name, Email: deref(pm.Billing.Email), Customer: customer,
		PM: pm.ID, ClockID: clockID, Acceptance: Acceptance{Type: "online", AcceptedAt: acceptedAt.Unix()}})
	if err != nil {
		return nil, nil, err
	}
	if customer != "" {
		c, err := op.LiveCustomer(customer, "customer")
		if err != nil {
			return nil, nil, err
		}
		if err := op.attachPM(pm, c); err != nil {
			return nil, nil, err
		}
	}
	return pm, m, op.emit("mandate.updated", m, nil)
}

// generateSepaDebitFor completes a Sofort charge that is about to succeed:
// when its payment intent sets the payment method up for future payments,
// the payer's account becomes a SEPA Direct Debit payment method with a
// mandate, and the charge names both.
func (op *Op) generateSepaDebitFor(c *Charge) error {
	if c.PaymentIntent == "" || c.Method.Sofort == nil || c.Method.Sofort.GeneratedSepaDebit != nil {
		return nil
	}
	pi, err := followed(op.GetPaymentIntent(c.PaymentIntent))
	if err != nil || pi == nil || !pi.wantsReuse("sofort") || pi.Customer == "" || pi.PaymentMethod == nil {
		return err
	}
	spm, err := Get[PaymentMethod](op, *pi.PaymentMethod)
	if err != nil {
		return err
	}
	gpm, gm, err := op.generateSepaDebit(spm, pi.Customer, pi.ClockID, &c.ID, nil, op.Now(c.ClockID))
	if err != nil {
		return err
	}
	c.Method.Sofort.GeneratedSepaDebit, c.Method.Sofort.GeneratedSepaDebitMandate = &gpm.ID, &gm.ID
	return nil
}

// intentFollowsCharge moves the payment intent of a charge that succeeded
// or failed to its outcome, and the intent's payment page after it.
func (op *Op) intentFollowsCharge(c *Charge) error {
	if c.PaymentIntent == "" {
		return nil
	}
	pi, err := followed(op.GetPaymentIntent(c.PaymentIntent))
	if err != nil || pi == nil || pi.Status != IntentProcessing {
		return err
	}
	prev := clone(pi)
	if c.Status == ChargeSucceeded {
		pi.Status, pi.AmountReceived = IntentSucceeded, c.Amount
		if err := op.save(pi); err != nil {
			return err
		}
		if err := op.emit("payment_intent.succeeded", pi, prev); err != nil {
			return err
		}
	} else {
		pi.Status = IntentRequiresPaymentMethod
		pi.LastPaymentError = &PaymentError{Type: "card_error", Code: deref(c.FailureCode), Message: deref(c.FailureMessage),
			Charge: c.ID, PaymentMethodID: deref(pi.PaymentMethod), PaymentMethodType: c.Method.Type}
		pi.PaymentMethod = nil
		if err := op.save(pi); err != nil {
			return err
		}
		if err := op.emit("payment_intent.payment_failed", pi, prev); err != nil {
			return err
		}
	}
	return op.pageFollowsIntent(pi)
}
