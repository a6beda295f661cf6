package sim

import (
	"testing"

	"github.com/kontorpay/kontor/bank"
)

func TestSofortSourceAuthorized(t *testing.T) {
	n := New()
	for email, want := range map[string]bool{
		"jenny_chargeable@example.com":   true,
		"Jenny_Chargeable@Example.COM":   true,
		"_chargeable@example.com":        true,
		"jenny@example.com":              false,
		"jenny_chargeable@example.org":   false,
		"jenny_chargeable.x@example.com": false,
		"jenny_chargeable":               false,
		"":                               false,
	} {
		if got := n.SofortSourceAuthorized(email); got != want {
			t.Errorf("SofortSourceAuthorized(%q) = %v, want %v", email, got, want)
		}
	}
}

func TestIncomingTransfer(t *testing.T) {
	n := New()
	def := bank.Transfer{Amount: 1000, SenderIBAN: "DE89370400440532013000"}
	for email, want := range map[string]bank.Transfer{
		"":                                        def,
		"jenny@example.com":                       def,
		"amount_4242@example.com":                 {Amount: 4242, SenderIBAN: def.SenderIBAN},
		"jenny.amount_500@example.com":            {Amount: 500, SenderIBAN: def.SenderIBAN},
		"amount_4242-reference_abc@example.com":   {Amount: 4242, Reference: "abc", SenderIBAN: def.SenderIBAN},
		"reference_Invoice 7.a@EXAMPLE.com":       {Amount: 1000, Reference: "Invoice 7.a", SenderIBAN: def.SenderIBAN},
		"amount_0@example.com":                    def,
		"amount_4242@example.org":                 def,
		"amount_99999999999999999999@example.com": def,
		"xamount_4242@example.com":                def,
	} {
		if got := n.IncomingTransfer(email); got != want {
			t.Errorf("IncomingTransfer(%q) = %+v, want %+v", email, got, want)
		}
	}
}
