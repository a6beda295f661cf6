package engine

import (
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/sepa"
)

// Refund returns money of a charge to the payer.
type Refund struct {
	Meta
	Origin                    string            `json:"origin,omitempty"`
	Charge                    string            `json:"charge"`
	PaymentIntent             string            `json:"payment_intent,omitempty"`
	Customer                  string            `json:"customer,omitempty"`
	Amount                    int64             `json:"amount"`
	Currency                  string            `json:"currency"`
	Status                    RefundStatus      `json:"status"`
	Reason                    *string           `json:"reason"`
	Metadata                  map[string]string `json:"metadata"`
	Reference                 string            `json:"reference,omitempty"`
	PendingReason             *string           `json:"pending_reason"`
	FailureReason             *string           `json:"failure_reason"`
	BalanceTransaction        *string           `json:"balance_transaction"`
	FailureBalanceTransaction *string           `json:"failure_balance_transaction"`
	AwaitingAttributes        bool              `json:"awaiting_attributes,omitempty"`
	SettleAt                  int64             `json:"settle_at,omitempty"`
}

func init() { register(&Refund{}) }

// ObjectType implements Object.
func (*Refund) ObjectType() string { return "refund" }

// Index implements Object.
func (r *Refund) Index() Index {
	return Index{Kind: r.Origin, Parent: r.Charge, Status: string(r.Status), Customer: r.Customer, Lookup: r.PaymentIntent}
}

// RefundParams create a refund.
type RefundParams struct {
	// ID is the refund's id when the dialect chooses it; "" means IDPrefix
	// followed by random characters.
	ID        string
	IDPrefix  string
	Charge    string
	Amount    *int64
	Reason    Opt[string]
	Metadata  MetadataUpdate
	Reference string
	// Window is the dialect's refund window.
	Window RefundWindow
}

// RefundWindow is a dialect's rule for how long, and from which state, a
// payment can be refunded. The zero RefundWindow allows refunds for
// RefundDays days after the payment's creation, of a pending payment too
// (the refund waits for it).
type RefundWindow struct {
	// AfterSettlement counts the window from the settlement instead, as the
	// SEPA rulebook's refund right does (eight weeks, sepa.RefundWindowEnd),
	// and refuses payments that have not settled.
	AfterSettlement bool
}

// RefundDays is the zero RefundWindow's length in days.
const RefundDays = 180

// Deadline tells until when the charge can be refunded under w.
func (w RefundWindow) Deadline(c *Charge) time.Time {
	if w.AfterSettlement {
		return sepa.RefundWindowEnd(time.Unix(c.SettledAt, 0), true)
	}
	return time.Unix(c.Created, 0).AddDate(0, 0, RefundDays)
}

// CreateRefund refunds all or part of a charge. A refund of a pending charge
// waits for it; the charge failing cancels the refund.
func (op *Op) CreateRefund(p RefundParams) (*Refund, error) {
	c, err := op.GetCharge(p.Charge)
	if err != nil {
		return nil, err
	}
	if c.Status == ChargeFailed {
		return nil, Errorf(KindState, "charge_not_refundable", "charge", "The charge %s failed, so there is nothing to refund.", c.ID)
	}
	if p.Window.AfterSettlement && c.Status != ChargeSucceeded {
		return nil, Errorf(KindState, "refund_not_allowed", "charge", "The charge %s has not settled; only settled payments can be refunded.", c.ID)
	}
	if c.Disputed {
		return nil, Errorf(KindState, "charge_disputed", "charge", "The charge %s has been disputed; a disputed SEPA Direct Debit cannot be refunded as well.", c.ID)
	}
	now := op.Now(c.ClockID)
	if deadline := p.Window.Deadline(c); now.After(deadline) {
		return nil, Errorf(KindState, "charge_expired_for_refund", "charge", "The charge %s can no longer be refunded: the refund window ended on %s.",
			c.ID, deadline.UTC().Format("2006-01-02"))
	}
	amount := c.Refundable()
	if p.Amount != nil {
		amount = *p.Amount
		if amount <= 0 {
			return nil, Invalid("invalid_refund_amount", "amount", "The refund amount must be a positive integer.")
		}
	}
	if amount > c.Refundable() || amount == 0 {
		return nil, Errorf(KindState, "amount_too_large", "amount", "Refund amount (%d) is greater than the unrefunded amount of the charge (%d).", amount, c.Refundable())
	}
	prefix := p.IDPrefix
	if prefix == "" {
		prefix = "re_"
	}
	id := p.ID
	if id == "" {
		id = NewID(prefix)
	}
	r := &Refund{Meta: Meta{ID: id, Created: now.Unix(), ClockID: c.ClockID}, Origin: c.Origin, Charge: c.ID,
		PaymentIntent: c.PaymentIntent, Customer: c.Customer, Amount: amount, Currency: c.Currency, Status: RefundPending,
		Metadata: p.Metadata.apply(nil), Reference: p.Reference}
	applyPtr(&r.Reason, p.Reason)
	prevCharge := clone(c)
	c.AmountRefunded += amount
	if err := op.save(c); err != nil {
		return nil, err
	}
	if c.Status == ChargePending {
		reason := "charge_pending"
		r.PendingReason = &reason
		if err := op.insert(r); err != nil {
			return nil, err
		}
	} else if err := op.startRefund(c, r, true); err != nil {
		return nil, err
	}
	if err := op.emit("refund.created", r, nil); err != nil {
		return nil, err
	}
	return r, op.emit("charge.refunded", c, prevCharge)
}

