package sepa

// nationalChecks holds, for every SEPA country whose domestic account
// number carries check digits of its own, the function that verifies them
// inside the BBAN (already matched against the country's structure, so
// every position holds the class of character the structure promises).
//
// Countries whose check digits depend on the bank (Germany's
// Prüfzifferverfahren, the sort-code tables of the United Kingdom and
// Ireland, Denmark, Sweden, the Netherlands) or whose BBAN carries none (AT,
// LU, LI, CH, GR, CY, MT, LV, LT, BG, RO, AD, VA, GI, MD, IS) have no entry:
// only the IBAN's own MOD 97-10 digits protect them.
var nationalChecks = map[string]func(bban string) bool{
	"AL": albanianCheck,
	"BE": belgianCheck,
	"CZ": czechCheck,
	"EE": estonianCheck,
	"ES": spanishCheck,
	"FI": finnishCheck,
	"FR": ribCheck,
	"HR": croatianCheck,
	"HU": hungarianCheck,
	"IT": cinCheck,
	"MC": ribCheck,
	"ME": mod97BBANCheck,
	"MK": mod97BBANCheck,
	"NO": norwegianCheck,
	"PL": polishCheck,
	"PT": mod97BBANCheck,
	"RS": serbianCheck,
	"SI": slovenianCheck,
	"SK": czechCheck,
	"SM": cinCheck,
}

// validNationalCheck reports whether the BBAN of country cc passes the
// country's national check, or true if the country has none.
func validNationalCheck(cc, bban string) bool {
	check, ok := nationalChecks[cc]
	return !ok || check(bban)
}

// digit returns the value of the decimal digit s[i].
func digit(s string, i int) int { return int(s[i] - '0') }

// weightedSum returns the sum of the digits of s, each multiplied by the
// weight at its position.
func weightedSum(s string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += digit(s, i) * w
	}
	return sum
}

// belgianCheck: the last two digits are the first ten modulo 97, with 97
// standing for a remainder of 0.
func belgianCheck(bban string) bool {
	r, _ := mod97(bban[:10])
	if r == 0 {
		r = 97
	}
	return r == digit(bban, 10)*10+digit(bban, 11)
}

// spanishCheck: the código de cuenta cliente carries two MOD 11 digits, the
// first over "00" + entidad + oficina, the second over the account number.
func spanishCheck(bban string) bool {
	return spanishDigit("00"+bban[:8]) == digit(bban, 8) && spanishDigit(bban[10:]) == digit(bban, 9)
}

func spanishDigit(s string) int {
	d := 11 - weightedSum(s, []int{1, 2, 4, 8, 5, 10, 9, 7, 3, 6})%11
	switch d {
	case 11:
		return 0
	case 10:
		return 1
	}
	return d
}

// ribCheck: the clé RIB of France and Monaco makes code banque, code
// guichet, account number (letters replaced by digits: A and J by 1, B, K
// and S by 2, …, I, R and Z by 9) and key together a multiple of 97.
func ribCheck(bban string) bool {
	r := 0
	for i := 0; i < len(bban); i++ {
		v := int(bban[i] - '0')
		if b := bban[i]; isUpper(b) {
			v = int(b-'A')%9 + 1
			if b >= 'S' {
				v = int(b-'S')%9 + 2
			}
		}
		r = (r*10 + v) % 97
	}
	return r == 0
}

// cinOdd is the value of a digit (0–9) or letter (A–Z, same as 0–9 for A–J)
// at an odd position of the Italian CIN computation.
var cinOdd = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// cinCheck: the CIN letter of Italy and San Marino is the sum over ABI, CAB
// and account number, odd positions (counting from 1) through cinOdd and
// even positions at face value (digits 0–9, letters A = 0 … Z = 25),
// modulo 26, as a letter.
func cinCheck(bban string) bool {
	sum := 0
	for i := 1; i < len(bban); i++ {
		v := int(bban[i] - '0')
		if isUpper(bban[i]) {
			v = int(bban[i] - 'A')
		}
		if i%2 == 1 {
			v = cinOdd[v]
		}
		sum += v
	}
	return int(bban[0]-'A') == sum%26
}

// mod97BBANCheck: the last two digits are ISO 7064 MOD 97-10 check digits
// over the rest of the BBAN (Portugal's NIB, Montenegro, North Macedonia,
// Serbia, Slovenia).
func mod97BBANCheck(bban string) bool {
	r, ok := mod97(bban)
	return ok && r == 1
}

