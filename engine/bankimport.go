package engine

import (
	"errors"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/bank/iso20022"
	"github.com/kontorpay/kontor/sepa"
)

// This file applies an imported bank file: every status and movement that
// names an instruction of an outbound file becomes a bank.Report applied
// through ApplyBankReport, the path the simulator's answers take too.

// applyBankAnswers applies the statuses and movements of r and fills f's
// counts. own is the IBAN of the account's collection account.
//
//   - A pain.002 rejection (RJCT) of a transaction rejects the instruction
//     its EndToEndId names in the file its OrgnlMsgId names; one of a payment
//     block (OrgnlPmtInfId) or of the whole message rejects every instruction
//     of the block or file. Other statuses (ACCP, ACSC, PDNG, …) are ignored.
//   - A booked camt.054 or camt.053 movement on the collection account that
//     names an instruction books it (a collection credited, a credit
//     transfer debited) or, with a return reason, returns it (a collection
//     debited back, a credit transfer credited back); movements not booked are
//     ignored. A booked credit to the receiver IBAN of a sepa_credit_transfer
//     source adds a source transaction.
//   - Everything else is unmatched: counted, never guessed onto a payment.
//
// An entry whose amount differs from the instruction it names answers
// bank_file_invalid: the file is not about what was sent, and nothing of it
// is applied.
func (op *Op) applyBankAnswers(r *iso20022.Report, f *BankFile, own string) error {
	for i, st := range r.Statuses {
		f.NumberOfTransactions++
		f.ControlSum += st.Amount
		if !st.Rejected() {
			f.Summary.Ignored++
			continue
		}
		hs, err := op.rejectedInstructions(st)
		if err != nil {
			return err
		}
		if len(hs) == 0 {
			f.Summary.Unmatched++
			continue
		}
		if st.EndToEndID != "" && st.Amount != 0 && st.Amount != hs[0].Instruction.Amount {
			return amountMismatch("status", i, st.EndToEndID, st.Amount, hs[0].Instruction.Amount)
		}
		reason := st.Reason
		if reason == "" {
			reason = sepa.ReasonNotSpecified
		}
		applied := false
		for _, h := range hs {
			err := op.ApplyBankReport(bank.Report{Instruction: h.Instruction.ID, Kind: h.Instruction.Kind, Status: bank.Rejected, Reason: reason})
			switch {
			case err == nil:
				applied = true
			case !errors.Is(err, ErrUnmatched):
				return err
			}
		}
		if applied {
			f.Summary.Applied++
		} else {
			f.Summary.Unmatched++
		}
	}
	for i, m := range r.Movements {
		f.NumberOfTransactions++
		f.ControlSum += m.Amount
		if !m.Booked {
			f.Summary.Ignored++
			continue
		}
		ok, err := op.applyMovement(i, m, own)
		if err != nil {
			return err
		}
		if ok {
			f.Summary.Applied++
		} else {
			f.Summary.Unmatched++
		}
	}
	return nil
}

// rejectedInstructions returns the exported instructions a pain.002
// rejection is about: the transaction's, or every one of the payment block or
// of the original message.
func (op *Op) rejectedInstructions(st iso20022.Status) ([]*HeldInstruction, error) {
	if st.EndToEndID != "" {
		h, err := op.exportedInstruction(st.EndToEndID)
		if err != nil || h == nil {
			return nil, err
		}
		if st.OriginalMessageID != "" && fileMessageID(h.Batch) != st.OriginalMessageID {
			return nil, nil // the id is ours, but not in the message the report is about
		}
		return []*HeldInstruction{h}, nil
	}
	file, err := op.tx.GetBankFileByMessage(op.ctx, op.account, BankFileOutbound, st.OriginalMessageID)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*HeldInstruction
	var after int64
	for {
		page, err := List[HeldInstruction](op, ListParams{Parent: file.ID, BeforeSeq: after, Ascending: true, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, h := range page {
			if st.OriginalBlockID == "" || h.Block == st.OriginalBlockID {
				out = append(out, h)
			}
			after = h.seq
		}
		if len(page) < 1000 {
			return out, nil
		}
	}
}

// applyMovement applies one booked movement and reports whether it matched.
func (op *Op) applyMovement(i int, m iso20022.Movement, own string) (bool, error) {
	if m.Credit && !m.Returned() {
		if s, err := op.receiverSource(m, own); err != nil || s != nil {
			if err != nil {
				return false, err
			}
			return true, op.creditReceiver(i, s, m)
		}
	}
	if m.Account != own {
		return false, nil
	}
	h, err := op.exportedInstruction(m.EndToEndID)
	if err != nil || h == nil {
		return false, err
	}
	in := h.Instruction
	if m.Currency != "EUR" || m.Amount != in.Amount {
		return false, amountMismatch("movement", i, m.EndToEndID, m.Amount, in.Amount)
	}
	r := bank.Report{Instruction: in.ID, Kind: in.Kind, Status: bank.Booked}
	// Money in books a collection and returns a credit transfer; money out
	// books a credit transfer and returns a collection.
	wantCredit := in.Kind == bank.Collection
	if m.Returned() {
		r.Status, r.Reason, wantCredit = bank.Returned, m.ReturnReason, !wantCredit
	}
	if m.Credit != wantCredit {
		return false, nil
	}
	err = op.ApplyBankReport(r)
	if errors.Is(err, ErrUnmatched) {
		return false, nil
	}
	return err == nil, err
}

// receiverSource returns the sepa_credit_transfer source whose receiver IBAN
// a credit is made to (the transaction's creditor account, else the
// notified account when it is not the collection account), or nil.
func (op *Op) receiverSource(m iso20022.Movement, own string) (*Source, error) {
	iban := m.CreditorIBAN
	if iban == "" || iban == own {
		iban = m.Account
	}
	if iban == "" || iban == own {
		return nil, nil
	}
	ss, err := List[Source](op, ListParams{Kind: "sepa_credit_transfer", Lookup: iban, Limit: 2})
	if err != nil || len(ss) != 1 {
		return nil, err
	}
	return GetForUpdate[Source](op, ss[0].ID)
}

// creditReceiver adds the credit m to the receiver source s.
func (op *Op) creditReceiver(i int, s *Source, m iso20022.Movement) error {
	if m.Currency != "EUR" {
		return Invalid("bank_file_invalid", "", "Movement %d credits %s in %s; receiver accounts take euros only.", i+1, s.ID, m.Currency)
	}
	sender := m.Counterparty.IBAN
	if _, err := ParseIBAN(sender, "invalid_bank_account_iban", "sender_iban"); err != nil {
		return Invalid("bank_file_invalid", "", "Movement %d credits %s but names no valid debtor IBAN (%q).", i+1, s.ID, sender)
	}
	name := m.Counterparty.Name
	if name == "" {
		name = ownerName(s)
	}
	_, err := op.receiveCreditTransfer(s, m.Amount, m.Remittance, sender, name)
	return err
}

// amountMismatch is the error of an entry whose amount differs from its instruction's.
func amountMismatch(what string, i int, e2e string, got, want int64) error {
	return Invalid("bank_file_invalid", "", "The %s %d (EndToEndId %s) is for %s EUR, but the instruction it names is for %s EUR; nothing was applied.",
		what, i+1, e2e, sepa.FormatAmount(got), sepa.FormatAmount(want))
}
