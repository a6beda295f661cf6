package sim

import (
	"github.com/kontorpay/kontor/sepa"
	"testing"
)

func TestPayersValid(t *testing.T) {
	for c, p := range sofortPayers {
		if _, err := sepa.ParseIBAN(p.IBAN); err != nil {
			t.Errorf("%s %s: %v", c, p.IBAN, err)
		}
	}
}
