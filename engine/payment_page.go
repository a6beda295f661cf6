package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PaymentPage is a hosted payment or setup page's state.
type PaymentPage struct {
	Meta
	Mode               string            `json:"mode"` // payment, setup
	Status             PageStatus        `json:"status"`
	PaymentStatus      PagePaymentStatus `json:"payment_status"`
	Customer           string            `json:"customer,omitempty"`
	CustomerEmail      *string           `json:"customer_email"`
	Currency           *string           `json:"currency"`
	AmountTotal        *int64            `json:"amount_total"`
	LineItems          []LineItem        `json:"line_items"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	SuccessURL         *string           `json:"success_url"`
	CancelURL          *string           `json:"cancel_url"`
	Metadata           map[string]string `json:"metadata"`
	ClientReferenceID  *string           `json:"client_reference_id"`
	ExpiresAt          int64             `json:"expires_at"`
	SetupIntent        *string           `json:"setup_intent"`
	PaymentIntent      *string           `json:"payment_intent"`
	Locale             *string           `json:"locale"`
	SubmitError        string            `json:"submit_error,omitempty"`
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

func init() { register(&PaymentPage{}) }

// ObjectType implements Object.
func (*PaymentPage) ObjectType() string { return "payment_page" }

// Index implements Object.
func (s *PaymentPage) Index() Index {
	return Index{Kind: s.Mode, Customer: s.Customer, Status: string(s.Status), Lookup: deref(s.PaymentIntent)}
}

const timerPageExpire = "payment_page.expire"

// PaymentPageParams create a session.
type PaymentPageParams struct {
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

// CreatePaymentPage validates and opens a session.
func (op *Op) CreatePaymentPage(p PaymentPageParams) (*PaymentPage, error) {
	if p.Mode == "" {
		return nil, Missing("mode")
	}
	if p.Mode != "payment" && p.Mode != "setup" {
		return nil, &Error{Kind: KindInvalid, Code: "parameter_invalid_enum", Param: "mode",
			Message: fmt.Sprintf("A payment page works in payment or setup mode, not %q.", p.Mode),
			Data:    map[string]string{"object": "payment_page", "value": p.Mode}}
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
	s := &PaymentPage{Mode: p.Mode, Status: PageOpen, PaymentStatus: PageUnpaid, Metadata: p.Metadata.apply(nil),
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
		s.PaymentStatus = PageNoPaymentRequired
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
	return s, op.Schedule(time.Unix(s.ExpiresAt, 0), clockID, timerPageExpire, s.ID, nil)
}

// GetPaymentPage returns a session. Within one write transaction every
// call returns the same copy, so that a follow-up reached from inside an
// operation on the session (an intent that succeeds while SubmitPaymentPage
// creates it) sees and changes the session its caller holds, never a stale
// copy whose save would lose the caller's changes.
func (op *Op) GetPaymentPage(id string) (*PaymentPage, error) {
	if s, ok := op.pages[id]; ok {
		return s, nil
	}
	s, err := GetForUpdate[PaymentPage](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "session", "payment_page", id)
	}
	if op.write {
		if op.pages == nil {
			op.pages = map[string]*PaymentPage{}
		}
		op.pages[id] = s
	}
	return s, nil
}

// ExpirePaymentPage expires an open session; its open intent is canceled.
func (op *Op) ExpirePaymentPage(id string) (*PaymentPage, error) {
	s, err := op.GetPaymentPage(id)
	if err != nil {
		return nil, err
	}
	if s.Status != PageOpen {
		return nil, notOpen(s, "expire")
	}
	prev := clone(s)
	s.Status = PageExpired
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
	if err := op.CancelTimers(s.ID, timerPageExpire); err != nil {
		return nil, err
	}
	if err := op.save(s); err != nil {
		return nil, err
	}
	return s, op.emit("payment_page.expired", s, prev)
}

// notOpen is the error for an action on a page that is no longer open; its
// data names the action and the page's status.
func notOpen(s *PaymentPage, action string) *Error {
	return &Error{Kind: KindState, Code: "payment_page_not_open", Param: "session",
		Message: fmt.Sprintf("The payment page is %s, no longer open.", s.Status),
		Data:    map[string]string{"object": "payment_page", "status": string(s.Status), "action": action}}
}

// ListPaymentPages lists sessions, filtered by customer, payment intent or status.
func (op *Op) ListPaymentPages(p ListParams) ([]*PaymentPage, error) {
	return List[PaymentPage](op, p)
}

// PageSubmission is what the payer submits on the hosted payment page.
type PageSubmission struct {
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

// SubmitPaymentPage carries out the payer's submission. It returns the session and,
// for Sofort, the intent whose authorisation page the payer goes to next.
func (op *Op) SubmitPaymentPage(id string, sub PageSubmission) (*PaymentPage, string, error) {
	s, err := op.GetPaymentPage(id)
	if err != nil {
		return nil, "", err
	}
	if s.Status != PageOpen {
		return nil, "", notOpen(s, "submit")
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
			PaymentMethodTypes: s.PaymentMethodTypes, MandateData: md, Confirm: true, PaymentPage: s.ID,
			TestClock: optOf(nonEmpty(s.ClockID)), ReturnURL: optOf(nonEmpty(sub.ReturnURL))})
		if err != nil {
			return nil, "", err
		}
		s.SetupIntent = &si.ID
		if si.Status == IntentRequiresAction {
			next = si.ID
		} else if si.Status == IntentSucceeded {
			s.Status = PageComplete
		}
	case "payment":
		pp := PaymentIntentParams{Amount: s.AmountTotal, Currency: "eur", Customer: optOf(nonEmpty(s.Customer)),
			PaymentMethod: Some(pm.ID), PaymentMethodTypes: s.PaymentMethodTypes, MandateData: md, Confirm: true,
			PaymentPage: s.ID, TestClock: optOf(nonEmpty(s.ClockID)), ReturnURL: optOf(nonEmpty(sub.ReturnURL))}
		pi, err := op.CreatePaymentIntent(pp)
		if err != nil {
			return nil, "", err
		}
		s.PaymentIntent = &pi.ID
		switch pi.Status {
		case IntentRequiresAction:
			next = pi.ID
		case IntentProcessing, IntentSucceeded:
			s.Status = PageComplete
		}
	}
	if err := op.save(s); err != nil {
		return nil, "", err
	}
	if s.Status == PageComplete {
		return s, "", op.completePage(s, prev)
	}
	return s, next, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (op *Op) completePage(s, prev *PaymentPage) error {
	if s.Mode == "payment" && s.PaymentIntent != nil {
		if pi, err := op.GetPaymentIntent(*s.PaymentIntent); err == nil && pi.Status == IntentSucceeded {
			s.PaymentStatus = PagePaid
		}
	}
	s.Status = PageComplete
	if err := op.CancelTimers(s.ID, timerPageExpire); err != nil {
		return err
	}
	if err := op.save(s); err != nil {
		return err
	}
	return op.emit("payment_page.completed", s, prev)
}

// expirePage expires a payment page still open at its expiry time.
func expirePage(op *Op, t *Timer) error {
	s, err := followed(op.GetPaymentPage(t.ObjectID))
	if err != nil || s == nil || s.Status != PageOpen {
		return err
	}
	_, err = op.ExpirePaymentPage(s.ID)
	return err
}

// pageFollowsSetup completes the payment page of a setup intent that succeeded.
func (op *Op) pageFollowsSetup(si *SetupIntent) error {
	if si.PaymentPage == "" || si.Status != IntentSucceeded {
		return nil
	}
	// Only a set-up the session already records completes it here (Sofort,
	// authorised later). One that succeeds while SubmitPaymentPage creates it
	// (SEPA Direct Debit) is not recorded yet: SubmitPaymentPage records and
	// completes it on the same copy of the session (see GetPaymentPage).
	s, err := followed(op.GetPaymentPage(si.PaymentPage))
	if err != nil || s == nil || s.Status != PageOpen || deref(s.SetupIntent) != si.ID {
		return err
	}
	return op.completePage(s, clone(s))
}

// pageFollowsIntent announces the outcome of a completed session's
// payment: paid, or failed.
func (op *Op) pageFollowsIntent(pi *PaymentIntent) error {
	s, err := op.pageOfIntent(pi, PageComplete)
	if err != nil || s == nil {
		return err
	}
	prev := clone(s)
	switch pi.Status {
	case IntentSucceeded:
		s.PaymentStatus = PagePaid
		if err := op.save(s); err != nil {
			return err
		}
		return op.emit("payment_page.async_payment_succeeded", s, prev)
	case IntentRequiresPaymentMethod:
		return op.emit("payment_page.async_payment_failed", s, prev)
	}
	return nil
}

// sofortIntentProcessing completes a payment-mode session once its Sofort payment is authorised.
func (op *Op) sofortIntentProcessing(pi *PaymentIntent) error {
	s, err := op.pageOfIntent(pi, PageOpen)
	if err != nil || s == nil {
		return err
	}
	return op.completePage(s, clone(s))
}

// pageOfIntent returns the payment page pi was made for when the page is
// in status and still names pi as its intent, else nil.
func (op *Op) pageOfIntent(pi *PaymentIntent, status PageStatus) (*PaymentPage, error) {
	if pi.PaymentPage == "" {
		return nil, nil
	}
	s, err := followed(op.GetPaymentPage(pi.PaymentPage))
	if err != nil || s == nil || s.Status != status || deref(s.PaymentIntent) != pi.ID {
		return nil, err
	}
	return s, nil
}
