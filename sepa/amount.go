package sepa

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Limits of a single SEPA payment in euro cents: 0.01 to 999 999 999.99 EUR.
const (
	MinAmount int64 = 1
	MaxAmount int64 = 99_999_999_999
)

// ErrAmountFormat is returned, wrapped with details, by ParseAmount.
var ErrAmountFormat = errors.New("sepa: malformed amount")

// ValidAmount reports whether minor, an amount in euro cents, lies within
// the limits of a SEPA payment, MinAmount to MaxAmount.
func ValidAmount(minor int64) bool {
	return MinAmount <= minor && minor <= MaxAmount
}

// FormatAmount returns minor, an amount in cents, as a decimal with two
// fraction digits and no grouping, as ISO 20022 messages carry it: 1234
// becomes "12.34", 5 becomes "0.05" and -150 becomes "-1.50". It works on
// integers only, for every int64.
func FormatAmount(minor int64) string {
	u := uint64(minor)
	sign := ""
	if minor < 0 {
		sign, u = "-", -u // two's complement negation is exact for math.MinInt64 too
	}
	cents := u % 100
	return sign + strconv.FormatUint(u/100, 10) + "." + string([]byte{byte('0' + cents/10), byte('0' + cents%10)})
}

// ParseAmount reads a non-negative decimal amount such as "12.34", "12.3"
// or "12" from an ISO 20022 message and returns it in cents. It accepts no
// sign, exponent, grouping or more than two fraction digits, and returns an
// error wrapping ErrAmountFormat for those and for amounts beyond int64.
func ParseAmount(s string) (int64, error) {
	whole, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			whole, frac = s[:i], s[i+1:]
			break
		}
	}
	if whole == "" || len(frac) > 2 || (len(frac) == 0 && len(whole) < len(s)) {
		return 0, fmt.Errorf("%w: want digits with up to two decimals, got %q", ErrAmountFormat, s)
	}
	var units uint64
	for i := 0; i < len(whole); i++ {
		if !isDigit(whole[i]) {
			return 0, fmt.Errorf("%w: want digits with up to two decimals, got %q", ErrAmountFormat, s)
		}
		units = units*10 + uint64(whole[i]-'0')
		if units > math.MaxInt64/100 {
			return 0, fmt.Errorf("%w: %q is too large", ErrAmountFormat, s)
		}
	}
	var cents uint64
	for i := 0; i < 2; i++ {
		cents *= 10
		if i < len(frac) {
			if !isDigit(frac[i]) {
				return 0, fmt.Errorf("%w: want digits with up to two decimals, got %q", ErrAmountFormat, s)
			}
			cents += uint64(frac[i] - '0')
		}
	}
	total := units*100 + cents
	if total > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %q is too large", ErrAmountFormat, s)
	}
	return int64(total), nil
}
