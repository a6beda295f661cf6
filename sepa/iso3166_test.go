package sepa

import "testing"

func TestIsCountryCode(t *testing.T) {
	if n := len(iso3166Codes); n != 249 {
		t.Errorf("%d codes, want the 249 officially assigned", n)
	}
	for _, c := range []string{"DE", "FR", "GB", "US", "AX", "SS", "ZW"} {
		if !IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = false", c)
		}
	}
	for _, c := range []string{"XX", "UK", "EU", "de", "D", "DEU", "", "ZZ", "AA"} {
		if IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = true", c)
		}
	}
}