// startRefund books the refund's withdrawal and schedules its completion; for
// credit transfer sources without refund attributes it waits for them.
func (op *Op) startRefund(c *Charge, r *Refund, insert bool) error {
	bt, err := op.addBalanceTransaction(c.ClockID, "payment_refund", "refund", r.ID, r.Currency, -r.Amount, nil, "REFUND FOR CHARGE")
	if err != nil {
		return err
	}
	r.BalanceTransaction, r.PendingReason = &bt.ID, nil
	wait := false
	if c.Method.Type == "sepa_credit_transfer" {
		s, err := op.GetSource(c.Source, "source")
		if err != nil {
			return err
		}
		if ct := s.CreditTransfer; ct.RefundTo == nil && (ct.RefundMethod == "manual" || ct.RefundMethod == "email") {
			// Without the payer's account the refund waits: the merchant is
			// asked for it (manual), or the payer is, by e-mail (email:
			// refund_attributes_status requested, no merchant event).
			wait = true
			r.AwaitingAttributes = true
			prev := clone(s)
			ct.RefundAsked = true
			if err := op.save(s); err != nil {
				return err
			}
			if ct.RefundMethod == "manual" {
				if err := op.emit("source.refund_attributes_required", s, prev); err != nil {
					return err
				}
			}
		}
	}
	if insert {
		if err := op.insert(r); err != nil {
			return err
		}
	} else if err := op.save(r); err != nil {
		return err
	}
	if wait {
		return nil
	}
	return op.scheduleRefundSettle(c, r)
}

func (op *Op) scheduleRefundSettle(c *Charge, r *Refund) error {
	now := op.Now(r.ClockID)
	at := now.Add(op.e.delay)
	if op.e.timing == TimingRealistic {
		at = sepa.AddTargetDays(now, 4)
	}
	r.SettleAt = at.Unix()
	if err := op.save(r); err != nil {
		return err
	}
	return op.submit(r.ClockID, op.refundTransfer(c, r, at))
}

// refundTransfer is the credit transfer that pays refund r of c back, due at.
func (op *Op) refundTransfer(c *Charge, r *Refund, at time.Time) bank.Instruction {
	iban, bic, holder := op.refundParty(c)
	in := bank.Instruction{ID: r.ID, Kind: bank.CreditTransfer, Scheme: "sepa_credit_transfer",
		IBAN: iban, BIC: bic, Name: deref(c.Billing.Name), Amount: r.Amount, Currency: r.Currency, Due: at,
		Remittance: "Refund of " + c.ID}
	if in.Name == "" {
		in.Name = holder
	}
	return in
}

// carryOutPendingRefunds starts the refunds made while c was pending.
func (op *Op) carryOutPendingRefunds(c *Charge) error {
	if c.AmountRefunded == 0 {
		return nil // a pending refund counts in AmountRefunded from its creation
	}
	rs, err := ListWhere[Refund](op, RefundFilter{Charge: c.ID, Status: RefundPending}, ListParams{Limit: 1000})
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.BalanceTransaction != nil {
			continue
		}
		prev := clone(r)
		if err := op.startRefund(c, r, false); err != nil {
			return err
		}
		if err := op.emitRefundUpdated(r, prev); err != nil {
			return err
		}
	}
	return nil
}

// cancelPendingRefunds cancels the refunds of a charge that failed.
func (op *Op) cancelPendingRefunds(c *Charge) error {
	rs, err := ListWhere[Refund](op, RefundFilter{Charge: c.ID, Status: RefundPending}, ListParams{Limit: 1000})
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return nil
	}
	for _, r := range rs {
		prev := clone(r)
		r.Status, r.PendingReason = RefundCanceled, nil
		c.AmountRefunded -= r.Amount
		if err := op.save(r); err != nil {
			return err
		}
		if err := op.emitRefundUpdated(r, prev); err != nil {
			return err
		}
	}
	return op.save(c)
}

