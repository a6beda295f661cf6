package engine

import (
	"strings"
	"testing"
)

// TestParseIBANNationalCheck checks that an account failing its national
// check digits is refused with a message saying so, while the providers'
// published test IBANs, many of which fail theirs, are accepted.
func TestParseIBANNationalCheck(t *testing.T) {
	for _, raw := range []string{"BE41539007547035", "ES2121000418450200051331", "it64 y054 2811 1010 0000 0123 456"} {
		_, err := ParseIBAN(raw, "invalid_bank_account_iban", "sepa_debit[iban]")
		e, ok := AsError(err)
		if !ok || e.Code != "invalid_bank_account_iban" || e.Param != "sepa_debit[iban]" ||
			e.Message != "The account number inside the IBAN you provided fails its national check digits." {
			t.Errorf("ParseIBAN(%s) = %v", raw, err)
		}
	}
	for _, raw := range []string{"FR3020041010050500013M02609", "fr30 2004 1010 0505 0001 3m02 609", "EE222200221020145682", "ES9121000418450200051332", "DE25100100101234567893"} {
		iban, err := ParseIBAN(raw, "invalid_bank_account_iban", "iban")
		if want := strings.ToUpper(strings.ReplaceAll(raw, " ", "")); err != nil || string(iban) != want {
			t.Errorf("ParseIBAN(%s) = %q, %v", raw, iban, err)
		}
	}
}
