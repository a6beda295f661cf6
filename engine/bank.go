package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/bank/iso20022"
	"github.com/kontorpay/kontor/sepa"
)

// This file is the engine's side of the bank seam (docs/decisions): money
// leaves as instructions submitted to the account's bank network, and every
// answer, whichever network gives it, comes back through ApplyBankReport.

// timerBankReport applies reports a network answered for a later time.
const timerBankReport = "bank.report"

// bookedCollection is the report of a timer without a payload: its
// instruction (the timer's object) was collected.
var bookedCollection = bank.Report{Kind: bank.Collection, Status: bank.Booked}

// ErrUnmatched is returned by ApplyBankReport for a report about no
// instruction of the account.
var ErrUnmatched = errors.New("engine: the report matches no instruction")

// network returns the bank network of the op's account: the engine's
// (the simulator unless configured otherwise), or for an account with
// bank_connection=iso20022 the network that holds instructions for bank files.
func (op *Op) network() (bank.Network, error) {
	acct, err := op.Account()
	if err != nil {
		return nil, err
	}
	if acct.Settings.BankConnectionOrDefault() == BankISO20022 {
		return iso20022.Network{Sofort: op.e.bank}, nil
	}
	return op.e.bank, nil
}

// submit hands in to the account's network. The network's answers for
// later are scheduled on the instruction's clock in the same transaction.
func (op *Op) submit(clockID string, in bank.Instruction) error {
	n, err := op.network()
	if err != nil {
		return err
	}
	d := &desk{op: op, clockID: clockID}
	if err := n.Submit(d, in); err != nil {
		return err
	}
	for _, b := range d.batches {
		// The timer's object is the instruction: its reports leave its id
		// out, and the one common answer, a booked collection, is no
		// payload at all (applyBankReports reads them back).
		var payload any
		for i := range b.reports {
			if b.reports[i].Instruction == in.ID {
				b.reports[i].Instruction = ""
			}
		}
		if len(b.reports) != 1 || b.reports[0] != bookedCollection {
			payload = b.reports
		}
		if err := op.Schedule(b.at, clockID, timerBankReport, in.ID, payload); err != nil {
			return err
		}
	}
	return nil
}

// desk is the bank.Desk of one submission.
type desk struct {
	op      *Op
	clockID string
	batches []answers
}

// answers are the reports a network answered for one time.
type answers struct {
	at      time.Time
	reports []bank.Report
}

func (d *desk) Now() time.Time { return d.op.Now(d.clockID) }

func (d *desk) Hold(in bank.Instruction) error {
	now := d.op.Now(d.clockID)
	return d.op.insert(&HeldInstruction{Meta: Meta{ID: NewID("bki_"), Created: now.Unix(), ClockID: d.clockID},
		Instruction: in, Status: InstructionHeld})
}

func (d *desk) Answer(at time.Time, r bank.Report) error {
	if n := len(d.batches); n > 0 && d.batches[n-1].at.Equal(at) {
		d.batches[n-1].reports = append(d.batches[n-1].reports, r)
		return nil
	}
	d.batches = append(d.batches, answers{at: at, reports: []bank.Report{r}})
	return nil
}

// ApplyBankReport applies a network's report about one of the account's
// instructions: the one path from "instruction submitted" to "charge
// succeeded, failed or disputed" and "refund credited or failed". A report
// that no longer changes anything (the charge already moved on) is ignored.
// The simulator's answers arrive here through timers; a network that reads
// the bank's files calls it for every matched entry, and test helpers call
// it to force an answer.
func (op *Op) ApplyBankReport(r bank.Report) error {
	switch r.Kind {
	case bank.Collection:
		c, err := Get[Charge](op, r.Instruction)
		if isNotFound(err) {
			return ErrUnmatched
		}
		if err != nil {
			return err
		}
		return op.applyCollectionReport(c, r)
	case bank.CreditTransfer:
		rf, err := Get[Refund](op, r.Instruction)
		if isNotFound(err) {
			return ErrUnmatched
		}
		if err != nil {
			return err
		}
		return op.applyCreditTransferReport(rf, r)
	}
	return fmt.Errorf("engine: bank report of unknown kind %q", r.Kind)
}

