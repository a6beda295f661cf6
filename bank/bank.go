// Package bank is the seam between the engine and the banks. The engine
// hands a network instructions (collections under a mandate, credit
// transfers); the network answers later with reports (accepted, rejected,
// booked, returned, each failure with a reason code of sepa's reason table),
// which the engine applies through one path (engine.Op.ApplyBankReport).
//
// bank/sim is the simulated network: it answers from the documented test
// values through the engine's timers. A network that exchanges ISO 20022
// files with a bank implements the same interface: it keeps the instructions
// for the next outbound file and turns the bank's answers into reports.
package bank

import "time"

// Kind is what an instruction asks for.
type Kind string

// Kinds of instructions.
const (
	// Collection: debit the debtor's account under a mandate (SEPA Direct
	// Debit, pain.008) or through an authenticated bank payment (Sofort).
	Collection Kind = "collection"
	// CreditTransfer: credit an account (a refund, pain.001).
	CreditTransfer Kind = "credit_transfer"
)

// Instruction is one payment the engine asks the network to make.
type Instruction struct {
	// ID names the engine's object the instruction stands for: the charge of
	// a collection, the refund of a credit transfer. Reports name it.
	ID   string
	Kind Kind
	// Scheme is "sepa_debit" or "sofort" for collections, "sepa_credit_transfer" for credit transfers.
	Scheme string
	// IBAN is the debtor's account of a collection, the creditor's of a
	// credit transfer (normalised; "" when the scheme's bank knows it, as in Sofort).
	IBAN     string
	Name     string
	Email    string
	Amount   int64 // minor units
	Currency string
	// BIC is the BIC of IBAN's bank, when known.
	BIC string
	// Mandate is the reference of the mandate a SEPA Direct Debit is collected under.
	Mandate string
	// MandateSigned is the mandate's date of signature.
	MandateSigned time.Time
	// Sequence is the collection's place under its mandate: SequenceFirst,
	// SequenceRecurring or SequenceOneOff ("" outside SEPA Direct Debit).
	Sequence Sequence
	// Remittance is the text the payer's statement shows (the statement descriptor).
	Remittance string
	// Due is the requested collection or execution date.
	Due time.Time
	// TestToken is the test token the payer's payment method was made from
	// (pm_success_de, …); only simulators read it.
	TestToken string
}

// Sequence is a SEPA Direct Debit's place among the collections under its mandate.
type Sequence string

// Sequences of collections, named as the SEPA schemes name them.
const (
	SequenceFirst     Sequence = "FRST" // the first collection under a recurrent mandate
	SequenceRecurring Sequence = "RCUR" // a later one
	SequenceOneOff    Sequence = "OOFF" // the only one, under a single-use mandate
)

// Status is what a report says happened to an instruction.
type Status string

// Statuses of reports.
const (
	// Accepted: the bank took the instruction; its outcome follows.
	Accepted Status = "accepted"
	// Rejected: refused before settlement; Reason says why.
	Rejected Status = "rejected"
	// Booked: the money moved (collected from the debtor, credited to the creditor).
	Booked Status = "booked"
	// Returned: sent back, before or after settlement; Reason says why.
	Returned Status = "returned"
)

// Report is the bank's answer about one instruction.
type Report struct {
	Instruction string `json:"instruction,omitempty"`
	Kind        Kind   `json:"kind"`
	Status      Status `json:"status"`
	// Reason is the reason code of a rejection or return (see sepa.LookupReason).
	Reason string `json:"reason,omitempty"`
}

// Desk is what a network sees of the engine while it takes an instruction:
// the transaction the instruction is made in.
type Desk interface {
	// Now is the time on the instruction's clock (its test clock, if any).
	Now() time.Time
	// Answer has the engine apply r at the time at of the instruction's
	// clock, in a later transaction. Reports answered for the same time are
	// applied in one transaction, in the order given.
	Answer(at time.Time, r Report) error
	// Hold keeps in, in the same transaction, for a network that sends its
	// instructions later (in the next outbound bank file): the engine lists
	// held instructions and marks them released (engine.Op.HeldInstructions,
	// engine.Op.ReleaseInstructions).
	Hold(in Instruction) error
}

// Network is the bank network as the engine sees it.
type Network interface {
	// CheckAccount validates an account when a mandate is created; a non-nil
	// error carries the reason the account cannot be debited.
	CheckAccount(iban string) error
	// Submit takes an instruction inside the transaction that made it. Its
	// outcome arrives as reports: through d.Answer, or later through
	// engine.Op.ApplyBankReport.
	Submit(d Desk, in Instruction) error
}

// Payer is the bank account behind an authenticated bank payment.
type Payer struct {
	IBAN         string
	BIC          string
	BankName     string
	BankCode     string
	VerifiedName string
}
