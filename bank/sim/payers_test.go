package sim

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/sepa"
)

func TestSofortPayersHaveValidIBANs(t *testing.T) {
	for c, p := range sofortPayers {
		if _, err := sepa.ParseIBAN(p.IBAN); err != nil {
			t.Errorf("%s %s: %v", c, p.IBAN, err)
		}
	}
	n := New()
	if got := n.SofortPayer("NL", "succeeding_charge"); got.VerifiedName != "Jenny Rosen" || got.IBAN != sofortPayers["NL"].IBAN {
		t.Errorf("SofortPayer(NL, succeeding_charge) = %+v; a test value is no verified name", got)
	}
	if got := n.SofortPayer("XX", "Erika Mustermann"); got.IBAN != sofortPayers["DE"].IBAN || got.VerifiedName != "Erika Mustermann" {
		t.Errorf("SofortPayer(XX) = %+v", got)
	}
}

func TestStripeTestIBANs(t *testing.T) {
	n := New()
	rows := StripeTestIBANs()
	if len(rows) != 152 {
		t.Fatalf("%d rows, want 152", len(rows))
	}
	seen := map[string]string{}
	for _, r := range rows {
		// A documented IBAN may fail its national check, never anything else.
		if _, err := sepa.ParseIBAN(r.IBAN); err != nil && !errors.Is(err, sepa.ErrIBANNationalCheck) {
			t.Errorf("%s: %v", r.IBAN, err)
		}
		if !DocumentedIBAN(r.IBAN) {
			t.Errorf("DocumentedIBAN(%s) = false", r.IBAN)
		}
		want := stripeBehaviours[r.Behaviour]
		// The token always selects its row's behaviour.
		iban, plan, ok := n.tokenPlan(r.Token)
		if !ok || iban != r.IBAN || !samePlan(plan, want) {
			t.Errorf("TestToken(%s) = %s %+v %v, want %s %+v", r.Token, iban, plan, ok, r.IBAN, want)
		}
		// The IBAN selects the behaviour of its first row (NL and NO list one IBAN twice).
		if _, dup := seen[r.IBAN]; dup {
			continue
		}
		seen[r.IBAN] = r.Behaviour
		if got := n.Decide(bank.Instruction{Scheme: "sepa_debit", IBAN: r.IBAN}); !samePlan(got, want) {
			t.Errorf("PlanCollection(%s) = %+v, want %s %+v", r.IBAN, got, r.Behaviour, want)
		}
	}
	if a, ok := n.TestToken("pm_success_de"); !ok || a.IBAN != "DE89370400440532013000" || a.Name != "Jenny Rosen" || a.Email != "jenny.rosen@example.com" {
		t.Errorf("TestToken(pm_success_de) = %+v %v", a, ok)
	}
	if _, ok := n.TestToken("pm_card_visa"); ok {
		t.Error("an unknown token resolved")
	}
}

func samePlan(a, b Plan) bool {
	return a == b
}

