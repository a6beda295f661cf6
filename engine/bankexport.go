package engine

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/bank/iso20022"
	"github.com/kontorpay/kontor/sepa"
	"github.com/kontorpay/kontor/store"
)

// This file writes the outbound bank files of an account with
// bank_connection=iso20022: the instructions its network held (see
// iso20022.Network) leave in pain.008 and pain.001 files, each instruction in
// exactly one file, ever.

// ExportParams choose what an export writes.
type ExportParams struct {
	// UpTo, when set, limits the export to instructions due (requested
	// collection or execution date) on or before it; otherwise every held
	// instruction goes out, whatever its date.
	UpTo *time.Time
	// Format is the schema generation: "2019" (the default) or "2009".
	Format string
}

// allDialects lifts op's dialect scope (Within) until the returned function
// restores it: an account's bank files carry the collections and refunds of
// every dialect.
func (op *Op) allDialects() (restore func()) {
	scope := op.scope
	op.scope = nil
	return func() { op.scope = scope }
}

// endToEndID is the EndToEndId of the instruction for the object id: the id
// with its underscores as hyphens, which the SEPA character set allows.
// Kontor's ids have no hyphens, so the answer's id maps back (objectID).
func endToEndID(id string) string { return strings.ReplaceAll(id, "_", "-") }

// objectID is the object an EndToEndId of an exported file stands for.
func objectID(e2e string) string { return strings.ReplaceAll(e2e, "-", "_") }

// fileMessageID is the MsgId of the outbound file id.
func fileMessageID(fileID string) string { return endToEndID(fileID) }

// released instructions of an export that no longer wait for anything are
// dropped instead: their charge or refund moved on (or is gone) before the
// file was written.
const droppedStatus = "dropped"

// ExportBankFiles writes the account's held instructions into new outbound
// bank files: one pain.008 for the collections and one pain.001 for the
// credit transfers, each only when it has something to carry. Nothing held
// (or nothing due by p.UpTo) answers an empty list. A missing or invalid
// setting answers a KindInvalid error naming it.
func (op *Op) ExportBankFiles(p ExportParams) ([]*BankFile, error) {
	defer op.allDialects()()
	s, err := op.bankFileSettings()
	if err != nil {
		return nil, err
	}
	gen := iso20022.Generation(p.Format)
	switch gen {
	case "":
		gen = iso20022.Gen2019
	case iso20022.Gen2019, iso20022.Gen2009:
	default:
		return nil, Invalid("parameter_invalid_enum", "format", "Invalid format: must be one of 2019 or 2009")
	}
	iban, err := op.IBAN(s.BankAccount.BankAccount)
	if err != nil {
		return nil, err
	}
	own := iso20022.Account{Name: s.BankAccount.Name, IBAN: string(iban), BIC: s.BankAccount.BIC}
	upTo := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	if p.UpTo != nil {
		upTo = *p.UpTo
	}
	held, err := op.HeldInstructions(upTo)
	if err != nil {
		return nil, err
	}
	var debits, transfers []*HeldInstruction
	for _, h := range held {
		waiting, err := op.stillWaiting(h)
		if err != nil {
			return nil, err
		}
		switch {
		case !waiting:
			if err := op.release(h.ID, droppedStatus, "", ""); err != nil {
				return nil, err
			}
		case h.Instruction.Kind == bank.Collection:
			debits = append(debits, h)
		case h.Instruction.IBAN == "":
			// A credit transfer to no known account cannot leave: it fails
			// as an unknown account would.
			if err := op.release(h.ID, droppedStatus, "", ""); err != nil {
				return nil, err
			}
			if err := op.ApplyBankReport(bank.Report{Instruction: h.Instruction.ID, Kind: bank.CreditTransfer,
				Status: bank.Rejected, Reason: "AC01"}); err != nil {
				return nil, err
			}
		default:
			transfers = append(transfers, h)
		}
	}
	now := op.Now("")
	out := []*BankFile{}
	if len(debits) > 0 {
		id := NewID("bkf_")
		d := iso20022.DirectDebitInitiation{MessageID: fileMessageID(id), Created: now, Creditor: own, CreditorID: s.CreditorID}
		for _, h := range debits {
			in := h.Instruction
			remittance := in.Remittance
			if remittance == "" {
				remittance = s.StatementDescriptor
			}
			d.Collections = append(d.Collections, iso20022.Collection{EndToEndID: endToEndID(in.ID), Amount: in.Amount,
				Sequence: in.Sequence, Due: in.Due, MandateID: in.Mandate, MandateSigned: in.MandateSigned,
				Debtor: iso20022.Account{Name: in.Name, IBAN: in.IBAN, BIC: in.BIC}, Remittance: remittance})
		}
		bf, err := op.recordExport(id, now, gen, d.XML, debits)
		if err != nil {
			return nil, err
		}
		out = append(out, bf)
	}
	if len(transfers) > 0 {
		id := NewID("bkf_")
		c := iso20022.CreditTransferInitiation{MessageID: fileMessageID(id), Created: now, Debtor: own}
		for _, h := range transfers {
			in := h.Instruction
			c.Transfers = append(c.Transfers, iso20022.Transfer{EndToEndID: endToEndID(in.ID), Amount: in.Amount,
				Creditor: iso20022.Account{Name: in.Name, IBAN: in.IBAN, BIC: in.BIC}, Execution: in.Due, Remittance: in.Remittance})
		}
		bf, err := op.recordExport(id, now, gen, c.XML, transfers)
		if err != nil {
			return nil, err
		}
		out = append(out, bf)
	}
	return out, nil
}

