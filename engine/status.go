package engine

// The statuses of the engine's state machines. Each object kind has its own
// named type, so a status of one kind cannot be given to another; the
// string values are the stored ones (and the default dialect's wire values,
// which other dialects map in their own tables).

// ChargeStatus is the status of a Charge.
type ChargeStatus string

// Charge statuses.
const (
	ChargePending   ChargeStatus = "pending"
	ChargeSucceeded ChargeStatus = "succeeded"
	ChargeFailed    ChargeStatus = "failed"
)

// RefundStatus is the status of a Refund.
type RefundStatus string

// Refund statuses.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
	RefundCanceled  RefundStatus = "canceled"
)

// DisputeStatus is the status of a Dispute. A SEPA dispute is lost the
// moment it is opened (no evidence, no appeal); needs_response is the
// status of a dispute before it is booked.
type DisputeStatus string

// Dispute statuses.
const (
	DisputeNeedsResponse DisputeStatus = "needs_response"
	DisputeLost          DisputeStatus = "lost"
)

// MandateStatus is the status of a Mandate.
type MandateStatus string

// Mandate statuses.
const (
	MandateActive   MandateStatus = "active"
	MandateInactive MandateStatus = "inactive"
	MandatePending  MandateStatus = "pending"
)

// IntentStatus is the status of a PaymentIntent or a SetupIntent: both
// follow the same state machine (a setup intent never captures).
type IntentStatus string

// Intent statuses.
const (
	IntentRequiresPaymentMethod IntentStatus = "requires_payment_method"
	IntentRequiresConfirmation  IntentStatus = "requires_confirmation"
	IntentRequiresAction        IntentStatus = "requires_action"
	IntentProcessing            IntentStatus = "processing"
	IntentSucceeded             IntentStatus = "succeeded"
	IntentCanceled              IntentStatus = "canceled"
)

// SourceStatus is the status of a Source.
type SourceStatus string

// Source statuses.
const (
	SourcePending    SourceStatus = "pending"
	SourceChargeable SourceStatus = "chargeable"
	SourceConsumed   SourceStatus = "consumed"
	SourceCanceled   SourceStatus = "canceled"
	SourceFailed     SourceStatus = "failed"
)

// PageStatus is the status of a hosted payment session (PaymentPage).
type PageStatus string

// Session statuses.
const (
	PageOpen     PageStatus = "open"
	PageComplete PageStatus = "complete"
	PageExpired  PageStatus = "expired"
)

// PagePaymentStatus tells whether a session's money has arrived.
type PagePaymentStatus string

// Session payment statuses.
const (
	PageUnpaid            PagePaymentStatus = "unpaid"
	PagePaid              PagePaymentStatus = "paid"
	PageNoPaymentRequired PagePaymentStatus = "no_payment_required"
)

// TestClockStatus is the status of a TestClock.
type TestClockStatus string

// Test clock statuses.
const (
	TestClockReady     TestClockStatus = "ready"
	TestClockAdvancing TestClockStatus = "advancing"
	TestClockDeleted   TestClockStatus = "deleted"
)

// AttemptStatus is the status of a SetupAttempt.
type AttemptStatus string

// Setup attempt statuses.
const (
	AttemptRequiresAction AttemptStatus = "requires_action"
	AttemptSucceeded      AttemptStatus = "succeeded"
	AttemptFailed         AttemptStatus = "failed"
	AttemptAbandoned      AttemptStatus = "abandoned"
)

// RedirectStatus is the status of a Source's redirect flow (Sofort's
// authorisation page).
type RedirectStatus string

// Redirect statuses.
const (
	RedirectPending   RedirectStatus = "pending"
	RedirectSucceeded RedirectStatus = "succeeded"
	RedirectFailed    RedirectStatus = "failed"
)

// TransactionStatus is the status of a SourceTransaction: a transfer that
// arrived is booked at once.
type TransactionStatus string

// Source transaction statuses.
const (
	TransactionSucceeded TransactionStatus = "succeeded"
)

// NotificationStatus is the status of a MandateNotification.
type NotificationStatus string

// Mandate notification statuses.
const (
	NotificationSubmitted NotificationStatus = "submitted"
)

// EndpointStatus is the status of a WebhookEndpoint.
type EndpointStatus string

// Webhook endpoint statuses.
const (
	EndpointEnabled  EndpointStatus = "enabled"
	EndpointDisabled EndpointStatus = "disabled"
	EndpointDeleted  EndpointStatus = "deleted"
)

// InstructionStatus is the status of a HeldInstruction.
type InstructionStatus string

// Held instruction statuses.
const (
	// InstructionHeld: kept for the next bank file.
	InstructionHeld InstructionStatus = "held"
	// InstructionReleased: gone out in a bank file (its Batch).
	InstructionReleased InstructionStatus = "released"
)

// BankFileStatus is the status of a BankFile.
type BankFileStatus string

// Bank file statuses.
const (
	// BankFileProcessed: an imported file whose entries were all matched,
	// ignored or counted.
	BankFileProcessed BankFileStatus = "processed"
	// BankFileExported: an outbound file ready to be sent to the bank.
	BankFileExported BankFileStatus = "exported"
)
