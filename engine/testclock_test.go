package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

// TestLongAdvanceKeepsItsLease advances a test clock through timers whose
// handlers each take 40 s of wall time: the advance renews its lease as it
// goes, so at no point could another node take the advance over, and the
// timers fire once each, in due order.
func TestLongAdvanceKeepsItsLease(t *testing.T) {
	ctx := context.Background()
	te := newTestEngine(t)
	e, wall := te.Engine, te.wall
	var fired []string
	e.HandleTimer("test.tick", func(op *Op, tm *Timer) error {
		// The advance timer is the only wall-clock timer: its due time is the lease's end.
		// A batch beside the writer cannot read it, and is run by the writer: a
		// run that does not commit stops here.
		leaseEnd, ok, err := op.Tx().NextTimerDue(op.Context(), "")
		if err != nil {
			return err
		}
		fired = append(fired, string(tm.Payload))
		if !ok || leaseEnd <= wall.Now().UnixMilli() {
			t.Errorf("tick %s ran at %s with the advance's lease ended (%v, %v)", tm.Payload, wall.Now(), time.UnixMilli(leaseEnd), ok)
		}
		wall.Advance(40 * time.Second)
		return nil
	})
	var clockID string
	frozen := wall.Now().Truncate(time.Second)
	err := e.Update(ctx, te.account, RequestInfo{}, func(op *Op) error {
		c, err := op.CreateTestClock(frozen.Unix(), Opt[string]{})
		if err != nil {
			return err
		}
		clockID = c.ID
		for i, name := range []string{"first", "second", "third", "fourth"} {
			if err := op.Schedule(frozen.Add(time.Duration(i+1)*time.Hour), c.ID, "test.tick", c.ID, name); err != nil {
				return err
			}
		}
		_, err = op.AdvanceTestClock(c.ID, frozen.Add(5*time.Hour).Unix())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.FireDueTimers(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(fired); got != 4 || fired[0] != `"first"` || fired[3] != `"fourth"` {
		t.Fatalf("fired %v, want the four ticks in due order", fired)
	}
	err = e.View(ctx, te.account, func(op *Op) error {
		c, err := op.GetTestClock(clockID)
		if err != nil {
			return err
		}
		if c.Status != "ready" || c.FrozenTime != frozen.Add(5*time.Hour).Unix() {
			t.Errorf("clock = %s at %d, want ready at the target", c.Status, c.FrozenTime)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAdvanceCountsTheTimersItFires advances a clock through three timers,
// the first of which schedules a fourth within the advance and the second
// of which fails once: the progress counts each timer fired exactly once
// (a rolled-back batch is not counted), due grows with the timer scheduled
// on the way, and the next advance counts afresh.
func TestAdvanceCountsTheTimersItFires(t *testing.T) {
	te := newTestEngine(t)
	frozen := te.wall.Now().Truncate(time.Second)
	var clockID string
	failed := false
	te.HandleTimer("test.tick", func(op *Op, tm *Timer) error {
		switch string(tm.Payload) {
		case `"first"`:
			return op.Schedule(frozen.Add(90*time.Minute), clockID, "test.tick", clockID, "scheduled")
		case `"second"`:
			if !failed {
				failed = true
				return errors.New("the second tick fails once")
			}
		}
		return nil
	})
	progress := func() AdvanceProgress {
		t.Helper()
		var p AdvanceProgress
		te.view(t, func(op *Op) error {
			c, err := op.GetTestClock(clockID)
			if err != nil {
				return err
			}
			var ok bool
			p, ok, err = op.AdvanceProgress(c)
			if err == nil && !ok {
				t.Errorf("no progress for a clock that was advanced")
			}
			return err
		})
		return p
	}
	te.update(t, func(op *Op) error {
		c, err := op.CreateTestClock(frozen.Unix(), Opt[string]{})
		if err != nil {
			return err
		}
		clockID = c.ID
		if _, ok, err := op.AdvanceProgress(c); ok || err != nil {
			t.Errorf("progress of a clock never advanced: %v %v", ok, err)
		}
		for i, name := range []string{"first", "second", "third"} {
			if err := op.Schedule(frozen.Add(time.Duration(i+1)*time.Hour), c.ID, "test.tick", c.ID, name); err != nil {
				return err
			}
		}
		// A timer after the target is not due.
		if err := op.Schedule(frozen.Add(10*time.Hour), c.ID, "test.tick", c.ID, "later"); err != nil {
			return err
		}
		_, err = op.AdvanceTestClock(c.ID, frozen.Add(5*time.Hour).Unix())
		return err
	})
	target := frozen.Add(5 * time.Hour).Unix()
	if p := progress(); p != (AdvanceProgress{Target: target, Fired: 0, Due: 3}) {
		t.Fatalf("before the advance runs: %+v", p)
	}
	te.fire(t)
	if !failed {
		t.Fatal("the second tick never failed")
	}
	if p := progress(); p != (AdvanceProgress{Target: target, Fired: 4, Due: 4}) {
		t.Fatalf("after the advance: %+v, want the three ticks and the one scheduled on the way, once each", p)
	}
	te.update(t, func(op *Op) error {
		_, err := op.AdvanceTestClock(clockID, frozen.Add(11*time.Hour).Unix())
		return err
	})
	te.fire(t)
	if p := progress(); p != (AdvanceProgress{Target: frozen.Add(11 * time.Hour).Unix(), Fired: 1, Due: 1}) {
		t.Fatalf("the next advance: %+v", p)
	}
}

// TestSchedulerFiresWallTimersDuringAnAdvance runs the scheduler while a
// test clock advances through a chain of timers, each of which schedules
// the next until a wall-clock timer has fired: the wall-clock timer fires
// while the clock is still advancing (an advance runs beside the
// scheduler, not in its place), and the clock then becomes ready.
func TestSchedulerFiresWallTimersDuringAnAdvance(t *testing.T) {
	te := newTestEngine(t)
	const maxLinks = 2000
	var wallFired atomic.Bool
	var links atomic.Int64
	var statusAtWall TestClockStatus
	frozen := te.wall.Now().Truncate(time.Second)
	var clockID string
	te.HandleTimer("test.link", func(op *Op, tm *Timer) error {
		if links.Add(1) == 1 {
			te.wall.Advance(time.Second) // the wall-clock timer comes due
		}
		if wallFired.Load() || links.Load() >= maxLinks {
			return nil
		}
		return op.Schedule(op.Now(clockID).Add(time.Millisecond), clockID, "test.link", tm.ObjectID, nil)
	})
	te.HandleTimer("test.wall", func(op *Op, tm *Timer) error {
		c, err := Get[TestClock](op, clockID)
		if err != nil {
			return err
		}
		statusAtWall = c.Status
		wallFired.Store(true)
		return nil
	})
	kick := make(chan struct{}, 1)
	te.OnCommit(func(w Wake) {
		if !w.Timers {
			return
		}
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	readied := make(chan struct{})
	te.AddEventSink("", func(op *Op, ev *Event) error {
		if ev.Type == "test_helpers.test_clock.ready" {
			close(readied)
		}
		return nil
	})
	te.update(t, func(op *Op) error {
		c, err := op.CreateTestClock(frozen.Unix(), Opt[string]{})
		if err != nil {
			return err
		}
		clockID = c.ID
		if err := op.Schedule(te.wall.Now().Add(500*time.Millisecond), "", "test.wall", "wall_1", nil); err != nil {
			return err
		}
		if err := op.Schedule(frozen.Add(time.Second), c.ID, "test.link", "link", nil); err != nil {
			return err
		}
		_, err = op.AdvanceTestClock(c.ID, frozen.Add(time.Hour).Unix())
		return err
	})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); te.RunScheduler(ctx, kick) }()
	select {
	case <-readied:
	case <-time.After(2 * time.Minute): // a bound for a broken scheduler, not a wait
		t.Errorf("the clock was not readied within two minutes (%d links, wall timer fired: %v)", links.Load(), wallFired.Load())
	}
	// The ready event was recorded inside the advance's last transaction:
	// RunScheduler returns once that advance has returned, committed.
	cancel()
	<-stopped
	te.view(t, func(op *Op) error {
		c, err := op.GetTestClock(clockID)
		if err == nil && c.Status != TestClockReady {
			t.Errorf("clock %s after the advance, want ready", c.Status)
		}
		return err
	})
	if !wallFired.Load() || statusAtWall != TestClockAdvancing || links.Load() >= maxLinks {
		t.Fatalf("wall-clock timer fired %v with the clock %q, after %d links; want it fired during the advance", wallFired.Load(), statusAtWall, links.Load())
	}
}

// TestOnlyCustomersAreListedByTheirClock: a clock's customer is stored with
// its clock in the indexed column, its charge and the other objects of the
// clock keep the clock in their document alone; the charge still sees the
// clock's time.
func TestOnlyCustomersAreListedByTheirClock(t *testing.T) {
	te := newTestEngine(t)
	frozen := te.wall.Now().Add(-48 * time.Hour).Truncate(time.Second)
	te.update(t, func(op *Op) error {
		clk, err := op.CreateTestClock(frozen.Unix(), Opt[string]{})
		if err != nil {
			return err
		}
		s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
			Owner: OwnerParams{Name: Some("Jenny Rosen")}})
		if err != nil {
			return err
		}
		cu, err := op.CreateCustomer(CustomerParams{Source: Some(s.ID), TestClock: Some(clk.ID)})
		if err != nil {
			return err
		}
		c, err := op.CreateSourceCharge(ChargeParams{Amount: 1999, Currency: "eur", Customer: cu.ID})
		if err != nil {
			return err
		}
		if c.ClockID != clk.ID || c.Created != frozen.Unix() {
			t.Errorf("charge on the clock: clock %q, created %d; want %q, %d", c.ClockID, c.Created, clk.ID, frozen.Unix())
		}
		for id, want := range map[string]string{cu.ID: clk.ID, c.ID: ""} {
			row, err := op.Tx().GetObject(op.Context(), store.GetObjectParams{Account: op.AccountID(), ID: id})
			if err != nil {
				return err
			}
			if row.ClockID != want {
				t.Errorf("%s %s stored with clock %q, want %q", row.Type, id, row.ClockID, want)
			}
		}
		got, err := ListWhere[Customer](op, CustomerFilter{TestClock: clk.ID, Live: true}, ListParams{Limit: 10})
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].ID != cu.ID {
			t.Errorf("customers of the clock: %v", got)
		}
		back, err := Get[Charge](op, c.ID)
		if err == nil && back.ClockID != clk.ID {
			t.Errorf("charge read back: clock %q, want %q", back.ClockID, clk.ID)
		}
		return err
	})
}

// TestAdvanceBehindAFailingBatch advances a test clock through more timers
// than two batches hold, the fifth of which always fails. The batch queued
// behind the failing one fires nothing: the timers before the failing one
// fire once each, in due order, none after it fires, and the failing timer
// counts each failure of its handler until the advance stops, as an
// advance fired one batch at a time counts them.
func TestAdvanceBehindAFailingBatch(t *testing.T) {
	ctx := context.Background()
	te := newTestEngine(t)
	frozen := te.wall.Now().Truncate(time.Second)
	const n, failing = 3*timerBatch + 10, 5 // more than the first two batches (timerBatch, then twice that)
	var failures atomic.Int32
	te.HandleTimer("test.step", func(op *Op, tm *Timer) error {
		if tm.ObjectID == fmt.Sprintf("step_%03d", failing) {
			failures.Add(1)
			return errors.New("this step always fails")
		}
		return op.Tx().InsertObject(op.Context(), &store.Object{Account: op.AccountID(), ID: "fired_" + tm.ObjectID,
			Type: "test.fired", Created: 1, Data: []byte(`{}`)})
	})
	clockID := te.advanceSteps(t, frozen, n, "step_%03d")
	te.fire(t)
	var fired []store.Object
	var left []store.Timer
	err := te.st.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if fired, err = tx.ListObjects(ctx, store.ListObjectsParams{Account: te.account, Type: "test.fired", Ascending: true, Limit: 2 * n}); err != nil {
			return err
		}
		left, err = tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: clockID, DueLTE: frozen.Add(time.Duration(n+1) * time.Minute).UnixMilli(), Limit: 2 * n})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) != failing-1 {
		t.Fatalf("%d timers fired, want the %d before the failing one", len(fired), failing-1)
	}
	for i, o := range fired {
		if o.ID != fmt.Sprintf("fired_step_%03d", i+1) {
			t.Fatalf("firing %d is %s, want step %d", i, o.ID, i+1)
		}
	}
	if len(left) != n-failing+1 || left[0].ObjectID != fmt.Sprintf("step_%03d", failing) {
		t.Fatalf("%d timers left, first %v; want %d from the failing one", len(left), left, n-failing+1)
	}
	if got := failures.Load(); got != timerMaxAttempts || left[0].Attempts != int(got) {
		t.Errorf("the failing timer failed %d times and counts %d attempts, want %d of each", got, left[0].Attempts, timerMaxAttempts)
	}
}

// TestAdvanceBatchesGrowAndFollowACutShortOne advances a test clock through
// 1,000 timers. Its batches start at timerBatch and double up to
// clockBatch; the second is cut short by its time budget (its handler of
// the 50th timer moves the wall clock on), and the batch queued behind it
// claims the timers after the last it fired, so that the writer finds no
// batch stale: every timer fires once, in due order, in batches of 128,
// 50, 512 and the 310 left.
func TestAdvanceBatchesGrowAndFollowACutShortOne(t *testing.T) {
	ctx := context.Background()
	te := newTestEngine(t)
	sq, ok := te.st.Store.(*sqlite.Store)
	if !ok {
		t.Fatalf("the test engine's store is a %T", te.st.Store)
	}
	frozen := te.wall.Now().Truncate(time.Second)
	const n, cut = 1000, timerBatch + 50
	var mu sync.Mutex
	var order []string
	var batches []*Op
	sizes := map[*Op]int{}
	te.HandleTimer("test.step", func(op *Op, tm *Timer) error {
		mu.Lock()
		order = append(order, tm.ObjectID)
		if sizes[op]++; sizes[op] == 1 {
			batches = append(batches, op)
		}
		mu.Unlock()
		if tm.ObjectID == fmt.Sprintf("step_%04d", cut) {
			te.wall.Advance(time.Second) // past the batch's time budget
		}
		return op.Tx().InsertObject(op.Context(), &store.Object{Account: op.AccountID(), ID: "fired_" + tm.ObjectID,
			Type: "test.fired", Created: 1, Data: []byte(`{}`)})
	})
	clockID := te.advanceSteps(t, frozen, n, "step_%04d")
	before := sq.Speculations()
	te.fire(t)
	if got := sq.Speculations(); got.Stale != before.Stale || got.Redone != before.Redone {
		t.Fatalf("writes found stale or run again during the advance: %+v before, %+v after", before, got)
	}
	if len(order) != n {
		t.Fatalf("%d handler calls, want %d", len(order), n)
	}
	for i, id := range order {
		if id != fmt.Sprintf("step_%04d", i+1) {
			t.Fatalf("handler call %d is for %s, want step %d", i, id, i+1)
		}
	}
	var got []int
	for _, op := range batches {
		got = append(got, sizes[op])
	}
	if want := []int{timerBatch, cut - timerBatch, clockBatch, n - cut - clockBatch}; !slices.Equal(got, want) {
		t.Errorf("batches of %v timers, want %v", got, want)
	}
	te.view(t, func(op *Op) error {
		c, err := op.GetTestClock(clockID)
		if err != nil {
			return err
		}
		if c.Status != TestClockReady || c.TimersFired != n {
			t.Errorf("clock %s with %d timers fired, want ready with %d", c.Status, c.TimersFired, n)
		}
		fired, err := op.Tx().ListObjects(ctx, store.ListObjectsParams{Account: op.AccountID(), Type: "test.fired", Limit: 2 * n})
		if len(fired) != n {
			t.Errorf("%d timers fired, want %d", len(fired), n)
		}
		return err
	})
}

// advanceSteps makes a test clock frozen at frozen with n "test.step"
// timers a minute apart, for objects named by format and i (1 to n), and
// advances it past them; it returns the clock's id.
func (te *testEngine) advanceSteps(t *testing.T, frozen time.Time, n int, format string) string {
	t.Helper()
	var clockID string
	te.update(t, func(op *Op) error {
		c, err := op.CreateTestClock(frozen.Unix(), Opt[string]{})
		if err != nil {
			return err
		}
		clockID = c.ID
		for i := 1; i <= n; i++ {
			if err := op.Schedule(frozen.Add(time.Duration(i)*time.Minute), c.ID, "test.step", fmt.Sprintf(format, i), nil); err != nil {
				return err
			}
		}
		_, err = op.AdvanceTestClock(c.ID, frozen.Add(time.Duration(n+1)*time.Minute).Unix())
		return err
	})
	return clockID
}
