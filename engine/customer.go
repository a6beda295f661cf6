package engine

import "errors"

// Customer is a payer known to the account.
type Customer struct {
	Meta
	Email           *string           `json:"email"`
	Name            *string           `json:"name"`
	Description     *string           `json:"description"`
	Phone           *string           `json:"phone"`
	Address         *Address          `json:"address"`
	Metadata        map[string]string `json:"metadata"`
	InvoiceSettings InvoiceSettings   `json:"invoice_settings"`
	InvoicePrefix   string            `json:"invoice_prefix"`
	DefaultSource   *string           `json:"default_source"`
	Deleted         bool              `json:"deleted,omitempty"`
	// Origin is "" for the default dialect's customers and a dialect's name
	// for the customers another dialect created (see CreateDialectCustomer).
	Origin string `json:"origin,omitempty"`
}

// InvoiceSettings are the customer's invoice defaults.
type InvoiceSettings struct {
	DefaultPaymentMethod *string           `json:"default_payment_method"`
	Footer               *string           `json:"footer"`
	CustomFields         []CustomField     `json:"custom_fields"`
	RenderingOptions     map[string]string `json:"rendering_options"`
}

// CustomField is a name/value pair printed on invoices.
type CustomField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func init() { register(&Customer{}) }

// ObjectType implements Object.
func (*Customer) ObjectType() string { return "customer" }

// Index implements Object: lists filter customers by email and test clock
// and hide deleted ones.
func (c *Customer) Index() Index {
	ix := Index{Kind: c.Origin, Status: "active", Clock: c.ClockID}
	if c.Deleted {
		ix.Status = "deleted"
	}
	if c.Origin != "" {
		// Stripe's lists ask for status "active": another dialect's
		// customers stay out of them.
		ix.Status = c.Origin + "_" + ix.Status
	}
	if c.Email != nil {
		ix.Lookup = *c.Email
	}
	return ix
}

// CustomerParams creates or updates a customer.
type CustomerParams struct {
	Email         Opt[string]
	Name          Opt[string]
	Description   Opt[string]
	Phone         Opt[string]
	Address       Opt[AddressUpdate]
	Metadata      MetadataUpdate
	TestClock     Opt[string]
	DefaultPM     Opt[string]
	Footer        Opt[string]
	CustomFields  Opt[[]CustomField]
	DefaultSource Opt[string]
	Source        Opt[string]
	// PaymentMethod is attached to a new customer (create only).
	PaymentMethod string
}

func (c *Customer) apply(p CustomerParams) {
	applyPtr(&c.Email, p.Email)
	applyPtr(&c.Name, p.Name)
	applyPtr(&c.Description, p.Description)
	applyPtr(&c.Phone, p.Phone)
	applyAddress(&c.Address, p.Address)
	c.Metadata = p.Metadata.apply(c.Metadata)
	applyPtr(&c.InvoiceSettings.DefaultPaymentMethod, p.DefaultPM)
	applyPtr(&c.InvoiceSettings.Footer, p.Footer)
	if p.CustomFields.Set {
		c.InvoiceSettings.CustomFields = p.CustomFields.V
		if p.CustomFields.Null {
			c.InvoiceSettings.CustomFields = nil
		}
	}
}

