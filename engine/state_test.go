package engine

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// intentWith creates and confirms a SEPA Direct Debit payment intent paid
// by the test token (a fresh payment method for its IBAN).
func (te *testEngine) intentWith(t *testing.T, token string) *PaymentIntent {
	t.Helper()
	var pi *PaymentIntent
	amount := int64(1500)
	te.update(t, func(op *Op) error {
		var err error
		pi, err = op.CreatePaymentIntent(PaymentIntentParams{Amount: &amount, Currency: "eur", PaymentMethodTypes: []string{"sepa_debit"}})
		if err != nil {
			return err
		}
		if pi.Status != IntentRequiresPaymentMethod {
			t.Errorf("a new intent is %s", pi.Status)
		}
		pi, err = op.ConfirmPaymentIntent(pi.ID, PaymentIntentParams{PaymentMethod: Some(token),
			MandateData: &MandateData{Type: "online", IPAddress: "192.0.2.1", UserAgent: "test"}})
		return err
	})
	return pi
}

func (te *testEngine) intent(t *testing.T, id string) *PaymentIntent {
	t.Helper()
	var pi *PaymentIntent
	te.view(t, func(op *Op) error {
		var err error
		pi, err = op.GetPaymentIntent(id)
		return err
	})
	return pi
}

// refused runs action in a transaction and checks that it is refused as
// the object's state requires: code <object>_unexpected_state with the
// status and the action as data.
func (te *testEngine) refused(t *testing.T, object string, status IntentStatus, action string, fn func(op *Op) error) {
	t.Helper()
	err := te.Update(t.Context(), te.account, RequestInfo{}, fn)
	if e, ok := AsError(err); !ok || e.Code != object+"_unexpected_state" || e.Data["status"] != string(status) || e.Data["action"] != action {
		t.Fatalf("%s a %s %s: %v", action, status, object, err)
	}
}

// settle lets the sandbox's bank answer everything due within d.
func (te *testEngine) settle(t *testing.T, d time.Duration) {
	t.Helper()
	te.wall.Advance(d)
	te.fire(t)
}

// TestPaymentIntentStateMachine follows a SEPA Direct Debit intent through
// its states and checks that every action outside its state is refused
// with the state and the action as data.
func TestPaymentIntentStateMachine(t *testing.T) {
	te := newTestEngine(t)
	pi := te.intentWith(t, "pm_success_de")
	if pi.Status != IntentProcessing || pi.LatestCharge == nil {
		t.Fatalf("confirmed: %s, charge %v; want processing with a charge", pi.Status, pi.LatestCharge)
	}
	// A processing intent can be neither confirmed again nor canceled.
	te.refused(t, "payment_intent", IntentProcessing, "confirm", func(op *Op) error {
		_, err := op.ConfirmPaymentIntent(pi.ID, PaymentIntentParams{})
		return err
	})
	te.settle(t, time.Minute)
	if got := te.intent(t, pi.ID); got.Status != IntentSucceeded || got.AmountReceived != 1500 {
		t.Fatalf("after the bank booked it: %s, received %d", got.Status, got.AmountReceived)
	}
	te.refused(t, "payment_intent", IntentSucceeded, "cancel", func(op *Op) error {
		_, err := op.CancelPaymentIntent(pi.ID, Opt[string]{})
		return err
	})
}