// applyCollectionReport moves a charge: booked succeeds it; rejected or
// returned before settlement fails it (canceled for a cancellation);
// returned after settlement opens a dispute with the return's reason.
func (op *Op) applyCollectionReport(c *Charge, r bank.Report) error {
	switch r.Status {
	case bank.Accepted:
		return nil
	case bank.Booked:
		if c.Status != ChargePending {
			return nil
		}
		return op.succeed(c)
	case bank.Rejected, bank.Returned:
		switch {
		case c.Status == ChargePending:
			return op.fail(c, r.Reason, r.Reason == sepa.ReasonCanceled)
		case c.Status == ChargeSucceeded && r.Status == bank.Returned && !c.Disputed && movesMoneyBack(r.Reason):
			_, err := op.openDispute(c, r.Reason, "", false)
			return err
		}
		return nil
	}
	return fmt.Errorf("engine: bank report of unknown status %q", r.Status)
}

// movesMoneyBack reports whether a return after settlement with reason
// takes the money back (see sepa.Reason.ReturnsMoney); an unknown code
// counts as unspecified (MS03), which does.
func movesMoneyBack(reason string) bool { return sepa.ReasonOrUnspecified(reason).ReturnsMoney() }

// applyCreditTransferReport moves a refund: booked succeeds a pending one,
// rejected or returned fails it. A return after the booking (the payer's bank
// sends the money back, its account closed, say) fails a succeeded refund
// too: the money is the merchant's again.
func (op *Op) applyCreditTransferReport(rf *Refund, r bank.Report) error {
	switch r.Status {
	case bank.Accepted, bank.Booked, bank.Rejected, bank.Returned:
	default:
		return fmt.Errorf("engine: bank report of unknown status %q", r.Status)
	}
	switch {
	case rf.Status == RefundPending && r.Status == bank.Booked:
		return op.refundCredited(rf)
	case rf.Status == RefundPending && (r.Status == bank.Rejected || r.Status == bank.Returned),
		rf.Status == RefundSucceeded && r.Status == bank.Returned:
		return op.refundFailed(rf)
	}
	return nil
}

// HeldInstruction is an instruction a network keeps for later: until it
// goes out (in a bank file, say), then marked released with the batch that
// carried it.
type HeldInstruction struct {
	Meta
	Instruction bank.Instruction  `json:"instruction"`
	Status      InstructionStatus `json:"status"`
	// Batch names what released the instruction (a bank file's id).
	Batch string `json:"batch,omitempty"`
	// Block is the payment block of the bank file that carries it.
	Block string `json:"block,omitempty"`
}

func init() { register(&HeldInstruction{}) }

// ObjectType implements Object.
func (*HeldInstruction) ObjectType() string { return "bank_instruction" }

// Index implements Object: lists filter by status and batch; Lookup is the
// id of the charge or refund the instruction stands for.
func (h *HeldInstruction) Index() Index {
	return Index{Kind: string(h.Instruction.Kind), Parent: h.Batch, Status: string(h.Status), Lookup: h.Instruction.ID}
}

