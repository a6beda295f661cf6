package sepa

// This file is the one table of SEPA R-transaction reasons. A bank answers a
// collection or a credit transfer with an ISO 20022 reason code; the table
// says what the code means for the scheme and for each API Kontor speaks:
// the failure code and dispute reason of Stripe's dialect, the response code
// and chargeback token of Checkout.com's. Every part of Kontor that needs a
// reason's meaning (the simulated bank, the engine, both dialects, bank
// files) reads it here.

// Kinds says in which R-transactions a reason code may appear; most codes
// appear in several.
type Kinds uint8

// The R-transactions a reason can end a payment with.
const (
	// Reject: refused by a bank before settlement (pain.002 RJCT).
	Reject Kinds = 1 << iota
	// Return: sent back by the debtor's bank after settlement, within days.
	Return
	// Refund: claimed back by the debtor within 8 weeks (authorised) or 13
	// months (unauthorised).
	Refund
	// Reversal: paid back by the creditor after settlement.
	Reversal
	// Recall: a cancellation or recall of a payment, or the answer to one.
	Recall
)

// Has reports whether k includes every kind of o.
func (k Kinds) Has(o Kinds) bool { return k&o == o }

// Reason is what one reason code means.
type Reason struct {
	// Code is the ISO 20022 reason code (AM04, MD06, …), or a proprietary
	// code of Kontor's own checks (Proprietary).
	Code string
	// Text is the reason in English.
	Text  string
	Kinds Kinds
	// Proprietary marks a reason no bank reports: Kontor's own checks give it
	// where no ISO code fits (ISO 20022's Prtry instead of Cd).
	Proprietary bool
	// StripeFailure is the failure_code a charge fails with for this reason;
	// StripeDispute the reason of the dispute it opens after settlement.
	StripeFailure string
	StripeDispute string
	// CkoResponse and CkoSummary are the response code and summary of a
	// Checkout.com payment declined for this reason; CkoToken is the token of
	// its payment_chargeback after settlement (RFND, ACT, NSF, OTHR, FRM).
	CkoResponse string
	CkoSummary  string
	CkoToken    string
}

// Reason codes Kontor gives itself, where an outcome is not a bank's answer.
const (
	// ReasonCanceled: the collection was canceled before the debtor's account
	// was debited (a request for cancellation by the creditor).
	ReasonCanceled = "CUST"
	// ReasonNotConfirmed: the payer's bank never confirmed the payment.
	ReasonNotConfirmed = "NOAS"
	// ReasonNotSpecified: the bank gives no reason.
	ReasonNotSpecified = "MS03"
	// ReasonRefundAuthorised and ReasonRefundUnauthorised are the debtor's
	// refund claims: any reason within 8 weeks, no mandate within 13 months.
	ReasonRefundAuthorised   = "MD06"
	ReasonRefundUnauthorised = "MD01"
	// ReasonVolumeLimit and ReasonTransactionLimit: the collection exceeds
	// the creditor account's weekly SEPA Direct Debit limits (proprietary).
	ReasonVolumeLimit      = "VOLUME_LIMIT"
	ReasonTransactionLimit = "TRANSACTION_LIMIT"
)

// Checkout.com response codes of declined SEPA payments.
const (
	ckoDeclined  = "20005"
	ckoDeclinedT = "Declined - Do Not Honour"
)

// Chargeback tokens of Checkout.com's sandbox (seed 003): the debtor
// disputes the debit with their bank (ACT); the money goes back at the
// merchant's request (RFND); insufficient funds (NSF); format errors (FRM);
// other reasons, such as no or the wrong kind of account (OTHR).
const (
	tokenActive = "ACT"
	tokenRefund = "RFND"
	tokenFunds  = "NSF"
	tokenFormat = "FRM"
	tokenOther  = "OTHR"
)

// Stripe failure codes and dispute reasons the table uses.
const (
	failGeneric    = "generic_decline"
	failRestricted = "bank_account_restricted"
	disputeGeneral = "general"
	disputeAccount = "incorrect_account_details"
)

