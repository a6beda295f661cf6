package ckoapi

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/sepa"
)

// This file is the one place where the engine's charge, its refunds, its
// dispute and its payout become a Checkout.com payment: its status, its
// actions and the data its events carry.
//
// Status of a payment (first matching row wins):
//
//	engine charge                          Checkout.com status
//	pending                                Pending
//	failed, canceled before collection     Canceled
//	failed otherwise                       Declined
//	succeeded, refunds succeeded in full   Refunded
//	succeeded, refunds succeeded in part   Partially Refunded
//	succeeded, paid out to the merchant    Paid
//	succeeded                              Captured
//
// A chargeback leaves the status as it is (Checkout.com has no chargeback
// status); it is announced by the payment_chargeback event.

// Checkout.com's payment statuses.
const (
	statusPending           = "Pending"
	statusCanceled          = "Canceled"
	statusDeclined          = "Declined"
	statusCaptured          = "Captured"
	statusPaid              = "Paid"
	statusPartiallyRefunded = "Partially Refunded"
	statusRefunded          = "Refunded"
)

// Checkout.com's action types.
const (
	actionAuthorization = "Authorization"
	actionCapture       = "Capture"
	actionVoid          = "Void"
	actionRefund        = "Refund"
	actionChargeback    = "Chargeback"
)

// Response codes of approved and declined actions.
const (
	codeApproved    = "10000"
	summaryApproved = "Approved"
)

// decline returns the response code and summary of a payment declined for
// the charge's failure reason (sepa's reason table); a charge failed before
// reasons were recorded is looked up by its failure code.
func decline(c *engine.Charge) (code, summary string) {
	r, ok := sepa.LookupReason(c.FailureReason)
	if !ok {
		r, ok = sepa.ReasonForStripeFailure(deref(c.FailureCode))
	}
	if !ok {
		r = sepa.ReasonOrUnspecified("")
	}
	return r.CkoResponse, r.CkoSummary
}

// action is one entry of a payment's history.
type action struct {
	ID              string            `json:"id"`
	Type            string            `json:"type"`
	ProcessedOn     string            `json:"processed_on"`
	Amount          int64             `json:"amount"`
	Approved        bool              `json:"approved"`
	ResponseCode    string            `json:"response_code"`
	ResponseSummary string            `json:"response_summary"`
	Reference       string            `json:"reference,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`

	at    int64 // unix seconds, to order the history
	order int   // tie-breaker: later steps of the same second sort newer
}

// payment is a Checkout.com payment as the engine's objects make it.
type payment struct {
	charge   *engine.Charge
	customer *engine.Customer
	status   string
	actions  []action // newest first
	refunded int64    // by succeeded refunds
	paidOut  bool
	paidAt   time.Time
	dispute  *engine.Dispute
	// chargebackAt is when the dispute is announced (see chargebackAt).
	chargebackAt time.Time
	refunds      map[string]*engine.Refund
}

// chargebackAt tells when a chargeback is announced: when the bank reports
// it, but never before the second after the payout, so that in every run and
// on every clock payment_chargeback comes after payment_paid, later in order
// and in time. (The bank may report the return before the merchant is paid:
// the sandbox's chargeback IBANs are returned within the payout delay.)
func chargebackAt(d *engine.Dispute, paidAt time.Time, paysOut bool) time.Time {
	at := time.Unix(d.Created, 0)
	if after := paidAt.Truncate(time.Second).Add(time.Second); paysOut && at.Before(after) {
		at = after
	}
	return at
}

// loadPayment reads c's refunds, dispute and customer and derives the payment.
func loadPayment(op *engine.Op, c *engine.Charge) (*payment, error) {
	p := &payment{charge: c, refunds: map[string]*engine.Refund{}}
	if c.Customer != "" {
		if cu, err := op.GetCustomer(c.Customer); err == nil {
			p.customer = cu
		}
	}
	if c.Dispute != "" {
		if d, err := op.GetDispute(c.Dispute); err == nil {
			p.dispute = d
		}
	}
	refunds, err := engine.ListWhere[engine.Refund](op, engine.RefundFilter{Charge: c.ID}, engine.ListParams{Limit: 1000})
	if err != nil {
		return nil, err
	}
	at, ok := op.PaidOutAt(c)
	now := op.Now(c.ClockID)
	p.paidAt = at
	p.paidOut = ok && !now.Before(at)

	auth := action{ID: actionID(c.ID, actionAuthorization), Type: actionAuthorization, Amount: c.Amount, Approved: true,
		ResponseCode: codeApproved, ResponseSummary: summaryApproved, Reference: c.Reference, at: c.Created, order: 0}
	p.actions = append(p.actions, auth)
	switch c.Status {
	case "succeeded":
		p.actions = append(p.actions, action{ID: actionID(c.ID, actionCapture), Type: actionCapture, Amount: c.Amount,
			Approved: true, ResponseCode: codeApproved, ResponseSummary: summaryApproved, Reference: c.Reference,
			at: c.SettledAt, order: 1})
	case "failed":
		if c.Canceled {
			p.actions = append(p.actions, action{ID: actionID(c.ID, actionVoid), Type: actionVoid, Amount: c.Amount,
				Approved: true, ResponseCode: codeApproved, ResponseSummary: summaryApproved, Reference: c.Reference,
				at: c.SettleAt, order: 1})
			break
		}
		code, summary := decline(c)
		p.actions = append(p.actions, action{ID: actionID(c.ID, actionCapture), Type: actionCapture, Amount: c.Amount,
			ResponseCode: code, ResponseSummary: summary, Reference: c.Reference, at: c.SettleAt, order: 1})
	}
	for i, r := range refunds {
		p.refunds[r.ID] = r
		a := action{ID: r.ID, Type: actionRefund, Amount: r.Amount, Approved: r.Status != "failed",
			ResponseCode: codeApproved, ResponseSummary: summaryApproved, Reference: r.Reference, Metadata: r.Metadata,
			at: r.Created, order: 2 + len(refunds) - i}
		if r.Status == "failed" {
			unspecified := sepa.ReasonOrUnspecified("")
			a.ResponseCode, a.ResponseSummary = unspecified.CkoResponse, unspecified.CkoSummary
		}
		if r.Status == "succeeded" {
			p.refunded += r.Amount
		}
		p.actions = append(p.actions, a)
	}
	if d := p.dispute; d != nil {
		p.chargebackAt = chargebackAt(d, at, ok)
		if !now.Before(p.chargebackAt) {
			p.actions = append(p.actions, action{ID: actionID(c.ID, actionChargeback), Type: actionChargeback, Amount: d.Amount,
				Approved: true, ResponseCode: codeApproved, ResponseSummary: summaryApproved, Reference: c.Reference,
				at: p.chargebackAt.Unix(), order: 3 + len(refunds)})
		}
	}
	slices.SortStableFunc(p.actions, func(x, y action) int {
		return cmp.Or(cmp.Compare(y.at, x.at), cmp.Compare(y.order, x.order))
	})
	for i := range p.actions {
		p.actions[i].ProcessedOn = timestamp(p.actions[i].at)
	}
	p.status = paymentStatus(c, p.refunded, p.paidOut)
	return p, nil
}

