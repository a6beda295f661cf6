package sim

import (
	"errors"
	"testing"

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
		iban, plan, ok := n.TestToken(r.Token)
		if !ok || iban != r.IBAN || !samePlan(plan, want) {
			t.Errorf("TestToken(%s) = %s %+v %v, want %s %+v", r.Token, iban, plan, ok, r.IBAN, want)
		}
		// The IBAN selects the behaviour of its first row (NL and NO list one IBAN twice).
		if _, dup := seen[r.IBAN]; dup {
			continue
		}
		seen[r.IBAN] = r.Behaviour
		if got := n.PlanCollection(bank.Collection{Scheme: "sepa_debit", IBAN: r.IBAN}); !samePlan(got, want) {
			t.Errorf("PlanCollection(%s) = %+v, want %s %+v", r.IBAN, got, r.Behaviour, want)
		}
	}
	if _, _, ok := n.TestToken("pm_card_visa"); ok {
		t.Error("an unknown token resolved")
	}
}

func samePlan(a, b bank.Plan) bool {
	return a == b
}

func TestOtherTestValues(t *testing.T) {
	n := New()
	cases := []struct {
		name string
		c    bank.Collection
		want bank.Outcome
		code string
		cb   string
	}{
		{"any valid account", bank.Collection{Scheme: "sepa_debit", IBAN: "FR1420041010050500013M02606"}, bank.Succeeds, "", ""},
		{"sofort succeeding_charge", bank.Collection{Scheme: "sofort", OwnerName: "succeeding_charge"}, bank.Succeeds, "", ""},
		{"sofort failing_charge", bank.Collection{Scheme: "sofort", OwnerName: "failing_charge"}, bank.Fails, "generic_decline", ""},
		{"sofort pending_charge", bank.Collection{Scheme: "sofort", OwnerName: "pending_charge"}, bank.Pending, "", ""},
		{"generated SEPA debit fails", bank.Collection{Scheme: "sepa_debit", IBAN: "AT611904300234573201", OwnerEmail: "test_1_generatedSepaDebitIntentsFailAustria@example.com"}, bank.Fails, "account_closed", ""},
		{"generated SEPA debit disputed", bank.Collection{Scheme: "sepa_debit", IBAN: "AT611904300234573201", OwnerEmail: "generatedSepaDebitIntentsSucceedDisputedGermany@example.com"}, bank.Succeeds, "", "MD06"},
		{"markers only count at example.com", bank.Collection{Scheme: "sepa_debit", IBAN: "AT611904300234573201", OwnerEmail: "generatedSepaDebitIntentsFailAustria@example.org"}, bank.Succeeds, "", ""},
		{"Checkout.com pending", bank.Collection{Scheme: "sepa_debit", IBAN: "DE79100100101234567891"}, bank.Pending, "", ""},
		{"Checkout.com canceled", bank.Collection{Scheme: "sepa_debit", IBAN: "DE52100100101234567892"}, bank.Canceled, "", ""},
		{"Checkout.com paid", bank.Collection{Scheme: "sepa_debit", IBAN: "DE25100100101234567893"}, bank.Succeeds, "", ""},
		{"Checkout.com ACT chargeback", bank.Collection{Scheme: "sepa_debit", IBAN: "DE68100100101234567895"}, bank.Succeeds, "", "MD06"},
	}
	for _, c := range cases {
		p := n.PlanCollection(c.c)
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
	if code := n.PlanRefund("DE62370400440532013001"); code == "" {
		t.Error("a refund to the closed test account succeeds")
	}
	if code := n.PlanRefund("DE89370400440532013000"); code != "" {
		t.Errorf("a refund to the succeeding test account fails: %s", code)
	}
}

// Seed 003: the token each Checkout.com chargeback IBAN is charged back with.
func TestCheckoutChargebackTokens(t *testing.T) {
	n := New()
	for iban, token := range map[string]string{"DE95100100101234567894": "RFND", "DE68100100101234567895": "ACT",
		"DE41100100101234567896": "NSF", "DE14100100101234567897": "OTHR", "DE84100100101234567898": "FRM"} {
		p := n.PlanCollection(bank.Collection{Scheme: "sepa_debit", IBAN: iban})
		r, ok := sepa.LookupReason(p.ChargebackReason)
		if p.Outcome != bank.Succeeds || !ok || r.CkoToken != token {
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