// HeldInstructions lists the held instructions due on or before upTo, oldest first.
func (op *Op) HeldInstructions(upTo time.Time) ([]*HeldInstruction, error) {
	var out []*HeldInstruction
	var after int64
	for {
		page, err := List[HeldInstruction](op, ListParams{Status: string(InstructionHeld), BeforeSeq: after, Ascending: true, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, h := range page {
			if !h.Instruction.Due.After(upTo) {
				out = append(out, h)
			}
			after = h.seq
		}
		if len(page) < 1000 {
			return out, nil
		}
	}
}

// ReleaseInstructions marks held instructions as gone out with batch. An
// instruction is released once: releasing it again is an error.
func (op *Op) ReleaseInstructions(ids []string, batch string) error {
	for _, id := range ids {
		if err := op.release(id, InstructionReleased, batch, ""); err != nil {
			return err
		}
	}
	return nil
}

// release marks the held instruction id as gone out (status released, in
// block of batch) or dropped; once only: another release is an error.
func (op *Op) release(id string, status InstructionStatus, batch, block string) error {
	h, err := GetForUpdate[HeldInstruction](op, id)
	if err != nil {
		return err
	}
	if h.Status != InstructionHeld {
		return fmt.Errorf("engine: instruction %s was %s with %s", h.ID, h.Status, h.Batch)
	}
	h.Status, h.Batch, h.Block = status, batch, block
	return op.save(h)
}

// Timers of an earlier version, which settled charges and refunds from an
// outcome stored with them: when one fires, its charge or refund is
// submitted to the network again, due now.
const (
	legacyTimerChargeSettle = "charge.settle"
	legacyTimerRefundSettle = "refund.settle"
)

// resubmitCharge submits the charge of a legacy settle timer again.
func resubmitCharge(op *Op, t *Timer) error {
	c, err := Get[Charge](op, t.ObjectID)
	if isNotFound(err) {
		return nil
	}
	if err != nil || c.Status != ChargePending {
		return err
	}
	in := bank.Instruction{ID: c.ID, Kind: bank.Collection, Scheme: c.Method.Type, IBAN: op.refundAccount(c),
		Name: deref(c.Billing.Name), Email: deref(c.Billing.Email), Amount: c.Amount, Currency: c.Currency, Due: op.Now(c.ClockID)}
	if c.PaymentMethod != "" {
		if pm, err := Get[PaymentMethod](op, c.PaymentMethod); err == nil {
			in.TestToken = pm.TestToken
		}
	}
	return op.submit(c.ClockID, in)
}

// resubmitRefund submits the refund of a legacy settle timer again.
func resubmitRefund(op *Op, t *Timer) error {
	r, err := Get[Refund](op, t.ObjectID)
	if isNotFound(err) {
		return nil
	}
	if err != nil || r.Status != RefundPending {
		return err
	}
	c, err := Get[Charge](op, r.Charge)
	if err != nil {
		return err
	}
	return op.submit(r.ClockID, op.refundTransfer(c, r, op.Now(r.ClockID)))
}

// applyBankReports applies the reports a network answered for the timer's time.
func applyBankReports(op *Op, t *Timer) error {
	rs := []bank.Report{bookedCollection}
	if len(t.Payload) > 0 {
		if err := json.Unmarshal(t.Payload, &rs); err != nil {
			return err
		}
	}
	for _, r := range rs {
		if r.Instruction == "" {
			r.Instruction = t.ObjectID
		}
		if err := op.ApplyBankReport(r); err != nil && !errors.Is(err, ErrUnmatched) {
			return err
		}
	}
	return nil
}

// ReturnCharge answers the collection of the charge id (of the op's scope)
// with a return for reason, an EPC reason code of sepa's table, as
// the bank's files would: before settlement it fails a pending charge; after
// settlement it books a pending charge first, then returns it (a dispute).
// Both go through ApplyBankReport, exactly as an imported camt.054 with that
// return does; the simulator's own answers for the charge are canceled.
func (op *Op) ReturnCharge(id, reason string, afterSettlement bool) (*Charge, error) {
	if _, ok := sepa.LookupReason(reason); !ok {
		return nil, Invalid("invalid_reason", "reason", "Unknown reason code %q: use an EPC reason code such as AC04, AM04 or MD06.", reason)
	}
	if afterSettlement && !movesMoneyBack(reason) {
		return nil, Invalid("invalid_reason", "reason", "%s answers a recall without returning the money; it is no return after settlement.", reason)
	}
	c, err := op.GetCharge(id)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Method.Type == "sepa_credit_transfer":
		return nil, Errorf(KindState, "charge_not_collected", "charge", "The charge %s was paid by credit transfer; only collections can be returned.", c.ID)
	case c.Status == ChargeFailed:
		return nil, Errorf(KindState, "charge_already_failed", "charge", "The charge %s has already failed; there is nothing left to return.", c.ID)
	case c.Status == ChargeSucceeded && !afterSettlement:
		return nil, Errorf(KindState, "charge_already_succeeded", "after_settlement",
			"The charge %s has already settled; a return now is after settlement (after_settlement=true).", c.ID)
	case c.Status == ChargeSucceeded && c.Disputed:
		return nil, Errorf(KindState, "charge_disputed", "charge", "The charge %s has already been returned or disputed.", c.ID)
	}
	if err := op.CancelTimers(c.ID, timerBankReport); err != nil {
		return nil, err
	}
	r := bank.Report{Instruction: c.ID, Kind: bank.Collection, Status: bank.Booked}
	if afterSettlement && c.Status == ChargePending {
		if err := op.ApplyBankReport(r); err != nil {
			return nil, err
		}
	}
	r.Status, r.Reason = bank.Returned, reason
	if err := op.ApplyBankReport(r); err != nil {
		return nil, err
	}
	return GetForUpdate[Charge](op, c.ID)
}