// reasons is the table, in the order Reasons lists it. It covers every
// reason code of the EPC's SEPA Direct Debit and Credit Transfer
// R-transactions.
var reasons = []Reason{
	{Code: "AC01", Text: "Account identifier incorrect (invalid IBAN)", Kinds: Reject | Return,
		StripeFailure: "account_number_invalid", StripeDispute: disputeAccount, CkoResponse: "20014", CkoSummary: "Invalid Account Number", CkoToken: tokenOther},
	{Code: "AC03", Text: "Creditor account identifier incorrect", Kinds: Reject | Return,
		StripeFailure: "account_number_invalid", StripeDispute: disputeAccount, CkoResponse: "20014", CkoSummary: "Invalid Account Number", CkoToken: tokenOther},
	{Code: "AC04", Text: "Account closed", Kinds: Reject | Return | Recall,
		StripeFailure: "account_closed", StripeDispute: disputeAccount, CkoResponse: "20046", CkoSummary: "Closed Account", CkoToken: tokenOther},
	{Code: "AC06", Text: "Account blocked", Kinds: Reject | Return | Recall,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "AC13", Text: "Invalid debtor account type (a consumer account in SEPA Direct Debit B2B)", Kinds: Reject | Return,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "AG01", Text: "Transaction forbidden on this type of account", Kinds: Reject | Return,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "AG02", Text: "Invalid operation code (wrong sequence type)", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenFormat},
	{Code: "AM04", Text: "Insufficient funds", Kinds: Reject | Return,
		StripeFailure: "insufficient_funds", StripeDispute: "insufficient_funds", CkoResponse: "20051", CkoSummary: "Insufficient Funds", CkoToken: tokenFunds},
	{Code: "AM05", Text: "Duplicate collection", Kinds: Reject | Return | Reversal,
		StripeDispute: "duplicate", CkoToken: tokenRefund},
	{Code: "AM09", Text: "Wrong amount", Kinds: Reversal | Recall,
		StripeDispute: disputeGeneral, CkoToken: tokenRefund},
	{Code: "ARDT", Text: "Already returned (the recalled transaction was returned before)", Kinds: Recall},
	{Code: "BE05", Text: "Creditor not recognised (creditor identifier incorrect)", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenFormat},
	{Code: "CNOR", Text: "Creditor bank not registered in the scheme", Kinds: Reject,
		StripeDispute: "bank_cannot_process", CkoToken: tokenOther},
	{Code: "CUST", Text: "Canceled at the customer's request", Kinds: Recall,
		StripeFailure: "debit_canceled", StripeDispute: disputeGeneral},
	{Code: "DNOR", Text: "Debtor bank not registered in the scheme", Kinds: Reject,
		StripeDispute: "bank_cannot_process", CkoToken: tokenOther},
	{Code: "DUPL", Text: "Recall: duplicate payment", Kinds: Recall,
		StripeDispute: "duplicate", CkoToken: tokenRefund},
	{Code: "ED05", Text: "Settlement failed", Kinds: Reject,
		StripeDispute: "bank_cannot_process", CkoToken: tokenOther},
	{Code: "FF01", Text: "Invalid file format", Kinds: Reject,
		StripeDispute: disputeGeneral, CkoToken: tokenFormat},
	{Code: "FOCR", Text: "Funds returned following a cancellation request", Kinds: Recall,
		StripeDispute: disputeGeneral, CkoToken: tokenRefund},
	{Code: "FRAD", Text: "Recall: fraudulent payment", Kinds: Recall,
		StripeDispute: "fraudulent", CkoToken: tokenActive},
	{Code: "LEGL", Text: "Legal decision (recall refused)", Kinds: Recall},
	{Code: "MD01", Text: "No mandate (unauthorised transaction)", Kinds: Reject | Return | Refund,
		StripeFailure: "debit_not_authorized", StripeDispute: "debit_not_authorized", CkoToken: tokenActive},
	{Code: "MD02", Text: "Mandate data missing or incorrect", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenFormat},
	{Code: "MD06", Text: "Refund requested by the debtor (authorised transaction)", Kinds: Refund,
		StripeDispute: disputeGeneral, CkoToken: tokenActive},
	{Code: "MD07", Text: "Debtor deceased", Kinds: Reject | Return,
		StripeFailure: "account_closed", StripeDispute: disputeAccount, CkoResponse: "20046", CkoSummary: "Closed Account", CkoToken: tokenOther},
	{Code: "MS02", Text: "Reason not specified by the customer (a refusal by the debtor, a reversal by the creditor)", Kinds: Reject | Return | Reversal,
		StripeDispute: "customer_initiated", CkoToken: tokenRefund},
	{Code: "MS03", Text: "Reason not specified by the bank", Kinds: Reject | Return,
		StripeDispute: disputeGeneral, CkoToken: tokenOther},
	{Code: "NOAS", Text: "No answer from the customer", Kinds: Recall,
		StripeFailure: "payment_not_confirmed"},
	{Code: "NOOR", Text: "Original transaction never received", Kinds: Recall},
	{Code: "RC01", Text: "Bank identifier (BIC) incorrect", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenFormat},
	{Code: "RR01", Text: "Regulatory reason: debtor account or identification missing", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenFormat},
	{Code: "RR02", Text: "Regulatory reason: debtor name or address missing", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenFormat},
	{Code: "RR03", Text: "Regulatory reason: creditor name or address missing", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenFormat},
	{Code: "RR04", Text: "Regulatory reason", Kinds: Reject | Return,
		StripeDispute: "bank_cannot_process", CkoToken: tokenOther},
	{Code: "SL01", Text: "Specific service offered by the debtor bank (direct debits blocked)", Kinds: Reject | Return,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "SL11", Text: "Creditor not on the debtor's whitelist", Kinds: Reject | Return,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "SL12", Text: "Creditor on the debtor's blacklist", Kinds: Reject | Return,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "SL13", Text: "Maximum number of direct debits within a period exceeded", Kinds: Reject | Return,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "SL14", Text: "Maximum direct debit amount exceeded", Kinds: Reject | Return,
		StripeFailure: failRestricted, StripeDispute: disputeAccount, CkoToken: tokenOther},
	{Code: "TECH", Text: "Recall: technical problem caused an erroneous payment", Kinds: Recall,
		StripeDispute: disputeGeneral, CkoToken: tokenOther},

	{Code: ReasonVolumeLimit, Text: "The collection exceeds the creditor's weekly SEPA Direct Debit volume limit", Kinds: Reject, Proprietary: true,
		StripeFailure: "charge_exceeds_source_limit"},
	{Code: ReasonTransactionLimit, Text: "The collection exceeds the creditor's weekly SEPA Direct Debit transaction limit", Kinds: Reject, Proprietary: true,
		StripeFailure: "charge_exceeds_weekly_limit"},
}

