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
// debit, 13 months later (by time.AddDate, so 31 January plus 13 months
// normalises to 3 March of the next year) for an unauthorised one.
func RefundWindowEnd(debit time.Time, authorised bool) time.Time {
	if authorised {
		return debit.AddDate(0, 0, RefundAuthorisedDays)
	}
	return debit.AddDate(0, RefundUnauthorisedMonths, 0)
}

// MandateLapse returns when a mandate whose last collection was due at
// lastCollection lapses: 36 months later. A mandate never used lapses 36
// months after it was signed.
func MandateLapse(lastCollection time.Time) time.Time {
	return lastCollection.AddDate(0, MandateLapseMonths, 0)
}

// ReturnWindowEnd returns the last TARGET day on which the debtor bank may
// return a collection settled at settlement: D+5 TARGET days.
func ReturnWindowEnd(settlement time.Time) time.Time {
	return AddTargetDays(settlement, ReturnTargetDays)
}
