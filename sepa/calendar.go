package sepa

import "time"

// The TARGET calendar decides which days count as inter-bank business days:
// D-1 presentation of direct debits, D+1 execution of credit transfers and
// D+5 returns are counted in TARGET days. TARGET (T2) is closed on
// Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 and
// 26 December. These rules are applied to every year, including years
// before TARGET existed.
//
// The functions look at the calendar date of a time.Time in its own
// location (t.Date()). The same instant can fall on different dates in
// different zones, so callers should convert consistently, for example
// always to Europe/Berlin (CET, the zone TARGET runs in) or always to UTC.

// IsTargetDay reports whether the calendar date of t, in t's location, is a
// TARGET day. Convert t to one zone consistently before asking, preferably
// Europe/Berlin (CET/CEST, TARGET's own) or else UTC: late on a Friday in UTC
// it is already Saturday further east.
func IsTargetDay(t time.Time) bool {
	y, m, d := t.Date()
	return isTargetDate(y, m, d)
}

func isTargetDate(y int, m time.Month, d int) bool {
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch date.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	switch {
	case m == time.January && d == 1,
		m == time.May && d == 1,
		m == time.December && (d == 25 || d == 26):
		return false
	}
	em, ed := easterSunday(y)
	switch date.YearDay() - time.Date(y, em, ed, 0, 0, 0, 0, time.UTC).YearDay() {
	case -2, 1: // Good Friday, Easter Monday
		return false
	}
	return true
}

// easterSunday returns the date of Easter Sunday in the Gregorian calendar
// for year y, by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
func easterSunday(y int) (time.Month, int) {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Month(month), day
}

// AddTargetDays returns the n-th TARGET day after t, with t's time of day
// and location; for negative n it returns the |n|-th TARGET day before t.
// For n = 0 it returns t unchanged, even if t is not a TARGET day. On days
// when a daylight saving change skips t's clock time, time.Date's
// normalisation applies.
func AddTargetDays(t time.Time, n int) time.Time {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	y, m, d := t.Date()
	offset := 0
	for n > 0 {
		offset += step
		if isTargetDate(normalDate(y, m, d+offset)) {
			n--
		}
	}
	if offset == 0 {
		return t
	}
	hh, mm, ss := t.Clock()
	return time.Date(y, m, d+offset, hh, mm, ss, t.Nanosecond(), t.Location())
}

// NextTargetDay returns the first TARGET day strictly after t's date, with
// t's time of day; it is AddTargetDays(t, 1). To roll a date forward only
// when it is not a TARGET day, test it with IsTargetDay first.
func NextTargetDay(t time.Time) time.Time {
	return AddTargetDays(t, 1)
}

// TargetDaysBetween returns how many TARGET days lie after a's date up to
// and including b's date, so that TargetDaysBetween(a, AddTargetDays(a, n))
// is n for every n ≥ 0. If b's date is before a's, the result is
// -TargetDaysBetween(b, a). Times of day are ignored; each date is taken in
// its own location.
func TargetDaysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	from, to := dayNumber(ay, am, ad), dayNumber(by, bm, bd)
	if to < from {
		return -TargetDaysBetween(b, a)
	}
	n := weekdaysThrough(to) - weekdaysThrough(from)
	for y := ay; y <= by; y++ {
		em, ed := easterSunday(y)
		easter := dayNumber(y, em, ed)
		for _, h := range []int64{
			dayNumber(y, time.January, 1),
			easter - 2,
			easter + 1,
			dayNumber(y, time.May, 1),
			dayNumber(y, time.December, 25),
			dayNumber(y, time.December, 26),
		} {
			if from < h && h <= to && isWeekday(h) {
				n--
			}
		}
	}
	return int(n)
}

// normalDate returns the normalised form of a date whose day may be out of
// range, as time.Date would.
func normalDate(y int, m time.Month, d int) (int, time.Month, int) {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Date()
}

// dayNumber returns the number of days from 1970-01-01 to the given date.
func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// weekdaysThrough returns the number of Mondays to Fridays from the Monday
// 1970-01-05 (day 4) through day x, negative before it. Differences of two
// results count the weekdays in between.
func weekdaysThrough(x int64) int64 {
	s := x - 4
	w := s / 7
	if s%7 < 0 {
		w--
	}
	r := s - 7*w // 0 = Monday … 6 = Sunday
	return 5*w + min(r+1, 5)
}

// isWeekday reports whether day number x falls on Monday to Friday.
func isWeekday(x int64) bool {
	r := (x - 4) % 7
	if r < 0 {
		r += 7
	}
	return r < 5
}