func TestOtherTestValues(t *testing.T) {
	n := New()
	cases := []struct {
		name string
		c    bank.Instruction
		want Outcome
		code string
		cb   string
	}{
		{"any valid account", bank.Instruction{Scheme: "sepa_debit", IBAN: "FR1420041010050500013M02606"}, Succeeds, "", ""},
		{"sofort succeeding_charge", bank.Instruction{Scheme: "sofort", Name: "succeeding_charge"}, Succeeds, "", ""},
		{"sofort failing_charge", bank.Instruction{Scheme: "sofort", Name: "failing_charge"}, Fails, "generic_decline", ""},
		{"sofort pending_charge", bank.Instruction{Scheme: "sofort", Name: "pending_charge"}, Pending, "", ""},
		{"generated SEPA debit fails", bank.Instruction{Scheme: "sepa_debit", IBAN: "AT611904300234573201", Email: "test_1_generatedSepaDebitIntentsFailAustria@example.com"}, Fails, "account_closed", ""},
		{"generated SEPA debit disputed", bank.Instruction{Scheme: "sepa_debit", IBAN: "AT611904300234573201", Email: "generatedSepaDebitIntentsSucceedDisputedGermany@example.com"}, Succeeds, "", "MD06"},
		{"markers only count at example.com", bank.Instruction{Scheme: "sepa_debit", IBAN: "AT611904300234573201", Email: "generatedSepaDebitIntentsFailAustria@example.org"}, Succeeds, "", ""},
		{"Checkout.com pending", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE79100100101234567891"}, Pending, "", ""},
		{"Checkout.com canceled", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE52100100101234567892"}, Canceled, "", ""},
		{"Checkout.com paid", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE25100100101234567893"}, Succeeds, "", ""},
		{"Checkout.com ACT chargeback", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE68100100101234567895"}, Succeeds, "", "MD06"},
		{"decline_AM04 on a Checkout.com test IBAN", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE25100100101234567893", Name: "Sophie decline_AM04"}, Fails, "insufficient_funds", ""},
		{"decline_ac04, any case, any IBAN", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE89370400440532013000", Name: "DECLINE_ac04"}, Fails, "account_closed", ""},
		{"decline_ with a code no bank rejects with", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE89370400440532013000", Name: "Jenny decline_MD06"}, Succeeds, "", ""},
		{"decline_ with an unknown code", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE89370400440532013000", Name: "Jenny decline_XX99"}, Succeeds, "", ""},
		{"decline_ not as the last word", bank.Instruction{Scheme: "sepa_debit", IBAN: "DE89370400440532013000", Name: "decline_AM04 Jenny"}, Succeeds, "", ""},
	}
	for _, c := range cases {
		p := n.Decide(c.c)
		code := ""
		if p.Reason != "" {
			code = sepa.ReasonOrUnspecified(p.Reason).StripeFailure
		}
		if p.Outcome != c.want || code != c.code || p.ChargebackReason != c.cb {
			t.Errorf("%s: plan = %+v", c.name, p)
		}
	}
	if err := n.CheckAccount("DE09100100101234567890"); err == nil {
		t.Error("Checkout.com's invalid account was accepted")
	}
	if err := n.CheckAccount("DE89370400440532013000"); err != nil {
		t.Errorf("a valid account was rejected: %v", err)
	}
	if code := n.refundReason("DE62370400440532013001"); code != "AC04" {
		t.Errorf("a refund to the closed test account fails with %q", code)
	}
	if code := n.refundReason("DE89370400440532013000"); code != "" {
		t.Errorf("a refund to the succeeding test account fails: %s", code)
	}
}

// Seed 003: the token each Checkout.com chargeback IBAN is charged back with.
func TestCheckoutChargebackTokens(t *testing.T) {
	n := New()
	for iban, token := range map[string]string{"DE95100100101234567894": "RFND", "DE68100100101234567895": "ACT",
		"DE41100100101234567896": "NSF", "DE14100100101234567897": "OTHR", "DE84100100101234567898": "FRM"} {
		p := n.Decide(bank.Instruction{Scheme: "sepa_debit", IBAN: iban})
		r, ok := sepa.LookupReason(p.ChargebackReason)
		if p.Outcome != Succeeds || !ok || r.CkoToken != token {
			t.Errorf("%s: plan %+v, token %q, want %s", iban, p, r.CkoToken, token)
		}
	}
}

func TestDocumentedIBAN(t *testing.T) {
	for _, iban := range []string{"DE09100100101234567890", "DE25100100101234567893", "FR3020041010050500013M02609", "EE222200221020145682"} {
		if !DocumentedIBAN(iban) {
			t.Errorf("DocumentedIBAN(%s) = false", iban)
		}
	}
	// Valid-looking but unpublished IBANs, and the examples of
	// accounts failing their national check, are not test data.
	for _, iban := range []string{"BE41539007547035", "ES2121000418450200051331", "IT64Y0542811101000000123456", "DE89370400440532013001", ""} {
		if DocumentedIBAN(iban) {
			t.Errorf("DocumentedIBAN(%s) = true", iban)
		}
	}
}

// desk records the answers of one submission.
type desk struct {
	now     time.Time
	answers []answer
}

type answer struct {
	at time.Time
	r  bank.Report
}

func (d *desk) Now() time.Time { return d.now }

func (d *desk) Hold(bank.Instruction) error { return errors.New("the simulator holds nothing") }

func (d *desk) Answer(at time.Time, r bank.Report) error {
	d.answers = append(d.answers, answer{at, r})
	return nil
}

func TestSubmitAnswers(t *testing.T) {
	n := New()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	due := now.Add(2 * time.Second)
	col := func(iban, token string) bank.Instruction {
		return bank.Instruction{ID: "py_1", Kind: bank.Collection, Scheme: "sepa_debit", IBAN: iban, TestToken: token, Due: due}
	}
	booked := bank.Report{Instruction: "py_1", Kind: bank.Collection, Status: bank.Booked}
	cases := []struct {
		name string
		in   bank.Instruction
		want []answer
	}{
		{"succeeds at the due date", col("DE89370400440532013000", ""), []answer{{due, booked}}},
		{"fails with its reason", col("DE62370400440532013001", ""),
			[]answer{{due, bank.Report{Instruction: "py_1", Kind: bank.Collection, Status: bank.Rejected, Reason: "AC04"}}}},
		{"delayed: three minutes at least", col("DE08370400440532013003", ""), []answer{{now.Add(3 * time.Minute), booked}}},
		{"the token decides over the IBAN", col("DE62370400440532013001", "pm_success_de"), []answer{{due, booked}}},
		{"disputed: booked, then returned", col("DE35370400440532013002", ""),
			[]answer{{due, booked}, {due, bank.Report{Instruction: "py_1", Kind: bank.Collection, Status: bank.Returned, Reason: "MD06"}}}},
		{"canceled before collection", col("DE52100100101234567892", ""),
			[]answer{{due, bank.Report{Instruction: "py_1", Kind: bank.Collection, Status: bank.Rejected, Reason: sepa.ReasonCanceled}}}},
		{"never collected: no answer", col("DE79100100101234567891", ""), nil},
		{"refund to a closed account", bank.Instruction{ID: "re_1", Kind: bank.CreditTransfer, IBAN: "DE62370400440532013001", Due: due},
			[]answer{{due, bank.Report{Instruction: "re_1", Kind: bank.CreditTransfer, Status: bank.Rejected, Reason: "AC04"}}}},
		{"refund credited", bank.Instruction{ID: "re_1", Kind: bank.CreditTransfer, IBAN: "DE89370400440532013000", Due: due},
			[]answer{{due, bank.Report{Instruction: "re_1", Kind: bank.CreditTransfer, Status: bank.Booked}}}},
	}
	for _, c := range cases {
		d := &desk{now: now}
		if err := n.Submit(d, c.in); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(d.answers, c.want) {
			t.Errorf("%s: answers %+v, want %+v", c.name, d.answers, c.want)
		}
	}
}
