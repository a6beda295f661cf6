package engine

import (
	"slices"
	"strings"
	"time"
)

// CheckoutSession is a hosted payment or setup page's state.
type CheckoutSession struct {
	Meta
	Mode               string               `json:"mode"` // payment, setup
	Status             SessionStatus        `json:"status"`
	PaymentStatus      SessionPaymentStatus `json:"payment_status"`
	Customer           string               `json:"customer,omitempty"`
	CustomerEmail      *string              `json:"customer_email"`
	Currency           *string              `json:"currency"`
	AmountTotal        *int64               `json:"amount_total"`
	LineItems          []LineItem           `json:"line_items"`
	PaymentMethodTypes []string             `json:"payment_method_types"`
	SuccessURL         *string              `json:"success_url"`
	CancelURL          *string              `json:"cancel_url"`
	Metadata           map[string]string    `json:"metadata"`
	ClientReferenceID  *string              `json:"client_reference_id"`
	ExpiresAt          int64                `json:"expires_at"`
	SetupIntent        *string              `json:"setup_intent"`
	PaymentIntent      *string              `json:"payment_intent"`
	Locale             *string              `json:"locale"`
	SubmitError        string               `json:"submit_error,omitempty"`
}

// LineItem is one line of a payment-mode session.
type LineItem struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Currency    string `json:"currency"`
	UnitAmount  int64  `json:"unit_amount"`
	Quantity    int64  `json:"quantity"`
}

func init() { register(&CheckoutSession{}) }

// ObjectType implements Object.
func (*CheckoutSession) ObjectType() string { return "checkout.session" }

// Index implements Object.
func (s *CheckoutSession) Index() Index {
	return Index{Kind: s.Mode, Customer: s.Customer, Status: string(s.Status), Lookup: deref(s.PaymentIntent)}
}

const timerCheckoutExpire = "checkout.expire"

// CheckoutParams create a session.
type CheckoutParams struct {
	Mode               string
	PaymentMethodTypes []string
	Customer           string
	CustomerEmail      Opt[string]
	Currency           string
	LineItems          []LineItem
	SuccessURL         string
	CancelURL          string
	Metadata           MetadataUpdate
	ClientReferenceID  Opt[string]
	ExpiresAt          *int64
	Locale             Opt[string]
	TestClock          Opt[string]
}

