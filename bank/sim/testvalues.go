package sim

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/bank"
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
