package engine

import "context"

// Hosted pages (the Sofort authorisation page, the mandate page) have no API
// key. The URL names the account and the object, and the page proves that it
// may see the object with the object's client secret. An unknown account, an
// unknown id and a wrong secret all answer the same KindNotFound error, so a
// page reveals nothing to someone who guesses.

// HostedSource returns a source of account and the account's settings for a
// hosted page, after checking the source's client secret.
func (e *Engine) HostedSource(ctx context.Context, account, id, secret string) (*Source, *Account, error) {
	var (
		s    *Source
		acct *Account
	)
	err := e.View(ctx, account, func(op *Op) error {
		var err error
		if s, err = op.hostedSource(id, secret); err != nil {
			return err
		}
		acct, err = op.Account()
		return err
	})
	return s, acct, err
}

func (op *Op) hostedSource(id, secret string) (*Source, error) {
	s, err := GetForUpdate[Source](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "source", "source", id)
	}
	if !s.CheckClientSecret(secret) {
		return nil, NotFound("source", "source", id)
	}
	return s, nil
}

// HostedAuthorizeSofort records the payer's decision on the Sofort
// authorisation page: approve makes the pending source chargeable, otherwise
// it fails (redirect.failure_reason user_abort). A source that is no longer
// pending is returned unchanged, so a second submission changes nothing.
func (e *Engine) HostedAuthorizeSofort(ctx context.Context, account, id, secret string, approve bool) (*Source, error) {
	var s *Source
	err := e.Update(ctx, account, RequestInfo{}, func(op *Op) error {
		if _, err := op.hostedSource(id, secret); err != nil {
			return err
		}
		var err error
		s, err = op.AuthorizeSofort(id, approve)
		return err
	})
	return s, err
}

// HostedSourceMandate returns the mandate behind a SEPA Direct Debit source of
// account, with the source, for the mandate page. A source of another type
// answers KindNotFound like an unknown one.
func (e *Engine) HostedSourceMandate(ctx context.Context, account, id, secret string) (*Mandate, *Source, error) {
	var (
		m *Mandate
		s *Source
	)
	err := e.View(ctx, account, func(op *Op) error {
		var err error
		if s, err = op.hostedSource(id, secret); err != nil {
			return err
		}
		if s.SepaDebit == nil {
			return NotFound("source", "source", id)
		}
		m, err = Get[Mandate](op, s.SepaDebit.Mandate)
		return err
	})
	return m, s, err
}

// HostedMandate returns the Mandate of a PaymentMethod of account, for the
// mandate page, after checking the mandate's client secret. The mandates of
// sources and of another dialect answer KindNotFound like unknown ones.
func (e *Engine) HostedMandate(ctx context.Context, account, id, secret string) (*Mandate, error) {
	var m *Mandate
	err := e.View(ctx, account, func(op *Op) error {
		var err error
		m, err = Get[Mandate](op.Within(""), id)
		if err != nil {
			return NotFoundOr(err, "mandate", "mandate", id)
		}
		if m.PaymentMethod == "" || secret == "" || m.ClientSecret != secret {
			return NotFound("mandate", "mandate", id)
		}
		return nil
	})
	return m, err
}