func (op *Op) emitRefundUpdated(r, prev *Refund) error {
	if err := op.emit("refund.updated", r, prev); err != nil {
		return err
	}
	return op.emit("charge.refund.updated", r, prev)
}

// retryRefundsAwaitingAttributes schedules the refunds that waited for a
// credit transfer source's refund attributes.
func (op *Op) retryRefundsAwaitingAttributes(s *Source) error {
	cs, err := ListWhere[Charge](op, ChargeFilter{Source: s.ID}, ListParams{Limit: 1000})
	if err != nil {
		return err
	}
	for _, c := range cs {
		rs, err := ListWhere[Refund](op, RefundFilter{Charge: c.ID, Status: RefundPending}, ListParams{Limit: 1000})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.AwaitingAttributes {
				r.AwaitingAttributes = false
				if err := op.scheduleRefundSettle(c, r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// refundAccount returns the IBAN a refund of c is credited to.
func (op *Op) refundAccount(c *Charge) string {
	iban, _, _ := op.refundParty(c)
	return iban
}

// refundParty returns the account a refund of c is credited to: its IBAN
// ("" when unknown), BIC and holder name.
func (op *Op) refundParty(c *Charge) (iban, bic, holder string) {
	var acct *BankAccount
	switch {
	case c.Mandate != "":
		if m, err := Get[Mandate](op, c.Mandate); err == nil {
			acct, holder = &m.Account, m.HolderName
		}
	case c.Source != "":
		s, err := Get[Source](op, c.Source)
		if err != nil {
			break
		}
		if s.Sofort != nil {
			acct = s.Sofort.Payer
			holder = deref(s.Sofort.VerifiedName)
		}
		if s.CreditTransfer != nil && s.CreditTransfer.RefundTo != nil {
			acct, holder = &s.CreditTransfer.RefundTo.Account, s.CreditTransfer.RefundTo.HolderName
		}
	}
	if acct == nil {
		return "", "", holder
	}
	v, err := op.IBAN(*acct)
	if err != nil {
		return "", "", holder
	}
	return string(v), acct.BIC, holder
}

// refundFailed books a refund the bank could not credit.
func (op *Op) refundFailed(r *Refund) error {
	c, err := Get[Charge](op, r.Charge)
	if err != nil {
		return err
	}
	prev := clone(r)
	reason := "declined"
	r.Status, r.FailureReason = RefundFailed, &reason
	bt, err := op.addBalanceTransaction(r.ClockID, "payment_failure_refund", "refund_failure", r.ID, r.Currency, r.Amount, nil, "REFUND FAILURE")
	if err != nil {
		return err
	}
	r.FailureBalanceTransaction = &bt.ID
	c.AmountRefunded -= r.Amount
	if err := op.save(c); err != nil {
		return err
	}
	if prev.Status == RefundSucceeded {
		if err := op.addReturned(c, -r.Amount); err != nil {
			return err
		}
	}
	if err := op.save(r); err != nil {
		return err
	}
	if err := op.emit("refund.failed", r, prev); err != nil {
		return err
	}
	return op.emitRefundUpdated(r, prev)
}

// refundCredited books a refund the bank credited.
func (op *Op) refundCredited(r *Refund) error {
	c, err := Get[Charge](op, r.Charge)
	if err != nil {
		return err
	}
	prev := clone(r)
	r.Status = RefundSucceeded
	if err := op.save(r); err != nil {
		return err
	}
	if err := op.addReturned(c, r.Amount); err != nil {
		return err
	}
	return op.emitRefundUpdated(r, prev)
}

// addReturned counts amount as returned to the sender on the credit
// transfer source that paid c (nothing for other charges).
func (op *Op) addReturned(c *Charge, amount int64) error {
	if c.Method.Type != "sepa_credit_transfer" || c.Source == "" {
		return nil
	}
	s, err := op.GetSource(c.Source, "source")
	if err != nil {
		return err
	}
	s.CreditTransfer.AmountReturned += amount
	return op.save(s)
}

// GetRefund returns a refund of the op's scope.
func (op *Op) GetRefund(id string) (*Refund, error) {
	r, err := Get[Refund](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "refund", "refund", id)
	}
	return r, nil
}

// UpdateRefund changes a refund's metadata.
func (op *Op) UpdateRefund(id string, md MetadataUpdate) (*Refund, error) {
	r, err := op.GetRefund(id)
	if err != nil {
		return nil, err
	}
	prev := clone(r)
	r.Metadata = md.apply(r.Metadata)
	return r, op.saveChanged(r, prev, "refund.updated")
}