// CreateCheckoutSession validates and opens a session.
func (op *Op) CreateCheckoutSession(p CheckoutParams) (*CheckoutSession, error) {
	if p.Mode == "" {
		return nil, Missing("mode")
	}
	if p.Mode != "payment" && p.Mode != "setup" {
		return nil, Invalid("parameter_invalid_enum", "mode", "Kontor implements Checkout in payment and setup mode; %q is not available.", p.Mode)
	}
	if p.SuccessURL == "" {
		return nil, Missing("success_url")
	}
	if err := ValidateReturnURL(p.SuccessURL, "success_url"); err != nil {
		return nil, err
	}
	if p.CancelURL != "" {
		if err := ValidateReturnURL(p.CancelURL, "cancel_url"); err != nil {
			return nil, err
		}
	}
	clockID, err := op.clockFor(p.TestClock)
	if err != nil {
		return nil, err
	}
	s := &CheckoutSession{Mode: p.Mode, Status: SessionOpen, PaymentStatus: SessionUnpaid, Metadata: p.Metadata.apply(nil),
		SuccessURL: &p.SuccessURL}
	if p.CancelURL != "" {
		s.CancelURL = &p.CancelURL
	}
	if p.Customer != "" {
		if p.CustomerEmail.Set {
			return nil, Invalid("parameters_exclusive", "customer_email", "You may only specify one of these parameters: customer, customer_email.")
		}
		c, err := op.LiveCustomer(p.Customer, "customer")
		if err != nil {
			return nil, err
		}
		s.Customer = c.ID
		if clockID == "" {
			clockID = c.ClockID
		}
	}
	applyPtr(&s.CustomerEmail, p.CustomerEmail)
	applyPtr(&s.ClientReferenceID, p.ClientReferenceID)
	applyPtr(&s.Locale, p.Locale)
	types := p.PaymentMethodTypes
	if len(types) == 0 {
		if types, err = op.defaultPMTypes(); err != nil {
			return nil, err
		}
	} else if err := op.validatePMTypes(types, "payment_method_types"); err != nil {
		return nil, err
	}
	s.PaymentMethodTypes = types
	switch p.Mode {
	case "payment":
		if len(p.LineItems) == 0 {
			return nil, Invalid("parameter_missing", "line_items", "line_items is required in payment mode.")
		}
		var total int64
		for i, li := range p.LineItems {
			if li.Currency != "eur" {
				return nil, Invalid("parameter_invalid_enum", "line_items."+itoa(i)+".price_data.currency", "SEPA Direct Debit and Sofort payments must be in eur, not %s.", li.Currency)
			}
			if li.Quantity < 1 {
				return nil, Invalid("parameter_invalid_integer", "line_items."+itoa(i)+".quantity", "Quantity must be at least 1.")
			}
			if li.UnitAmount < 0 {
				return nil, Invalid("parameter_invalid_integer", "line_items."+itoa(i)+".price_data.unit_amount", "Unit amount must not be negative.")
			}
			if strings.TrimSpace(li.Name) == "" {
				return nil, Missing("line_items." + itoa(i) + ".price_data.product_data.name")
			}
			p.LineItems[i].ID = NewID("li_")
			total += li.UnitAmount * li.Quantity
		}
		if err := checkAmount(total, minimumAmount, "line_items"); err != nil {
			return nil, err
		}
		cur := "eur"
		s.Currency, s.AmountTotal, s.LineItems = &cur, &total, p.LineItems
	case "setup":
		if len(p.LineItems) > 0 {
			return nil, Invalid("parameter_invalid_empty", "line_items", "line_items cannot be used in setup mode.")
		}
		if p.Currency != "" {
			if p.Currency != "eur" {
				return nil, Invalid("parameter_invalid_enum", "currency", "SEPA Direct Debit and Sofort set up payments in eur, not %s.", p.Currency)
			}
			cur := p.Currency
			s.Currency = &cur
		} else if slices.Contains(types, "sofort") {
			return nil, Invalid("parameter_missing", "currency", "currency is required in setup mode when sofort is among the payment method types.")
		}
		s.PaymentStatus = SessionNoPaymentRequired
	}
	now := op.Now(clockID)
	s.ID = "cs_test_" + RandomString(58)
	s.Created, s.ClockID = now.Unix(), clockID
	s.ExpiresAt = now.Add(24 * time.Hour).Unix()
	if p.ExpiresAt != nil {
		d := time.Unix(*p.ExpiresAt, 0).Sub(now)
		if d < 30*time.Minute || d > 24*time.Hour {
			return nil, Invalid("parameter_invalid_integer", "expires_at", "expires_at must be between 30 minutes and 24 hours after the session is created.")
		}
		s.ExpiresAt = *p.ExpiresAt
	}
	if err := op.insert(s); err != nil {
		return nil, err
	}
	return s, op.Schedule(time.Unix(s.ExpiresAt, 0), clockID, timerCheckoutExpire, s.ID, nil)
}

// GetCheckoutSession returns a session. Within one write transaction every
// call returns the same copy, so that a follow-up reached from inside an
// operation on the session (an intent that succeeds while SubmitCheckout
// creates it) sees and changes the session its caller holds, never a stale
// copy whose save would lose the caller's changes.
func (op *Op) GetCheckoutSession(id string) (*CheckoutSession, error) {
	if s, ok := op.sessions[id]; ok {
		return s, nil
	}
	s, err := GetForUpdate[CheckoutSession](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "session", "checkout.session", id)
	}
	if op.write {
		if op.sessions == nil {
			op.sessions = map[string]*CheckoutSession{}
		}
		op.sessions[id] = s
	}
	return s, nil
}

