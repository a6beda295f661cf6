package engine

import (
	"fmt"
	"strconv"
)

// minimumAmount is the smallest payment amount in cents (€0.50).
const minimumAmount = 50

// minimumSofortAmount is the smallest Sofort payment in cents (€1.00).
const minimumSofortAmount = 100

// maximumAmount is the largest payment amount in cents: eight digits, €999,999.99.
const maximumAmount = 99_999_999

// checkAmount applies the bounds of one payment to amount (in cents, given
// as param): at least minimum (amount_too_small), at most eight digits
// (amount_too_large). Bounded amounts keep every sum of them (balances,
// funds received) far from int64's limits. The error's Data names the
// bound in cents ("minimum", "maximum"), which dialects word.
func checkAmount(amount, minimum int64, param string) error {
	if amount < minimum {
		return &Error{Kind: KindInvalid, Code: "amount_too_small", Param: param,
			Message: fmt.Sprintf("The amount is less than the minimum of %d cents.", minimum),
			Data:    map[string]string{"minimum": strconv.FormatInt(minimum, 10)}}
	}
	if amount > maximumAmount {
		return &Error{Kind: KindInvalid, Code: "amount_too_large", Param: param,
			Message: fmt.Sprintf("The amount is more than the maximum of %d cents.", int64(maximumAmount)),
			Data:    map[string]string{"maximum": strconv.FormatInt(maximumAmount, 10)}}
	}
	return nil
}