// CreateCustomer creates a customer, bound to a test clock when one is named.
func (op *Op) CreateCustomer(p CustomerParams) (*Customer, error) {
	c := &Customer{Metadata: map[string]string{}}
	if p.TestClock.Set && !p.TestClock.Null {
		tc, err := op.GetTestClock(p.TestClock.V)
		if err != nil {
			return nil, err
		}
		c.ClockID = tc.ID
	}
	c.ID = NewID("cus_")[:18]
	c.Created = op.Now(c.ClockID).Unix()
	c.InvoicePrefix = RandomString(8)
	c.apply(p)
	if err := op.insert(c); err != nil {
		return nil, err
	}
	if err := op.emit("customer.created", c, nil); err != nil {
		return nil, err
	}
	if p.Source.Set && !p.Source.Null {
		if _, err := op.attachSource(c, p.Source.V, true); err != nil {
			return nil, err
		}
	}
	if p.PaymentMethod != "" {
		pm, err := op.ResolvePaymentMethod(p.PaymentMethod, "payment_method", "")
		if err != nil {
			return nil, err
		}
		if err := op.attachPM(pm, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// DialectCustomerParams create a customer of a dialect other than the
// default one, under the id the dialect chose.
type DialectCustomerParams struct {
	ID    string
	Email Opt[string]
	Name  Opt[string]
}

// CreateDialectCustomer creates a customer of the op's scope (Within) with
// the id the dialect chose. Such customers stay out of the default
// dialect's reach and their creation is no event of the engine's own.
func (op *Op) CreateDialectCustomer(p DialectCustomerParams) (*Customer, error) {
	c := &Customer{Metadata: map[string]string{}, Origin: op.origin()}
	c.ID = p.ID
	if c.ID == "" || c.Origin == "" {
		return nil, errors.New("engine: a dialect's customer needs the op's scope and the id the dialect chose")
	}
	c.Created = op.Now("").Unix()
	c.InvoicePrefix = RandomString(8)
	c.apply(CustomerParams{Email: p.Email, Name: p.Name})
	if err := op.insert(c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCustomer returns the newest live customer of the op's scope with the
// e-mail address, or nil when there is none.
func (op *Op) FindCustomer(email string) (*Customer, error) {
	cs, err := ListWhere[Customer](op, CustomerFilter{Email: email, Live: true}, ListParams{Limit: 1})
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return cs[0], nil
}

// GetCustomer returns a customer; a deleted one is returned with Deleted set.
func (op *Op) GetCustomer(id string) (*Customer, error) {
	c, err := Get[Customer](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "id", "customer", id)
	}
	return c, nil
}

// LiveCustomer returns a customer that is not deleted; param names the parameter that gave the id.
// In a write the customer's row stays locked to the end of the transaction,
// which orders the write and a deletion of the customer (also a write
// through LiveCustomer) one after the other: a charge that comes while the
// deletion is under way waits for it and answers that the customer does not
// exist, and a deletion that comes while the charge is under way waits for
// it and then detaches the source the charge used (ADR 0023).
func (op *Op) LiveCustomer(id, param string) (*Customer, error) {
	c, err := GetForUpdate[Customer](op, id)
	if err != nil {
		return nil, NotFoundOr(err, param, "customer", id)
	}
	if c.Deleted {
		return nil, NotFound(param, "customer", id)
	}
	return c, nil
}

// UpdateCustomer changes a customer and emits customer.updated when anything changed.
func (op *Op) UpdateCustomer(id string, p CustomerParams) (*Customer, error) {
	c, err := op.LiveCustomer(id, "id")
	if err != nil {
		return nil, err
	}
	prev := clone(c)
	c.apply(p)
	if err := op.updateCustomerSources(c, p); err != nil {
		return nil, err
	}
	return c, op.saveChanged(c, prev, "customer.updated")
}

// saveChanged saves o and emits typ with prev when o differs from prev.
func (op *Op) saveChanged(o, prev Object, typ string) error {
	if err := op.save(o); err != nil {
		return err
	}
	if sameJSON(o, prev) {
		return nil
	}
	return op.emit(typ, o, prev)
}

// DeleteCustomer deletes a customer. The row stays, so that retrieving it
// answers a deleted stub, as Stripe does.
func (op *Op) DeleteCustomer(id string) (*Customer, error) {
	c, err := op.LiveCustomer(id, "id")
	if err != nil {
		return nil, err
	}
	if err := op.detachAll(c); err != nil {
		return nil, err
	}
	c.Deleted = true
	if err := op.save(c); err != nil {
		return nil, err
	}
	return c, op.emit("customer.deleted", c, nil)
}

// detachAll detaches what is attached to a customer being deleted, as
// Stripe does: each source is detached (consumed, customer.source.deleted),
// each payment method detached (payment_method.detached, its mandates end).
// The customer's default source goes with it, without a customer.updated.
func (op *Op) detachAll(c *Customer) error {
	c.DefaultSource = nil
	for {
		srcs, err := op.CustomerSources(c.ID, ListParams{Limit: 100})
		if err != nil {
			return err
		}
		if len(srcs) == 0 {
			break
		}
		for _, s := range srcs {
			if _, err := op.detachSource(c, s.ID); err != nil {
				return err
			}
		}
	}
	for {
		pms, err := List[PaymentMethod](op, ListParams{Customer: c.ID, Limit: 100})
		if err != nil {
			return err
		}
		if len(pms) == 0 {
			return nil
		}
		for _, pm := range pms {
			if _, err := op.DetachPaymentMethod(pm.ID); err != nil {
				return err
			}
		}
	}
}

// ListCustomers lists live customers; p may filter by Lookup (email) and ClockID.
func (op *Op) ListCustomers(p ListParams) ([]*Customer, error) {
	p.Status = "active"
	return List[Customer](op, p)
}