// exportProblem words a file the writer refused: an instruction breaks a
// rule of the scheme (a name with nothing left after transliteration, say).
func exportProblem(err error) error {
	if errors.Is(err, iso20022.ErrInvalid) {
		return Invalid("bank_file_invalid", "", "The bank file cannot be written: %s.",
			strings.TrimPrefix(err.Error(), iso20022.ErrInvalid.Error()+": "))
	}
	return err
}

// recordExport writes the file of generation gen with write, stores it as
// the outbound bank file id and releases its instructions hs with it, each
// with its payment block.
func (op *Op) recordExport(id string, now time.Time, gen iso20022.Generation, write func(iso20022.Generation) (iso20022.File, error),
	hs []*HeldInstruction) (*BankFile, error) {
	f, err := write(gen)
	if err != nil {
		return nil, exportProblem(err)
	}
	blockByID := map[string]string{}
	for _, b := range f.Blocks {
		for _, e2e := range b.EndToEndIDs {
			blockByID[e2e] = b.ID
		}
	}
	for _, h := range hs {
		e2e := endToEndID(h.Instruction.ID)
		if err := op.release(h.ID, InstructionReleased, id, blockByID[e2e]); err != nil {
			return nil, err
		}
	}
	bf := &BankFile{ID: id, Direction: BankFileOutbound, Type: f.Type, MessageID: f.MessageID, Created: now.Unix(),
		NumberOfTransactions: f.NumberOfTransactions, ControlSum: f.ControlSum,
		RequestedDate: f.RequestedDate.Format("2006-01-02"), Status: BankFileExported}
	data, _ := json.Marshal(bf)
	row := store.BankFile{Account: op.account, ID: bf.ID, Direction: bf.Direction, Type: bf.Type, MessageID: bf.MessageID,
		Created: bf.Created, Data: data, Content: f.Content}
	if err := op.tx.InsertBankFile(op.ctx, &row); err != nil {
		return nil, err
	}
	return bf, nil
}

// stillWaiting reports whether the charge or refund of a held instruction
// still waits for the bank.
func (op *Op) stillWaiting(h *HeldInstruction) (bool, error) {
	switch h.Instruction.Kind {
	case bank.Collection:
		c, err := Get[Charge](op, h.Instruction.ID)
		if isNotFound(err) {
			return false, nil
		}
		return err == nil && c.Status == ChargePending, err
	case bank.CreditTransfer:
		r, err := Get[Refund](op, h.Instruction.ID)
		if isNotFound(err) {
			return false, nil
		}
		return err == nil && r.Status == RefundPending, err
	}
	return false, nil
}

// exportedInstruction returns the released instruction an answer's
// EndToEndId names, or nil when no outbound file carried one.
func (op *Op) exportedInstruction(e2e string) (*HeldInstruction, error) {
	if e2e == "" || !sepa.ValidMax35Text(e2e) {
		return nil, nil
	}
	hs, err := List[HeldInstruction](op, ListParams{Lookup: objectID(e2e), Status: string(InstructionReleased), Limit: 10})
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if h.Batch != "" && endToEndID(h.Instruction.ID) == e2e {
			return h, nil
		}
	}
	return nil, nil
}