// ExpireCheckoutSession expires an open session; its open intent is canceled.
func (op *Op) ExpireCheckoutSession(id string) (*CheckoutSession, error) {
	s, err := op.GetCheckoutSession(id)
	if err != nil {
		return nil, err
	}
	if s.Status != SessionOpen {
		return nil, Errorf(KindState, "checkout_session_not_open", "session",
			"Only Checkout Sessions with a status of open can be expired; this one is %s.", s.Status)
	}
	prev := clone(s)
	s.Status = SessionExpired
	if s.PaymentIntent != nil {
		if pi, err := op.GetPaymentIntent(*s.PaymentIntent); err == nil && pi.Status != IntentProcessing && pi.Status != IntentSucceeded && pi.Status != IntentCanceled {
			if _, err := op.CancelPaymentIntent(pi.ID, Some("expired")); err != nil {
				return nil, err
			}
		}
	}
	if s.SetupIntent != nil {
		if si, err := op.GetSetupIntent(*s.SetupIntent); err == nil && si.Status != IntentSucceeded && si.Status != IntentCanceled {
			if _, err := op.CancelSetupIntent(si.ID, Some("abandoned")); err != nil {
				return nil, err
			}
		}
	}
	if err := op.CancelTimers(s.ID, timerCheckoutExpire); err != nil {
		return nil, err
	}
	if err := op.save(s); err != nil {
		return nil, err
	}
	return s, op.emit("checkout.session.expired", s, prev)
}

// ListCheckoutSessions lists sessions, filtered by customer, payment intent or status.
func (op *Op) ListCheckoutSessions(p ListParams) ([]*CheckoutSession, error) {
	return List[CheckoutSession](op, p)
}

// CheckoutSubmission is what the payer submits on the hosted Checkout page.
type CheckoutSubmission struct {
	Method    string // sepa_debit, sofort
	Name      string
	Email     string
	IBAN      string
	Country   string
	IPAddress string
	UserAgent string
	// ReturnURL is where the payer comes back to after authorising a
	// redirect payment method (Sofort): the hosted page's own return handler.
	ReturnURL string
}

