package sepa

import (
	"errors"
	"math"
	"testing"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{5, "0.05"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{1234, "12.34"},
		{100000, "1000.00"},
		{MaxAmount, "999999999.99"},
		{-1, "-0.01"},
		{-150, "-1.50"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tc := range tests {
		if got := FormatAmount(tc.minor); got != tc.want {
			t.Errorf("FormatAmount(%d) = %q, want %q", tc.minor, got, tc.want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"0.01", 1},
		{"12.34", 1234},
		{"12.3", 1230},
		{"12", 1200},
		{"007.50", 750},
		{"999999999.99", MaxAmount},
		{"92233720368547758.07", math.MaxInt64},
	}
	for _, tc := range tests {
		got, err := ParseAmount(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseAmountErrors(t *testing.T) {
	for _, in := range []string{
		"", ".", "12.", ".5", "1.234", "-1.00", "+1.00", "1,00", "1 000.00", "1e3", "0x10",
		"12.3a", "1.2.3", " 12.34", "12.34 ", "92233720368547758.08", "99999999999999999999",
	} {
		got, err := ParseAmount(in)
		if !errors.Is(err, ErrAmountFormat) || got != 0 {
			t.Errorf("ParseAmount(%q) = %d, %v; want ErrAmountFormat", in, got, err)
		}
	}
}

func TestValidAmount(t *testing.T) {
	tests := []struct {
		minor int64
		want  bool
	}{
		{math.MinInt64, false}, {-1, false}, {0, false}, {1, true}, {MaxAmount, true}, {MaxAmount + 1, false},
	}
	for _, tc := range tests {
		if got := ValidAmount(tc.minor); got != tc.want {
			t.Errorf("ValidAmount(%d) = %v, want %v", tc.minor, got, tc.want)
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "12.34", "12.3", "1.234", "92233720368547758.07", "92233720368547758.08", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		minor, err := ParseAmount(s)
		if err != nil {
			if !errors.Is(err, ErrAmountFormat) {
				t.Fatalf("ParseAmount(%q): %v wraps no sentinel", s, err)
			}
			return
		}
		if minor < 0 {
			t.Fatalf("ParseAmount(%q) = %d", s, minor)
		}
		back, err := ParseAmount(FormatAmount(minor))
		if err != nil || back != minor {
			t.Fatalf("round trip of %d via %q = %d, %v", minor, FormatAmount(minor), back, err)
		}
	})
}

func FuzzFormatAmount(f *testing.F) {
	for _, n := range []int64{0, 1, 1234, MaxAmount, math.MaxInt64} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, minor int64) {
		if minor < 0 {
			return
		}
		back, err := ParseAmount(FormatAmount(minor))
		if err != nil || back != minor {
			t.Fatalf("round trip of %d via %q = %d, %v", minor, FormatAmount(minor), back, err)
		}
	})
}
