// Package bank is the boundary between the engine and the banks: the engine
// asks the network how a collection or an account check will turn out, and
// schedules the outcome on its own clock. bank/sim is the simulator that
// answers from the documented test values; a network that exchanges ISO 20022
// files with a real bank can implement the same interface.
package bank

// Outcome is how a collection ends at the debtor's bank.
type Outcome string

// Outcomes of a collection.
const (
	Succeeds Outcome = "succeeds" // funds arrive
	Fails    Outcome = "fails"    // rejected or returned before settlement
	Pending  Outcome = "pending"  // accepted and never collected (stays pending)
	Canceled Outcome = "canceled" // accepted, then canceled before collection
)

// Plan is the network's answer for one collection.
type Plan struct {
	Outcome Outcome `json:"outcome"`
	// Delayed outcomes arrive after at least three minutes of the object's clock.
	Delayed bool `json:"delayed,omitempty"`
	// Reason is the reason code of a failing collection (AC04, AM04, …; see
	// sepa.LookupReason for what it means to each dialect).
	Reason string `json:"reason,omitempty"`
	// ChargebackReason, when set, is the reason code of a return after the
	// collection succeeded: it opens a dispute.
	ChargebackReason string `json:"chargeback_reason,omitempty"`
}

// Collection describes a debit the creditor asks for.
type Collection struct {
	Scheme   string // "sepa_debit" or "sofort"
	IBAN     string // normalised
	Amount   int64
	Currency string
	// OwnerName and OwnerEmail carry the payer's test values (Sofort's
	// succeeding_charge, generated SEPA debit e-mails).
	OwnerName  string
	OwnerEmail string
}

// Network is the bank network as the engine sees it.
type Network interface {
	// CheckAccount validates an account when a mandate is created; a non-nil
	// error carries the reason the account cannot be debited.
	CheckAccount(iban string) error
	// PlanCollection tells how a collection will end.
	PlanCollection(c Collection) Plan
	// PlanRefund tells whether a refund to the account will be credited; a
	// non-empty failure code means it will fail.
	PlanRefund(iban string) (failureCode string)
	// SofortPayer returns the account a Sofort payer in country authorises from.
	SofortPayer(country, ownerName string) Payer
	// TestToken resolves a test payment method token (pm_success_de, …) to
	// its account and behaviour; real networks know no tokens.
	TestToken(token string) (iban string, plan Plan, ok bool)
}

// Payer is the bank account behind an authenticated bank payment.
type Payer struct {
	IBAN         string
	BIC          string
	BankName     string
	BankCode     string
	VerifiedName string
}
