package sepa

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidMax35Text(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"MANDATE-2025-0001", true},
		{"a", true},
		{"Ref 12/34 (x) ?:.,'+", true},
		{strings.Repeat("A", 35), true},
		{"", false},
		{strings.Repeat("A", 36), false},
		{"/ABC", false},
		{"ABC/", false},
		{"/", false},
		{"AB//C", false},
		{"A/B/C", true},
		{"ABC_1", false},
		{"ABC&1", false},
		{"Müller", false},
		{"ABC\n", false},
		{"ABC\t1", false},
		{"a\"b", false},
	}
	for _, tc := range tests {
		if got := ValidMax35Text(tc.in); got != tc.want {
			t.Errorf("ValidMax35Text(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidText(t *testing.T) {
	tests := []struct {
		in     string
		maxLen int
		want   bool
	}{
		{"Kontor GmbH", 70, true},
		{"/leading and trailing slash/ and // are fine here", 140, true},
		{strings.Repeat("x", 140), 140, true},
		{strings.Repeat("x", 141), 140, false},
		{"", 70, false},
		{"Kontor & Co", 70, false},
		{"Kontor\u00a0GmbH", 70, false},
	}
	for _, tc := range tests {
		if got := ValidText(tc.in, tc.maxLen); got != tc.want {
			t.Errorf("ValidText(%q, %d) = %v, want %v", tc.in, tc.maxLen, got, tc.want)
		}
	}
}

func TestTransliterate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Plain ASCII 0-9 /?:().,'+", "Plain ASCII 0-9 /?:().,'+"},
		{"Jürgen Müller", "Juergen Mueller"},
		{"JÜRGEN MÜLLER", "JUERGEN MUELLER"},
		{"Ärger", "Aerger"},
		{"Öl", "Oel"},
		{"Ü", "Ue"},
		{"MÜ", "MUE"},
		{"ÜB", "UEB"},
		{"Straße", "Strasse"},
		{"STRASSE ẞ", "STRASSE SS"},
		{"Hôtel Élysée", "Hotel Elysee"},
		{"Crème brûlée à la française", "Creme brulee a la francaise"},
		{"José Núñez", "Jose Nunez"},
		{"Łódź", "Lodz"},
		{"Dvořák Škoda", "Dvorak Skoda"},
		{"Søren Ærø Åse", "Soren Aero Ase"},
		{"Œuvre cœur", "Oeuvre coeur"},
		{"Þórður", "Thordur"},
		{"İstanbul ğ ş ı", "Istanbul g s i"},
		{"Smith & Sons", "Smith + Sons"},
		{"“Quote” ‘x’ «y»", "'Quote' 'x' 'y'"},
		{"a–b—c_d", "a-b-c-d"},
		{"[x]{y}<z>", "(x)(y)(z)"},
		{"a;b!", "a,b."},
		{"tab\tnew\nline\u00a0nbsp", "tab new line nbsp"},
		{"100 €", "100 ."},
		{"Ελλάδα", "......"},
		{"日本", ".."},
		{"a\xffb", "a.b"},
		{"a@b#c", "a.b.c"},
	}
	for _, tc := range tests {
		if got := Transliterate(tc.in); got != tc.want {
			t.Errorf("Transliterate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestTransliterationsTargetTheSet checks the table itself: every
// replacement must consist of SEPA characters, and no character of the set
// may be replaced.
func TestTransliterationsTargetTheSet(t *testing.T) {
	for r, to := range transliterations {
		if r < utf8.RuneSelf && isSEPAChar(byte(r)) {
			t.Errorf("%q is in the SEPA set but has a replacement", r)
		}
		if !ValidText(to, 3) {
			t.Errorf("%q maps to %q, outside the SEPA set", r, to)
		}
	}
}

func FuzzTransliterate(f *testing.F) {
	for _, s := range []string{"", "Jürgen Müller", "MÜ", "Smith & Sons", "a\xffb", "日本", "ẞ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Transliterate(s)
		if s != "" && !ValidText(got, len(got)) {
			t.Fatalf("Transliterate(%q) = %q, outside the SEPA set", s, got)
		}
		if utf8.RuneCountInString(got) < utf8.RuneCountInString(s) {
			t.Fatalf("Transliterate(%q) = %q lost characters", s, got)
		}
		if again := Transliterate(got); again != got {
			t.Fatalf("Transliterate not idempotent: %q then %q", got, again)
		}
	})
}

func FuzzValidMax35Text(f *testing.F) {
	for _, s := range []string{"MANDATE-1", "/x", "a//b", "", strings.Repeat("A", 36)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidMax35Text(s) {
			return
		}
		if len(s) < 1 || len(s) > 35 || s[0] == '/' || s[len(s)-1] == '/' || strings.Contains(s, "//") {
			t.Fatalf("ValidMax35Text(%q) = true", s)
		}
		if Transliterate(s) != s {
			t.Fatalf("Transliterate changed valid text %q", s)
		}
	})
}
