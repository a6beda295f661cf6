package engine

import (
	"slices"
	"strings"
)

// PaymentMethod is a reusable description of how a customer pays: a SEPA
// Direct Debit bank account or a Sofort bank country.
type PaymentMethod struct {
	Meta
	Type      string            `json:"type"` // sepa_debit, sofort
	Customer  string            `json:"customer,omitempty"`
	Billing   Billing           `json:"billing_details"`
	Metadata  map[string]string `json:"metadata"`
	SepaDebit *PMSepaDebit      `json:"sepa_debit,omitempty"`
	Sofort    *PMSofort         `json:"sofort,omitempty"`
	// TestToken is the test token the payment method was made from: it
	// chooses the behaviour where the IBAN alone is ambiguous.
	TestToken string `json:"test_token,omitempty"`
}

// PMSepaDebit is the bank account of a SEPA Direct Debit payment method.
type PMSepaDebit struct {
	Account                   BankAccount `json:"account"`
	GeneratedFromCharge       *string     `json:"generated_from_charge"`
	GeneratedFromSetupAttempt *string     `json:"generated_from_setup_attempt"`
}

// PMSofort is the bank country of a Sofort payment method.
type PMSofort struct {
	Country string `json:"country"`
}

func init() { register(&PaymentMethod{}) }

// ObjectType implements Object.
func (*PaymentMethod) ObjectType() string { return "payment_method" }

// Index implements Object.
func (pm *PaymentMethod) Index() Index { return Index{Kind: pm.Type, Customer: pm.Customer} }

// PaymentMethodTypes the PaymentMethod-era APIs implement.
var PMTypes = []string{"sepa_debit", "sofort"}

// BillingParams are billing_details parameters.
type BillingParams struct {
	Name, Email, Phone Opt[string]
	Address            Opt[AddressUpdate]
}

func applyBilling(b *Billing, p BillingParams) {
	applyPtr(&b.Name, p.Name)
	applyPtr(&b.Email, p.Email)
	applyPtr(&b.Phone, p.Phone)
	applyAddress(&b.Address, p.Address)
}

// PaymentMethodParams create a payment method (also used for payment_method_data).
type PaymentMethodParams struct {
	Type          string
	IBAN          string
	SofortCountry string
	Billing       BillingParams
	Metadata      MetadataUpdate
	ClockID       string
	// Param prefixes error parameters (payment_method_data when nested).
	Param string
}

func joinParam(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// CreatePaymentMethod validates and creates an unattached payment method.
func (op *Op) CreatePaymentMethod(p PaymentMethodParams) (*PaymentMethod, error) {
	if p.Type == "" {
		return nil, Missing(joinParam(p.Param, "type"))
	}
	if !slices.Contains(PMTypes, p.Type) {
		return nil, Invalid("parameter_invalid_enum", joinParam(p.Param, "type"), "Kontor implements payment methods of types sepa_debit and sofort; %q is not available.", p.Type)
	}
	if err := op.methodAvailable(p.Type, joinParam(p.Param, "type")); err != nil {
		return nil, err
	}
	pm := &PaymentMethod{Meta: Meta{ID: NewID("pm_"), Created: op.Now(p.ClockID).Unix(), ClockID: p.ClockID}, Type: p.Type,
		Metadata: p.Metadata.apply(nil)}
	applyBilling(&pm.Billing, p.Billing)
	switch p.Type {
	case "sepa_debit":
		if p.IBAN == "" {
			return nil, Missing(joinParam(p.Param, "sepa_debit.iban"))
		}
		iban, err := ParseIBAN(p.IBAN, "invalid_bank_account_iban", joinParam(p.Param, "sepa_debit.iban"))
		if err != nil {
			return nil, err
		}
		pm.SepaDebit = &PMSepaDebit{Account: op.newBankAccount(iban)}
	case "sofort":
		c := strings.ToUpper(p.SofortCountry)
		if c == "" {
			return nil, Missing(joinParam(p.Param, "sofort.country"))
		}
		if !slices.Contains(SofortCountries, c) {
			return nil, &Error{Kind: KindInvalid, Code: "parameter_invalid_enum", Param: joinParam(p.Param, "sofort.country"),
				Message: "Sofort is available in " + strings.Join(SofortCountries, ", ") + ".",
				Data:    map[string]string{"allowed": strings.Join(SofortCountries, " ")}}
		}
		pm.Sofort = &PMSofort{Country: c}
	}
	return pm, op.insert(pm)
}

// ResolvePaymentMethod returns the payment method id names. A test token
// (pm_success_de, …) creates a fresh payment method for its test IBAN, as
// Stripe does.
func (op *Op) ResolvePaymentMethod(id, param, clockID string) (*PaymentMethod, error) {
	if a, ok := op.e.tests.TestToken(id); ok {
		pm, err := op.CreatePaymentMethod(PaymentMethodParams{Type: "sepa_debit", IBAN: a.IBAN, ClockID: clockID,
			Billing: BillingParams{Name: Some(a.Name), Email: Some(a.Email)}})
		if err != nil {
			return nil, err
		}
		pm.TestToken = id
		return pm, op.save(pm)
	}
	pm, err := GetForUpdate[PaymentMethod](op, id)
	if err != nil {
		return nil, NotFoundOr(err, param, "PaymentMethod", id)
	}
	return pm, nil
}

// GetPaymentMethod returns a payment method.
func (op *Op) GetPaymentMethod(id string) (*PaymentMethod, error) {
	pm, err := Get[PaymentMethod](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "payment_method", "PaymentMethod", id)
	}
	return pm, nil
}

