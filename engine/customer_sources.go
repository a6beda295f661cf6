package engine

// AttachSource attaches a source to a customer. The first source of a
// customer without a default becomes its default_source.
func (op *Op) AttachSource(customerID, sourceID string) (*Source, error) {
	c, err := op.LiveCustomer(customerID, "customer")
	if err != nil {
		return nil, err
	}
	return op.attachSource(c, sourceID, false)
}

func (op *Op) attachSource(c *Customer, sourceID string, makeDefault bool) (*Source, error) {
	s, err := op.GetSource(sourceID, "source")
	if err != nil {
		return nil, err
	}
	if s.Customer == c.ID {
		return s, nil
	}
	if s.Customer != "" {
		return nil, Errorf(KindState, "source_already_attached", "source", "The source %s is already attached to another customer.", s.ID)
	}
	if s.Status != SourceChargeable && s.Status != SourcePending {
		return nil, Errorf(KindState, "invalid_source_usage", "source", "The source %s is %s; only pending or chargeable sources can be attached to a customer.", s.ID, s.Status)
	}
	s.Customer = c.ID
	if err := op.save(s); err != nil {
		return nil, err
	}
	if err := op.emit("customer.source.created", s, nil); err != nil {
		return nil, err
	}
	if makeDefault || c.DefaultSource == nil {
		prev := clone(c)
		c.DefaultSource = &s.ID
		if err := op.saveChanged(c, prev, "customer.updated"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// DetachSource detaches a source from its customer; the source is consumed
// and cannot be used again.
func (op *Op) DetachSource(customerID, sourceID string) (*Source, error) {
	c, err := op.LiveCustomer(customerID, "customer")
	if err != nil {
		return nil, err
	}
	return op.detachSource(c, sourceID)
}

func (op *Op) detachSource(c *Customer, sourceID string) (*Source, error) {
	s, err := op.GetSource(sourceID, "id")
	if err != nil {
		return nil, err
	}
	if s.Customer != c.ID {
		return nil, NotFound("id", "source", sourceID)
	}
	if err := op.consumeSource(s); err != nil {
		return nil, err
	}
	s.Customer = ""
	if err := op.save(s); err != nil {
		return nil, err
	}
	if err := op.emit("customer.source.deleted", s, nil); err != nil {
		return nil, err
	}
	if c.DefaultSource != nil && *c.DefaultSource == s.ID {
		prev := clone(c)
		c.DefaultSource = nil
		if rest, err := op.CustomerSources(c.ID, ListParams{Limit: 1}); err == nil && len(rest) > 0 {
			c.DefaultSource = &rest[0].ID
		}
		if err := op.saveChanged(c, prev, "customer.updated"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// CustomerSources lists the sources attached to a customer.
func (op *Op) CustomerSources(customerID string, p ListParams) ([]*Source, error) {
	p.Customer = customerID
	return List[Source](op, p)
}

// GetCustomerSource returns a source attached to the customer.
func (op *Op) GetCustomerSource(customerID, sourceID string) (*Source, error) {
	s, err := Get[Source](op, sourceID)
	if err != nil {
		return nil, NotFoundOr(err, "id", "source", sourceID)
	}
	if s.Customer != customerID {
		return nil, NotFound("id", "source", sourceID)
	}
	return s, nil
}

// updateCustomerSources carries out the source and default_source
// parameters of a customer update.
func (op *Op) updateCustomerSources(c *Customer, p CustomerParams) error {
	if p.Source.Set && !p.Source.Null {
		// A new source replaces the default: the old default is detached.
		if old := c.DefaultSource; old != nil && *old != p.Source.V {
			if _, err := op.detachSource(c, *old); err != nil {
				return err
			}
		}
		if _, err := op.attachSource(c, p.Source.V, true); err != nil {
			return err
		}
	}
	if p.DefaultSource.Set {
		if p.DefaultSource.Null {
			c.DefaultSource = nil
			return nil
		}
		s, err := Get[Source](op, p.DefaultSource.V)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err != nil || s.Customer != c.ID {
			return Invalid("resource_missing", "default_source", "The customer %s has no source with id %s.", c.ID, p.DefaultSource.V)
		}
		c.DefaultSource = &s.ID
	}
	return nil
}
