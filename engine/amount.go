package engine

// minimumAmount is the smallest payment amount in cents (€0.50).
const minimumAmount = 50

// minimumSofortAmount is the smallest Sofort payment in cents (€1.00).
const minimumSofortAmount = 100

// maximumAmount is the largest payment amount in cents: eight digits, €999,999.99.
const maximumAmount = 99_999_999

// checkAmount applies the bounds of one payment to amount (in cents, given
// as param): at least minimum (amount_too_small), at most eight digits
// (amount_too_large). Bounded amounts keep every sum of them (balances,
// funds received) far from int64's limits.
func checkAmount(amount, minimum int64, param string) error {
	if amount < minimum {
		return Invalid("amount_too_small", param, "Amount must be at least €%d.%02d eur", minimum/100, minimum%100)
	}
	if amount > maximumAmount {
		return Invalid("amount_too_large", param, "Amount must be no more than €999,999.99")
	}
	return nil
}
