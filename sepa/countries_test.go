package sepa

import (
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestIBANLengths compares the country table with the IBAN lengths of the
// SEPA rules.
func TestIBANLengths(t *testing.T) {
	const lengths = "AT20 BE16 BG22 HR21 CY28 CZ24 DK18 EE20 FI18 FR27 DE22 GR27 HU28 IE22 IT27 LV21 LT20 LU20 MT31 NL18 " +
		"PL28 PT25 RO24 SK24 SI19 ES24 SE24 IS26 LI21 NO15 CH21 GB22 MC27 SM27 AD24 VA22 GI23 AL28 ME22 MD24 MK19 RS22"
	want := map[string]string{}
	for _, f := range strings.Fields(lengths) {
		want[f[:2]] = f[2:]
	}
	if len(want) != len(countries) {
		t.Errorf("rules list %d countries, table has %d", len(want), len(countries))
	}
	for cc, c := range countries {
		got := 4 + c.bban.length()
		if w, ok := want[cc]; !ok || w != strconv.Itoa(got) {
			t.Errorf("%s: IBAN length %d, rules say %q", cc, got, w)
		}
	}
}

// TestCountryTableSpans checks that every bank and branch identifier lies
// inside the BBAN and that the two do not overlap.
func TestCountryTableSpans(t *testing.T) {
	for cc, c := range countries {
		n := c.bban.length()
		if c.bank.start < 0 || c.bank.end <= c.bank.start || c.bank.end > n {
			t.Errorf("%s: bank span %v outside BBAN of %d", cc, c.bank, n)
		}
		if c.branch != (span{}) {
			if c.branch.start < c.bank.end || c.branch.end <= c.branch.start || c.branch.end > n {
				t.Errorf("%s: branch span %v bad after bank %v in BBAN of %d", cc, c.branch, c.bank, n)
			}
		}
	}
}

func TestSchemeCountries(t *testing.T) {
	const (
		eu   = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
		efta = "IS LI NO"
		rest = "CH GB MC SM AD VA AL ME MK MD RS"
	)
	var all []string
	for _, group := range []string{eu, efta, rest} {
		all = append(all, strings.Fields(group)...)
	}
	if len(all) != 41 {
		t.Fatalf("test lists %d scheme countries, want 41", len(all))
	}
	for _, cc := range append(all, "GI") {
		if !IsSEPACountry(cc) {
			t.Errorf("IsSEPACountry(%q) = false", cc)
		}
	}
	var sepa []string
	for cc := range countries {
		sepa = append(sepa, cc)
	}
	sort.Strings(sepa)
	if len(sepa) != 42 {
		t.Errorf("table has %d countries %v, want the 41 scheme countries and GI", len(sepa), sepa)
	}

	eea := strings.Fields(eu + " " + efta)
	if len(eea) != 30 {
		t.Fatalf("test lists %d EEA countries, want 30", len(eea))
	}
	for _, cc := range eea {
		if !IsEEACountry(cc) {
			t.Errorf("IsEEACountry(%q) = false", cc)
		}
		if RequiresBICAndAddress(cc) {
			t.Errorf("RequiresBICAndAddress(%q) = true", cc)
		}
	}
	for _, cc := range strings.Fields(rest + " GI") {
		if IsEEACountry(cc) {
			t.Errorf("IsEEACountry(%q) = true", cc)
		}
		if !RequiresBICAndAddress(cc) {
			t.Errorf("RequiresBICAndAddress(%q) = false", cc)
		}
	}
	for _, cc := range []string{"", "de", "US", "TR", "FO", "GL", "AX", "JE", "XX", "DEU"} {
		if IsSEPACountry(cc) || IsEEACountry(cc) || RequiresBICAndAddress(cc) {
			t.Errorf("%q reported as SEPA, EEA or needing BIC and address", cc)
		}
	}
}

func TestMustBBAN(t *testing.T) {
	got := mustBBAN("4!a6!n8!n")
	want := bbanFormat{{4, 'a'}, {6, 'n'}, {8, 'n'}}
	if len(got) != len(want) {
		t.Fatalf("mustBBAN = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("mustBBAN = %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"4", "4!", "4!x", "!n", "0!n", "4n", "4!a6"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("mustBBAN(%q) did not panic", bad)
				}
			}()
			mustBBAN(bad)
		}()
	}
}

func TestBBANMatches(t *testing.T) {
	f := mustBBAN("1!a2!n2!c")
	tests := []struct {
		in   string
		want bool
	}{
		{"X12A3", true},
		{"X1234", true},
		{"X12AB", true},
		{"112A3", false},
		{"XA2A3", false},
		{"X12a3", false},
		{"X12A", false},
		{"X12A34", false},
	}
	for _, tc := range tests {
		if got := f.matches(tc.in); got != tc.want {
			t.Errorf("matches(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
