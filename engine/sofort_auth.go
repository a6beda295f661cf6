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
	// Status is the intent's status: requires_action while the payer can
	// still decide, processing or succeeded once authorised,
	// requires_payment_method once refused.
	Status IntentStatus
	// PaymentPage names the payment page the intent belongs to, if any.
	PaymentPage string
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
		if err != nil {
			return nil, NotFoundOr(err, "id", "payment", id)
		}
		if !pi.CheckClientSecret(secret) {
			return nil, NotFound("id", "payment", id)
		}
		r.Amount, r.ReturnURL, r.Pending, pmID = pi.Amount, deref(pi.ReturnURL), pi.Status == IntentRequiresAction, attemptedPM(pi.PaymentMethod, pi.LastPaymentError)
		r.Descriptor, r.Status, r.PaymentPage = deref(pi.StatementDescriptor), pi.Status, pi.PaymentPage
	case strings.HasPrefix(id, "seti_"):
		si, err := Get[SetupIntent](op, id)
		if err != nil {
			return nil, NotFoundOr(err, "id", "payment", id)
		}
		if !si.CheckClientSecret(secret) {
			return nil, NotFound("id", "payment", id)
		}
		r.Amount, r.ReturnURL, r.Pending, pmID = sofortVerificationAmount, deref(si.ReturnURL), si.Status == IntentRequiresAction, attemptedPM(si.PaymentMethod, si.LastSetupError)
		r.Status, r.PaymentPage = si.Status, si.PaymentPage
	default:
		return nil, NotFound("id", "payment", id)
	}
	pm, err := Get[PaymentMethod](op, pmID)
	if err != nil {
		return nil, NotFoundOr(err, "id", "payment", id)
	}
	if pm.Sofort == nil {
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

// attemptedPM returns the payment method an intent uses or, after a failed
// attempt (which clears it), the one that failed, so that the page can still
// say what became of the payment.
func attemptedPM(pm *string, last *PaymentError) string {
	if pm != nil {
		return *pm
	}
	if last != nil {
		return last.PaymentMethodID
	}
	return ""
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
