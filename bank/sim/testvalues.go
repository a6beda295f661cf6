package sim

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/sepa"
)

// SofortSourceAuthorized matches Stripe's test value xxx_chargeable@example.com:
// the payer authorises the Sofort source at once.
func (n *Network) SofortSourceAuthorized(ownerEmail string) bool {
	local, domain, ok := strings.Cut(strings.ToLower(ownerEmail), "@")
	return ok && domain == "example.com" && strings.HasSuffix(local, "_chargeable")
}

// testSenderIBAN is the account simulated credit transfers come from.
const testSenderIBAN = "DE89370400440532013000"

var (
	amountEmail    = regexp.MustCompile(`(?:^|[-_.])amount_([0-9]+)(?:$|-)`)
	referenceEmail = regexp.MustCompile(`(?:^|-)reference_([A-Za-z0-9 ._]+)$`)
)

// IncomingTransfer reads Stripe's amount_X and reference_Y test e-mails
// (…amount_4242-reference_abc@example.com); the default transfer is €10.00
// without a reference.
func (n *Network) IncomingTransfer(ownerEmail string) bank.Transfer {
	t := bank.Transfer{Amount: 1000, SenderIBAN: testSenderIBAN}
	local, domain, ok := strings.Cut(ownerEmail, "@")
	if !ok || !strings.EqualFold(domain, "example.com") {
		return t
	}
	if m := amountEmail.FindStringSubmatch(local); m != nil {
		if a, err := strconv.ParseInt(m[1], 10, 64); err == nil && a > 0 {
			t.Amount = a
		}
	}
	if m := referenceEmail.FindStringSubmatch(local); m != nil {
		t.Reference = m[1]
	}
	return t
}

// declinedByName reads Kontor's own test value for a SEPA Direct Debit the
// debtor's bank rejects before settlement: the account holder's name ends
// in decline_<code>, an ISO reason code banks reject with (Jenny
// decline_AM04 is rejected for insufficient funds, decline_AC04 for a
// closed account). It works whatever the IBAN, so it reaches accounts that
// accept only their own test IBANs (Checkout.com's sandbox).
func declinedByName(name string) (string, bool) {
	words := strings.Fields(name)
	if len(words) == 0 {
		return "", false
	}
	code, ok := strings.CutPrefix(strings.ToLower(words[len(words)-1]), "decline_")
	if !ok {
		return "", false
	}
	r, ok := sepa.LookupReason(strings.ToUpper(code))
	if !ok || r.Proprietary || !r.Kinds.Has(sepa.Reject) {
		return "", false
	}
	return r.Code, true
}
