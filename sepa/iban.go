package sepa

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by ParseIBAN. They are wrapped with details; match them
// with errors.Is.
var (
	// ErrIBANFormat means the IBAN contains characters other than letters
	// and digits, does not start with a country code and two check digits,
	// or its national part (BBAN) does not follow the country's structure.
	ErrIBANFormat = errors.New("sepa: malformed IBAN")
	// ErrIBANCountry means the IBAN's country is not a SEPA country.
	ErrIBANCountry = errors.New("sepa: IBAN country not supported")
	// ErrIBANLength means the IBAN is too short or too long for its country.
	ErrIBANLength = errors.New("sepa: wrong IBAN length")
	// ErrIBANChecksum means the check digits do not match (ISO 7064 MOD
	// 97-10), which usually is a typing error.
	ErrIBANChecksum = errors.New("sepa: wrong IBAN check digits")
	// ErrIBANNationalCheck means the IBAN's own check digits are right but
	// the domestic account number inside it fails its country's check
	// digits, so no bank can hold the account.
	ErrIBANNationalCheck = errors.New("sepa: account number fails its national check digits")
)

// An IBAN is an International Bank Account Number of a SEPA country in its
// electronic form: upper case, without spaces. Values returned by ParseIBAN
// are valid; the methods also tolerate other values and never panic.
type IBAN string

// NormalizeIBAN returns s with all space characters removed and ASCII
// letters upper-cased. It does not validate; use ParseIBAN for that.
func NormalizeIBAN(s string) string {
	return normalize(s)
}

// ParseIBAN normalises s with NormalizeIBAN and checks that it is a valid
// IBAN of a SEPA country: letters and digits only, a known country, the
// country's length and BBAN structure, MOD 97-10 check digits, and the
// check digits of the domestic account number where the country's BBAN
// carries them (see nationalChecks). On failure it returns an error wrapping
// ErrIBANFormat, ErrIBANCountry, ErrIBANLength, ErrIBANChecksum or
// ErrIBANNationalCheck. Error messages never repeat the account number.
func ParseIBAN(s string) (IBAN, error) {
	s = NormalizeIBAN(s)
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return "", fmt.Errorf("%w: only letters and digits are allowed", ErrIBANFormat)
		}
	}
	if len(s) < 2 || !isUpper(s[0]) || !isUpper(s[1]) {
		return "", fmt.Errorf("%w: must start with a two-letter country code", ErrIBANFormat)
	}
	cc := s[:2]
	c, ok := countries[cc]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrIBANCountry, cc)
	}
	if want := 4 + c.bban.length(); len(s) != want {
		return "", fmt.Errorf("%w: %s IBANs have %d characters, got %d", ErrIBANLength, cc, want, len(s))
	}
	if !isDigit(s[2]) || !isDigit(s[3]) {
		return "", fmt.Errorf("%w: the country code must be followed by two check digits", ErrIBANFormat)
	}
	if !c.bban.matches(s[4:]) {
		return "", fmt.Errorf("%w: the account part does not follow the %s structure", ErrIBANFormat, cc)
	}
	if !validCheckDigits(s[2:4], s[4:], cc) {
		return "", ErrIBANChecksum
	}
	if !validNationalCheck(cc, s[4:]) {
		return "", fmt.Errorf("%w (%s)", ErrIBANNationalCheck, cc)
	}
	return IBAN(s), nil
}

// NewIBAN builds the IBAN of a national account number (BBAN) in country,
// computing the check digits. Both parts are normalised like ParseIBAN's
// input, and it returns the same errors as ParseIBAN.
func NewIBAN(country, bban string) (IBAN, error) {
	country, bban = normalize(country), normalize(bban)
	cd, ok := checkDigits(bban, country)
	if !ok {
		return "", fmt.Errorf("%w: only letters and digits are allowed", ErrIBANFormat)
	}
	return ParseIBAN(country + cd + bban)
}

// Country returns the ISO 3166-1 alpha-2 country code that starts the IBAN,
// or "" if the IBAN is shorter than two characters.
func (i IBAN) Country() string {
	if len(i) < 2 {
		return ""
	}
	return string(i[:2])
}

// BBAN returns the national part of the IBAN: everything after the country
// code and the check digits.
func (i IBAN) BBAN() string {
	if len(i) < 4 {
		return ""
	}
	return string(i[4:])
}

// BankCode returns the bank identifier inside the BBAN as the ISO 13616
// registry places it, for example the Bankleitzahl "37040044" of
// DE89370400440532013000, the ABI of an Italian IBAN or the four-letter bank
// code of a British one. It returns "" for an IBAN of an unknown country.
func (i IBAN) BankCode() string {
	return countries[i.Country()].bank.of(i.BBAN())
}

// BranchCode returns the branch identifier inside the BBAN, for example the
// code guichet of a French IBAN, the CAB of an Italian one or the sort code
// of a British or Irish one. It returns "" for countries whose IBANs carry
// no branch identifier, such as Germany, Austria or the Netherlands.
func (i IBAN) BranchCode() string {
	return countries[i.Country()].branch.of(i.BBAN())
}

// Last4 returns the last four characters of the IBAN, or all of it if it is
// shorter.
func (i IBAN) Last4() string {
	if len(i) <= 4 {
		return string(i)
	}
	return string(i[len(i)-4:])
}

// Masked returns the IBAN with every character but the last four replaced
// by '*', keeping its length, for example "******************7893".
func (i IBAN) Masked() string {
	last := i.Last4()
	return strings.Repeat("*", len(i)-len(last)) + last
}

// Grouped returns the IBAN in its paper form: groups of four characters
// separated by single spaces, the last group possibly shorter.
func (i IBAN) Grouped() string {
	var b strings.Builder
	b.Grow(len(i) + len(i)/4)
	for n := 0; n < len(i); n += 4 {
		if n > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(i[n:min(n+4, len(i))]))
	}
	return b.String()
}
