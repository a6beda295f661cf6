package iso20022

import "github.com/kontorpay/kontor/bank"

// Network is the bank network of an account that exchanges ISO 20022 files
// with its bank. It answers nothing itself: every SEPA Direct Debit
// collection and every credit transfer is held for the next outbound file
// (pain.008, pain.001), and the bank's answers arrive later in imported
// pain.002, camt.054 and camt.053 files. Sofort payments, which the payer's
// bank authenticates outside any file, are handed to Sofort, the network
// that answers them.
type Network struct {
	Sofort bank.Network
}

var _ bank.Network = Network{}

// CheckAccount accepts every account: the bank answers for it with the
// collection (an AC01 or AC04 rejection, say).
func (Network) CheckAccount(string) error { return nil }

// Submit holds the instruction for the next outbound file.
func (n Network) Submit(d bank.Desk, in bank.Instruction) error {
	if in.Kind == bank.Collection && in.Scheme == "sofort" {
		return n.Sofort.Submit(d, in)
	}
	return d.Hold(in)
}