// TestPaymentIntentFailureReturnsToPaymentMethod: a collection the debtor's
// bank rejects sends the intent back to requires_payment_method with the
// reason, and it can be confirmed again; a canceled intent cannot.
func TestPaymentIntentFailureReturnsToPaymentMethod(t *testing.T) {
	te := newTestEngine(t)
	for _, tc := range []struct{ token, code string }{
		{"pm_failed_de", "account_closed"},
		{"pm_insufficientFunds_de", "insufficient_funds"},
		// Stripe's weekly limits are no bank answer but end the same way.
		{"pm_exceedsWeeklyVolumeLimit_de", ""},
		{"pm_exceedsWeeklyTransactionLimit_de", ""},
	} {
		pi := te.intentWith(t, tc.token)
		te.settle(t, time.Minute)
		got := te.intent(t, pi.ID)
		if got.Status != IntentRequiresPaymentMethod || got.LastPaymentError == nil || got.PaymentMethod != nil {
			t.Fatalf("%s: %s, error %+v, payment method %v", tc.token, got.Status, got.LastPaymentError, got.PaymentMethod)
		}
		if tc.code != "" && got.LastPaymentError.Code != tc.code {
			t.Errorf("%s: failure code %q, want %q", tc.token, got.LastPaymentError.Code, tc.code)
		}
		if got.LastPaymentError.Code == "" {
			t.Errorf("%s: a failure without a code", tc.token)
		}
	}
	pi := te.intentWith(t, "pm_failed_de")
	te.settle(t, time.Minute)
	te.update(t, func(op *Op) error {
		again, err := op.ConfirmPaymentIntent(pi.ID, PaymentIntentParams{PaymentMethod: Some("pm_success_de"),
			MandateData: &MandateData{Type: "online", IPAddress: "192.0.2.1", UserAgent: "test"}})
		if err != nil {
			return err
		}
		if again.Status != IntentProcessing || again.LastPaymentError != nil {
			t.Errorf("confirmed again: %s, error %+v", again.Status, again.LastPaymentError)
		}
		return nil
	})
	te.settle(t, time.Minute)
	if got := te.intent(t, pi.ID); got.Status != IntentSucceeded {
		t.Fatalf("the second attempt: %s", got.Status)
	}
	var canceled *PaymentIntent
	amount := int64(100)
	te.update(t, func(op *Op) error {
		var err error
		if canceled, err = op.CreatePaymentIntent(PaymentIntentParams{Amount: &amount, Currency: "eur", PaymentMethodTypes: []string{"sepa_debit"}}); err != nil {
			return err
		}
		canceled, err = op.CancelPaymentIntent(canceled.ID, Some("abandoned"))
		return err
	})
	if canceled.Status != IntentCanceled {
		t.Fatalf("canceled: %s", canceled.Status)
	}
	te.refused(t, "payment_intent", IntentCanceled, "confirm", func(op *Op) error {
		_, err := op.ConfirmPaymentIntent(canceled.ID, PaymentIntentParams{PaymentMethod: Some("pm_success_de")})
		return err
	})
}

// TestSetupIntentStateMachine: a SEPA Direct Debit setup intent succeeds at
// confirmation with an active multi-use mandate; it cannot be canceled then.
func TestSetupIntentStateMachine(t *testing.T) {
	te := newTestEngine(t)
	var si *SetupIntent
	te.update(t, func(op *Op) error {
		var err error
		if si, err = op.CreateSetupIntent(SetupIntentParams{PaymentMethodTypes: []string{"sepa_debit"}}); err != nil {
			return err
		}
		if si.Status != IntentRequiresPaymentMethod {
			t.Errorf("a new setup intent is %s", si.Status)
		}
		si, err = op.ConfirmSetupIntent(si.ID, SetupIntentParams{PaymentMethod: Some("pm_success_de"),
			MandateData: &MandateData{Type: "online", IPAddress: "192.0.2.1", UserAgent: "test"}})
		return err
	})
	if si.Status != IntentSucceeded || si.Mandate == nil {
		t.Fatalf("confirmed: %s, mandate %v", si.Status, si.Mandate)
	}
	if m := te.mandate(t, *si.Mandate); !m.Active() || m.Type != "multi_use" {
		t.Fatalf("the setup's mandate: %s %s", m.Status, m.Type)
	}
	te.refused(t, "setup_intent", IntentSucceeded, "cancel", func(op *Op) error {
		_, err := op.CancelSetupIntent(si.ID, Opt[string]{})
		return err
	})
}

// TestRefundWindowAfterSettlement: the window a dialect passes decides
// whether a pending payment can be refunded and until when.
func TestRefundWindowAfterSettlement(t *testing.T) {
	te := newTestEngine(t)
	te.insertCharge(t, "py_pending", ChargePending, 1000)
	te.insertCharge(t, "py_settled", ChargeSucceeded, 1000)
	window := RefundWindow{AfterSettlement: true}
	refund := func(id string) error {
		return te.Update(t.Context(), te.account, RequestInfo{}, func(op *Op) error {
			_, err := op.CreateRefund(RefundParams{Charge: id, Window: window})
			return err
		})
	}
	if got := code(refund("py_pending")); got != "refund_not_allowed" {
		t.Errorf("refunding a pending payment after settlement only: %s", got)
	}
	// The zero window accepts the pending payment (the refund waits for it).
	if err := te.refund("py_pending", 100); err != nil {
		t.Errorf("refunding a pending payment in the zero window: %v", err)
	}
	settled := te.wall.Now()
	end := sepa.RefundWindowEnd(settled, true)
	if d := end.Sub(settled); d < 8*7*24*time.Hour-24*time.Hour || d > 8*7*24*time.Hour+24*time.Hour {
		t.Fatalf("the window after settlement is %s, not eight weeks", d)
	}
	te.wall.Advance(end.Add(time.Second).Sub(te.wall.Now()))
	if got := code(refund("py_settled")); got != "charge_expired_for_refund" {
		t.Errorf("a refund after the eight weeks: %s", got)
	}
	// 180 days from creation have not passed: the zero window still refunds.
	if err := te.refund("py_settled", 100); err != nil {
		t.Errorf("refunding in the zero window: %v", err)
	}
}

