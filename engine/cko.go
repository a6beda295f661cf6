package engine

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// OriginCko marks the objects the Checkout.com dialect creates: its
// customers, its SEPA sources (mandates), its payments (charges) and their
// refunds and disputes.
const OriginCko = "cko"

// ckoIDEncoding is lowercase base32 without padding, the alphabet of
// Checkout.com's identifiers.
var ckoIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewCkoID returns prefix followed by 26 random lowercase base32 characters,
// the shape of Checkout.com's identifiers (pay_…, src_…, cus_…, act_…).
func NewCkoID(prefix string) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("engine: crypto/rand failed: " + err.Error())
	}
	return prefix + ckoIDEncoding.EncodeToString(b)
}

// DerivedCkoID returns prefix followed by 26 lowercase base32 characters
// derived from seed: the same seed always gives the same id. The
// Checkout.com dialect names the actions it derives from a payment's history
// this way, so that they need no storage of their own.
func DerivedCkoID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + ckoIDEncoding.EncodeToString(sum[:16])
}

// OriginCustomerParams create a customer of another dialect than Stripe's.
type OriginCustomerParams struct {
	// ID is the customer's id in the dialect's format; "" means cus_ and 26
	// lowercase base32 characters.
	ID     string
	Origin string
	Email  Opt[string]
	Name   Opt[string]
}

// CreateOriginCustomer creates a customer with the id and origin a dialect
// chose. Such customers stay out of the Stripe dialect's customer lists
// (see Customer.Index) and their creation is no Stripe event.
func (op *Op) CreateOriginCustomer(p OriginCustomerParams) (*Customer, error) {
	c := &Customer{Metadata: map[string]string{}, Origin: p.Origin}
	c.ID = p.ID
	if c.ID == "" {
		c.ID = NewCkoID("cus_")
	}
	c.Created = op.Now("").Unix()
	c.InvoicePrefix = RandomString(8)
	c.apply(CustomerParams{Email: p.Email, Name: p.Name})
	if err := op.insert(c); err != nil {
		return nil, err
	}
	return c, nil
}

// GetOriginCustomer returns a live customer of the origin; param names the
// parameter that gave the id in the not-found error.
func (op *Op) GetOriginCustomer(origin, id, param string) (*Customer, error) {
	c, err := Get[Customer](op, id)
	if err != nil {
		return nil, NotFoundOr(err, param, "customer", id)
	}
	if c.Origin != origin || c.Deleted {
		return nil, NotFound(param, "customer", id)
	}
	return c, nil
}

// FindOriginCustomer returns the newest live customer of the origin with
// the e-mail address, or nil when there is none.
func (op *Op) FindOriginCustomer(origin, email string) (*Customer, error) {
	cs, err := List[Customer](op, ListParams{Kind: origin, Status: origin + "_active", Lookup: email, Limit: 1})
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return cs[0], nil
}

// CkoSourceParams create a Checkout.com SEPA source: a mandate of origin
// cko whose id is the source's id.
type CkoSourceParams struct {
	IBAN       sepa.IBAN
	BIC        string
	FirstName  string
	LastName   string
	Email      string
	Address    *Address
	Customer   string
	Recurring  bool
	Descriptor string
	// Reference and Phone are kept in the mandate's metadata under the keys
	// "reference" and "phone".
	Reference string
	Phone     string
	// TestClock binds the mandate and its payments to a test clock.
	TestClock string
}

// CreateCkoSource validates the test clock, records the mandate with a
// 7-digit reference and returns it. The bank network may reject the account
// (a KindInvalid error with code account_invalid and parameter iban).
func (op *Op) CreateCkoSource(p CkoSourceParams) (*Mandate, error) {
	clockID, err := op.clockFor(Opt[string]{Set: p.TestClock != "", V: p.TestClock})
	if err != nil {
		return nil, err
	}
	holder := strings.TrimSpace(p.FirstName + " " + p.LastName)
	m, err := op.CreateMandate(MandateParams{ID: NewCkoID("src_"), Origin: OriginCko, IBAN: p.IBAN, BIC: p.BIC,
		HolderName: holder, FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, Address: p.Address,
		Customer: p.Customer, SingleUse: !p.Recurring, ClockID: clockID, Descriptor: p.Descriptor, NumericReference: true})
	if err != nil {
		return nil, err
	}
	md := map[string]string{}
	if p.Reference != "" {
		md["reference"] = p.Reference
	}
	if p.Phone != "" {
		md["phone"] = p.Phone
	}
	if len(md) > 0 {
		m.Metadata = md
		if err := op.save(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// CollectionParams ask for a collection under a Checkout.com mandate.
type CollectionParams struct {
	// ID is the payment's id; "" means pay_ and 26 lowercase base32 characters.
	ID                  string
	Mandate             string
	Amount              int64
	Currency            string // lower case; only eur
	Reference           string
	Description         Opt[string]
	Metadata            MetadataUpdate
	StatementDescriptor Opt[string]
}

// CollectMandate starts a SEPA Direct Debit collection under an active
// mandate of origin cko: the bank network plans its outcome from the
// mandate's account, and the charge is pending until then. The mandate's
// use is booked (a single-use mandate ends). An unknown mandate is a
// KindNotFound error on parameter source.id; an ended one a KindState error
// with code mandate_canceled, mandate_lapsed or mandate_consumed.
func (op *Op) CollectMandate(p CollectionParams) (*Charge, error) {
	if err := checkCollection(p.Amount, p.Currency); err != nil {
		return nil, err
	}
	m, err := GetForUpdate[Mandate](op, p.Mandate)
	if err != nil {
		return nil, NotFoundOr(err, "source.id", "source", p.Mandate)
	}
	if m.Origin != OriginCko {
		return nil, NotFound("source.id", "source", p.Mandate)
	}
	if !m.Active() {
		return nil, Errorf(KindState, "mandate_"+m.EndReason, "source.id",
			"The mandate %s is no longer active (%s); no further payments can be collected under it.", m.Reference, m.EndReason)
	}
	if err := op.methodAvailable("sepa_debit", "source"); err != nil {
		return nil, err
	}
	id := p.ID
	if id == "" {
		id = NewCkoID("pay_")
	}
	name, email := m.HolderName, m.Email
	d := debit{ID: id, Origin: OriginCko, Amount: p.Amount, Currency: p.Currency, Customer: m.Customer,
		Description: p.Description, Metadata: p.Metadata, StatementDescriptor: p.StatementDescriptor, Reference: p.Reference,
		ClockID: m.ClockID, Billing: Billing{Name: &name, Address: m.Address}, Payer: payer{Name: name, Email: email}}
	if email != "" {
		d.Billing.Email = &email
	}
	return op.collectUnderMandate(d, m)
}

// PaidOutAt tells when the funds of a succeeded charge reach the merchant:
// when they become available (fundsAvailableAt), but at least the sandbox
// delay after the settlement, so that a Checkout.com payment is visibly
// Captured, then Paid. It reports false for a charge that has not succeeded.
func (op *Op) PaidOutAt(c *Charge) (time.Time, bool) {
	if c.Status != "succeeded" || c.SettledAt == 0 {
		return time.Time{}, false
	}
	settled := time.Unix(c.SettledAt, 0)
	at := op.e.fundsAvailableAt(settled)
	if visible := settled.Add(op.e.delay); at.Before(visible) {
		at = visible
	}
	return at, true
}

// RefundDeadline tells until when a succeeded charge can be refunded.
func RefundDeadline(c *Charge) time.Time { return refundDeadline(c) }
