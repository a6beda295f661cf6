package engine

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

// errDisk stands for an I/O error of the database.
var errDisk = errors.New("disk I/O error")

// faultyStore is a real SQLite store whose object reads fail while
// failReads is set; it counts the calls that read objects.
type faultyStore struct {
	store.Store
	failReads atomic.Bool
	// getObject and getObjects count the calls of GetObject and GetObjects.
	getObject, getObjects atomic.Int64
}

func (s *faultyStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(faultyTx{tx, s}) })
}

func (s *faultyStore) View(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.View(ctx, func(tx store.Tx) error { return fn(faultyTx{tx, s}) })
}

type faultyTx struct {
	store.Tx
	s *faultyStore
}

func (t faultyTx) GetObject(ctx context.Context, p store.GetObjectParams) (store.Object, error) {
	t.s.getObject.Add(1)
	if t.s.failReads.Load() {
		return store.Object{}, errDisk
	}
	return t.Tx.GetObject(ctx, p)
}

func (t faultyTx) GetObjects(ctx context.Context, account string, ids []string) ([]store.Object, error) {
	t.s.getObjects.Add(1)
	if t.s.failReads.Load() {
		return nil, errDisk
	}
	return t.Tx.GetObjects(ctx, account, ids)
}

// testEngine is an engine over a fresh SQLite file, on a manual wall clock,
// with one account.
type testEngine struct {
	*Engine
	st      *faultyStore
	wall    *clock.Manual
	account string
}