// paymentStatus is the table at the top of this file.
func paymentStatus(c *engine.Charge, refunded int64, paidOut bool) string {
	switch {
	case c.Status == "pending":
		return statusPending
	case c.Status == "failed" && c.Canceled:
		return statusCanceled
	case c.Status == "failed":
		return statusDeclined
	case refunded >= c.Amount:
		return statusRefunded
	case refunded > 0:
		return statusPartiallyRefunded
	case paidOut:
		return statusPaid
	}
	return statusCaptured
}

// actionID names an action derived from a payment's history: stable, and
// shaped like Checkout.com's act_ ids.
func actionID(paymentID, typ string) string {
	return derivedID("act_", paymentID+"/"+typ)
}

// action returns the payment's action with id, or the zero action.
func (p *payment) action(id string) action {
	for _, a := range p.actions {
		if a.ID == id {
			return a
		}
	}
	return action{}
}

// approved reports whether the payment went through (declined payments did not).
func (p *payment) approved() bool { return p.status != statusDeclined }

// refundable reports whether a refund may be asked for now.
func (p *payment) refundable(now time.Time) bool {
	c := p.charge
	return c.Status == "succeeded" && !c.Disputed && c.Refundable() > 0 && !now.After(refundWindow.Deadline(c))
}

// timestamp renders unix seconds as Checkout.com's RFC 3339 UTC times.
func timestamp(unix int64) string {
	return time.Unix(unix, 0).UTC().Format(time.RFC3339)
}

// sourceRef is the source as a payment shows it.
type sourceRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// eventData is the data of a payment event: the payment as it stood, and
// the action the event is about.
type eventData struct {
	ID              string            `json:"id"`
	ActionID        string            `json:"action_id,omitempty"`
	Amount          int64             `json:"amount"`
	Currency        string            `json:"currency"`
	Approved        bool              `json:"approved"`
	Status          string            `json:"status"`
	ResponseCode    string            `json:"response_code,omitempty"`
	ResponseSummary string            `json:"response_summary,omitempty"`
	Reference       string            `json:"reference,omitempty"`
	Source          sourceRef         `json:"source"`
	Customer        *customerJSON     `json:"customer,omitempty"`
	ProcessedOn     string            `json:"processed_on"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	// Reason is the chargeback's token (RFND, ACT, NSF, OTHR, FRM) and
	// ReasonCode its SEPA return reason (MD06, MD01, AM04, …).
	Reason     string `json:"reason,omitempty"`
	ReasonCode string `json:"reason_code,omitempty"`
}

// eventData returns the data of an event about the action with id (the
// payment itself for ""), processed at the action's time or, when set, at
// (the payout of a capture, the bank's answer to a refund).
func (p *payment) eventData(actionID string, at time.Time) eventData {
	c := p.charge
	d := eventData{ID: c.ID, Amount: c.Amount, Currency: strings.ToUpper(c.Currency), Approved: p.approved(),
		Status: p.status, Reference: c.Reference, Source: sourceRef{ID: c.Mandate, Type: "sepa"},
		ProcessedOn: timestamp(c.Created), Metadata: c.Metadata}
	if p.customer != nil {
		cu := renderCustomer(p.customer)
		d.Customer = &cu
	}
	if actionID != "" {
		a := p.action(actionID)
		d.ActionID, d.Amount, d.ResponseCode, d.ResponseSummary, d.ProcessedOn = a.ID, a.Amount, a.ResponseCode, a.ResponseSummary, a.ProcessedOn
		d.Approved = a.Approved
	}
	if !at.IsZero() {
		d.ProcessedOn = timestamp(at.Unix())
	}
	return d
}
