package sepa

import (
	"fmt"
	"strconv"
	"strings"
)

// A country describes how one SEPA country builds its IBANs and whether it
// belongs to the European Economic Area.
type country struct {
	// bban is the structure of the national part of the IBAN in the
	// notation of the ISO 13616 registry, for example "8!n10!n".
	bban bbanFormat
	// bank and branch locate the bank and branch identifiers inside the
	// BBAN; a zero span means the country has no such identifier.
	bank, branch span
	// eea is true for the EU member states, Iceland, Liechtenstein and
	// Norway. Payments to or from other SEPA countries need a BIC and the
	// debtor's address.
	eea bool
}

// A span is a half-open range [start, end) of positions in a BBAN.
type span struct{ start, end int }

// countries lists every country whose IBANs ParseIBAN accepts: the 41 SEPA
// scheme countries and Gibraltar. Bank and branch positions follow the ISO
// 13616 IBAN registry; where the registry lumps bank and branch together
// (PL, SI) the table splits them the way the national account number does.
var countries = map[string]country{
	"AD": {bban: mustBBAN("4!n4!n12!c"), bank: span{0, 4}, branch: span{4, 8}},                  // Andorra
	"AL": {bban: mustBBAN("8!n16!c"), bank: span{0, 3}, branch: span{3, 7}},                     // Albania: bank, branch, national check digit
	"AT": {bban: mustBBAN("5!n11!n"), bank: span{0, 5}, eea: true},                              // Austria
	"BE": {bban: mustBBAN("3!n7!n2!n"), bank: span{0, 3}, eea: true},                            // Belgium
	"BG": {bban: mustBBAN("4!a4!n2!n8!c"), bank: span{0, 4}, branch: span{4, 8}, eea: true},     // Bulgaria
	"CH": {bban: mustBBAN("5!n12!c"), bank: span{0, 5}},                                         // Switzerland
	"CY": {bban: mustBBAN("3!n5!n16!c"), bank: span{0, 3}, branch: span{3, 8}, eea: true},       // Cyprus
	"CZ": {bban: mustBBAN("4!n6!n10!n"), bank: span{0, 4}, eea: true},                           // Czechia
	"DE": {bban: mustBBAN("8!n10!n"), bank: span{0, 8}, eea: true},                              // Germany: Bankleitzahl
	"DK": {bban: mustBBAN("4!n9!n1!n"), bank: span{0, 4}, eea: true},                            // Denmark
	"EE": {bban: mustBBAN("2!n14!n"), bank: span{0, 2}, eea: true},                              // Estonia
	"ES": {bban: mustBBAN("4!n4!n1!n1!n10!n"), bank: span{0, 4}, branch: span{4, 8}, eea: true}, // Spain: entidad, oficina
	"FI": {bban: mustBBAN("3!n11!n"), bank: span{0, 3}, eea: true},                              // Finland
	"FR": {bban: mustBBAN("5!n5!n11!c2!n"), bank: span{0, 5}, branch: span{5, 10}, eea: true},   // France: code banque, code guichet
	"GB": {bban: mustBBAN("4!a6!n8!n"), bank: span{0, 4}, branch: span{4, 10}},                  // United Kingdom: bank, sort code
	"GI": {bban: mustBBAN("4!a15!c"), bank: span{0, 4}},                                         // Gibraltar
	"GR": {bban: mustBBAN("3!n4!n16!c"), bank: span{0, 3}, branch: span{3, 7}, eea: true},       // Greece
	"HR": {bban: mustBBAN("7!n10!n"), bank: span{0, 7}, eea: true},                              // Croatia
	"HU": {bban: mustBBAN("3!n4!n1!n15!n1!n"), bank: span{0, 3}, branch: span{3, 7}, eea: true}, // Hungary
	"IE": {bban: mustBBAN("4!a6!n8!n"), bank: span{0, 4}, branch: span{4, 10}, eea: true},       // Ireland: bank, sort code
	"IS": {bban: mustBBAN("4!n2!n6!n10!n"), bank: span{0, 2}, branch: span{2, 4}, eea: true},    // Iceland
	"IT": {bban: mustBBAN("1!a5!n5!n12!c"), bank: span{1, 6}, branch: span{6, 11}, eea: true},   // Italy: CIN, ABI, CAB
	"LI": {bban: mustBBAN("5!n12!c"), bank: span{0, 5}, eea: true},                              // Liechtenstein
	"LT": {bban: mustBBAN("5!n11!n"), bank: span{0, 5}, eea: true},                              // Lithuania
	"LU": {bban: mustBBAN("3!n13!c"), bank: span{0, 3}, eea: true},                              // Luxembourg
	"LV": {bban: mustBBAN("4!a13!c"), bank: span{0, 4}, eea: true},                              // Latvia
	"MC": {bban: mustBBAN("5!n5!n11!c2!n"), bank: span{0, 5}, branch: span{5, 10}},              // Monaco
	"MD": {bban: mustBBAN("2!c18!c"), bank: span{0, 2}},                                         // Moldova
	"ME": {bban: mustBBAN("3!n13!n2!n"), bank: span{0, 3}},                                      // Montenegro
	"MK": {bban: mustBBAN("3!n10!c2!n"), bank: span{0, 3}},                                      // North Macedonia
	"MT": {bban: mustBBAN("4!a5!n18!c"), bank: span{0, 4}, branch: span{4, 9}, eea: true},       // Malta
	"NL": {bban: mustBBAN("4!a10!n"), bank: span{0, 4}, eea: true},                              // Netherlands
	"NO": {bban: mustBBAN("4!n6!n1!n"), bank: span{0, 4}, eea: true},                            // Norway
	"PL": {bban: mustBBAN("8!n16!n"), bank: span{0, 3}, branch: span{3, 7}, eea: true},          // Poland: bank, branch, check digit
	"PT": {bban: mustBBAN("4!n4!n11!n2!n"), bank: span{0, 4}, branch: span{4, 8}, eea: true},    // Portugal
	"RO": {bban: mustBBAN("4!a16!c"), bank: span{0, 4}, eea: true},                              // Romania
	"RS": {bban: mustBBAN("3!n13!n2!n"), bank: span{0, 3}},                                      // Serbia
	"SE": {bban: mustBBAN("3!n16!n1!n"), bank: span{0, 3}, eea: true},                           // Sweden
	"SI": {bban: mustBBAN("5!n8!n2!n"), bank: span{0, 2}, branch: span{2, 5}, eea: true},        // Slovenia
	"SK": {bban: mustBBAN("4!n6!n10!n"), bank: span{0, 4}, eea: true},                           // Slovakia
	"SM": {bban: mustBBAN("1!a5!n5!n12!c"), bank: span{1, 6}, branch: span{6, 11}},              // San Marino: CIN, ABI, CAB
	"VA": {bban: mustBBAN("3!n15!n"), bank: span{0, 3}},                                         // Vatican City
}

