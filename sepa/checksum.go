package sepa

// mod97 returns the ISO 7064 MOD 97-10 remainder of the concatenation of
// parts, in which every digit stands for itself and every upper-case letter
// for two digits (A = 10 … Z = 35), as IBANs and creditor identifiers
// require. It reports false if the parts contain any other character. The
// remainder is computed digit by digit, so the input may be of any length.
func mod97(parts ...string) (int, bool) {
	r := 0
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			switch b := p[i]; {
			case isDigit(b):
				r = (r*10 + int(b-'0')) % 97
			case isUpper(b):
				r = (r*100 + int(b-'A') + 10) % 97
			default:
				return 0, false
			}
		}
	}
	return r, true
}

// checkDigits returns the two MOD 97-10 check digits for the identifier
// whose rearranged form is parts followed by the check digits, or false if
// the parts contain a character other than a digit or upper-case letter.
func checkDigits(parts ...string) (string, bool) {
	r, ok := mod97(append(parts, "00")...)
	if !ok {
		return "", false
	}
	cd := 98 - r
	return string([]byte{byte('0' + cd/10), byte('0' + cd%10)}), true
}

// validCheckDigits reports whether cd are the right check digits for the
// identifier whose rearranged form is parts followed by cd. Check digits 00,
// 01 and 99 can pass the arithmetic but are never issued, so they are
// rejected.
func validCheckDigits(cd string, parts ...string) bool {
	if cd == "00" || cd == "01" || cd == "99" {
		return false
	}
	r, ok := mod97(append(parts, cd)...)
	return ok && r == 1
}

// normalize returns s without space characters and with ASCII letters
// upper-cased. Other characters, including non-ASCII letters, are left as
// they are so that validation rejects them rather than a Unicode case
// mapping turning them into ASCII (as it would for 'ſ' or 'ı').
func normalize(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }
func isAlnum(b byte) bool { return isDigit(b) || isUpper(b) }
