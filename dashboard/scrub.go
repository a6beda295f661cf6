package dashboard

import (
	"regexp"
	"strings"
)

// Whatever the dialects answer, the dashboard never shows a full IBAN, a
// secret key or a webhook signing secret: scrub masks them in every text it
// renders (JSON payloads, fields, response excerpts).
var (
	ibanPattern   = regexp.MustCompile(`\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b`)
	secretPattern = regexp.MustCompile(`\b((?:sk|rk)_(?:test|live)_|whsec_)[A-Za-z0-9]+`)
)

// scrub masks IBANs (keeping the country and the last four characters) and
// secrets (keeping their prefix) in s.
func scrub(s string) string {
	s = ibanPattern.ReplaceAllStringFunc(s, func(iban string) string {
		compact := strings.ReplaceAll(iban, " ", "")
		return compact[:2] + strings.Repeat("•", len(compact)-6) + compact[len(compact)-4:]
	})
	return secretPattern.ReplaceAllString(s, "$1••••••••")
}