// serbianCheck is mod97BBANCheck, except for the accounts of the National
// Bank of Serbia (bank 908), which do not follow it.
func serbianCheck(bban string) bool {
	return bban[:3] == "908" || mod97BBANCheck(bban)
}

// slovenianCheck is mod97BBANCheck, except for the accounts held at the Bank
// of Slovenia (bank 01), which do not follow it.
func slovenianCheck(bban string) bool {
	return bban[:2] == "01" || mod97BBANCheck(bban)
}

// norwegianCheck: the kontonummer's last digit makes the weighted sum (5, 4,
// 3, 2, 7, 6, 5, 4, 3, 2, 1) a multiple of 11; a number whose check would be
// 10 is never issued. Old postgiro accounts (bank 0000) carry a Luhn digit
// over their seven digits instead.
func norwegianCheck(bban string) bool {
	if bban[:4] == "0000" {
		return luhn(bban[4:])
	}
	return (weightedSum(bban, []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})+digit(bban, 10))%11 == 0
}

// finnishCheck: the last digit of the machine-readable account number is a
// Luhn check digit.
func finnishCheck(bban string) bool { return luhn(bban) }

// luhn reports whether the digits s end in a valid Luhn check digit.
func luhn(s string) bool {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := digit(s, i)
		if (len(s)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// estonianCheck: behind the two-digit bank code, the account number's last
// digit completes the 7-3-1 weighted sum of its other digits, counted from
// the right, to a multiple of 10.
func estonianCheck(bban string) bool {
	sum, weights := 0, [3]int{7, 3, 1}
	for i, k := len(bban)-2, 0; i >= 2; i, k = i-1, k+1 {
		sum += digit(bban, i) * weights[k%3]
	}
	return (sum+digit(bban, len(bban)-1))%10 == 0
}

// croatianCheck: the seven-digit bank code and the ten-digit account number
// each end in an ISO 7064 MOD 11,10 check digit.
func croatianCheck(bban string) bool {
	return mod1110(bban[:7]) && mod1110(bban[7:])
}

// mod1110 reports whether the digits s end in a valid ISO 7064 MOD 11,10
// check digit.
func mod1110(s string) bool {
	p := 10
	for i := 0; i < len(s); i++ {
		t := (p + digit(s, i)) % 10
		if t == 0 {
			t = 10
		}
		if i == len(s)-1 {
			return t == 1
		}
		p = 2 * t % 11
	}
	return false
}

// czechCheck: in Czechia and Slovakia the six-digit prefix and the ten-digit
// account number behind the bank code are each a multiple of 11 when
// weighted (10, 5, 8, 4, 2, 1 and 6, 3, 7, 9, 10, 5, 8, 4, 2, 1).
func czechCheck(bban string) bool {
	return weightedSum(bban[4:10], []int{10, 5, 8, 4, 2, 1})%11 == 0 &&
		weightedSum(bban[10:], []int{6, 3, 7, 9, 10, 5, 8, 4, 2, 1})%11 == 0
}

// hungarianCheck: bank and branch code with their check digit, and the
// account number with its own, each weigh (9, 7, 3, 1 repeated) to a
// multiple of 10.
func hungarianCheck(bban string) bool {
	w := []int{9, 7, 3, 1, 9, 7, 3, 1, 9, 7, 3, 1, 9, 7, 3, 1}
	return weightedSum(bban[:8], w[:8])%10 == 0 && weightedSum(bban[8:], w)%10 == 0
}

// polishCheck: the eighth digit of the bank and branch number completes the
// weighted sum (3, 9, 7, 1, 3, 9, 7) of the seven before it to a multiple
// of 10.
func polishCheck(bban string) bool {
	return (weightedSum(bban, []int{3, 9, 7, 1, 3, 9, 7})+digit(bban, 7))%10 == 0
}

// albanianCheck: the eighth digit of bank and branch code completes the
// weighted sum (9, 7, 3, 1, 9, 7, 3) of the seven before it to a multiple
// of 10.
func albanianCheck(bban string) bool {
	return (weightedSum(bban, []int{9, 7, 3, 1, 9, 7, 3})+digit(bban, 7))%10 == 0
}
