// Package sim is the simulated bank network. Its behaviour for every
// documented test value is a table in this one place: Stripe's SEPA Direct
// Debit test IBANs, Checkout.com's SEPA test IBANs, Sofort's test owner names
// and the e-mail addresses that steer SEPA debits generated from Sofort,
// authorise Sofort sources at once and push credit transfers (testvalues.go).
// Any other valid account collects successfully.
//
// The simulator implements bank.Network: it decides each instruction's
// outcome from the test values when the instruction is submitted and answers
// through the engine's timers on the instruction's clock, at the requested
// date (at least three minutes later for the delayed test values). It also
// implements bank.TestValues.
package sim

import (
	_ "embed"
	"errors"
	"strings"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/sepa"
)

//go:embed stripe_test_ibans.tsv
var stripeTable string

// Outcome is how a collection ends at the debtor's bank.
type Outcome string

// Outcomes of a collection.
const (
	Succeeds Outcome = "succeeds" // funds arrive
	Fails    Outcome = "fails"    // rejected before settlement
	Pending  Outcome = "pending"  // accepted and never collected (stays pending)
	Canceled Outcome = "canceled" // accepted, then canceled before collection
)

// Plan is the simulator's decision for one collection.
type Plan struct {
	Outcome Outcome
	// Delayed outcomes arrive after at least three minutes of the instruction's clock.
	Delayed bool
	// Reason is the reason code of a failing collection (AC04, AM04, …).
	Reason string
	// ChargebackReason, when set, is the reason code of a return after the
	// collection succeeded.
	ChargebackReason string
}

// delayedBy is how long the delayed test values take at least.
const delayedBy = 3 * time.Minute

// Behaviour names of the Stripe test IBAN table.
var stripeBehaviours = map[string]Plan{
	"success":                          {Outcome: Succeeds},
	"success_delayed_3min":             {Outcome: Succeeds, Delayed: true},
	"failed":                           {Outcome: Fails, Reason: "AC04"},
	"failed_delayed_3min":              {Outcome: Fails, Delayed: true, Reason: "AC04"},
	"disputed":                         {Outcome: Succeeds, ChargebackReason: sepa.ReasonRefundAuthorised},
	"exceeds_weekly_volume_limit":      {Outcome: Fails, Reason: sepa.ReasonVolumeLimit},
	"exceeds_weekly_transaction_limit": {Outcome: Fails, Reason: sepa.ReasonTransactionLimit},
	"insufficient_funds":               {Outcome: Fails, Reason: "AM04"},
}

// Checkout.com's sandbox IBANs (BIC PBNKDEFFXXX). Each chargeback carries
// the reason code whose chargeback token (sepa.Reason.CkoToken) is the one
// seed 003 documents for the IBAN.
const ckoInvalidIBAN = "DE09100100101234567890"

var ckoTable = map[string]Plan{
	"DE79100100101234567891": {Outcome: Pending},
	"DE52100100101234567892": {Outcome: Canceled},
	"DE25100100101234567893": {Outcome: Succeeds},
	// Charged back at the merchant's request (RFND): a reversal by the creditor.
	"DE95100100101234567894": {Outcome: Succeeds, ChargebackReason: "MS02"},
	// Disputed by the customer with their bank (ACT): a refund claim.
	"DE68100100101234567895": {Outcome: Succeeds, ChargebackReason: sepa.ReasonRefundAuthorised},
	"DE41100100101234567896": {Outcome: Succeeds, ChargebackReason: "AM04"}, // NSF
	"DE14100100101234567897": {Outcome: Succeeds, ChargebackReason: "AC04"}, // OTHR
	"DE84100100101234567898": {Outcome: Succeeds, ChargebackReason: "FF01"}, // FRM
}

// ErrAccountInvalid is returned by CheckAccount for the documented invalid account.
var ErrAccountInvalid = errors.New("the bank details are invalid; the mandate cannot be set up")

var (
	_ bank.Network    = (*Network)(nil)
	_ bank.TestValues = (*Network)(nil)
)

// Network is the simulator.
type Network struct {
	byIBAN  map[string]Plan
	byToken map[string]string // pm_success_de -> IBAN
}

// TestIBAN is one row of the Stripe test table.
type TestIBAN struct {
	Country, IBAN, Token, Behaviour string
}

// StripeTestIBANs returns the Stripe test IBAN table.
func StripeTestIBANs() []TestIBAN {
	var out []TestIBAN
	for i, line := range strings.Split(stripeTable, "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if i == 0 || len(f) < 4 {
			continue
		}
		out = append(out, TestIBAN{Country: f[0], IBAN: f[1], Token: f[2], Behaviour: f[3]})
	}
	return out
}

// New returns the simulator.
func New() *Network {
	n := &Network{byIBAN: map[string]Plan{}, byToken: map[string]string{}}
	for _, r := range StripeTestIBANs() {
		n.byToken[r.Token] = r.IBAN
		// Where the documented table lists one IBAN for two behaviours (NL, NO),
		// the first row wins; the tokens still select each behaviour.
		if _, dup := n.byIBAN[r.IBAN]; !dup {
			n.byIBAN[r.IBAN] = stripeBehaviours[r.Behaviour]
		}
	}
	for iban, p := range ckoTable {
		n.byIBAN[iban] = p
	}
	return n
}

// TestToken resolves a PaymentMethod test token (pm_success_de, …) to its
// IBAN, held by Stripe's test customer Jenny Rosen.
func (n *Network) TestToken(token string) (bank.TestAccount, bool) {
	iban, _, ok := n.tokenPlan(token)
	if !ok {
		return bank.TestAccount{}, false
	}
	return bank.TestAccount{IBAN: iban, Name: "Jenny Rosen", Email: "jenny.rosen@example.com"}, true
}

