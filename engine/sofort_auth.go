package engine

import "strings"

// SofortRequest is what the hosted Sofort authorisation page shows the payer.
type SofortRequest struct {
	ObjectID     string
	Amount       int64
	Currency     string
	Descriptor   string
	Country      string
	ReturnURL    string
	ClientSecret string
	Pending      bool
}

// SofortRequestFor returns the authorisation request of a Sofort payment intent
// or setup intent, checking its client secret. Anything else, or a wrong
// secret, answers not found.
func (op *Op) SofortRequestFor(id, secret string) (*SofortRequest, error) {
	var pmID string
	r := &SofortRequest{ObjectID: id, Currency: "eur", ClientSecret: secret}
	switch {
	case strings.HasPrefix(id, "pi_"):
		pi, err := Get[PaymentIntent](op, id)
		if err != nil || !pi.CheckClientSecret(secret) || pi.PaymentMethod == nil {
			return nil, NotFound("id", "payment", id)
		}
		r.Amount, r.ReturnURL, r.Pending, pmID = pi.Amount, deref(pi.ReturnURL), pi.Status == "requires_action", *pi.PaymentMethod
		r.Descriptor = deref(pi.StatementDescriptor)
	case strings.HasPrefix(id, "seti_"):
		si, err := Get[SetupIntent](op, id)
		if err != nil || !si.CheckClientSecret(secret) || si.PaymentMethod == nil {
			return nil, NotFound("id", "payment", id)
		}
		r.Amount, r.ReturnURL, r.Pending, pmID = sofortVerificationAmount, deref(si.ReturnURL), si.Status == "requires_action", *si.PaymentMethod
	default:
		return nil, NotFound("id", "payment", id)
	}
	pm, err := Get[PaymentMethod](op, pmID)
	if err != nil || pm.Sofort == nil {
		return nil, NotFound("id", "payment", id)
	}
	r.Country = pm.Sofort.Country
	if r.Descriptor == "" {
		if acct, err := op.Account(); err == nil {
			r.Descriptor = acct.Settings.StatementDescriptor
		}
	}
	return r, nil
}

// AnswerSofortRequest records the payer's answer for a payment intent or setup intent.
func (op *Op) AnswerSofortRequest(id string, approve bool) error {
	var err error
	switch {
	case strings.HasPrefix(id, "pi_"):
		_, err = op.AnswerSofortIntent(id, approve)
	case strings.HasPrefix(id, "seti_"):
		_, err = op.AnswerSofortSetup(id, approve)
	default:
		err = NotFound("id", "payment", id)
	}
	return err
}