// IsSEPACountry reports whether code, an upper-case ISO 3166-1 alpha-2
// code, is a country of the SEPA schemes. Gibraltar counts as one because it
// has IBANs of its own; territories that use their parent country's IBANs
// (such as Åland or Jersey) are not listed and report false.
func IsSEPACountry(code string) bool {
	_, ok := countries[code]
	return ok
}

// IsEEACountry reports whether code, an upper-case ISO 3166-1 alpha-2 code,
// is a member of the European Economic Area: the 27 EU member states,
// Iceland, Liechtenstein and Norway.
func IsEEACountry(code string) bool {
	return countries[code].eea
}

// RequiresBICAndAddress reports whether payments with an account in country
// must carry the BIC and the debtor's address, which the SEPA rulebooks
// require for every scheme country outside the EEA. It reports false for
// countries outside SEPA, where the question does not arise.
func RequiresBICAndAddress(country string) bool {
	c, ok := countries[country]
	return ok && !c.eea
}

// A bbanFormat is a parsed ISO 13616 structure string: a sequence of fields,
// each a fixed number of characters of one class.
type bbanFormat []bbanField

type bbanField struct {
	n     int
	class byte // 'n' digits, 'a' upper-case letters, 'c' upper-case letters and digits
}

// mustBBAN parses a structure string such as "4!a6!n8!n". It panics on a
// malformed string because the strings are constants of this package.
func mustBBAN(spec string) bbanFormat {
	var f bbanFormat
	for i := 0; i < len(spec); {
		j := i
		for j < len(spec) && isDigit(spec[j]) {
			j++
		}
		n, err := strconv.Atoi(spec[i:j])
		if err != nil || n <= 0 || j+1 >= len(spec) || spec[j] != '!' {
			panic(fmt.Sprintf("sepa: bad BBAN structure %q", spec))
		}
		class := spec[j+1]
		if class != 'n' && class != 'a' && class != 'c' {
			panic(fmt.Sprintf("sepa: bad BBAN character class in %q", spec))
		}
		f = append(f, bbanField{n: n, class: class})
		i = j + 2
	}
	return f
}

// length returns the number of characters a BBAN of format f has.
func (f bbanFormat) length() int {
	n := 0
	for _, field := range f {
		n += field.n
	}
	return n
}

// matches reports whether bban, already upper-case, has format f.
func (f bbanFormat) matches(bban string) bool {
	if len(bban) != f.length() {
		return false
	}
	i := 0
	for _, field := range f {
		for _, b := range []byte(bban[i : i+field.n]) {
			switch field.class {
			case 'n':
				if !isDigit(b) {
					return false
				}
			case 'a':
				if !isUpper(b) {
					return false
				}
			default:
				if !isDigit(b) && !isUpper(b) {
					return false
				}
			}
		}
		i += field.n
	}
	return true
}

// describe returns f in words, for example "11 digits" or "6 letters or
// digits".
func (f bbanFormat) describe() string {
	words := map[byte]string{'n': "digits", 'a': "letters", 'c': "letters or digits"}
	var parts []string
	for _, field := range f {
		parts = append(parts, strconv.Itoa(field.n)+" "+words[field.class])
	}
	return strings.Join(parts, ", then ")
}

// of returns the part of bban that s covers, or "" when s is empty or does
// not fit.
func (s span) of(bban string) string {
	if s.end <= s.start || s.end > len(bban) {
		return ""
	}
	return bban[s.start:s.end]
}
