package sim

import "sync"

// documented holds every published test IBAN: Stripe's table and
// Checkout.com's sandbox accounts.
var documented = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{ckoInvalidIBAN: true}
	for iban := range ckoTable {
		m[iban] = true
	}
	for _, r := range StripeTestIBANs() {
		m[r.IBAN] = true
	}
	return m
})

// DocumentedIBAN reports whether iban, in electronic form, is one of the
// test IBANs the providers publish. Stripe built most of its table by
// changing the last digits of one account per country and recomputing only
// the IBAN's own check digits, so many of those IBANs fail their country's
// national check (the clé RIB, the Spanish and Portuguese control digits,
// the Finnish Luhn digit, …). They are the data integrations test with, and
// are accepted as the providers accept them.
func DocumentedIBAN(iban string) bool {
	return documented()[iban]
}

// CkoSandboxIBAN reports whether iban, in electronic form, is one of
// Checkout.com's sandbox test accounts (seed 003), the invalid-details one
// included: the only accounts its sandbox takes a SEPA source for.
func CkoSandboxIBAN(iban string) bool {
	_, ok := ckoTable[iban]
	return ok || iban == ckoInvalidIBAN
}