// TestDisputeWindows: the debtor's claims follow the SEPA rulebook — any
// reason within eight weeks of the debit, only an unauthorised debit until
// thirteen months, nothing after that.
func TestDisputeWindows(t *testing.T) {
	te := newTestEngine(t)
	open := func(id, reason string) error {
		return te.Update(t.Context(), te.account, RequestInfo{}, func(op *Op) error {
			_, err := op.OpenDispute(id, reason)
			return err
		})
	}
	te.insertCharge(t, "py_a", ChargeSucceeded, 1000)
	te.insertCharge(t, "py_b", ChargeSucceeded, 1000)
	te.insertCharge(t, "py_c", ChargeSucceeded, 1000)
	te.insertCharge(t, "py_p", ChargePending, 1000)
	if err := open("py_p", "general"); err == nil {
		t.Error("a pending payment was disputed")
	}
	if err := open("py_a", "general"); err != nil {
		t.Fatalf("a claim within eight weeks: %v", err)
	}
	if err := open("py_a", "general"); err == nil {
		t.Error("a payment was disputed twice")
	}
	te.wall.Advance(9 * 7 * 24 * time.Hour)
	if err := open("py_b", "general"); err == nil {
		t.Error("a claim for any reason after eight weeks was honoured")
	}
	if err := open("py_b", "debit_not_authorized"); err != nil {
		t.Errorf("an unauthorised-debit claim after nine weeks: %v", err)
	}
	te.wall.Advance(365 * 24 * time.Hour)
	if err := open("py_c", "debit_not_authorized"); err == nil {
		t.Error("an unauthorised-debit claim after more than thirteen months was honoured")
	}
}

// TestDialectScope: an op within one dialect finds and lists only that
// dialect's objects; an unscoped op sees them all.
func TestDialectScope(t *testing.T) {
	te := newTestEngine(t)
	var mine, theirs *Mandate
	te.update(t, func(op *Op) error {
		var err error
		if theirs, err = op.CreateMandate(MandateParams{IBAN: "DE89370400440532013000", HolderName: "Jo Default"}); err != nil {
			return err
		}
		mine, err = op.Within(otherDialect).CreateMandate(MandateParams{ID: "src_mine", IBAN: "DE89370400440532013000", HolderName: "Jo Other"})
		return err
	})
	if mine.Origin != otherDialect || theirs.Origin != "" {
		t.Fatalf("origins %q and %q", mine.Origin, theirs.Origin)
	}
	te.view(t, func(op *Op) error {
		if _, err := op.GetMandate(mine.ID); err != nil {
			t.Errorf("unscoped: %v", err)
		}
		if all, err := List[Mandate](op, ListParams{Limit: 10}); err != nil || len(all) != 2 {
			t.Errorf("unscoped list: %d, %v", len(all), err)
		}
		op.Within("")
		if _, err := op.GetMandate(mine.ID); code(err) != "resource_missing" {
			t.Errorf("another dialect's mandate: %v", err)
		}
		if _, err := op.GetAny(mine.ID); err == nil {
			t.Error("GetAny found another dialect's mandate")
		}
		if ms, err := List[Mandate](op, ListParams{Limit: 10}); err != nil || len(ms) != 1 || ms[0].ID != theirs.ID {
			t.Errorf("the default dialect's list: %v, %v", ms, err)
		}
		op.Within(otherDialect)
		if _, err := op.GetMandate(theirs.ID); code(err) != "resource_missing" {
			t.Errorf("the default dialect's mandate within another: %v", err)
		}
		if ms, err := List[Mandate](op, ListParams{Limit: 10}); err != nil || len(ms) != 1 || ms[0].ID != mine.ID {
			t.Errorf("the other dialect's list: %v, %v", ms, err)
		}
		return nil
	})
	// A collection under the other dialect's mandate is that dialect's, and
	// an ended mandate answers mandate_inactive with the end reason.
	te.update(t, func(op *Op) error {
		op.Within(otherDialect)
		c, err := op.CollectUnderMandate(CollectionParams{ID: "pay_1", Mandate: mine.ID, Amount: 500, Currency: "eur"})
		if err != nil {
			return err
		}
		if c.Origin != otherDialect || c.Status != ChargePending {
			t.Errorf("collection: origin %q, %s", c.Origin, c.Status)
		}
		if _, err := op.CollectUnderMandate(CollectionParams{ID: "pay_2", Mandate: theirs.ID, Amount: 500, Currency: "eur"}); code(err) != "resource_missing" {
			t.Errorf("collecting under another dialect's mandate: %v", err)
		}
		m, err := op.GetMandate(mine.ID)
		if err != nil {
			return err
		}
		if m.Collections != 1 {
			t.Errorf("the mandate counts %d collections", m.Collections)
		}
		if _, err := op.EndMandate(m, "canceled"); err != nil {
			return err
		}
		_, err = op.CollectUnderMandate(CollectionParams{ID: "pay_3", Mandate: mine.ID, Amount: 500, Currency: "eur"})
		if e, ok := AsError(err); !ok || e.Code != "mandate_inactive" || e.Data["end_reason"] != "canceled" {
			t.Errorf("collecting under a canceled mandate: %v", err)
		}
		return nil
	})
}

