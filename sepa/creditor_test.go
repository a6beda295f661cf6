package sepa

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCreditorID(t *testing.T) {
	tests := []struct {
		in, want, country, business, national string
	}{
		{"DE98ZZZ09999999999", "DE98ZZZ09999999999", "DE", "ZZZ", "09999999999"},
		{"de98 zzz 0999 9999 999", "DE98ZZZ09999999999", "DE", "ZZZ", "09999999999"},
		// The business code does not enter the check digits.
		{"DE98ABC09999999999", "DE98ABC09999999999", "DE", "ABC", "09999999999"},
		{"DE9800109999999999", "DE9800109999999999", "DE", "001", "09999999999"},
		// Examples of other countries' creditor identifiers.
		{"FR72ZZZ123456", "FR72ZZZ123456", "FR", "ZZZ", "123456"},
		{"ES59ZZZX1234567L", "ES59ZZZX1234567L", "ES", "ZZZ", "X1234567L"},
		{"AT61ZZZ01234567890", "AT61ZZZ01234567890", "AT", "ZZZ", "01234567890"},
		{"NL79ZZZ999999990000", "NL79ZZZ999999990000", "NL", "ZZZ", "999999990000"},
		{"IT66ZZZA1B2C3D4E5F6G7H8", "IT66ZZZA1B2C3D4E5F6G7H8", "IT", "ZZZ", "A1B2C3D4E5F6G7H8"},
		// Countries without a published structure need only the general one.
		{"LU96ZZZ0000000000000000058", "LU96ZZZ0000000000000000058", "LU", "ZZZ", "0000000000000000058"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			ci, err := ParseCreditorID(tc.in)
			if err != nil || string(ci) != tc.want {
				t.Fatalf("ParseCreditorID(%q) = %q, %v; want %q", tc.in, ci, err, tc.want)
			}
			if ci.Country() != tc.country || ci.BusinessCode() != tc.business || ci.NationalID() != tc.national {
				t.Errorf("parts = %q %q %q, want %q %q %q",
					ci.Country(), ci.BusinessCode(), ci.NationalID(), tc.country, tc.business, tc.national)
			}
		})
	}
}

func TestParseCreditorIDErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrCreditorIDLength},
		{"DE98ZZZ", ErrCreditorIDLength},
		{"DE98ZZZ" + strings.Repeat("9", 29), ErrCreditorIDLength}, // 36 characters
		{"DE98-ZZZ-09999999999", ErrCreditorIDFormat},
		{"DE98ZZZ0999999999Ä", ErrCreditorIDFormat},
		{"1E98ZZZ09999999999", ErrCreditorIDFormat},
		{"DEX8ZZZ09999999999", ErrCreditorIDFormat},
		{"US98ZZZ09999999999", ErrCreditorIDCountry},
		{"DE97ZZZ09999999999", ErrCreditorIDChecksum},
		{"DE98ZZZ09999999990", ErrCreditorIDChecksum},
		{"AT98ZZZ09999999999", ErrCreditorIDChecksum},
		// Per-country structure: a German identifier has 18 characters,
		// all digits behind the business code; a French one 13.
		{"DE13ZZZ123", ErrCreditorIDLength},
		{"DE98ZZZ0999999999", ErrCreditorIDLength},
		{"DE98ZZZ099999999999", ErrCreditorIDLength},
		{"DE35ZZZ0999999999A", ErrCreditorIDFormat},
		{"FR72ZZZ1234567", ErrCreditorIDLength},
		{"AT61ZZZ0123456789", ErrCreditorIDLength},
		{"NL79ZZZ99999999000", ErrCreditorIDLength},
		{"BE68ZZZ012345678", ErrCreditorIDLength},
		{"PT27ZZZ12345A", ErrCreditorIDFormat},
	}
	for _, tc := range tests {
		ci, err := ParseCreditorID(tc.in)
		if !errors.Is(err, tc.want) || ci != "" {
			t.Errorf("ParseCreditorID(%q) = %q, %v; want %v", tc.in, ci, err, tc.want)
		}
	}
}

