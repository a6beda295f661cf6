package sepa

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestEasterSunday(t *testing.T) {
	tests := []struct {
		year  int
		month time.Month
		day   int
	}{
		{1818, time.March, 22}, // earliest possible
		{1943, time.April, 25}, // latest possible
		{2000, time.April, 23},
		{2008, time.March, 23},
		{2011, time.April, 24},
		{2019, time.April, 21},
		{2024, time.March, 31},
		{2025, time.April, 20},
		{2026, time.April, 5},
		{2027, time.March, 28},
		{2038, time.April, 25},
	}
	for _, tc := range tests {
		m, d := easterSunday(tc.year)
		if m != tc.month || d != tc.day {
			t.Errorf("easterSunday(%d) = %s %d, want %s %d", tc.year, m, d, tc.month, tc.day)
		}
	}
}

func TestIsTargetDay(t *testing.T) {
	tests := []struct {
		day  time.Time
		want bool
		why  string
	}{
		{date(2024, time.March, 29), false, "Good Friday 2024"},
		{date(2024, time.April, 1), false, "Easter Monday 2024"},
		{date(2024, time.March, 28), true, "Maundy Thursday 2024"},
		{date(2024, time.April, 2), true, "Tuesday after Easter 2024"},
		{date(2025, time.April, 18), false, "Good Friday 2025"},
		{date(2025, time.April, 21), false, "Easter Monday 2025"},
		{date(2026, time.April, 3), false, "Good Friday 2026"},
		{date(2026, time.April, 6), false, "Easter Monday 2026"},
		{date(2027, time.March, 26), false, "Good Friday 2027"},
		{date(2027, time.March, 29), false, "Easter Monday 2027"},
		{date(2025, time.January, 1), false, "New Year's Day"},
		{date(2025, time.May, 1), false, "Labour Day"},
		{date(2025, time.December, 25), false, "Christmas Day"},
		{date(2025, time.December, 26), false, "Boxing Day"},
		{date(2025, time.December, 24), true, "Christmas Eve"},
		{date(2025, time.December, 31), true, "New Year's Eve"},
		{date(2025, time.October, 3), true, "German Unity Day is not a TARGET holiday"},
		{date(2025, time.May, 29), true, "Ascension is not a TARGET holiday"},
		{date(2025, time.June, 7), false, "Saturday"},
		{date(2025, time.June, 8), false, "Sunday"},
		{date(2025, time.June, 9), true, "Whit Monday is not a TARGET holiday"},
		{time.Date(2025, time.June, 6, 23, 59, 59, 0, time.UTC), true, "Friday night"},
	}
	for _, tc := range tests {
		if got := IsTargetDay(tc.day); got != tc.want {
			t.Errorf("IsTargetDay(%s) = %v, want %v (%s)", tc.day.Format("2006-01-02"), got, tc.want, tc.why)
		}
	}
}

func TestIsTargetDayUsesOwnLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	// Friday 2025-06-06 20:00 UTC is already Saturday in Tokyo.
	instant := time.Date(2025, time.June, 6, 20, 0, 0, 0, time.UTC)
	if !IsTargetDay(instant) {
		t.Error("Friday in UTC is not a TARGET day")
	}
	if IsTargetDay(instant.In(tokyo)) {
		t.Error("Saturday in Tokyo is a TARGET day")
	}
}

func TestAddTargetDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	tests := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{date(2025, time.June, 4), 0, date(2025, time.June, 4)},
		{date(2025, time.June, 7), 0, date(2025, time.June, 7)}, // Saturday stays
		{date(2025, time.June, 4), 1, date(2025, time.June, 5)},
		{date(2025, time.June, 6), 1, date(2025, time.June, 9)},  // Friday → Monday
		{date(2025, time.June, 7), 1, date(2025, time.June, 9)},  // Saturday → Monday
		{date(2025, time.June, 6), 5, date(2025, time.June, 13)}, // D+5
		{date(2025, time.April, 17), 1, date(2025, time.April, 22)},
		{date(2024, time.March, 28), 1, date(2024, time.April, 2)},
		{date(2025, time.December, 24), 1, date(2025, time.December, 29)},
		{date(2025, time.December, 31), 1, date(2026, time.January, 2)},
		{date(2026, time.April, 30), 1, date(2026, time.May, 4)},
		{date(2025, time.June, 9), -1, date(2025, time.June, 6)}, // D-1 of Monday
		{date(2025, time.April, 22), -1, date(2025, time.April, 17)},
		{date(2026, time.January, 2), -2, date(2025, time.December, 30)},
		{date(2025, time.June, 7), -1, date(2025, time.June, 6)},
		// The time of day and location are kept, across the change to
		// summer time on 30 March 2025.
		{time.Date(2025, time.March, 28, 10, 30, 0, 7, berlin), 1, time.Date(2025, time.March, 31, 10, 30, 0, 7, berlin)},
	}
	for _, tc := range tests {
		got := AddTargetDays(tc.from, tc.n)
		if !got.Equal(tc.want) || got.Location() != tc.want.Location() {
			t.Errorf("AddTargetDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestAddTargetDaysZeroKeepsValue(t *testing.T) {
	now := time.Date(2025, time.June, 7, 12, 0, 0, 0, time.Local)
	if got := AddTargetDays(now, 0); got != now {
		t.Errorf("AddTargetDays(t, 0) = %v, want %v unchanged", got, now)
	}
}

func TestNextTargetDay(t *testing.T) {
	tests := []struct{ from, want time.Time }{
		{date(2025, time.June, 4), date(2025, time.June, 5)},
		{date(2025, time.June, 6), date(2025, time.June, 9)},
		{date(2025, time.April, 17), date(2025, time.April, 22)},
		{date(2025, time.December, 24), date(2025, time.December, 29)},
	}
	for _, tc := range tests {
		if got := NextTargetDay(tc.from); !got.Equal(tc.want) {
			t.Errorf("NextTargetDay(%s) = %s, want %s", tc.from, got, tc.want)
		}
	}
}

func TestTargetDaysBetween(t *testing.T) {
	tests := []struct {
		a, b time.Time
		want int
	}{
		{date(2025, time.June, 4), date(2025, time.June, 4), 0},
		{date(2025, time.June, 4), date(2025, time.June, 5), 1},
		{date(2025, time.June, 6), date(2025, time.June, 9), 1},
		{date(2025, time.June, 7), date(2025, time.June, 8), 0},
		{date(2025, time.June, 9), date(2025, time.June, 6), -1},
		{date(2025, time.April, 17), date(2025, time.April, 22), 1},
		{date(2024, time.December, 31), date(2025, time.December, 31), 255},
		{time.Date(2025, time.June, 4, 23, 0, 0, 0, time.UTC), time.Date(2025, time.June, 5, 1, 0, 0, 0, time.UTC), 1},
	}
	for _, tc := range tests {
		if got := TargetDaysBetween(tc.a, tc.b); got != tc.want {
			t.Errorf("TargetDaysBetween(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestTargetDaysBetweenAgreesWithDayByDay compares the arithmetic count
// with a day-by-day count and with AddTargetDays over several years,
// including dates before 1970.
func TestTargetDaysBetweenAgreesWithDayByDay(t *testing.T) {
	start := date(1968, time.December, 20)
	count := 0
	for d := start; d.Year() < 1972; d = d.AddDate(0, 0, 1) {
		if got := TargetDaysBetween(start, d); got != count {
			t.Fatalf("TargetDaysBetween(%s, %s) = %d, want %d", start, d, got, count)
		}
		if got := TargetDaysBetween(d, start); got != -count {
			t.Fatalf("TargetDaysBetween(%s, %s) = %d, want %d", d, start, got, -count)
		}
		next := d.AddDate(0, 0, 1)
		if IsTargetDay(next) {
			count++
		}
	}
	for from := date(2023, time.December, 15); from.Year() < 2028; from = from.AddDate(0, 0, 3) {
		for _, n := range []int{0, 1, 2, 5, 23, 260} {
			if got := TargetDaysBetween(from, AddTargetDays(from, n)); got != n {
				t.Fatalf("TargetDaysBetween(%s, AddTargetDays(%d)) = %d", from, n, got)
			}
		}
	}
}

// TestTargetYearCounts checks the number of TARGET days in whole years.
func TestTargetYearCounts(t *testing.T) {
	tests := []struct{ year, days int }{
		{2024, 256}, // leap year; 1 Jan Mon, 1 May Wed, 25/26 Dec Wed/Thu
		{2025, 255}, // all six holidays on weekdays
		{2026, 256}, // 26 December is a Saturday
	}
	for _, tc := range tests {
		got := TargetDaysBetween(date(tc.year-1, time.December, 31), date(tc.year, time.December, 31))
		if got != tc.days {
			t.Errorf("TARGET days in %d = %d, want %d", tc.year, got, tc.days)
		}
	}
}
