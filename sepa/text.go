package sepa

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isSEPAChar reports whether b belongs to the SEPA Latin character set:
// a-z A-Z 0-9 / - ? : ( ) . , ' + and space.
func isSEPAChar(b byte) bool {
	switch {
	case isAlnum(b), 'a' <= b && b <= 'z':
		return true
	}
	return strings.IndexByte("/-?:().,'+ ", b) >= 0
}

// ValidText reports whether s consists of 1 to maxLen characters of the
// SEPA Latin character set (a-z A-Z 0-9 / - ? : ( ) . , ' + and space), as
// names (maxLen 70) and unstructured remittance information (maxLen 140)
// must.
func ValidText(s string, maxLen int) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isSEPAChar(s[i]) {
			return false
		}
	}
	return true
}

// ValidMax35Text reports whether s may be used as a SEPA identifier such as
// a mandate reference, EndToEndId or MsgId: 1 to 35 characters of the SEPA
// Latin character set, not starting or ending with '/' and not containing
// "//".
func ValidMax35Text(s string) bool {
	return ValidText(s, 35) &&
		s[0] != '/' && s[len(s)-1] != '/' &&
		!strings.Contains(s, "//")
}

// transliterations maps characters outside the SEPA Latin set to their
// replacement. German umlauts and ß, and the ligatures æ, œ and þ, become two
// letters; other accented Latin letters lose their accent; typographic
// punctuation becomes its nearest ASCII relative in the set.
var transliterations = buildTransliterations([]struct{ from, to string }{
	{"ÀÁÂÃÅĀĂĄǍ", "A"}, {"àáâãåāăąǎª", "a"},
	{"Ä", "Ae"}, {"ä", "ae"}, {"Æ", "Ae"}, {"æ", "ae"},
	{"ÇĆĈĊČ", "C"}, {"çćĉċč", "c"},
	{"ĎĐÐ", "D"}, {"ďđð", "d"},
	{"ÈÉÊËĒĔĖĘĚ", "E"}, {"èéêëēĕėęě", "e"},
	{"ĜĞĠĢ", "G"}, {"ĝğġģ", "g"},
	{"ĤĦ", "H"}, {"ĥħ", "h"},
	{"ÌÍÎÏĨĪĬĮİ", "I"}, {"ìíîïĩīĭįı", "i"},
	{"Ĵ", "J"}, {"ĵ", "j"},
	{"Ķ", "K"}, {"ķ", "k"},
	{"ĹĻĽĿŁ", "L"}, {"ĺļľŀł", "l"},
	{"ÑŃŅŇ", "N"}, {"ñńņňŉ", "n"},
	{"ÒÓÔÕØŌŎŐ", "O"}, {"òóôõøōŏőº", "o"},
	{"Ö", "Oe"}, {"ö", "oe"}, {"Œ", "Oe"}, {"œ", "oe"},
	{"ŔŖŘ", "R"}, {"ŕŗř", "r"},
	{"ŚŜŞŠȘ", "S"}, {"śŝşšș", "s"},
	{"ẞ", "SS"}, {"ß", "ss"},
	{"ŢŤŦȚ", "T"}, {"ţťŧț", "t"},
	{"Þ", "Th"}, {"þ", "th"},
	{"ÙÚÛŨŪŬŮŰŲ", "U"}, {"ùúûũūŭůűų", "u"},
	{"Ü", "Ue"}, {"ü", "ue"},
	{"Ŵ", "W"}, {"ŵ", "w"},
	{"ÝŶŸ", "Y"}, {"ýÿŷ", "y"},
	{"ŹŻŽ", "Z"}, {"źżž", "z"},
	{"&", "+"}, {"_–—‐‑−", "-"}, {"\"`´‘’‚‛“”„«»‹›", "'"},
	{"[{<", "("}, {"]}>", ")"}, {";", ","}, {"!", "."},
})

func buildTransliterations(pairs []struct{ from, to string }) map[rune]string {
	m := make(map[rune]string)
	for _, p := range pairs {
		for _, r := range p.from {
			m[r] = p.to
		}
	}
	return m
}

// Transliterate rewrites s into the SEPA Latin character set so that names
// and remittance information survive every bank on the way. Characters of
// the set are kept. German umlauts become two letters (ä→ae, Ö→Oe, and
// "MÜLLER"→"MUELLER" when a neighbouring letter is upper case), ß becomes ss,
// other accented Latin letters lose their accent (é→e, ł→l, ø→o), & becomes
// + and typographic quotes and dashes become ' and -. Any white space
// becomes a single space each. Every other character, including non-Latin
// scripts and invalid UTF-8, becomes '.', which keeps the length of the text
// recognisable and does not glue words together.
//
// Transliterate neither trims nor shortens s, and does not enforce the
// identifier rules of ValidMax35Text.
func Transliterate(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	for i := 0; i < len(s); {
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		switch {
		case r < utf8.RuneSelf && isSEPAChar(byte(r)):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			to, ok := transliterations[r]
			switch {
			case !ok:
				b.WriteByte('.')
			case len(to) > 1 && unicode.IsUpper(r) && (unicode.IsUpper(prev) || nextIsUpper(s[i:])):
				b.WriteString(strings.ToUpper(to))
			default:
				b.WriteString(to)
			}
		}
		prev = r
	}
	return b.String()
}

// nextIsUpper reports whether s starts with an upper-case letter.
func nextIsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}