// tokenPlan resolves a test token to its IBAN and behaviour.
func (n *Network) tokenPlan(token string) (iban string, plan Plan, ok bool) {
	for _, r := range StripeTestIBANs() {
		if r.Token == token {
			return r.IBAN, stripeBehaviours[r.Behaviour], true
		}
	}
	return "", Plan{}, false
}

// CheckAccount rejects Checkout.com's documented invalid account.
func (n *Network) CheckAccount(iban string) error {
	if iban == ckoInvalidIBAN {
		return ErrAccountInvalid
	}
	return nil
}

// generatedSepaEmail steers SEPA debits generated from Sofort payments:
// <anything>_generatedSepaDebitIntents<Behaviour><Country>@example.com or without a prefix.
var generatedSepaEmail = []struct {
	marker string
	plan   Plan
}{
	{"generatedSepaDebitIntentsSucceedDisputed", stripeBehaviours["disputed"]},
	{"generatedSepaDebitIntentsSucceedDelayed", stripeBehaviours["success_delayed_3min"]},
	{"generatedSepaDebitIntentsFailDelayed", stripeBehaviours["failed_delayed_3min"]},
	{"generatedSepaDebitIntentsSucceed", stripeBehaviours["success"]},
	{"generatedSepaDebitIntentsFail", stripeBehaviours["failed"]},
}

// Submit decides the instruction's outcome and answers it at its due date.
func (n *Network) Submit(d bank.Desk, in bank.Instruction) error {
	r := bank.Report{Instruction: in.ID, Kind: in.Kind, Status: bank.Booked}
	if in.Kind == bank.CreditTransfer {
		if reason := n.refundReason(in.IBAN); reason != "" {
			r.Status, r.Reason = bank.Rejected, reason
		}
		return d.Answer(in.Due, r)
	}
	p := n.Decide(in)
	at := in.Due
	if earliest := d.Now().Add(delayedBy); p.Delayed && at.Before(earliest) {
		at = earliest
	}
	switch p.Outcome {
	case Pending:
		return nil
	case Canceled:
		r.Status, r.Reason = bank.Rejected, sepa.ReasonCanceled
	case Fails:
		r.Status, r.Reason = bank.Rejected, p.Reason
	case Succeeds:
		if p.ChargebackReason != "" {
			if err := d.Answer(at, r); err != nil {
				return err
			}
			r.Status, r.Reason = bank.Returned, p.ChargebackReason
		}
	}
	return d.Answer(at, r)
}

// Decide tells how a collection ends, from the tables; anything else succeeds.
func (n *Network) Decide(c bank.Instruction) Plan {
	if c.TestToken != "" {
		if _, p, ok := n.tokenPlan(c.TestToken); ok {
			return p
		}
	}
	if c.Scheme == "sofort" {
		switch c.Name {
		case "failing_charge":
			return Plan{Outcome: Fails, Reason: sepa.ReasonNotSpecified}
		case "pending_charge":
			// Kontor's own test value: the payer's bank never confirms, so
			// the charge fails at Sofort's 14-day cut-off.
			return Plan{Outcome: Pending}
		default:
			return Plan{Outcome: Succeeds}
		}
	}
	if reason, ok := declinedByName(c.Name); ok {
		return Plan{Outcome: Fails, Reason: reason}
	}
	if local, domain, ok := strings.Cut(c.Email, "@"); ok && strings.EqualFold(domain, "example.com") {
		for _, g := range generatedSepaEmail {
			if strings.Contains(local, g.marker) {
				return g.plan
			}
		}
	}
	if p, ok := n.byIBAN[c.IBAN]; ok {
		return p
	}
	return Plan{Outcome: Succeeds}
}

// refundReason fails refunds to accounts whose collections fail because
// they are closed (a closed account cannot be credited either); others are
// credited.
func (n *Network) refundReason(iban string) string {
	if p, ok := n.byIBAN[iban]; ok && p.Outcome == Fails && p.Reason == "AC04" {
		return p.Reason
	}
	return ""
}

// sofortPayers are the accounts simulated Sofort payers pay from: the
// succeeding test IBAN of each Sofort country (Italy has no Stripe test IBAN,
// so a valid Italian one is used), so that a SEPA debit created from the
// payment collects successfully.
var sofortPayers = map[string]bank.Payer{
	"AT": {IBAN: "AT611904300234573201", BIC: "BKAUATWWXXX", BankName: "Test Bank Austria", BankCode: "19043"},
	"BE": {IBAN: "BE62510007547061", BIC: "GEBABEBBXXX", BankName: "Test Bank Belgium", BankCode: "510"},
	"DE": {IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", BankName: "Test Bank Germany", BankCode: "37040044"},
	"ES": {IBAN: "ES0700120345030000067890", BIC: "BSCHESMMXXX", BankName: "Test Bank Spain", BankCode: "0012"},
	"IT": {IBAN: "IT60X0542811101000000123456", BIC: "BPMOIT22XXX", BankName: "Test Bank Italy", BankCode: "05428"},
	"NL": {IBAN: "NL39RABO0300065264", BIC: "RABONL2UXXX", BankName: "Test Bank Netherlands", BankCode: "RABO"},
}

// SofortPayer returns the simulated payer account for country.
func (n *Network) SofortPayer(country, ownerName string) bank.Payer {
	p, ok := sofortPayers[country]
	if !ok {
		p = sofortPayers["DE"]
	}
	p.VerifiedName = ownerName
	if p.VerifiedName == "" || p.VerifiedName == "succeeding_charge" || p.VerifiedName == "failing_charge" || p.VerifiedName == "pending_charge" {
		p.VerifiedName = "Jenny Rosen"
	}
	return p
}
