package engine

import (
	"errors"

	"github.com/kontorpay/kontor/bank/sim"
	"github.com/kontorpay/kontor/sepa"
)

// BankAccount is a payer's account as the engine keeps it: the IBAN sealed,
// and in clear only what may be shown (last four, country, bank and branch
// codes) and a keyed fingerprint.
type BankAccount struct {
	IBANSealed  []byte `json:"iban_sealed"`
	Fingerprint string `json:"fingerprint"`
	Last4       string `json:"last4"`
	Country     string `json:"country"`
	BankCode    string `json:"bank_code"`
	BranchCode  string `json:"branch_code"`
	BIC         string `json:"bic,omitempty"`
}

// ParseIBAN validates an IBAN and maps the failure to an engine error with
// the given code and parameter. The providers' published test IBANs are
// accepted even where their account number fails its national check digits
// (see sim.DocumentedIBAN): they are the data integrations are tested with.
func ParseIBAN(raw, code, param string) (sepa.IBAN, error) {
	iban, err := sepa.ParseIBAN(raw)
	if err == nil {
		return iban, nil
	}
	if n := sepa.NormalizeIBAN(raw); errors.Is(err, sepa.ErrIBANNationalCheck) && sim.DocumentedIBAN(n) {
		return sepa.IBAN(n), nil
	}
	msg := "The IBAN you provided appears to be invalid."
	switch {
	case errors.Is(err, sepa.ErrIBANCountry):
		msg = "The IBAN you provided is from a country that does not take part in SEPA."
	case errors.Is(err, sepa.ErrIBANLength):
		msg = "The IBAN you provided has the wrong length for its country."
	case errors.Is(err, sepa.ErrIBANChecksum):
		msg = "The IBAN you provided has wrong check digits."
	case errors.Is(err, sepa.ErrIBANNationalCheck):
		msg = "The account number inside the IBAN you provided fails its national check digits."
	}
	return "", Invalid(code, param, "%s", msg)
}

// newBankAccount seals iban into a BankAccount.
func (op *Op) newBankAccount(iban sepa.IBAN) BankAccount {
	return BankAccount{
		IBANSealed:  op.e.keys.seal(string(iban)),
		Fingerprint: op.e.keys.fingerprint(string(iban)),
		Last4:       iban.Last4(),
		Country:     iban.Country(),
		BankCode:    iban.BankCode(),
		BranchCode:  iban.BranchCode(),
	}
}

// IBAN opens the sealed IBAN of b.
func (op *Op) IBAN(b BankAccount) (sepa.IBAN, error) {
	s, err := op.e.keys.open(b.IBANSealed)
	return sepa.IBAN(s), err
}
