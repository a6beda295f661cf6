package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// code returns the engine error code of err ("" for none, "!" for a non-engine error).
func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return "!" + err.Error()
}

// insertCharge stores a charge in status with the given amount, created now.
func (te *testEngine) insertCharge(t *testing.T, id string, status ChargeStatus, amount int64) {
	t.Helper()
	now := te.wall.Now()
	te.update(t, func(op *Op) error {
		return op.insert(&Charge{Meta: Meta{ID: id, Created: now.Unix()}, Amount: amount, Currency: "eur", Status: status,
			Method: ChargeMethod{Type: "sepa_debit"}, Metadata: map[string]string{},
			SettledAt: now.Unix()})
	})
}

func (te *testEngine) refund(id string, amount int64) error {
	return te.Update(context.Background(), te.account, RequestInfo{}, func(op *Op) error {
		_, err := op.CreateRefund(RefundParams{Charge: id, Amount: &amount})
		return err
	})
}

// TestRefundRules checks the refund rules on charges in every state: the
// unrefunded amount bounds each refund, failed and disputed charges refund
// nothing, and the 180-day window closes.
func TestRefundRules(t *testing.T) {
	te := newTestEngine(t)
	te.insertCharge(t, "py_ok", "succeeded", 1000)
	te.insertCharge(t, "py_failed", "failed", 1000)
	te.insertCharge(t, "py_disputed", "succeeded", 1000)
	te.update(t, func(op *Op) error {
		c, err := op.GetCharge("py_disputed")
		if err != nil {
			return err
		}
		c.Disputed = true
		return op.save(c)
	})

	if err := te.refund("py_ok", 600); err != nil {
		t.Fatalf("refund of 600 of 1000: %v", err)
	}
	if got := code(te.refund("py_ok", 500)); got != "amount_too_large" {
		t.Errorf("refund of 500 of the 400 left: %q, want amount_too_large", got)
	}
	if got := code(te.refund("py_ok", 0)); got != "invalid_refund_amount" {
		t.Errorf("refund of 0: %q, want invalid_refund_amount", got)
	}
	if err := te.refund("py_ok", 400); err != nil {
		t.Errorf("refund of the last 400: %v", err)
	}
	te.view(t, func(op *Op) error {
		c, err := op.GetCharge("py_ok")
		if err != nil {
			return err
		}
		if c.AmountRefunded != 1000 || c.Refundable() != 0 {
			t.Errorf("after refunds of 600 and 400: refunded %d, refundable %d", c.AmountRefunded, c.Refundable())
		}
		return nil
	})
	if got := code(te.refund("py_failed", 100)); got != "charge_not_refundable" {
		t.Errorf("refund of a failed charge: %q, want charge_not_refundable", got)
	}
	if got := code(te.refund("py_disputed", 100)); got != "charge_disputed" {
		t.Errorf("refund of a disputed charge: %q, want charge_disputed", got)
	}
	if got := code(te.refund("py_none", 100)); got != "resource_missing" {
		t.Errorf("refund of a missing charge: %q, want resource_missing", got)
	}

	te.insertCharge(t, "py_old", "succeeded", 1000)
	te.wall.Advance(180*24*time.Hour - time.Minute)
	if err := te.refund("py_old", 100); err != nil {
		t.Errorf("refund a minute before the 180-day window closes: %v", err)
	}
	te.wall.Advance(2 * time.Minute)
	if got := code(te.refund("py_old", 100)); got != "charge_expired_for_refund" {
		t.Errorf("refund after 180 days: %q, want charge_expired_for_refund", got)
	}
}

func (te *testEngine) insertMandate(t *testing.T, id, typ string) {
	t.Helper()
	now := te.wall.Now()
	te.update(t, func(op *Op) error {
		m := &Mandate{Meta: Meta{ID: id, Created: now.Unix()}, Reference: "REF-" + id, Status: "active", Type: typ}
		if err := op.insert(m); err != nil {
			return err
		}
		return op.scheduleLapse(m, sepa.MandateLapse(now))
	})
}

