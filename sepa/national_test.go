package sepa

import (
	"errors"
	"testing"
)

// withCheckDigits returns the IBAN of country cc with BBAN bban and the
// right MOD 97-10 check digits, so that only national checks can fail it.
func withCheckDigits(t *testing.T, cc, bban string) string {
	t.Helper()
	cd, ok := checkDigits(bban, cc)
	if !ok {
		t.Fatalf("checkDigits(%s, %s) failed", bban, cc)
	}
	return cc + cd + bban
}

func TestNationalCheckRejects(t *testing.T) {
	for _, s := range []string{
		"BE41539007547035",            // 5390075470 mod 97 is 34, not 35
		"ES2121000418450200051331",    // control digits 45 belong to …51332
		"IT64Y0542811101000000123456", // the CIN of this account is X
		"FR1420041010050500013M02607", // clé RIB 07 instead of 06
		"PT50000201231234567890155",
		"NO9386011117948",
		"FI2112345600000786",
		"EE382200221020145686",
		"SI56263300012039087",
		"HR1210010051863000161",
		"SK3112000000198742637542",
		"HU42117730161111101800000001",
		"PL61109010150000071219812874",
	} {
		// Recompute the IBAN's own check digits so that only the national
		// check can fail.
		iban := withCheckDigits(t, s[:2], s[4:])
		if _, err := ParseIBAN(iban); !errors.Is(err, ErrIBANNationalCheck) {
			t.Errorf("ParseIBAN(%s) = %v, want ErrIBANNationalCheck", iban, err)
		}
	}
}

// nationalCheckDigit is where each country with a national check keeps its
// (first) check character inside the BBAN.
var nationalCheckDigit = map[string]int{
	"AL": 7, "BE": 10, "CZ": 19, "EE": 15, "ES": 8, "FI": 13, "FR": 21, "HR": 16, "HU": 23, "IT": 0,
	"MC": 21, "ME": 17, "MK": 14, "NO": 10, "PL": 7, "PT": 19, "RS": 17, "SI": 13, "SK": 19, "SM": 0,
}

// TestNationalCheckCatchesEveryCheckDigit changes the national check
// character of every registry example whose country has one, keeps the IBAN
// check digits right, and expects ErrIBANNationalCheck.
func TestNationalCheckCatchesEveryCheckDigit(t *testing.T) {
	for cc := range nationalChecks {
		if _, ok := nationalCheckDigit[cc]; !ok {
			t.Errorf("no check position for %s", cc)
		}
	}
	for _, tc := range registryExamples {
		cc, bban := tc.iban[:2], tc.iban[4:]
		pos, ok := nationalCheckDigit[cc]
		if !ok {
			continue
		}
		for k := 1; k < 10; k++ {
			b := []byte(bban)
			if isUpper(b[pos]) {
				b[pos] = 'A' + (b[pos]-'A'+byte(k))%26
			} else {
				b[pos] = '0' + (b[pos]-'0'+byte(k))%10
			}
			iban := withCheckDigits(t, cc, string(b))
			if _, err := ParseIBAN(iban); !errors.Is(err, ErrIBANNationalCheck) {
				t.Errorf("ParseIBAN(%s) (from %s) = %v, want ErrIBANNationalCheck", iban, tc.iban, err)
			}
		}
	}
}

func TestNationalCheckExceptions(t *testing.T) {
	for _, tc := range []struct {
		name, cc, bban string
	}{
		// Accounts at the Bank of Slovenia and the National Bank of Serbia
		// carry no national check digits.
		{"Bank of Slovenia", "SI", "011000000000012"},
		{"National Bank of Serbia", "RS", "908500000000000199"},
		// Norwegian postgiro accounts carry a Luhn digit over seven digits.
		{"Norwegian postgiro", "NO", "00004090403"},
		// A Belgian account whose first ten digits are a multiple of 97
		// has check digits 97.
		{"Belgian remainder 0", "BE", "000000009797"},
	} {
		iban := withCheckDigits(t, tc.cc, tc.bban)
		if _, err := ParseIBAN(iban); err != nil {
			t.Errorf("%s: ParseIBAN(%s): %v", tc.name, iban, err)
		}
	}
	if iban := withCheckDigits(t, "NO", "00004090404"); !errors.Is(parseErr(iban), ErrIBANNationalCheck) {
		t.Errorf("postgiro account with a wrong Luhn digit passed: %s", iban)
	}
	if iban := withCheckDigits(t, "BE", "000000009700"); !errors.Is(parseErr(iban), ErrIBANNationalCheck) {
		t.Errorf("Belgian remainder 0 with check digits 00 passed: %s", iban)
	}
}

func parseErr(s string) error {
	_, err := ParseIBAN(s)
	return err
}

// TestNationalCheckErrorHidesAccount checks that the error names the
// country and never the account number.
func TestNationalCheckErrorHidesAccount(t *testing.T) {
	_, err := ParseIBAN("BE41539007547035")
	if err == nil || err.Error() != "sepa: account number fails its national check digits (BE)" {
		t.Errorf("error = %v", err)
	}
}