func TestNewCreditorID(t *testing.T) {
	tests := []struct {
		country, business, national, want string
	}{
		{"DE", "ZZZ", "09999999999", "DE98ZZZ09999999999"},
		{"DE", "", "09999999999", "DE98ZZZ09999999999"},
		{"de", "abc", "09999999999", "DE98ABC09999999999"},
		{"ES", "ZZZ", "x1234567l", "ES59ZZZX1234567L"},
		{"FR", "ZZZ", "123456", "FR72ZZZ123456"},
	}
	for _, tc := range tests {
		got, err := NewCreditorID(tc.country, tc.business, tc.national)
		if err != nil || string(got) != tc.want {
			t.Errorf("NewCreditorID(%q, %q, %q) = %q, %v; want %q", tc.country, tc.business, tc.national, got, err, tc.want)
		}
	}
}

func TestNewCreditorIDErrors(t *testing.T) {
	tests := []struct {
		country, business, national string
		want                        error
	}{
		{"D", "ZZZ", "0999", ErrCreditorIDFormat},
		{"DEU", "ZZZ", "0999", ErrCreditorIDFormat},
		{"DE", "ZZ", "0999", ErrCreditorIDFormat},
		{"DE", "ZZZ", "", ErrCreditorIDFormat},
		{"DE", "ZZZ", "09-99", ErrCreditorIDFormat},
		{"D1", "ZZZ", "0999", ErrCreditorIDFormat},
		{"US", "ZZZ", "0999", ErrCreditorIDCountry},
		{"DE", "ZZZ", "0999999999999999999999999999999", ErrCreditorIDLength},
	}
	for _, tc := range tests {
		got, err := NewCreditorID(tc.country, tc.business, tc.national)
		if !errors.Is(err, tc.want) || got != "" {
			t.Errorf("NewCreditorID(%q, %q, %q) = %q, %v; want %v", tc.country, tc.business, tc.national, got, err, tc.want)
		}
	}
}

func TestCreditorIDPartsOfArbitraryValues(t *testing.T) {
	for _, c := range []CreditorID{"", "D", "DE98ZZ"} {
		_ = c.Country()
		if c.BusinessCode() != "" || c.NationalID() != "" {
			t.Errorf("%q: parts %q %q, want empty", c, c.BusinessCode(), c.NationalID())
		}
	}
}

func FuzzParseCreditorID(f *testing.F) {
	for _, s := range []string{"DE98ZZZ09999999999", "de98 abc 09999999999", "DE97ZZZ09999999999", "", "FR72ZZZ123456", "DE13ZZZ123", "BE68ZZZ0123456789", "LU96ZZZ0000000000000000058"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ci, err := ParseCreditorID(s)
		if err != nil {
			if ci != "" {
				t.Fatalf("ParseCreditorID(%q) = %q with error %v", s, ci, err)
			}
			for _, sentinel := range []error{ErrCreditorIDFormat, ErrCreditorIDCountry, ErrCreditorIDLength, ErrCreditorIDChecksum} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("ParseCreditorID(%q): error %v wraps no sentinel", s, err)
		}
		if formats, ok := creditorFormats[ci.Country()]; ok {
			matched := false
			for _, f := range formats {
				matched = matched || f.matches(ci.NationalID())
			}
			if !matched {
				t.Fatalf("ParseCreditorID(%q) accepted a national identifier outside the %s formats", s, ci.Country())
			}
		}
		rebuilt, err := NewCreditorID(ci.Country(), ci.BusinessCode(), ci.NationalID())
		if err != nil || rebuilt != ci {
			t.Fatalf("NewCreditorID from parts of %q = %q, %v", ci, rebuilt, err)
		}
	})
}