func (te *testEngine) mandate(t *testing.T, id string) *Mandate {
	t.Helper()
	var m *Mandate
	te.view(t, func(op *Op) error {
		var err error
		m, err = op.GetMandate(id)
		return err
	})
	return m
}

// TestMandateUse checks what a collection does to its mandate: a single-use
// mandate is spent by its one collection and refuses the next; a multi-use
// one counts its collections and lapses only after 36 months without one.
func TestMandateUse(t *testing.T) {
	te := newTestEngine(t)
	te.insertMandate(t, "mandate_single", "single_use")
	te.insertMandate(t, "mandate_multi", "multi_use")

	use := func(id string) error {
		return te.Update(context.Background(), te.account, RequestInfo{}, func(op *Op) error {
			m, err := op.GetMandate(id)
			if err != nil {
				return err
			}
			if err := m.checkCollectable("mandate"); err != nil {
				return err
			}
			_, err = op.useMandate(m)
			return err
		})
	}
	if err := use("mandate_single"); err != nil {
		t.Fatalf("first collection under a single-use mandate: %v", err)
	}
	if m := te.mandate(t, "mandate_single"); m.Active() || m.EndReason != "consumed" || m.Collections != 1 {
		t.Errorf("single-use mandate after its collection: %s (%s), %d collections; want inactive, consumed, 1", m.Status, m.EndReason, m.Collections)
	}
	if got := code(use("mandate_single")); got != "mandate_inactive" {
		t.Errorf("second collection under a single-use mandate: %q, want mandate_inactive", got)
	}

	created := te.wall.Now()
	var last time.Time
	for i := 0; i < 3; i++ {
		last = te.wall.Now()
		if err := use("mandate_multi"); err != nil {
			t.Fatalf("collection %d under a multi-use mandate: %v", i+1, err)
		}
		te.wall.Advance(30 * 24 * time.Hour)
	}
	if m := te.mandate(t, "mandate_multi"); !m.Active() || m.Collections != 3 {
		t.Fatalf("multi-use mandate after three collections: %s, %d collections", m.Status, m.Collections)
	}
	// lapseDue returns the due time of the mandate's one lapse timer.
	lapseDue := func() time.Time {
		t.Helper()
		var due []time.Time
		for _, tm := range te.timers(t) {
			if tm.Kind == timerMandateLapse && tm.ObjectID == "mandate_multi" {
				due = append(due, time.UnixMilli(tm.Due))
			}
		}
		if len(due) != 1 {
			t.Fatalf("multi-use mandate has %d lapse timers, want 1", len(due))
		}
		return due[0]
	}
	// The collections left the timer armed at creation where it was.
	if got, want := lapseDue(), sepa.MandateLapse(created); !got.Equal(want.Truncate(time.Millisecond)) {
		t.Fatalf("lapse timer due %s, want %s (36 months after creation)", got, want)
	}
	te.wall.Advance(34 * 30 * 24 * time.Hour) // past 36 months after creation, not after the last collection
	te.fire(t)
	if m := te.mandate(t, "mandate_multi"); !m.Active() {
		t.Fatalf("multi-use mandate lapsed before 36 months without a collection (%s)", m.EndReason)
	}
	// Firing, the timer was armed again, 36 months after the last
	// collection's day: at the end of that day 36 months on.
	if got, want := lapseDue(), time.Date(last.Year()+3, last.Month(), last.Day()+1, 0, 0, 0, 0, last.Location()); !got.Equal(want) {
		t.Fatalf("lapse timer due %s after it fired, want %s (36 months after the last collection)", got, want)
	}
	te.wall.Advance(90 * 24 * time.Hour)
	te.fire(t)
	if m := te.mandate(t, "mandate_multi"); m.Active() || m.EndReason != "lapsed" {
		t.Fatalf("multi-use mandate after 36 months unused: %s (%s), want inactive, lapsed", m.Status, m.EndReason)
	}
	if n := len(te.timers(t)); n != 0 {
		t.Fatalf("%d timers left after the lapse, want none", n)
	}
}