// TestCustomerFilterLiveIsPerDialect: a live customer is stored with its
// dialect's status, and the typed filter finds it in that dialect only.
func TestCustomerFilterLiveIsPerDialect(t *testing.T) {
	te := newTestEngine(t)
	te.update(t, func(op *Op) error {
		if _, err := op.CreateCustomer(CustomerParams{Email: Some("jo@example.com")}); err != nil {
			return err
		}
		_, err := op.Within(otherDialect).CreateDialectCustomer(DialectCustomerParams{ID: "cus_other", Email: Some("jo@example.com")})
		return err
	})
	te.view(t, func(op *Op) error {
		op.Within(otherDialect)
		if c, err := op.FindCustomer("jo@example.com"); err != nil || c == nil || c.ID != "cus_other" {
			t.Errorf("FindCustomer within the other dialect: %v, %v", c, err)
		}
		if c, err := op.FindCustomer("nobody@example.com"); err != nil || c != nil {
			t.Errorf("FindCustomer of an unknown e-mail: %v, %v", c, err)
		}
		op.Within("")
		cs, err := ListWhere[Customer](op, CustomerFilter{Email: "jo@example.com", Live: true}, ListParams{Limit: 10})
		if err != nil || len(cs) != 1 || cs[0].ID == "cus_other" {
			t.Errorf("live customers of the default dialect: %v, %v", cs, err)
		}
		return nil
	})
}

// TestDialectListenersHearTheirDialect: an event sink and a mandate listener
// registered for a dialect hear only that dialect's objects, with the op
// limited to the dialect while they run and unlimited again afterwards.
func TestDialectListenersHearTheirDialect(t *testing.T) {
	te := newTestEngine(t)
	var heard, ended []string
	te.AddEventSink(otherDialect, func(op *Op, ev *Event) error {
		var o struct{ ID string }
		if err := json.Unmarshal(ev.Object, &o); err != nil {
			return err
		}
		heard = append(heard, ev.Type+" "+o.ID)
		if _, err := op.GetMandate("mandate_default"); code(err) != "resource_missing" {
			t.Errorf("the sink found the default dialect's mandate: %v", err)
		}
		return nil
	})
	te.OnMandateEnded(otherDialect, func(op *Op, m *Mandate) error {
		ended = append(ended, m.ID)
		if _, err := op.GetMandate("mandate_default"); code(err) != "resource_missing" {
			t.Errorf("the listener found the default dialect's mandate: %v", err)
		}
		return nil
	})
	te.update(t, func(op *Op) error {
		theirs, err := op.CreateMandate(MandateParams{ID: "mandate_default", IBAN: "DE89370400440532013000", HolderName: "Jo Default"})
		if err != nil {
			return err
		}
		if _, err := op.CollectUnderMandate(CollectionParams{ID: "py_default", Mandate: theirs.ID, Amount: 500, Currency: "eur"}); err != nil {
			return err
		}
		if theirs, err = op.GetMandate(theirs.ID); err != nil {
			return err
		}
		if _, err := op.EndMandate(theirs, "canceled"); err != nil {
			return err
		}
		op.Within(otherDialect)
		mine, err := op.CreateMandate(MandateParams{ID: "src_mine", IBAN: "DE89370400440532013000", HolderName: "Jo Other"})
		if err != nil {
			return err
		}
		if _, err := op.CollectUnderMandate(CollectionParams{ID: "pay_mine", Mandate: mine.ID, Amount: 500, Currency: "eur"}); err != nil {
			return err
		}
		if mine, err = op.GetMandate(mine.ID); err != nil {
			return err
		}
		op.scope = nil
		if _, err := op.EndMandate(mine, "canceled"); err != nil {
			return err
		}
		if op.scope != nil {
			t.Errorf("the op stayed limited to %q after the listeners ran", *op.scope)
		}
		return nil
	})
	if !slices.Equal(ended, []string{"src_mine"}) {
		t.Errorf("the listener heard the mandates %v", ended)
	}
	if !slices.Equal(heard, []string{"charge.pending pay_mine"}) {
		t.Errorf("the sink heard %v", heard)
	}
}
