package sepa

import (
	"errors"
	"fmt"
)

// ErrBICFormat is returned, wrapped with details, by ParseBIC for anything
// that is not an 8- or 11-character BIC.
var ErrBICFormat = errors.New("sepa: malformed BIC")

// ParseBIC removes spaces from s, upper-cases its ASCII letters and checks
// that the result is a Business Identifier Code (ISO 9362): four letters of
// institution code, two letters of country code, two characters of location
// code (the first not 0 or 1, the second not the letter O, which marks test
// BICs) and an optional three-character branch code, matching
// [A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?, where a branch code starting
// with X is reserved: only XXX, the primary office, may be used. It returns the normalised BIC,
// or an error wrapping ErrBICFormat. It does not check that the country code
// is assigned.
func ParseBIC(s string) (string, error) {
	s = normalize(s)
	if len(s) != 8 && len(s) != 11 {
		return "", fmt.Errorf("%w: must have 8 or 11 characters, got %d", ErrBICFormat, len(s))
	}
	for i := 0; i < 6; i++ {
		if !isUpper(s[i]) {
			return "", fmt.Errorf("%w: the first six characters must be letters", ErrBICFormat)
		}
	}
	if l := s[6]; !isUpper(l) && !('2' <= l && l <= '9') {
		return "", fmt.Errorf("%w: location code must not start with 0 or 1", ErrBICFormat)
	}
	if l := s[7]; !isAlnum(l) || l == 'O' {
		return "", fmt.Errorf("%w: location code must end with a letter other than O or a digit", ErrBICFormat)
	}
	for i := 8; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return "", fmt.Errorf("%w: branch code must be letters and digits", ErrBICFormat)
		}
	}
	if len(s) == 11 && s[8] == 'X' && s[8:] != "XXX" {
		return "", fmt.Errorf("%w: a branch code starting with X must be XXX", ErrBICFormat)
	}
	return s, nil
}

// BICCountry returns the ISO 3166-1 alpha-2 country code of bic (its fifth
// and sixth characters) after normalising it as ParseBIC does, or "" if bic
// is not a valid BIC.
func BICCountry(bic string) string {
	b, err := ParseBIC(bic)
	if err != nil {
		return ""
	}
	return b[4:6]
}
