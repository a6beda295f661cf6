package sepa

import (
	"errors"
	"testing"
)

func TestParseBIC(t *testing.T) {
	tests := []struct {
		in, want, country string
	}{
		{"PBNKDEFFXXX", "PBNKDEFFXXX", "DE"},
		{"PBNKDEFF", "PBNKDEFF", "DE"},
		{"pbnkdeffxxx", "PBNKDEFFXXX", "DE"},
		{"DEUT DE FF 500", "DEUTDEFF500", "DE"},
		{"BNPAFRPP", "BNPAFRPP", "FR"},
		{"NWBKGB2L", "NWBKGB2L", "GB"},
		{"UBSWCHZH80A", "UBSWCHZH80A", "CH"},
		{"ABCDEF2A", "ABCDEF2A", "EF"},
		{"ABCDEF99", "ABCDEF99", "EF"},
		{"ABCDEFZN123", "ABCDEFZN123", "EF"},
		{"DEUTDEFFXXX", "DEUTDEFFXXX", "DE"},
		{"DEUTDEFFAXX", "DEUTDEFFAXX", "DE"}, // X is reserved only as the first branch character
		{"DEUTDEFF9XX", "DEUTDEFF9XX", "DE"},
	}
	for _, tc := range tests {
		got, err := ParseBIC(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseBIC(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if c := BICCountry(tc.in); c != tc.country {
			t.Errorf("BICCountry(%q) = %q, want %q", tc.in, c, tc.country)
		}
	}
}

func TestParseBICErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"PBNKDEF",         // 7
		"PBNKDEFFX",       // 9
		"PBNKDEFFXX",      // 10
		"PBNKDEFFXXXX",    // 12
		"PBN1DEFFXXX",     // digit in institution code
		"PBNKD3FFXXX",     // digit in country code
		"PBNKDE0F",        // location starts with 0
		"PBNKDE1F",        // location starts with 1
		"PBNKDEFO",        // location ends with O: test BIC
		"PBNKDEFFXX-",     // punctuation in branch
		"PBNK-DE-FF",      // dashes are not removed
		"PBNKDEFF\tXXX",   // tabs are not removed
		"PBNKDEFFXXÄ",     // non-ASCII
		"PBNKDEFFXXX\x00", // control character
		"PBNKDEFFX01",     // branch codes starting with X are reserved…
		"PBNKDEFFXAB",     // …except XXX
		"PBNKDEFFXXA",
		"PBNKDEFFXX1",
	} {
		got, err := ParseBIC(in)
		if !errors.Is(err, ErrBICFormat) || got != "" {
			t.Errorf("ParseBIC(%q) = %q, %v; want ErrBICFormat", in, got, err)
		}
		if c := BICCountry(in); c != "" {
			t.Errorf("BICCountry(%q) = %q, want \"\"", in, c)
		}
	}
}

func FuzzParseBIC(f *testing.F) {
	for _, s := range []string{"PBNKDEFFXXX", "pbnkdeff", "PBNKDEFO", "DEUT DE FF 500", "", "ÄÄÄÄ", "PBNKDEFFX01", "PBNKDEFFAXX"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bic, err := ParseBIC(s)
		if err != nil {
			if !errors.Is(err, ErrBICFormat) || bic != "" {
				t.Fatalf("ParseBIC(%q) = %q, %v", s, bic, err)
			}
			return
		}
		if len(bic) != 8 && len(bic) != 11 {
			t.Fatalf("ParseBIC(%q) = %q of length %d", s, bic, len(bic))
		}
		if len(bic) == 11 && bic[8] == 'X' && bic[8:] != "XXX" {
			t.Fatalf("ParseBIC(%q) accepted the reserved branch code %q", s, bic[8:])
		}
		if again, err := ParseBIC(bic); err != nil || again != bic {
			t.Fatalf("ParseBIC not idempotent on %q: %q, %v", bic, again, err)
		}
		if c := BICCountry(s); c != bic[4:6] {
			t.Fatalf("BICCountry(%q) = %q", s, c)
		}
	})
}