// stripeFailureMessages word each failure code of the table for Stripe's
// failure_message.
var stripeFailureMessages = map[string]string{
	"account_closed":              "The customer's bank account has been closed.",
	"account_number_invalid":      "The customer's bank account number is incorrect.",
	"bank_account_restricted":     "The customer's bank account cannot be debited by SEPA Direct Debit.",
	"debit_not_authorized":        "The customer notified their bank that this payment was unauthorized.",
	"insufficient_funds":          "The customer's account has insufficient funds to cover this payment.",
	"charge_exceeds_source_limit": "This payment would exceed the account's weekly SEPA Direct Debit volume limit. Retry it later.",
	"charge_exceeds_weekly_limit": "This payment exceeds the account's weekly SEPA Direct Debit transaction limit.",
	failGeneric:                   "The payment was declined by the payer's bank.",
	"payment_not_confirmed":       "The payment was not confirmed by the payer's bank before the cut-off date.",
	"debit_canceled":              "The collection was canceled before the debtor's account was debited.",
}

var reasonIndex = func() map[string]int {
	m := make(map[string]int, len(reasons))
	for i, r := range reasons {
		if r.StripeFailure == "" {
			reasons[i].StripeFailure = failGeneric
		}
		if r.CkoResponse == "" {
			reasons[i].CkoResponse, reasons[i].CkoSummary = ckoDeclined, ckoDeclinedT
		}
		m[r.Code] = i
	}
	return m
}()

// LookupReason returns what code means. Codes are matched exactly.
func LookupReason(code string) (Reason, bool) {
	i, ok := reasonIndex[code]
	if !ok {
		return Reason{}, false
	}
	return reasons[i], true
}

// ReasonOrUnspecified returns what code means, or the meaning of a reason
// the bank did not specify (MS03) for an unknown code.
func ReasonOrUnspecified(code string) Reason {
	if r, ok := LookupReason(code); ok {
		return r
	}
	r, _ := LookupReason(ReasonNotSpecified)
	return r
}

// Reasons returns every reason of the table.
func Reasons() []Reason { return append([]Reason(nil), reasons...) }

// ReasonForStripeFailure returns the reason a charge failed with
// failureCode stands for: a reason the bank did not specify (MS03) for a
// generic decline, else the first of the table with that code.
func ReasonForStripeFailure(failureCode string) (Reason, bool) {
	if failureCode == failGeneric {
		return LookupReason(ReasonNotSpecified)
	}
	for _, r := range reasons {
		if r.StripeFailure == failureCode {
			return r, true
		}
	}
	return Reason{}, false
}

// ReturnsMoney reports whether a return after settlement with this reason
// takes the money back from the creditor: every return, refund and reversal
// reason and the recall reasons a bank returns money for (DUPL, FOCR, FRAD,
// TECH), not the negative answers to a recall (ARDT, CUST, LEGL, NOAS, NOOR),
// which leave it where it is. Such reasons have a dispute reason and a
// chargeback token in the table.
func (r Reason) ReturnsMoney() bool { return r.StripeDispute != "" && r.CkoToken != "" }

// StripeFailureMessage words a Stripe failure code.
func (r Reason) StripeFailureMessage() string { return stripeFailureMessages[r.StripeFailure] }

// ReasonText returns the English description of an SDD R-transaction
// reason code such as "AM04" or an SCT recall code such as "DUPL", and
// whether the code is known. Codes are matched exactly, in upper case.
func ReasonText(code string) (string, bool) {
	r, ok := LookupReason(code)
	return r.Text, ok
}
