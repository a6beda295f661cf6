package sepa

// reasonTexts describes the ISO 20022 reason codes of SEPA R-transactions:
// the rejects, refusals, returns, reversals and refunds of SEPA Direct Debit,
// and the recalls of SEPA Credit Transfer with their positive answer.
var reasonTexts = map[string]string{
	// SEPA Direct Debit R-transactions.
	"AC01": "Account identifier incorrect (invalid IBAN)",
	"AC04": "Account closed",
	"AC06": "Account blocked",
	"AC13": "Invalid debtor account type",
	"AG01": "Transaction forbidden on this type of account",
	"AG02": "Invalid operation code",
	"AM04": "Insufficient funds",
	"AM05": "Duplicate collection",
	"BE05": "Creditor not recognised (creditor identifier incorrect)",
	"CNOR": "Creditor bank not registered in the scheme",
	"DNOR": "Debtor bank not registered in the scheme",
	"FF01": "Invalid file format",
	"MD01": "No mandate (unauthorised transaction)",
	"MD02": "Mandate data missing or incorrect",
	"MD06": "Refund requested by the debtor (authorised transaction)",
	"MD07": "Debtor deceased",
	"MS02": "Reason not specified by the customer",
	"MS03": "Reason not specified by the bank",
	"RC01": "Bank identifier (BIC) incorrect",
	"RR01": "Regulatory reason: debtor account or identification missing",
	"RR02": "Regulatory reason: debtor name or address missing",
	"RR03": "Regulatory reason: creditor name or address missing",
	"RR04": "Regulatory reason",
	"SL01": "Specific service offered by the debtor bank",

	// SEPA Credit Transfer recalls and their positive answer.
	"DUPL": "Recall: duplicate payment",
	"TECH": "Recall: technical problem caused an erroneous payment",
	"FRAD": "Recall: fraudulent payment",
	"FOCR": "Funds returned following a cancellation request",
}

// ReasonText returns the English description of an SDD R-transaction
// reason code such as "AM04" or an SCT recall code such as "DUPL", and
// whether the code is known. Codes are matched exactly, in upper case.
func ReasonText(code string) (string, bool) {
	text, ok := reasonTexts[code]
	return text, ok
}
