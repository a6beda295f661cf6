package sepa

import (
	"testing"
	"time"
)

func TestRefundWindowEnd(t *testing.T) {
	tests := []struct {
		debit      time.Time
		authorised bool
		want       time.Time
	}{
		{date(2025, time.March, 3), true, date(2025, time.April, 28)},
		{date(2024, time.January, 15), true, date(2024, time.March, 11)}, // leap year
		{date(2025, time.March, 3), false, date(2026, time.April, 3)},
		{date(2025, time.January, 31), false, date(2026, time.February, 28)}, // clamped, not 3 March
		{date(2023, time.January, 31), false, date(2024, time.February, 29)}, // leap year
		{date(2025, time.March, 31), false, date(2026, time.April, 30)},
		{date(2025, time.May, 31), false, date(2026, time.June, 30)},
		{time.Date(2025, time.January, 31, 23, 59, 59, 5, time.UTC), false, time.Date(2026, time.February, 28, 23, 59, 59, 5, time.UTC)},
		{time.Date(2025, time.March, 3, 9, 15, 0, 0, time.UTC), true, time.Date(2025, time.April, 28, 9, 15, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		if got := RefundWindowEnd(tc.debit, tc.authorised); !got.Equal(tc.want) {
			t.Errorf("RefundWindowEnd(%s, %v) = %s, want %s", tc.debit, tc.authorised, got, tc.want)
		}
	}
}

func TestMandateLapse(t *testing.T) {
	tests := []struct{ last, want time.Time }{
		{date(2025, time.June, 15), date(2028, time.June, 15)},
		{date(2024, time.February, 29), date(2027, time.February, 28)}, // clamped, not 1 March
		{date(2025, time.August, 31), date(2028, time.August, 31)},
		{date(2025, time.October, 31), date(2028, time.October, 31)},
		{date(2023, time.February, 28), date(2026, time.February, 28)},
	}
	for _, tc := range tests {
		if got := MandateLapse(tc.last); !got.Equal(tc.want) {
			t.Errorf("MandateLapse(%s) = %s, want %s", tc.last, got, tc.want)
		}
	}
}

func TestReturnWindowEnd(t *testing.T) {
	tests := []struct{ settled, want time.Time }{
		{date(2025, time.June, 2), date(2025, time.June, 9)},
		{date(2025, time.April, 15), date(2025, time.April, 24)},       // over Easter
		{date(2025, time.December, 22), date(2025, time.December, 31)}, // over Christmas
		{date(2025, time.December, 29), date(2026, time.January, 6)},   // over New Year
	}
	for _, tc := range tests {
		if got := ReturnWindowEnd(tc.settled); !got.Equal(tc.want) {
			t.Errorf("ReturnWindowEnd(%s) = %s, want %s", tc.settled, got, tc.want)
		}
	}
}

func TestWindowConstants(t *testing.T) {
	if PreNotificationDays != 14 || RefundAuthorisedDays != 8*7 || RefundUnauthorisedMonths != 13 ||
		MandateLapseMonths != 36 || ReturnTargetDays != 5 {
		t.Error("SEPA Direct Debit time limits changed")
	}
}

func TestAddMonths(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		t    time.Time
		n    int
		want time.Time
	}{
		{date(2025, time.January, 31), 1, date(2025, time.February, 28)},
		{date(2024, time.January, 31), 1, date(2024, time.February, 29)},
		{date(2025, time.January, 31), 13, date(2026, time.February, 28)},
		{date(2025, time.January, 30), 2, date(2025, time.March, 30)},
		{date(2025, time.March, 31), -1, date(2025, time.February, 28)},
		{date(2025, time.March, 15), -15, date(2023, time.December, 15)},
		{date(2025, time.December, 31), 2, date(2026, time.February, 28)},
		{date(2025, time.June, 30), 0, date(2025, time.June, 30)},
		{date(2100, time.January, 29), 1, date(2100, time.February, 28)}, // 2100 is no leap year
		{date(2000, time.January, 29), 1, date(2000, time.February, 29)}, // 2000 is one
		// The time of day and zone stay, across a change to summer time.
		{time.Date(2025, time.January, 31, 10, 30, 0, 0, berlin), 2, time.Date(2025, time.March, 31, 10, 30, 0, 0, berlin)},
	}
	for _, tc := range tests {
		got := AddMonths(tc.t, tc.n)
		if !got.Equal(tc.want) || got.Location() != tc.want.Location() {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tc.t, tc.n, got, tc.want)
		}
	}
}
