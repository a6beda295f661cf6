package sepa

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors returned by ParseCreditorID and NewCreditorID. They are wrapped
// with details; match them with errors.Is.
var (
	// ErrCreditorIDFormat means the identifier contains characters other
	// than letters and digits or its parts are of the wrong kind.
	ErrCreditorIDFormat = errors.New("sepa: malformed creditor identifier")
	// ErrCreditorIDCountry means the identifier's country is not a SEPA
	// country.
	ErrCreditorIDCountry = errors.New("sepa: creditor identifier country not supported")
	// ErrCreditorIDLength means the identifier is shorter than 8 or longer
	// than 35 characters.
	ErrCreditorIDLength = errors.New("sepa: wrong creditor identifier length")
	// ErrCreditorIDChecksum means the check digits do not match.
	ErrCreditorIDChecksum = errors.New("sepa: wrong creditor identifier check digits")
)

// Lengths of a creditor identifier: country code, check digits and business
// code take seven characters, and the national identifier at least one.
const (
	minCreditorIDLen = 8
	maxCreditorIDLen = 35
)

// A CreditorID is a SEPA creditor identifier (CI), which identifies the
// creditor of a direct debit across mandates: positions 1–2 hold the
// country, 3–4 MOD 97-10 check digits, 5–7 the creditor business code ("ZZZ"
// if unused) and the rest the national identifier, for example
// DE98ZZZ09999999999. Values returned by ParseCreditorID and NewCreditorID
// are valid and normalised (upper case, no spaces).
type CreditorID string

// ParseCreditorID normalises s (spaces removed, ASCII letters upper-cased)
// and checks that it is a creditor identifier of a SEPA country whose
// national identifier has the country's length and kind of characters
// (creditorFormats; a German identifier has 18 characters) and whose check
// digits, computed over national identifier + country + "00" without the
// business code, are right. On failure it returns an error wrapping
// ErrCreditorIDFormat, ErrCreditorIDCountry, ErrCreditorIDLength or
// ErrCreditorIDChecksum.
func ParseCreditorID(s string) (CreditorID, error) {
	s = normalize(s)
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return "", fmt.Errorf("%w: only letters and digits are allowed", ErrCreditorIDFormat)
		}
	}
	if len(s) < minCreditorIDLen || len(s) > maxCreditorIDLen {
		return "", fmt.Errorf("%w: must have %d to %d characters, got %d", ErrCreditorIDLength, minCreditorIDLen, maxCreditorIDLen, len(s))
	}
	if !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return "", fmt.Errorf("%w: must start with a country code and two check digits", ErrCreditorIDFormat)
	}
	if !IsSEPACountry(s[:2]) {
		return "", fmt.Errorf("%w: %s", ErrCreditorIDCountry, s[:2])
	}
	if err := checkNationalCreditorID(s[:2], s[7:]); err != nil {
		return "", err
	}
	if !validCheckDigits(s[2:4], s[7:], s[:2]) {
		return "", ErrCreditorIDChecksum
	}
	return CreditorID(s), nil
}

// NewCreditorID builds a creditor identifier from its parts, computing the
// check digits. The parts are normalised like ParseCreditorID's input; an
// empty businessCode becomes "ZZZ". It returns the same errors as
// ParseCreditorID, and ErrCreditorIDFormat if businessCode does not have
// three characters or nationalID is empty.
func NewCreditorID(country, businessCode, nationalID string) (CreditorID, error) {
	country, businessCode, nationalID = normalize(country), normalize(businessCode), normalize(nationalID)
	if businessCode == "" {
		businessCode = "ZZZ"
	}
	if len(country) != 2 || len(businessCode) != 3 || nationalID == "" {
		return "", fmt.Errorf("%w: need a two-letter country, a three-character business code and a national identifier", ErrCreditorIDFormat)
	}
	cd, ok := checkDigits(nationalID, country)
	if !ok {
		return "", fmt.Errorf("%w: only letters and digits are allowed", ErrCreditorIDFormat)
	}
	return ParseCreditorID(country + cd + businessCode + nationalID)
}

// Country returns the ISO 3166-1 alpha-2 country code of the identifier.
func (c CreditorID) Country() string {
	if len(c) < 2 {
		return ""
	}
	return string(c[:2])
}

// BusinessCode returns the creditor business code, positions 5–7, which a
// creditor may choose freely to tell its business lines apart; "ZZZ" means
// none. It plays no part in identifying the creditor.
func (c CreditorID) BusinessCode() string {
	if len(c) < 7 {
		return ""
	}
	return string(c[4:7])
}

// NationalID returns the national identifier of the creditor, everything
// after the business code.
func (c CreditorID) NationalID() string {
	if len(c) < 7 {
		return ""
	}
	return string(c[7:])
}

// creditorFormats holds the structure of the national identifier inside the
// creditor identifiers of the countries that publish one, in the notation
// of the IBAN registry; a country with several lists each. Other countries'
// identifiers need only the general structure (8 to 35 characters).
var creditorFormats = map[string][]bbanFormat{
	"AT": {mustBBAN("11!n")},                   // 18 characters, issued by the Oesterreichische Nationalbank
	"BE": {mustBBAN("10!n"), mustBBAN("13!c")}, // 17 characters (enterprise number) or 20 (private creditors)
	"CH": {mustBBAN("11!c")},                   // 18 characters
	"DE": {mustBBAN("11!n")},                   // 18 characters, issued by the Deutsche Bundesbank
	"ES": {mustBBAN("9!c")},                    // 16 characters: the creditor's NIF
	"FR": {mustBBAN("6!c")},                    // 13 characters: the ICS
	"IE": {mustBBAN("6!c")},                    // 13 characters
	"IT": {mustBBAN("16!c")},                   // 23 characters: codice fiscale or partita IVA
	"NL": {mustBBAN("12!c")},                   // 19 characters: KvK number and a suffix
	"PT": {mustBBAN("6!n")},                    // 13 characters
}

// checkNationalCreditorID checks national, the part of a creditor
// identifier of country cc behind the business code, against the country's
// formats. It returns an error wrapping ErrCreditorIDLength when no format
// has its length, ErrCreditorIDFormat when one has but the characters are of
// the wrong kind, and nil for countries without published formats.
func checkNationalCreditorID(cc, national string) error {
	formats, ok := creditorFormats[cc]
	if !ok {
		return nil
	}
	var lengths []string
	for _, f := range formats {
		if f.length() == len(national) {
			if f.matches(national) {
				return nil
			}
			return fmt.Errorf("%w: the national identifier of %s creditor identifiers is %s", ErrCreditorIDFormat, cc, f.describe())
		}
		lengths = append(lengths, strconv.Itoa(7+f.length()))
	}
	return fmt.Errorf("%w: %s creditor identifiers have %s characters, got %d", ErrCreditorIDLength, cc, strings.Join(lengths, " or "), 7+len(national))
}