// SubmitCheckout carries out the payer's submission. It returns the session and,
// for Sofort, the intent whose authorisation page the payer goes to next.
func (op *Op) SubmitCheckout(id string, sub CheckoutSubmission) (*CheckoutSession, string, error) {
	s, err := op.GetCheckoutSession(id)
	if err != nil {
		return nil, "", err
	}
	if s.Status != SessionOpen {
		return nil, "", Errorf(KindState, "checkout_session_not_open", "session", "This Checkout Session is %s.", s.Status)
	}
	if !slices.Contains(s.PaymentMethodTypes, sub.Method) {
		return nil, "", Invalid("parameter_invalid_enum", "payment_method", "Choose one of the offered payment methods.")
	}
	if strings.TrimSpace(sub.Name) == "" {
		return nil, "", Invalid("parameter_missing", "name", "Enter the account holder's name.")
	}
	email := sub.Email
	if email == "" {
		email = deref(s.CustomerEmail)
	}
	if email == "" && s.Customer != "" {
		if c, err := op.GetCustomer(s.Customer); err == nil {
			email = deref(c.Email)
		}
	}
	pmp := PaymentMethodParams{Type: sub.Method, IBAN: sub.IBAN, SofortCountry: sub.Country, ClockID: s.ClockID,
		Billing: BillingParams{Name: Some(sub.Name)}}
	if email != "" {
		pmp.Billing.Email = Some(email)
	}
	if sub.Method == "sepa_debit" && strings.TrimSpace(sub.IBAN) == "" {
		return nil, "", Invalid("parameter_missing", "iban", "Enter your IBAN.")
	}
	pm, err := op.CreatePaymentMethod(pmp)
	if err != nil {
		return nil, "", err
	}
	if s.Customer == "" && s.Mode == "setup" {
		// Setup mode always creates a customer, so that the payment method has an owner.
		c, err := op.CreateCustomer(CustomerParams{Email: optOf(nonEmpty(email)), Name: Some(sub.Name), TestClock: optOf(nonEmpty(s.ClockID))})
		if err != nil {
			return nil, "", err
		}
		s.Customer = c.ID
	}
	md := &MandateData{Type: "online", IPAddress: sub.IPAddress, UserAgent: sub.UserAgent}
	prev := clone(s)
	var next string
	switch s.Mode {
	case "setup":
		si, err := op.CreateSetupIntent(SetupIntentParams{Customer: optOf(nonEmpty(s.Customer)), PaymentMethod: Some(pm.ID),
			PaymentMethodTypes: s.PaymentMethodTypes, MandateData: md, Confirm: true, CheckoutSession: s.ID,
			TestClock: optOf(nonEmpty(s.ClockID)), ReturnURL: optOf(nonEmpty(sub.ReturnURL))})
		if err != nil {
			return nil, "", err
		}
		s.SetupIntent = &si.ID
		if si.Status == IntentRequiresAction {
			next = si.ID
		} else if si.Status == IntentSucceeded {
			s.Status = SessionComplete
		}
	case "payment":
		pp := PaymentIntentParams{Amount: s.AmountTotal, Currency: "eur", Customer: optOf(nonEmpty(s.Customer)),
			PaymentMethod: Some(pm.ID), PaymentMethodTypes: s.PaymentMethodTypes, MandateData: md, Confirm: true,
			CheckoutSession: s.ID, TestClock: optOf(nonEmpty(s.ClockID)), ReturnURL: optOf(nonEmpty(sub.ReturnURL))}
		pi, err := op.CreatePaymentIntent(pp)
		if err != nil {
			return nil, "", err
		}
		s.PaymentIntent = &pi.ID
		switch pi.Status {
		case IntentRequiresAction:
			next = pi.ID
		case IntentProcessing, IntentSucceeded:
			s.Status = SessionComplete
		}
	}
	if err := op.save(s); err != nil {
		return nil, "", err
	}
	if s.Status == SessionComplete {
		return s, "", op.completeCheckout(s, prev)
	}
	return s, next, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (op *Op) completeCheckout(s, prev *CheckoutSession) error {
	if s.Mode == "payment" && s.PaymentIntent != nil {
		if pi, err := op.GetPaymentIntent(*s.PaymentIntent); err == nil && pi.Status == IntentSucceeded {
			s.PaymentStatus = SessionPaid
		}
	}
	s.Status = SessionComplete
	if err := op.CancelTimers(s.ID, timerCheckoutExpire); err != nil {
		return err
	}
	if err := op.save(s); err != nil {
		return err
	}
	return op.emit("checkout.session.completed", s, prev)
}

// expireCheckout expires a checkout session still open at its expiry time.
func expireCheckout(op *Op, t *Timer) error {
	s, err := followed(op.GetCheckoutSession(t.ObjectID))
	if err != nil || s == nil || s.Status != SessionOpen {
		return err
	}
	_, err = op.ExpireCheckoutSession(s.ID)
	return err
}

// checkoutFollowsSetup completes the checkout session of a setup intent that succeeded.
func (op *Op) checkoutFollowsSetup(si *SetupIntent) error {
	if si.CheckoutSession == "" || si.Status != IntentSucceeded {
		return nil
	}
	// Only a set-up the session already records completes it here (Sofort,
	// authorised later). One that succeeds while SubmitCheckout creates it
	// (SEPA Direct Debit) is not recorded yet: SubmitCheckout records and
	// completes it on the same copy of the session (see GetCheckoutSession).
	s, err := followed(op.GetCheckoutSession(si.CheckoutSession))
	if err != nil || s == nil || s.Status != SessionOpen || deref(s.SetupIntent) != si.ID {
		return err
	}
	return op.completeCheckout(s, clone(s))
}

// checkoutFollowsIntent announces the outcome of a completed session's
// payment: paid, or failed.
func (op *Op) checkoutFollowsIntent(pi *PaymentIntent) error {
	if pi.CheckoutSession == "" {
		return nil
	}
	s, err := followed(op.GetCheckoutSession(pi.CheckoutSession))
	if err != nil || s == nil || s.Status != SessionComplete || deref(s.PaymentIntent) != pi.ID {
		return err
	}
	prev := clone(s)
	switch pi.Status {
	case IntentSucceeded:
		s.PaymentStatus = SessionPaid
		if err := op.save(s); err != nil {
			return err
		}
		return op.emit("checkout.session.async_payment_succeeded", s, prev)
	case IntentRequiresPaymentMethod:
		return op.emit("checkout.session.async_payment_failed", s, prev)
	}
	return nil
}

// sofortIntentProcessing completes a payment-mode session once its Sofort payment is authorised.
func (op *Op) sofortIntentProcessing(pi *PaymentIntent) error {
	if pi.CheckoutSession == "" {
		return nil
	}
	s, err := followed(op.GetCheckoutSession(pi.CheckoutSession))
	if err != nil || s == nil || s.Status != SessionOpen || deref(s.PaymentIntent) != pi.ID {
		return err
	}
	return op.completeCheckout(s, clone(s))
}
