package e2e

import (
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/engine"
)

// day returns t0 plus n days and the given hours.
func day(n int, hours time.Duration) time.Time { return t0.AddDate(0, 0, n).Add(hours) }

// TestRealisticTiming runs the payment flows on the realistic profile: TARGET
// business days, the 14-day pre-notification of SEPA debits, Sofort's two
// business days, refunds in four, funds available two business days later.
// t0 is Monday 2 March 2026.
func TestRealisticTiming(t *testing.T) {
	e := newEnv(t, envOptions{Profile: kontortest.Profile{Timing: engine.TimingRealistic}, Webhooks: true})
	clk := e.testClock(t0)
	sd := e.sepaDebit("DE89370400440532013000", clk.ID)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(sd.ID)})
	dd := e.charge(sd.ID, cus.ID, 10000)
	so := e.chargeableSofort(5000, "", clk.ID)
	sof := e.charge(so.ID, "", 5000)

	// The SEPA debit is due 14 calendar days after the payer is told (Monday 16 March).
	if edd := dd.PaymentMethodDetails.SEPADebit.ExpectedDebitDate; edd != "2026-03-16" {
		t.Errorf("expected_debit_date = %q, want 2026-03-16", edd)
	}
	mn := e.event("source.mandate_notification", "")
	if created := int64(mn.Data.Object["created"].(float64)); created > day(14, 0).Unix()-14*24*3600 {
		t.Errorf("mandate notification at %d, less than 14 days before the debit", created)
	}

	// Sofort: two TARGET days (Wednesday 4 March).
	advance(e.t, e.acct, clk.ID, day(2, -time.Minute))
	if st := e.getCharge(sof.ID).Status; st != "pending" {
		t.Errorf("sofort after 2 days − 1 min: %s", st)
	}
	advance(e.t, e.acct, clk.ID, day(2, time.Minute))
	if st := e.getCharge(sof.ID).Status; st != "succeeded" {
		t.Errorf("sofort after 2 TARGET days: %s", st)
	}
	// Its funds are pending for two more TARGET days (Friday 6 March).
	bt := e.getCharge(sof.ID, "balance_transaction").BalanceTransaction
	if bt.Status != "pending" || bt.AvailableOn != day(4, 0).Unix() {
		t.Errorf("sofort balance transaction: %s available_on %d, want pending until %d", bt.Status, bt.AvailableOn, day(4, 0).Unix())
	}
	if a, p := e.balanceIn("eur"); a != 0 || p != bt.Net {
		t.Errorf("balance = %d / %d, want 0 / %d", a, p, bt.Net)
	}
	advance(e.t, e.acct, clk.ID, day(4, time.Minute))
	if a, p := e.balanceIn("eur"); a != bt.Net || p != 0 {
		t.Errorf("balance two TARGET days later = %d / %d, want %d / 0", a, p, bt.Net)
	}

	// SEPA Direct Debit: not before the 16th.
	advance(e.t, e.acct, clk.ID, day(13, 23*time.Hour))
	if st := e.getCharge(dd.ID).Status; st != "pending" {
		t.Errorf("debit after 13 days 23 h: %s", st)
	}
	advance(e.t, e.acct, clk.ID, day(14, time.Minute))
	if st := e.getCharge(dd.ID).Status; st != "succeeded" {
		t.Errorf("debit on the due date: %s", st)
	}

	// A refund takes four TARGET days: made Wednesday 18 March, done Tuesday 24 March.
	advance(e.t, e.acct, clk.ID, day(16, 0))
	r := e.refund(dd.ID, 2500)
	advance(e.t, e.acct, clk.ID, day(21, 23*time.Hour))
	if got := e.getRefund(r.ID); got.Status != "pending" {
		t.Errorf("refund after 3 TARGET days: %s", got.Status)
	}
	advance(e.t, e.acct, clk.ID, day(22, time.Minute))
	if got := e.getRefund(r.ID); got.Status != "succeeded" {
		t.Errorf("refund after 4 TARGET days: %s", got.Status)
	}
}

// TestRealisticEaster: TARGET holidays do not count. A Sofort payment made on
// Thursday 2 April 2026 settles on Wednesday 8 April (Good Friday and Easter
// Monday are closed).
func TestRealisticEaster(t *testing.T) {
	e := newEnv(t, envOptions{Profile: kontortest.Profile{Timing: engine.TimingRealistic}, Webhooks: true})
	start := time.Date(2026, time.April, 2, 10, 0, 0, 0, time.UTC)
	clk := e.testClock(start)
	so := e.chargeableSofort(1000, "", clk.ID)
	ch := e.charge(so.ID, "", 1000)
	advance(e.t, e.acct, clk.ID, time.Date(2026, time.April, 8, 9, 59, 0, 0, time.UTC))
	if st := e.getCharge(ch.ID).Status; st != "pending" {
		t.Errorf("on Wednesday 8 April before 10:00: %s", st)
	}
	advance(e.t, e.acct, clk.ID, time.Date(2026, time.April, 8, 10, 1, 0, 0, time.UTC))
	if st := e.getCharge(ch.ID).Status; st != "succeeded" {
		t.Errorf("on Wednesday 8 April after 10:00: %s", st)
	}
	e.event("charge.succeeded", ch.ID)
}