// UpdatePaymentMethod changes billing details and metadata.
func (op *Op) UpdatePaymentMethod(id string, b BillingParams, md MetadataUpdate) (*PaymentMethod, error) {
	pm, err := op.GetPaymentMethod(id)
	if err != nil {
		return nil, err
	}
	prev := clone(pm)
	applyBilling(&pm.Billing, b)
	pm.Metadata = md.apply(pm.Metadata)
	return pm, op.saveChanged(pm, prev, "payment_method.updated")
}

// AttachPaymentMethod attaches a payment method to a customer.
func (op *Op) AttachPaymentMethod(id, customerID string) (*PaymentMethod, error) {
	pm, err := op.ResolvePaymentMethod(id, "payment_method", "")
	if err != nil {
		return nil, err
	}
	c, err := op.LiveCustomer(customerID, "customer")
	if err != nil {
		return nil, err
	}
	return pm, op.attachPM(pm, c)
}

func (op *Op) attachPM(pm *PaymentMethod, c *Customer) error {
	if pm.Customer == c.ID {
		return nil
	}
	if pm.Customer != "" {
		return Errorf(KindState, "payment_method_already_attached", "payment_method",
			"The payment method %s is already attached to another customer. Detach it first.", pm.ID)
	}
	pm.Customer = c.ID
	if pm.ClockID == "" {
		pm.ClockID = c.ClockID
	}
	if err := op.save(pm); err != nil {
		return err
	}
	return op.emit("payment_method.attached", pm, nil)
}

// DetachPaymentMethod detaches a payment method from its customer; its mandates end.
func (op *Op) DetachPaymentMethod(id string) (*PaymentMethod, error) {
	pm, err := op.GetPaymentMethod(id)
	if err != nil {
		return nil, err
	}
	if pm.Customer == "" {
		return nil, Errorf(KindState, "payment_method_unexpected_state", "payment_method", "The payment method %s is not attached to a customer.", pm.ID)
	}
	prev := clone(pm)
	pm.Customer = ""
	if err := op.save(pm); err != nil {
		return nil, err
	}
	ms, err := ListWhere[Mandate](op, MandateFilter{PaymentMethod: pm.ID, Status: MandateActive}, ListParams{Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if err := op.endPMMandate(m, "detached"); err != nil {
			return nil, err
		}
	}
	return pm, op.emit("payment_method.detached", pm, prev)
}

// endPMMandate ends a payment method's mandate and announces it.
func (op *Op) endPMMandate(m *Mandate, reason string) error {
	prev := clone(m)
	ended, err := op.EndMandate(m, reason)
	if err != nil || !ended {
		return err
	}
	return op.emit("mandate.updated", m, prev)
}

// ListPaymentMethods lists payment methods of a customer (optionally of one type).
func (op *Op) ListPaymentMethods(customer, typ string, p ListParams) ([]*PaymentMethod, error) {
	p.Customer, p.Kind = customer, typ
	return List[PaymentMethod](op, p)
}

// activeMandateFor returns the payment method's active mandate, if any.
func (op *Op) activeMandateFor(pm *PaymentMethod) (*Mandate, error) {
	ms, err := ListWhere[Mandate](op, MandateFilter{PaymentMethod: pm.ID, Status: MandateActive}, ListParams{Limit: 1})
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return ms[0], nil
}

// payer describes the debtor of a collection from pm to the bank network.
func (op *Op) payer(pm *PaymentMethod) payer {
	p := payer{Name: deref(pm.Billing.Name), Email: deref(pm.Billing.Email), TestToken: pm.TestToken}
	if pm.SepaDebit != nil {
		if iban, err := op.IBAN(pm.SepaDebit.Account); err == nil {
			p.IBAN = string(iban)
		}
	}
	return p
}