// TestMandateListenersBelongToTheirEngine ends a mandate in each of two
// engines: a listener registered on one engine hears only that engine's
// mandates, once each.
func TestMandateListenersBelongToTheirEngine(t *testing.T) {
	a, b := newTestEngine(t), newTestEngine(t)
	var heard []string
	a.OnMandateEnded("", func(op *Op, m *Mandate) error {
		heard = append(heard, m.ID)
		return nil
	})
	a.insertMandate(t, "mandate_a", "multi_use")
	b.insertMandate(t, "mandate_b", "multi_use")
	for _, te := range []*testEngine{a, b} {
		te.update(t, func(op *Op) error {
			ms, err := List[Mandate](op, ListParams{Limit: 10})
			if err != nil {
				return err
			}
			for _, m := range ms {
				if _, err := op.EndMandate(m, "canceled"); err != nil {
					return err
				}
				// Ending an inactive mandate again changes nothing and tells no one.
				if ended, err := op.EndMandate(m, "canceled"); err != nil || ended {
					t.Errorf("ending %s twice: %v, %v", m.ID, ended, err)
				}
			}
			return nil
		})
	}
	if len(heard) != 1 || heard[0] != "mandate_a" {
		t.Fatalf("engine a's listener heard %v, want [mandate_a]", heard)
	}
}

// TestAmountBoundsAreData: an amount out of bounds answers its code with the
// bound in cents as data, for each dialect to word.
func TestAmountBoundsAreData(t *testing.T) {
	te := newTestEngine(t)
	for _, c := range []struct {
		amount    int64
		code, key string
		bound     string
	}{{49, "amount_too_small", "minimum", "50"}, {100_000_000, "amount_too_large", "maximum", "99999999"}} {
		err := te.Update(context.Background(), te.account, RequestInfo{}, func(op *Op) error {
			_, err := op.CreatePaymentIntent(PaymentIntentParams{Amount: &c.amount, Currency: "eur", PaymentMethodTypes: []string{"sepa_debit"}})
			return err
		})
		e, ok := AsError(err)
		if !ok {
			t.Errorf("amount %d: %v", c.amount, err)
			continue
		}
		if e.Code != c.code || e.Param != "amount" || e.Data[c.key] != c.bound {
			t.Errorf("amount %d: %v (data %v), want %s with %s %s", c.amount, err, e.Data, c.code, c.key, c.bound)
		}
	}
}

// TestChargesByMandate: the charge of a single-use mandate is found by its
// mandate, before and after it settles; the charges of a multi-use mandate
// are not indexed by it.
func TestChargesByMandate(t *testing.T) {
	te := newTestEngine(t)
	collect := func(single bool) (mandate, charge string) {
		t.Helper()
		te.update(t, func(op *Op) error {
			m, err := op.CreateMandate(MandateParams{IBAN: "DE89370400440532013000", HolderName: "Jenny Rosen", SingleUse: single})
			if err != nil {
				return err
			}
			c, err := op.CollectUnderMandate(CollectionParams{ID: NewID("py_"), Mandate: m.ID, Amount: 1099, Currency: "eur"})
			if err != nil {
				return err
			}
			mandate, charge = m.ID, c.ID
			return nil
		})
		return mandate, charge
	}
	byMandate := func(id string) []string {
		t.Helper()
		var ids []string
		te.view(t, func(op *Op) error {
			cs, err := ListWhere[Charge](op, ChargeFilter{Mandate: id}, ListParams{Limit: 10})
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return err
		})
		return ids
	}
	single, charge := collect(true)
	multi, _ := collect(false)
	if got := byMandate(single); !slices.Equal(got, []string{charge}) {
		t.Errorf("charges of the single-use mandate: %v, want %s", got, charge)
	}
	if got := byMandate(multi); len(got) != 0 {
		t.Errorf("charges found by a multi-use mandate: %v, want none", got)
	}
	te.update(t, func(op *Op) error {
		_, err := op.SettleCharge(charge, true, "")
		return err
	})
	if got := byMandate(single); !slices.Equal(got, []string{charge}) || te.chargeStatus(t, charge) != ChargeSucceeded {
		t.Errorf("charges of the single-use mandate after it succeeded: %v (%s), want %s", got, te.chargeStatus(t, charge), charge)
	}
}
