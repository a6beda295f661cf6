package sepa

import "time"

// Time limits of SEPA Direct Debit Core. Pre-notification, refunds and the
// mandate lapse count calendar days or months; returns count TARGET days.
const (
	// PreNotificationDays is how many calendar days before the due date the
	// creditor must at least notify the debtor, unless they agreed
	// otherwise.
	PreNotificationDays = 14
	// RefundAuthorisedDays is how long (8 weeks) the debtor may claim a
	// refund of an authorised debit, no questions asked (reason MD06).
	RefundAuthorisedDays = 56
	// RefundUnauthorisedMonths is how long the debtor may claim a refund of
	// a debit without a valid mandate (reason MD01).
	RefundUnauthorisedMonths = 13
	// MandateLapseMonths is how long a mandate stays usable after its last
	// collection, whatever became of that collection.
	MandateLapseMonths = 36
	// ReturnTargetDays is how many TARGET days after settlement the debtor
	// bank may return a collection.
	ReturnTargetDays = 5
)

// RefundWindowEnd returns the last moment at which the debtor may claim a
// refund of a debit made at debit: 56 calendar days later for an authorised
// debit, 13 months later (AddMonths: 31 January plus 13 months is the last
// day of February of the next year) for an unauthorised one.
func RefundWindowEnd(debit time.Time, authorised bool) time.Time {
	if authorised {
		return debit.AddDate(0, 0, RefundAuthorisedDays)
	}
	return AddMonths(debit, RefundUnauthorisedMonths)
}

// MandateLapse returns when a mandate whose last collection was due at
// lastCollection lapses: 36 months later (AddMonths: 29 February plus 36
// months is 28 February). A mandate never used lapses 36 months after it
// was signed.
func MandateLapse(lastCollection time.Time) time.Time {
	return AddMonths(lastCollection, MandateLapseMonths)
}

// AddMonths returns t moved by n calendar months (back for negative n),
// keeping its time of day and location. A day that the target month lacks
// becomes the month's last day: 31 January plus one month is 28 or 29
// February, never 2 or 3 March as time.AddDate would normalise it, because a
// period counted in months ends in the month it names.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := daysIn(first.Year(), first.Month()); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	return time.Date(first.Year(), first.Month(), d, hh, mm, ss, t.Nanosecond(), t.Location())
}

// daysIn returns the number of days of month m in year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ReturnWindowEnd returns the last TARGET day on which the debtor bank may
// return a collection settled at settlement: D+5 TARGET days.
func ReturnWindowEnd(settlement time.Time) time.Time {
	return AddTargetDays(settlement, ReturnTargetDays)
}
