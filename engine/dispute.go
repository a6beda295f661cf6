package engine

import (
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// Dispute is a SEPA Direct Debit chargeback: the debtor's bank takes the
// money back. SEPA disputes are final: there is no evidence and no appeal.
type Dispute struct {
	Meta
	Origin              string        `json:"origin,omitempty"`
	Charge              string        `json:"charge"`
	PaymentIntent       string        `json:"payment_intent,omitempty"`
	Amount              int64         `json:"amount"`
	Currency            string        `json:"currency"`
	Reason              string        `json:"reason"`
	Status              DisputeStatus `json:"status"`
	BalanceTransactions []string      `json:"balance_transactions"`
	// ReturnReason is the reason code of the return (see sepa.LookupReason).
	ReturnReason string            `json:"return_reason,omitempty"`
	Metadata     map[string]string `json:"metadata"`
}

func init() { register(&Dispute{}) }

// ObjectType implements Object.
func (*Dispute) ObjectType() string { return "dispute" }

// Index implements Object.
func (d *Dispute) Index() Index {
	return Index{Kind: d.Origin, Parent: d.Charge, Status: string(d.Status), Lookup: d.PaymentIntent}
}

// DisputeReasons are the reasons a dispute may give.
var DisputeReasons = []string{"bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
	"debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details", "insufficient_funds",
	"noncompliant", "product_not_received", "product_unacceptable", "subscription_canceled", "unrecognized"}

// OpenDispute opens a dispute on a succeeded SEPA Direct Debit charge (test
// helper). Within eight weeks of the debit any reason is honoured; until
// thirteen months only debit_not_authorized; later the dispute is rejected.
func (op *Op) OpenDispute(chargeID, reason string) (*Dispute, error) {
	c, err := op.GetCharge(chargeID)
	if err != nil {
		return nil, err
	}
	code := sepa.ReasonRefundAuthorised
	if reason == "debit_not_authorized" {
		code = sepa.ReasonRefundUnauthorised
	}
	return op.openDispute(c, code, reason, true)
}

// openDispute opens a dispute for a return with the reason code; reason is
// the dispute's reason, "" for the one the code implies. check enforces the
// refund windows of a debtor's claim.
func (op *Op) openDispute(c *Charge, code, reason string, check bool) (*Dispute, error) {
	if reason == "" {
		reason = sepa.ReasonOrUnspecified(code).StripeDispute
	}
	if check {
		if c.Method.Type != "sepa_debit" {
			return nil, Errorf(KindState, "dispute_not_possible", "charge", "Only SEPA Direct Debit payments can be disputed; %s payments are authenticated by the payer and have no disputes.", c.Method.Type)
		}
		if c.Status != ChargeSucceeded {
			return nil, Errorf(KindState, "dispute_not_possible", "charge", "The charge %s is %s; only succeeded charges can be disputed.", c.ID, c.Status)
		}
		if c.Disputed {
			return nil, Errorf(KindState, "charge_disputed", "charge", "The charge %s has already been disputed.", c.ID)
		}
		debit := time.Unix(c.SettledAt, 0)
		now := op.Now(c.ClockID)
		switch {
		case !now.After(sepa.RefundWindowEnd(debit, true)):
		case !now.After(sepa.RefundWindowEnd(debit, false)):
			if reason != "debit_not_authorized" {
				return nil, Errorf(KindState, "dispute_window_closed", "reason",
					"More than eight weeks after the debit, a SEPA Direct Debit can only be disputed as debit_not_authorized.")
			}
		default:
			return nil, Errorf(KindState, "dispute_window_closed", "charge",
				"More than thirteen months after the debit, a SEPA Direct Debit can no longer be disputed.")
		}
	}
	now := op.Now(c.ClockID)
	d := &Dispute{Meta: Meta{ID: NewID("dp_"), Created: now.Unix(), ClockID: c.ClockID}, Origin: c.Origin, Charge: c.ID,
		PaymentIntent: c.PaymentIntent, Amount: c.Amount, Currency: c.Currency, Reason: reason, Status: DisputeNeedsResponse,
		ReturnReason: code, Metadata: map[string]string{}}
	if err := op.insert(d); err != nil {
		return nil, err
	}
	prevCharge := clone(c)
	c.Disputed, c.Dispute = true, d.ID
	if err := op.save(c); err != nil {
		return nil, err
	}
	if err := op.emit("charge.dispute.created", d, nil); err != nil {
		return nil, err
	}
	if err := op.emit("charge.updated", c, prevCharge); err != nil {
		return nil, err
	}
	acct, err := op.Account()
	if err != nil {
		return nil, err
	}
	// One movement withdraws the payment and charges the fee, in the
	// settlement currency (the payment converted), as Stripe books it.
	settle := acct.Settings.SettlementCurrency
	fees := []FeeDetail{{Amount: DisputeFees[settle], Currency: settle, Description: "Dispute fee", Type: FeeProcessing}}
	prev := clone(d)
	bt, err := op.addBalanceTransaction(c.ClockID, "adjustment", "dispute", d.ID, c.Currency, -c.Amount, fees, "Chargeback withdrawal for "+c.ID)
	if err != nil {
		return nil, err
	}
	d.BalanceTransactions = append(d.BalanceTransactions, bt.ID)
	if err := op.save(d); err != nil {
		return nil, err
	}
	if err := op.emit("charge.dispute.funds_withdrawn", d, prev); err != nil {
		return nil, err
	}
	prev = clone(d)
	d.Status = DisputeLost
	if err := op.save(d); err != nil {
		return nil, err
	}
	return d, op.emit("charge.dispute.closed", d, prev)
}

// GetDispute returns a dispute of the op's scope.
func (op *Op) GetDispute(id string) (*Dispute, error) {
	d, err := Get[Dispute](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "dispute", "dispute", id)
	}
	return d, nil
}

// UpdateDispute changes a dispute's metadata; a closed SEPA dispute takes no evidence.
func (op *Op) UpdateDispute(id string, md MetadataUpdate) (*Dispute, error) {
	d, err := op.GetDispute(id)
	if err != nil {
		return nil, err
	}
	prev := clone(d)
	d.Metadata = md.apply(d.Metadata)
	return d, op.saveChanged(d, prev, "charge.dispute.updated")
}