func newTestEngine(t *testing.T) *testEngine {
	t.Helper()
	ctx := context.Background()
	sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	st := &faultyStore{Store: sq}
	wall := clock.NewManual(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	e, err := New(ctx, Config{Store: st, Clock: wall})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := e.CreateAccount(ctx, "Engine Test")
	if err != nil {
		t.Fatal(err)
	}
	return &testEngine{Engine: e, st: st, wall: wall, account: acct.Account.ID}
}

func (te *testEngine) update(t *testing.T, fn func(op *Op) error) {
	t.Helper()
	if err := te.Update(context.Background(), te.account, RequestInfo{}, fn); err != nil {
		t.Fatal(err)
	}
}

func (te *testEngine) view(t *testing.T, fn func(op *Op) error) {
	t.Helper()
	if err := te.View(context.Background(), te.account, fn); err != nil {
		t.Fatal(err)
	}
}

func (te *testEngine) fire(t *testing.T) {
	t.Helper()
	if _, _, err := te.FireDueTimers(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// timers returns the pending wall-clock timers.
func (te *testEngine) timers(t *testing.T) []store.Timer {
	t.Helper()
	var ts []store.Timer
	err := te.st.Store.View(context.Background(), func(tx store.Tx) error {
		var err error
		ts, err = tx.ClaimDueTimers(context.Background(), store.ClaimTimersParams{DueLTE: math.MaxInt64, Limit: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func (te *testEngine) chargeStatus(t *testing.T, id string) ChargeStatus {
	t.Helper()
	var status ChargeStatus
	te.view(t, func(op *Op) error {
		c, err := op.GetCharge(id)
		if err == nil {
			status = c.Status
		}
		return err
	})
	return status
}

// TestFailingTimerIsKeptAndRetried fires a timer whose handler fails once:
// the timer stays with its attempt counted and a later due time, fires
// again when that time comes, and only then is gone.
func TestFailingTimerIsKeptAndRetried(t *testing.T) {
	te := newTestEngine(t)
	calls := 0
	te.HandleTimer("test.flaky", func(op *Op, tm *Timer) error {
		calls++
		if calls == 1 {
			return errDisk
		}
		return nil
	})
	start := te.wall.Now()
	te.update(t, func(op *Op) error { return op.Schedule(start, "", "test.flaky", "obj_1", nil) })

	te.fire(t)
	ts := te.timers(t)
	if calls != 1 || len(ts) != 1 {
		t.Fatalf("after the failure: %d calls, %d timers; want 1 call and the timer kept", calls, len(ts))
	}
	if ts[0].Attempts != 1 || ts[0].Due <= start.UnixMilli() {
		t.Fatalf("kept timer has %d attempts, due %s; want 1 attempt and a later due time", ts[0].Attempts, time.UnixMilli(ts[0].Due))
	}
	te.fire(t)
	if calls != 1 {
		t.Fatalf("the timer fired again before its retry delay ended (%d calls)", calls)
	}
	te.wall.Advance(time.UnixMilli(ts[0].Due).Sub(te.wall.Now()))
	te.fire(t)
	if calls != 2 || len(te.timers(t)) != 0 {
		t.Fatalf("after the retry delay: %d calls, %d timers; want 2 calls and no timer", calls, len(te.timers(t)))
	}
}

// TestTimerRetryDelayIsCapped checks that a timer failing for long keeps being
// retried, at most timerMaxRetryDelay apart.
func TestTimerRetryDelayIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n < 40; n++ {
		b := timerRetryDelay(n)
		if b < prev || b > timerMaxRetryDelay || b <= 0 {
			t.Fatalf("timerRetryDelay(%d) = %s after %s", n, b, prev)
		}
		prev = b
	}
	if prev != timerMaxRetryDelay {
		t.Fatalf("the retry delay never reaches the cap: %s", prev)
	}
}

// TestChargeSettlesAfterFailedRead makes the settle timer of a pending charge
// fire while the database cannot be read: the charge stays pending and its
// timer stays too; once reads work again the retry settles the charge.
func TestChargeSettlesAfterFailedRead(t *testing.T) {
	te := newTestEngine(t)
	now := te.wall.Now()
	te.update(t, func(op *Op) error {
		c := &Charge{Meta: Meta{ID: "py_settle", Created: now.Unix()}, Amount: 1000, Currency: "eur", Status: "pending",
			Method: ChargeMethod{Type: "sepa_debit"}, Metadata: map[string]string{}}
		if err := op.insert(c); err != nil {
			return err
		}
		return op.Schedule(now, "", timerBankReport, c.ID, []bank.Report{{Instruction: c.ID, Kind: bank.Collection, Status: bank.Booked}})
	})

	te.st.failReads.Store(true)
	te.fire(t)
	te.st.failReads.Store(false)
	if ts := te.timers(t); len(ts) != 1 || ts[0].Kind != timerBankReport || ts[0].Attempts != 1 {
		t.Fatalf("after the failed read the timers are %+v; want the settle timer kept with one attempt", ts)
	}
	if got := te.chargeStatus(t, "py_settle"); got != "pending" {
		t.Errorf("charge is %s after a failed settle; want pending", got)
	}

	te.wall.Advance(time.UnixMilli(te.timers(t)[0].Due).Sub(te.wall.Now()))
	te.fire(t)
	if got := te.chargeStatus(t, "py_settle"); got != "succeeded" {
		t.Errorf("charge is %s after the retry; want succeeded", got)
	}
	if ts := te.timers(t); len(ts) != 0 {
		t.Fatalf("timers left after the charge settled: %+v", ts)
	}
}

// TestStoreErrorIsNotNotFound checks that a failed read reaches the caller as
// itself, while a missing object is resource_missing.
func TestStoreErrorIsNotNotFound(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	getters := map[string]func(op *Op) error{
		"charge":         func(op *Op) error { _, err := op.GetCharge("py_none"); return err },
		"mandate":        func(op *Op) error { _, err := op.GetMandate("mandate_none"); return err },
		"source":         func(op *Op) error { _, err := op.GetSource("src_none", "source"); return err },
		"refund":         func(op *Op) error { _, err := op.GetRefund("re_none"); return err },
		"dispute":        func(op *Op) error { _, err := op.GetDispute("du_none"); return err },
		"customer":       func(op *Op) error { _, err := op.GetCustomer("cus_none"); return err },
		"live customer":  func(op *Op) error { _, err := op.LiveCustomer("cus_none", "customer"); return err },
		"payment intent": func(op *Op) error { _, err := op.GetPaymentIntent("pi_none"); return err },
		"setup intent":   func(op *Op) error { _, err := op.GetSetupIntent("seti_none"); return err },
		"payment method": func(op *Op) error { _, err := op.GetPaymentMethod("pm_none"); return err },
		"payment page":   func(op *Op) error { _, err := op.GetPaymentPage("cs_none"); return err },
		"test clock":     func(op *Op) error { _, err := op.GetTestClock("clock_none"); return err },
	}
	for name, get := range getters {
		te.st.failReads.Store(false)
		err := te.View(ctx, te.account, get)
		if e, ok := AsError(err); !ok || e.Kind != KindNotFound || e.Code != "resource_missing" {
			t.Errorf("%s: missing object answered %v; want resource_missing", name, err)
		}
		te.st.failReads.Store(true)
		err = te.View(ctx, te.account, get)
		if !errors.Is(err, errDisk) {
			t.Errorf("%s: failed read answered %v; want the read's error", name, err)
		}
		if _, ok := AsError(err); ok {
			t.Errorf("%s: failed read answered the client error %v", name, err)
		}
	}
}

func (t faultyTx) Beside() (store.Tx, bool) {
	b, ok := store.Beside(t.Tx)
	return faultyTx{b, t.s}, ok
}

func (t faultyTx) InWriter(fn func(store.Tx) error) error { return store.InWriter(t.Tx, fn) }
