package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

// TestTimerBatchWithAFailingHandler fires more due timers than one batch
// holds, one of which fails: every other timer fires exactly once, in due
// order, and the failing one stays scheduled with its failure counted.
func TestTimerBatchWithAFailingHandler(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wall := clock.NewManual(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	e, err := New(ctx, Config{Store: st, Clock: wall})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := e.CreateAccount(ctx, "Batch Test")
	if err != nil {
		t.Fatal(err)
	}
	const n = timerBatch + 30
	const failing = 17
	// Each firing leaves a row in the transaction that fires it, so only
	// committed firings are counted.
	e.HandleTimer("test.step", func(op *Op, tm *Timer) error {
		if tm.ObjectID == fmt.Sprintf("step_%03d", failing) {
			return errors.New("this step always fails")
		}
		return op.Tx().InsertObject(op.Context(), &store.Object{Account: op.AccountID(), ID: "fired_" + tm.ObjectID,
			Type: "test.fired", Created: 1, Data: []byte(`{}`)})
	})
	err = e.Update(ctx, acct.Account.ID, RequestInfo{}, func(op *Op) error {
		for i := n; i >= 1; i-- { // scheduled in reverse: due order is not insertion order
			if err := op.Schedule(wall.Now().Add(-time.Duration(n-i+1)*time.Second), "",
				"test.step", fmt.Sprintf("step_%03d", i), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.FireDueTimers(ctx); err != nil {
		t.Fatal(err)
	}
	var fired []store.Object
	var left []store.Timer
	err = st.View(ctx, func(tx store.Tx) error {
		var err error
		if fired, err = tx.ListObjects(ctx, store.ListObjectsParams{Account: acct.Account.ID, Type: "test.fired", Ascending: true, Limit: 2 * n}); err != nil {
			return err
		}
		left, err = tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: "", DueLTE: wall.Now().Add(time.Hour).UnixMilli(), Limit: 2 * n})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := 1; i <= n; i++ {
		if i == failing {
			continue
		}
		if want >= len(fired) || fired[want].ID != fmt.Sprintf("fired_step_%03d", i) {
			t.Fatalf("firing %d is %v, want step %d (in due order, each once; %d fired)", want, idOf(fired, want), i, len(fired))
		}
		want++
	}
	if len(fired) != n-1 {
		t.Fatalf("%d timers fired, want %d", len(fired), n-1)
	}
	var stepsLeft []store.Timer
	for _, tm := range left {
		if tm.Kind == "test.step" {
			stepsLeft = append(stepsLeft, tm)
		}
	}
	if len(stepsLeft) != 1 || stepsLeft[0].ObjectID != fmt.Sprintf("step_%03d", failing) || stepsLeft[0].Attempts != 1 ||
		stepsLeft[0].Due <= wall.Now().UnixMilli() {
		t.Fatalf("timers left %+v, want only the failing step, backed off after one attempt", stepsLeft)
	}
}

func idOf(os []store.Object, i int) string {
	if i < len(os) {
		return os[i].ID
	}
	return "none"
}

// TestOneBatchSettlesForEachTimersAccountAndTime settles, in one batch,
// charges of two accounts on the wall clock and two charges of one test
// clock created a second apart: each settlement is booked in its own
// account with its own balance transaction and event, at the time its own
// timer was due, although the batch shares one op per account. (Charges
// on the sandbox settle two seconds after their creation.)
func TestOneBatchSettlesForEachTimersAccountAndTime(t *testing.T) {
	ctx := context.Background()
	te := newTestEngine(t)
	other, err := te.CreateAccount(ctx, "Other Account")
	if err != nil {
		t.Fatal(err)
	}
	accounts := []string{te.account, other.Account.ID}
	charge := func(account, clockID string) string {
		var id string
		err := te.Update(ctx, account, RequestInfo{}, func(op *Op) error {
			s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
				Owner: OwnerParams{Name: Some("Jenny Rosen")}})
			if err != nil {
				return err
			}
			cu, err := op.CreateCustomer(CustomerParams{Source: Some(s.ID), TestClock: Opt[string]{Set: clockID != "", V: clockID}})
			if err != nil {
				return err
			}
			c, err := op.CreateSourceCharge(ChargeParams{Amount: 1999, Currency: "eur", Customer: cu.ID})
			id = c.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	walls := []string{charge(accounts[0], ""), charge(accounts[1], "")}
	frozen := te.wall.Now().Truncate(time.Second)
	var clockID string
	te.update(t, func(op *Op) error {
		c, err := op.CreateTestClock(frozen.Unix(), Opt[string]{})
		clockID = c.ID
		return err
	})
	first := charge(te.account, clockID)
	te.update(t, func(op *Op) error {
		_, err := op.AdvanceTestClock(clockID, frozen.Add(time.Second).Unix())
		return err
	})
	te.fire(t)
	second := charge(te.account, clockID)
	te.update(t, func(op *Op) error {
		_, err := op.AdvanceTestClock(clockID, frozen.Add(30*24*time.Hour).Unix())
		return err
	})
	te.wall.Advance(30 * 24 * time.Hour)
	te.fire(t)

	check := func(account, id string) *Charge {
		var c *Charge
		err := te.View(ctx, account, func(op *Op) error {
			var err error
			if c, err = Get[Charge](op, id); err != nil {
				return err
			}
			if c.Status != ChargeSucceeded || c.BalanceTransaction == nil {
				t.Errorf("charge %s of %s: %s, balance transaction %v", id, account, c.Status, c.BalanceTransaction)
				return nil
			}
			bt, err := Get[BalanceTransaction](op, *c.BalanceTransaction)
			if err != nil {
				return fmt.Errorf("balance transaction of %s in %s: %w", id, account, err)
			}
			if bt.Source != id || bt.Created != c.SettledAt {
				t.Errorf("balance transaction %+v for charge %s settled at %d", bt, id, c.SettledAt)
			}
			evs, err := eventsAbout(op, "charge.succeeded", id)
			if err != nil {
				return err
			}
			if len(evs) != 1 {
				all, err := op.tx.ListEvents(op.ctx, store.ListEventsParams{Account: account, Limit: 10000})
				t.Logf("%d events %v", len(all), err)
				for _, ev := range all[:3] {
					t.Logf("event %s %s %s", ev.Type, ev.ObjectID, ev.Dialect)
				}
				t.Errorf("charge %s has %d charge.succeeded events, want 1", id, len(evs))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for i, id := range walls {
		check(accounts[i], id)
	}
	a, b := check(te.account, first), check(te.account, second)
	if a.SettledAt != a.SettleAt || b.SettledAt != b.SettleAt || a.SettledAt == b.SettledAt {
		t.Errorf("clock charges settled at %d and %d, want their own settlement times %d and %d", a.SettledAt, b.SettledAt, a.SettleAt, b.SettleAt)
	}
}

// TestBatchSkipsATimerCanceledBeforeItsTurn fires, in one batch, a timer
// whose handler cancels the timers of another object, one of which is
// due later in the same batch: that one does not fire and is gone, and
// the batch goes on with the rest.
func TestBatchSkipsATimerCanceledBeforeItsTurn(t *testing.T) {
	te := newTestEngine(t)
	fired := map[string]int{}
	te.HandleTimer("test.cancel", func(op *Op, tm *Timer) error {
		fired[tm.ObjectID]++
		return op.CancelTimers("obj_victim", "")
	})
	te.handleSteps(fired)
	now := te.wall.Now()
	te.update(t, func(op *Op) error {
		for i, s := range []struct{ kind, obj string }{{"test.step", "obj_1"}, {"test.cancel", "obj_canceler"}, {"test.step", "obj_victim"}, {"test.step", "obj_2"}} {
			if err := op.Schedule(now.Add(time.Duration(i-10)*time.Second), "", s.kind, s.obj, nil); err != nil {
				return err
			}
		}
		return nil
	})
	te.fire(t)
	if want := map[string]int{"obj_1": 1, "obj_canceler": 1, "obj_2": 1}; fmt.Sprint(fired) != fmt.Sprint(want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	if ts := te.timers(t); len(ts) != 0 {
		t.Fatalf("timers left: %+v", ts)
	}
	if got := te.firedSteps(t); fmt.Sprint(got) != "[fired_obj_1 fired_obj_2]" {
		t.Errorf("objects written by the batch: %v", got)
	}
}

// TestBatchWhoseHeldWritesFail fires a batch in which one timer's write can
// only fail when the batch's held writes are written (its object id is
// taken): the batch is fired again writing each timer's rows as it goes,
// so that the other timers fire and the failing one alone is retried.
func TestBatchWhoseHeldWritesFail(t *testing.T) {
	te := newTestEngine(t)
	te.handleSteps(nil)
	now := te.wall.Now()
	te.update(t, func(op *Op) error {
		if err := op.Tx().InsertObject(op.Context(), &store.Object{Account: op.AccountID(), ID: "fired_obj_2",
			Type: "test.taken", Created: 1, Data: []byte(`{}`)}); err != nil {
			return err
		}
		for i := 1; i <= 3; i++ {
			if err := op.Schedule(now.Add(time.Duration(i-10)*time.Second), "", "test.step", fmt.Sprintf("obj_%d", i), nil); err != nil {
				return err
			}
		}
		return nil
	})
	te.fire(t)
	if ts := te.timers(t); len(ts) != 1 || ts[0].ObjectID != "obj_2" || ts[0].Attempts != 1 {
		t.Fatalf("timers left %+v, want the one of obj_2 after one attempt", ts)
	}
	if got := te.firedSteps(t); fmt.Sprint(got) != "[fired_obj_1 fired_obj_3]" {
		t.Errorf("objects written by the batch: %v", got)
	}
}

// handleSteps registers test.step, whose firing writes an object test.fired.
func (te *testEngine) handleSteps(fired map[string]int) {
	te.HandleTimer("test.step", func(op *Op, tm *Timer) error {
		if fired != nil {
			fired[tm.ObjectID]++
		}
		return op.Tx().InsertObject(op.Context(), &store.Object{Account: op.AccountID(), ID: "fired_" + tm.ObjectID,
			Type: "test.fired", Created: 1, Data: []byte(`{}`)})
	})
}

// firedSteps lists the ids of the test.fired objects, oldest first.
func (te *testEngine) firedSteps(t *testing.T) []string {
	t.Helper()
	var ids []string
	te.view(t, func(op *Op) error {
		got, err := op.Tx().ListObjects(op.Context(), store.ListObjectsParams{Account: op.AccountID(), Type: "test.fired", Ascending: true, Limit: 100})
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		return err
	})
	return ids
}

// TestSettlementEventCarriesThePendingCharge settles charges in one batch:
// each charge.succeeded event holds the charge as it is now and, as its
// previous attributes, the charge as it was (pending, no balance transaction).
func TestSettlementEventCarriesThePendingCharge(t *testing.T) {
	ctx := context.Background()
	te := newTestEngine(t)
	var ids []string
	te.update(t, func(op *Op) error {
		for range 3 {
			s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
				Owner: OwnerParams{Name: Some("Jenny Rosen")}})
			if err != nil {
				return err
			}
			c, err := op.CreateSourceCharge(ChargeParams{Amount: 1999, Currency: "eur", Source: s.ID})
			if err != nil {
				return err
			}
			ids = append(ids, c.ID)
		}
		return nil
	})
	te.wall.Advance(30 * 24 * time.Hour)
	te.fire(t)
	err := te.View(ctx, te.account, func(op *Op) error {
		for _, id := range ids {
			evs, err := eventsAbout(op, "charge.succeeded", id)
			if err != nil {
				return err
			}
			if len(evs) != 1 {
				t.Fatalf("charge %s has %d charge.succeeded events", id, len(evs))
			}
			ev, err := DecodeEvent(evs[0])
			if err != nil {
				return err
			}
			var now, before Charge
			if err := unmarshal(ev.Object, &now); err != nil {
				return err
			}
			if err := unmarshal(ev.Previous, &before); err != nil {
				return err
			}
			if now.ID != id || now.Status != ChargeSucceeded || now.BalanceTransaction == nil {
				t.Errorf("event object %s %s %v", now.ID, now.Status, now.BalanceTransaction)
			}
			if before.ID != id || before.Status != ChargePending || before.BalanceTransaction != nil || before.SettledAt != 0 {
				t.Errorf("event previous %s %s %v %d", before.ID, before.Status, before.BalanceTransaction, before.SettledAt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAdvanceBesideTheWriterMeetsAChangedCharge advances a test clock over
// more settlements than one batch holds while, during the first batch's run
// beside the writer, an API write changes a charge that batch settles
// further on: the batch is found stale in the writer and run again, and
// every charge settles exactly once (one balance transaction and one
// charge.succeeded each), the changed one with the API's change kept.
func TestAdvanceBesideTheWriterMeetsAChangedCharge(t *testing.T) {
	ctx := context.Background()
	const n = timerBatch + 40
	cc := newClockCharges(t, 1, n)
	e, sq, account, clockID, charges := cc.e, cc.sq, cc.account, cc.clockID, cc.charges
	changed := charges[10]
	settle := e.handlers[timerBankReport]
	var besides, writes atomic.Int32
	e.HandleTimer(timerBankReport, func(op *Op, tm *Timer) error {
		if bt, ok := op.tx.(batchTx); ok {
			if _, ok := bt.Tx.(interface {
				InWriter(func(store.Tx) error) error
			}); ok {
				besides.Add(1)
				if writes.Add(1) == 1 {
					// The first batch has read the charge on its snapshot.
					err := e.Update(ctx, account, RequestInfo{}, func(op *Op) error {
						_, err := op.UpdateCharge(changed, ChargeUpdate{Description: Some("changed on the way")})
						return err
					})
					if err != nil {
						return err
					}
				}
			}
		}
		return settle(op, tm)
	})
	before := sq.Speculations()
	cc.advance(t)
	if besides.Load() == 0 {
		t.Fatal("no settlement ran beside the writer")
	}
	if got := sq.Speculations(); got.Stale == before.Stale {
		t.Errorf("no write found stale (%+v): the change did not meet the batch", got)
	}
	err := e.View(ctx, account, func(op *Op) error {
		c, err := op.GetTestClock(clockID)
		if err != nil {
			return err
		}
		evs, err := op.ListEvents(store.ListEventsParams{Type: "charge.succeeded", Limit: 2 * n})
		if err != nil {
			return err
		}
		succeeded := map[string]int{}
		for _, r := range evs {
			ev, err := DecodeEvent(r)
			if err != nil {
				return err
			}
			var o struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(ev.Object, &o); err != nil {
				return err
			}
			succeeded[o.ID]++
		}
		if c.Status != TestClockReady || c.TimersFired != n {
			t.Errorf("clock %s with %d timers fired, want ready with %d", c.Status, c.TimersFired, n)
		}
		for _, id := range charges {
			ch, err := op.GetCharge(id)
			if err != nil {
				return err
			}
			if ch.Status != ChargeSucceeded {
				t.Errorf("charge %s is %s", id, ch.Status)
			}
			bts, err := ListWhere[BalanceTransaction](op, BalanceTransactionFilter{Source: id}, ListParams{Limit: 10})
			if err != nil {
				return err
			}
			if len(bts) != 1 {
				t.Errorf("charge %s has %d balance transactions, want 1", id, len(bts))
			}
			if succeeded[id] != 1 {
				t.Errorf("charge %s has %d charge.succeeded events, want 1", id, succeeded[id])
			}
			if id == changed && (ch.Description == nil || *ch.Description != "changed on the way") {
				t.Errorf("the charge changed during the advance lost its change: %v", ch.Description)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
