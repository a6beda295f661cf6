package engine

// ChargeUpdate changes the merchant's own fields of a charge; unset fields
// stay as they are.
type ChargeUpdate struct {
	Description  Opt[string]
	ReceiptEmail Opt[string]
	Metadata     MetadataUpdate
}

// UpdateCharge changes a Stripe charge's description, receipt e-mail and
// metadata, and emits charge.updated when anything changed. An unknown id (or
// a charge of another dialect) answers a KindNotFound error naming "charge".
func (op *Op) UpdateCharge(id string, u ChargeUpdate) (*Charge, error) {
	c, err := op.GetCharge(id)
	if err != nil {
		return nil, err
	}
	prev := clone(c)
	applyPtr(&c.Description, u.Description)
	applyPtr(&c.ReceiptEmail, u.ReceiptEmail)
	c.Metadata = u.Metadata.apply(c.Metadata)
	return c, op.saveChanged(c, prev, "charge.updated")
}
