package engine

import "slices"

// SetupIntent sets a payment method up for later payments without charging it
// (except Sofort's 1 EUR verification payment, refunded at once).
type SetupIntent struct {
	Meta
	Status             IntentStatus      `json:"status"`
	Customer           string            `json:"customer,omitempty"`
	Description        *string           `json:"description"`
	Metadata           map[string]string `json:"metadata"`
	PaymentMethod      *string           `json:"payment_method"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	// AutomaticPaymentMethods is set when the types are the account's enabled ones.
	AutomaticPaymentMethods *AutomaticPaymentMethods `json:"automatic_payment_methods,omitempty"`
	Usage                   string                   `json:"usage"`
	ClientSecret            string                   `json:"client_secret"`
	LatestAttempt           *string                  `json:"latest_attempt"`
	Mandate                 *string                  `json:"mandate"`
	NextAction              *NextAction              `json:"next_action"`
	LastSetupError          *PaymentError            `json:"last_setup_error"`
	CancellationReason      *string                  `json:"cancellation_reason"`
	ReturnURL               *string                  `json:"return_url"`
	PaymentPage             string                   `json:"payment_page,omitempty"`
}

// SetupAttempt is one attempt to confirm a setup intent.
type SetupAttempt struct {
	Meta
	SetupIntent   string         `json:"setup_intent"`
	Customer      string         `json:"customer,omitempty"`
	PaymentMethod string         `json:"payment_method"`
	Status        AttemptStatus  `json:"status"`
	Usage         string         `json:"usage"`
	Type          string         `json:"type"`
	Sofort        *SofortDetails `json:"sofort,omitempty"`
	SetupError    *PaymentError  `json:"setup_error"`
}

func init() {
	register(&SetupIntent{})
	register(&SetupAttempt{})
}

// ObjectType implements Object.
func (*SetupIntent) ObjectType() string { return "setup_intent" }

// Index implements Object.
func (si *SetupIntent) Index() Index { return Index{Customer: si.Customer, Status: string(si.Status)} }

// ObjectType implements Object.
func (*SetupAttempt) ObjectType() string { return "setup_attempt" }

// Index implements Object.
func (a *SetupAttempt) Index() Index {
	return Index{Parent: a.SetupIntent, Customer: a.Customer, Status: string(a.Status), Kind: a.Type}
}

// CheckClientSecret reports whether secret is the intent's client secret.
func (si *SetupIntent) CheckClientSecret(secret string) bool {
	return secret != "" && secret == si.ClientSecret
}

// SetupIntentParams create, update or confirm a setup intent.
type SetupIntentParams struct {
	Customer           Opt[string]
	Description        Opt[string]
	Metadata           MetadataUpdate
	PaymentMethod      Opt[string]
	PaymentMethodData  *PaymentMethodParams
	PaymentMethodTypes []string
	// AutomaticPaymentMethods (create only) takes the account's enabled types.
	AutomaticPaymentMethods *AutomaticPaymentMethods
	Usage                   string
	MandateData             *MandateData
	ReturnURL               Opt[string]
	Confirm                 bool
	TestClock               Opt[string]
	PaymentPage             string
}

// CreateSetupIntent creates a setup intent and, with Confirm, confirms it.
func (op *Op) CreateSetupIntent(p SetupIntentParams) (*SetupIntent, error) {
	clockID, err := op.clockFor(p.TestClock)
	if err != nil {
		return nil, err
	}
	si := &SetupIntent{Status: IntentRequiresPaymentMethod, Metadata: p.Metadata.apply(nil), Usage: "off_session",
		PaymentPage: p.PaymentPage}
	if p.Usage != "" {
		if p.Usage != "off_session" && p.Usage != "on_session" {
			return nil, Invalid("parameter_invalid_enum", "usage", "Invalid usage: must be one of off_session, or on_session")
		}
		si.Usage = p.Usage
	}
	if p.Customer.Set && !p.Customer.Null {
		c, err := op.LiveCustomer(p.Customer.V, "customer")
		if err != nil {
			return nil, err
		}
		si.Customer = c.ID
		if clockID == "" {
			clockID = c.ClockID
		}
	}
	si.ClockID = clockID
	si.ID = NewID("seti_")
	si.Created = op.Now(clockID).Unix()
	si.ClientSecret = si.ID + "_secret_" + RandomString(25)
	if si.PaymentMethodTypes, err = op.intentTypes(p.PaymentMethodTypes, p.AutomaticPaymentMethods); err != nil {
		return nil, err
	}
	si.AutomaticPaymentMethods = p.AutomaticPaymentMethods.stored()
	if err := op.applySIParams(si, p); err != nil {
		return nil, err
	}
	if err := op.insert(si); err != nil {
		return nil, err
	}
	if err := op.emit("setup_intent.created", si, nil); err != nil {
		return nil, err
	}
	if p.Confirm {
		return op.confirmSI(si, p)
	}
	return si, nil
}

func (op *Op) applySIParams(si *SetupIntent, p SetupIntentParams) error {
	applyPtr(&si.Description, p.Description)
	if p.ReturnURL.Set && !p.ReturnURL.Null {
		if err := ValidateReturnURL(p.ReturnURL.V, "return_url"); err != nil {
			return err
		}
	}
	applyPtr(&si.ReturnURL, p.ReturnURL)
	if p.PaymentMethod.Set && !p.PaymentMethod.Null {
		pm, err := op.ResolvePaymentMethod(p.PaymentMethod.V, "payment_method", si.ClockID)
		if err != nil {
			return err
		}
		si.PaymentMethod = &pm.ID
	}
	if p.PaymentMethodData != nil {
		pd := *p.PaymentMethodData
		pd.Param, pd.ClockID = "payment_method_data", si.ClockID
		pm, err := op.CreatePaymentMethod(pd)
		if err != nil {
			return err
		}
		si.PaymentMethod = &pm.ID
	}
	if si.PaymentMethod != nil && si.Status == IntentRequiresPaymentMethod {
		si.Status = IntentRequiresConfirmation
	}
	return nil
}

// GetSetupIntent returns a setup intent.
func (op *Op) GetSetupIntent(id string) (*SetupIntent, error) {
	si, err := GetForUpdate[SetupIntent](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "intent", "setup_intent", id)
	}
	return si, nil
}

// UpdateSetupIntent changes an intent that has not succeeded.
func (op *Op) UpdateSetupIntent(id string, p SetupIntentParams) (*SetupIntent, error) {
	si, err := op.GetSetupIntent(id)
	if err != nil {
		return nil, err
	}
	if !awaitingConfirmation(si.Status) {
		return nil, unexpectedState("setup_intent", si.ID, string(si.Status), "update")
	}
	if p.Customer.Set && !p.Customer.Null {
		c, err := op.LiveCustomer(p.Customer.V, "customer")
		if err != nil {
			return nil, err
		}
		si.Customer = c.ID
	}
	if len(p.PaymentMethodTypes) > 0 {
		if err := op.validatePMTypes(p.PaymentMethodTypes, "payment_method_types"); err != nil {
			return nil, err
		}
		si.PaymentMethodTypes = p.PaymentMethodTypes
	}
	si.Metadata = p.Metadata.apply(si.Metadata)
	if err := op.applySIParams(si, p); err != nil {
		return nil, err
	}
	// Stripe has no setup_intent.updated event: an update is announced by nothing.
	return si, op.save(si)
}

// ConfirmSetupIntent confirms a setup intent.
func (op *Op) ConfirmSetupIntent(id string, p SetupIntentParams) (*SetupIntent, error) {
	si, err := op.GetSetupIntent(id)
	if err != nil {
		return nil, err
	}
	if !awaitingConfirmation(si.Status) {
		return nil, unexpectedState("setup_intent", si.ID, string(si.Status), "confirm")
	}
	if len(p.PaymentMethodTypes) > 0 {
		if err := op.validatePMTypes(p.PaymentMethodTypes, "payment_method_types"); err != nil {
			return nil, err
		}
		si.PaymentMethodTypes = p.PaymentMethodTypes
	}
	if err := op.applySIParams(si, p); err != nil {
		return nil, err
	}
	return op.confirmSI(si, p)
}

func (op *Op) confirmSI(si *SetupIntent, p SetupIntentParams) (*SetupIntent, error) {
	if si.PaymentMethod == nil {
		return nil, Invalid("setup_intent_unexpected_state", "payment_method",
			"You cannot confirm this SetupIntent because it's missing a payment method.")
	}
	pm, err := GetForUpdate[PaymentMethod](op, *si.PaymentMethod)
	if err != nil {
		return nil, NotFoundOr(err, "payment_method", "PaymentMethod", *si.PaymentMethod)
	}
	if !slices.Contains(si.PaymentMethodTypes, pm.Type) {
		return nil, Invalid("setup_intent_invalid_parameter", "payment_method",
			"The PaymentMethod provided (%s) is not allowed for this SetupIntent; allowed types are %v.", pm.Type, si.PaymentMethodTypes)
	}
	if err := op.methodAvailable(pm.Type, "payment_method"); err != nil {
		return nil, err
	}
	prev := clone(si)
	now := op.Now(si.ClockID)
	att := &SetupAttempt{Meta: Meta{ID: NewID("setatt_"), Created: now.Unix(), ClockID: si.ClockID}, SetupIntent: si.ID,
		Customer: si.Customer, PaymentMethod: pm.ID, Usage: si.Usage, Type: pm.Type}
	si.LatestAttempt, si.LastSetupError = &att.ID, nil
	switch pm.Type {
	case "sepa_debit":
		if p.MandateData == nil {
			return nil, Invalid("parameter_missing", "mandate_data",
				"mandate_data[customer_acceptance] is required to set up a SEPA Direct Debit payment method.")
		}
		iban, err := op.IBAN(pm.SepaDebit.Account)
		if err != nil {
			return nil, err
		}
		m, err := op.CreateMandate(MandateParams{IBAN: iban, HolderName: deref(pm.Billing.Name), Email: deref(pm.Billing.Email),
			Customer: si.Customer, PM: pm.ID, ClockID: si.ClockID,
			Acceptance: p.MandateData.acceptance()})
		if err != nil {
			return nil, err
		}
		att.Status = AttemptSucceeded
		if err := op.insert(att); err != nil {
			return nil, err
		}
		if si.Customer != "" {
			c, err := op.LiveCustomer(si.Customer, "customer")
			if err != nil {
				return nil, err
			}
			if err := op.attachPM(pm, c); err != nil {
				return nil, err
			}
		}
		si.Status, si.Mandate, si.NextAction = IntentSucceeded, &m.ID, nil
		if err := op.save(si); err != nil {
			return nil, err
		}
		if err := op.emit("mandate.updated", m, nil); err != nil {
			return nil, err
		}
		return si, op.siSucceeded(si, prev)
	case "sofort":
		if si.ReturnURL == nil && si.PaymentPage == "" {
			return nil, Invalid("parameter_missing", "return_url", "A return_url is required to confirm a Sofort SetupIntent: the customer is redirected to authorise a 1 EUR payment.")
		}
		att.Status = AttemptRequiresAction
		if err := op.insert(att); err != nil {
			return nil, err
		}
		si.Status = IntentRequiresAction
		si.NextAction = &NextAction{Type: "redirect_to_url", ReturnURL: deref(si.ReturnURL)}
		if err := op.save(si); err != nil {
			return nil, err
		}
		return si, op.emit("setup_intent.requires_action", si, prev)
	}
	return nil, Invalid("setup_intent_invalid_parameter", "payment_method", "Unsupported payment method type %s.", pm.Type)
}

func (op *Op) siSucceeded(si *SetupIntent, prev *SetupIntent) error {
	if err := op.emit("setup_intent.succeeded", si, prev); err != nil {
		return err
	}
	return op.pageFollowsSetup(si)
}

// sofortVerificationAmount is what a Sofort setup charges and refunds: 1 EUR.
const sofortVerificationAmount = 100

// AnswerSofortSetup records the payer's answer for a Sofort setup intent: on
// approval 1 EUR is charged through Sofort and refunded at once, and the
// payer's account becomes a SEPA Direct Debit payment method with a mandate.
func (op *Op) AnswerSofortSetup(id string, approve bool) (*SetupIntent, error) {
	si, err := op.GetSetupIntent(id)
	if err != nil {
		return nil, err
	}
	if si.Status != IntentRequiresAction || si.LatestAttempt == nil {
		return si, nil
	}
	att, err := GetForUpdate[SetupAttempt](op, *si.LatestAttempt)
	if err != nil {
		return nil, err
	}
	pm, err := Get[PaymentMethod](op, att.PaymentMethod)
	if err != nil {
		return nil, err
	}
	prev := clone(si)
	si.NextAction = nil
	if !approve {
		perr := &PaymentError{Type: "invalid_request_error", Code: "setup_intent_authentication_failure",
			Message:         "The latest attempt to set up the payment method has failed because authentication failed.",
			PaymentMethodID: pm.ID, PaymentMethodType: pm.Type}
		att.Status, att.SetupError = AttemptFailed, perr
		if err := op.save(att); err != nil {
			return nil, err
		}
		si.Status, si.LastSetupError, si.PaymentMethod = IntentRequiresPaymentMethod, perr, nil
		if err := op.save(si); err != nil {
			return nil, err
		}
		if err := op.emit("setup_intent.setup_failed", si, prev); err != nil {
			return nil, err
		}
		return si, op.pageFollowsSetup(si)
	}
	c, err := op.sofortCharge(pm, sofortVerificationAmount, si.Customer, "", si.ClockID, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	reason := "requested_by_customer"
	if _, err := op.CreateRefund(RefundParams{Charge: c.ID, IDPrefix: "pyr_", Reason: Some(reason)}); err != nil {
		return nil, err
	}
	gpm, gm, err := op.generateSepaDebit(pm, si.Customer, si.ClockID, nil, &att.ID, op.Now(si.ClockID))
	if err != nil {
		return nil, err
	}
	att.Status = AttemptSucceeded
	details := *c.Method.Sofort
	details.GeneratedSepaDebit, details.GeneratedSepaDebitMandate = &gpm.ID, &gm.ID
	att.Sofort = &details
	if err := op.save(att); err != nil {
		return nil, err
	}
	si.Status, si.Mandate = IntentSucceeded, &gm.ID
	if err := op.save(si); err != nil {
		return nil, err
	}
	return si, op.siSucceeded(si, prev)
}

// CancelSetupIntent cancels a setup intent that has not succeeded.
func (op *Op) CancelSetupIntent(id string, reason Opt[string]) (*SetupIntent, error) {
	si, err := op.GetSetupIntent(id)
	if err != nil {
		return nil, err
	}
	if !awaitingConfirmation(si.Status) {
		return nil, unexpectedState("setup_intent", si.ID, string(si.Status), "cancel")
	}
	prev := clone(si)
	si.Status, si.NextAction = IntentCanceled, nil
	applyPtr(&si.CancellationReason, reason)
	if si.LatestAttempt != nil {
		if att, err := Get[SetupAttempt](op, *si.LatestAttempt); err == nil && att.Status == AttemptRequiresAction {
			att.Status = AttemptAbandoned
			if err := op.save(att); err != nil {
				return nil, err
			}
		}
	}
	if err := op.save(si); err != nil {
		return nil, err
	}
	return si, op.emit("setup_intent.canceled", si, prev)
}

// ListSetupIntents lists setup intents, optionally of one customer.
func (op *Op) ListSetupIntents(customer string, p ListParams) ([]*SetupIntent, error) {
	p.Customer = customer
	return List[SetupIntent](op, p)
}

// ListSetupAttempts lists the attempts of a setup intent.
func (op *Op) ListSetupAttempts(setupIntent string, p ListParams) ([]*SetupAttempt, error) {
	p.Parent = setupIntent
	return List[SetupAttempt](op, p)
}
