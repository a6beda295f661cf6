package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kontorpay/kontor/store"
)

// TestClock is a clock that stands still until advanced. Objects bound to it
// see its frozen time, and their timers fire when it moves past them.
type TestClock struct {
	Meta
	Name         *string         `json:"name"`
	FrozenTime   int64           `json:"frozen_time"`
	Status       TestClockStatus `json:"status"`
	TargetTime   int64           `json:"target_time,omitempty"`
	DeletesAfter int64           `json:"deletes_after"`
	Deleted      bool            `json:"deleted,omitempty"`
	// LastTarget is the frozen time the latest advance moves (or moved) the
	// clock to, and TimersFired how many of the clock's timers it has fired.
	LastTarget  int64 `json:"last_target,omitempty"`
	TimersFired int64 `json:"timers_fired,omitempty"`
}

func init() { register(&TestClock{}) }

// ObjectType implements Object.
func (*TestClock) ObjectType() string { return "test_helpers.test_clock" }

// Index implements Object.
func (c *TestClock) Index() Index { return Index{Status: string(c.Status)} }

// testClockLifetime is how long a test clock lives after creation.
const testClockLifetime = 30 * 24 * time.Hour

// MaxTimestamp is the latest time a parameter may name, in Unix seconds
// (9999-12-31T23:59:59Z): later than any test needs, and early enough that
// a clock's timers, days ahead and in milliseconds, never overflow int64.
const MaxTimestamp = 253402300799

// checkTimestamp refuses a time outside 1970 to MaxTimestamp.
func checkTimestamp(t int64, param string) error {
	if t < 0 || t > MaxTimestamp {
		return Invalid("parameter_invalid_integer", param, "Invalid %s: must be a Unix timestamp between 0 and %d.", param, MaxTimestamp)
	}
	return nil
}

// CreateTestClock creates a clock frozen at frozenTime.
func (op *Op) CreateTestClock(frozenTime int64, name Opt[string]) (*TestClock, error) {
	if err := checkTimestamp(frozenTime, "frozen_time"); err != nil {
		return nil, err
	}
	now := op.Now("")
	c := &TestClock{Meta: Meta{ID: NewID("clock_"), Created: now.Unix()}, FrozenTime: frozenTime, Status: TestClockReady,
		DeletesAfter: now.Add(testClockLifetime).Unix()}
	applyPtr(&c.Name, name)
	if err := op.insert(c); err != nil {
		return nil, err
	}
	return c, op.emit("test_helpers.test_clock.created", c, nil)
}

// GetTestClock returns a live test clock.
func (op *Op) GetTestClock(id string) (*TestClock, error) {
	return op.testClockFor(id, false)
}

// testClockFor loads a live test clock, locking its row when lock is set so
// that concurrent advances and deletions of one clock take turns.
func (op *Op) testClockFor(id string, lock bool) (*TestClock, error) {
	get := Get[TestClock]
	if lock {
		get = GetForUpdate[TestClock]
	}
	c, err := get(op, id)
	if err != nil {
		return nil, NotFoundOr(err, "test_clock", "test clock", id)
	}
	if c.Deleted {
		return nil, NotFound("test_clock", "test clock", id)
	}
	return c, nil
}

// ListTestClocks lists the live test clocks.
func (op *Op) ListTestClocks(p ListParams) ([]*TestClock, error) {
	cs, err := List[TestClock](op, p)
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if !c.Deleted {
			out = append(out, c)
		}
	}
	return out, nil
}

// AdvanceTestClock starts moving the clock to frozenTime. The clock is
// "advancing" until every timer due by then has fired, in due order; then it
// is "ready" again (event test_helpers.test_clock.ready).
func (op *Op) AdvanceTestClock(id string, frozenTime int64) (*TestClock, error) {
	if err := checkTimestamp(frozenTime, "frozen_time"); err != nil {
		return nil, err
	}
	c, err := op.testClockFor(id, true)
	if err != nil {
		return nil, err
	}
	if c.Status != TestClockReady {
		return nil, Errorf(KindState, "test_clock_not_ready", "", "The test clock %s is currently advancing; wait until it is ready before advancing it again.", id)
	}
	if frozenTime <= c.FrozenTime {
		return nil, Invalid("test_clock_advance_backwards", "frozen_time",
			"The frozen_time (%d) must be after the test clock's current frozen_time (%d).", frozenTime, c.FrozenTime)
	}
	c.Status, c.TargetTime, c.LastTarget, c.TimersFired = TestClockAdvancing, frozenTime, frozenTime, 0
	if err := op.save(c); err != nil {
		return nil, err
	}
	if err := op.scheduleAt(op.Now("").UnixMilli(), "", timerAdvanceClock, c.ID, nil); err != nil {
		return nil, err
	}
	return c, op.emit("test_helpers.test_clock.advancing", c, nil)
}

// AdvanceProgress is how far the latest advance of a test clock has got.
type AdvanceProgress struct {
	// Target is the frozen time the advance moves the clock to.
	Target int64
	// Fired counts the clock's timers the advance has fired; Due counts
	// those plus the timers still to fire up to Target. Timers that fire
	// schedule others, so Due may grow while the clock advances; once the
	// clock is ready, Fired equals Due.
	Fired, Due int64
}

// AdvanceProgress reports the progress of the clock's latest advance, and
// false when the clock was never advanced.
func (op *Op) AdvanceProgress(c *TestClock) (AdvanceProgress, bool, error) {
	if c.LastTarget == 0 {
		return AdvanceProgress{}, false, nil
	}
	p := AdvanceProgress{Target: c.LastTarget, Fired: c.TimersFired, Due: c.TimersFired}
	if c.Status == TestClockAdvancing {
		left, err := op.tx.CountTimersDue(op.ctx, c.ID, time.Unix(c.TargetTime, 0).UnixMilli())
		if err != nil {
			return p, true, err
		}
		p.Due += left
	}
	return p, true, nil
}

// advanceTally counts the timers an advance fires on the clock itself, in
// the transaction that fires them: the count stays exact whichever node
// fires them, and a batch rolled back is not counted.
type advanceTally struct {
	op *Op
	c  *TestClock
}

// tallyFor locks the test clock clockID for counting the timers fired in
// tx; it is nil for wall-clock timers (clockID "") and a clock that is gone.
func (e *Engine) tallyFor(ctx context.Context, tx store.Tx, account, clockID string) (*advanceTally, error) {
	if clockID == "" {
		return nil, nil
	}
	op := e.newOp(ctx, tx, account, RequestInfo{}, true)
	c, err := followed(GetForUpdate[TestClock](op, clockID))
	if err != nil || c == nil {
		return nil, err
	}
	return &advanceTally{op: op, c: c}, nil
}

// add counts n more timers fired.
func (t *advanceTally) add(n int) error {
	if t == nil || n == 0 {
		return nil
	}
	t.c.TimersFired += int64(n)
	return t.op.save(t.c)
}

// DeleteTestClock deletes the clock, cancels its timers and deletes the customers bound to it.
func (op *Op) DeleteTestClock(id string) (*TestClock, error) {
	c, err := op.testClockFor(id, true)
	if err != nil {
		return nil, err
	}
	c.Deleted, c.Status = true, TestClockDeleted
	if err := op.save(c); err != nil {
		return nil, err
	}
	custs, err := ListWhere[Customer](op, CustomerFilter{TestClock: id, Live: true}, ListParams{Limit: 100000})
	if err != nil {
		return nil, err
	}
	for _, cu := range custs {
		if _, err := op.DeleteCustomer(cu.ID); err != nil {
			return nil, err
		}
	}
	return c, op.emit("test_helpers.test_clock.deleted", c, nil)
}

// advanceClock drains the clock's timers due by its target time, each in its
// own transaction, then marks the clock ready. It is idempotent: a crash in
// between leaves the advance timer in place and the next run continues. The
// clock becomes ready only when no timer due by the target is left, including
// timers another node is firing at that moment.
func (e *Engine) advanceClock(ctx context.Context, t store.Timer) error {
	mu, _ := e.clockMu.LoadOrStore(t.ObjectID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	var target int64
	err := e.View(ctx, t.Account, func(op *Op) error {
		c, err := Get[TestClock](op, t.ObjectID)
		if err != nil {
			return err
		}
		if c.Status == TestClockAdvancing && !c.Deleted {
			target = c.TargetTime
		}
		return nil
	})
	if err != nil && !isNotFound(err) {
		return err
	}
	targetMS := time.Unix(target, 0).UnixMilli()
	ahead := e.newReadAhead(ctx, t.ObjectID, targetMS)
	defer ahead.stop()
	renewAt := e.clock.Now().Add(advanceLease / 2)
	for {
		if target != 0 {
			if err := e.drainClock(ctx, t, targetMS, &renewAt, ahead); err != nil {
				return err
			}
		}
		done := true
		err := e.Update(ctx, t.Account, RequestInfo{}, func(op *Op) error {
			done = true
			if target != 0 {
				if due, ok, err := op.tx.NextTimerDue(op.ctx, t.ObjectID); err != nil {
					return err
				} else if ok && due <= targetMS {
					done = false
					return nil
				}
			}
			if err := op.tx.DeleteTimer(op.ctx, t.ID); err != nil && !isNotFound(err) {
				return err
			}
			c, err := followed(Get[TestClock](op, t.ObjectID))
			if err != nil || c == nil {
				return err
			}
			// A run whose lease ran out may finish after another node
			// completed this advance and the clock was advanced again: it
			// drained timers up to its own target only, so it must not
			// complete the newer advance.
			if c.Status != TestClockAdvancing || c.Deleted || c.TargetTime != target {
				return nil
			}
			c.FrozenTime, c.Status, c.TargetTime = c.TargetTime, TestClockReady, 0
			op.clocks = nil
			if err := op.save(c); err != nil {
				return err
			}
			return op.emit("test_helpers.test_clock.ready", c, nil)
		})
		if err != nil || done {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// Another node is still firing a due timer of this clock: wait for it.
		time.Sleep(20 * time.Millisecond)
	}
}

// drainClock fires the timers of the clock of the advance t due by dueMS,
// in batches (fireSome), until none is left, keeping the advance's lease
// (renewAt is when it is next renewed). Up to drainDepth batches are in
// flight: once a batch's transaction has claimed its timers in the writer,
// the next batch is queued behind it (batchLink), so that the writer goes
// on to it without waiting for the advance to hear that the first one is
// durable, and a batch beside the writer (ADR 0031) runs its handlers while
// the writer applies the ones before it. A batch queued behind one that did
// not fire fires nothing, and is fired again once those in flight are done.
func (e *Engine) drainClock(ctx context.Context, t store.Timer, dueMS int64, renewAt *time.Time, ahead *readAhead) error {
	type flight struct {
		link  *batchLink
		fired bool
		err   error
		done  chan struct{}
	}
	size := timerBatch
	launch := func(prev *flight) *flight {
		f := &flight{link: newBatchLink(nil, size), done: make(chan struct{})}
		size = min(2*size, clockBatch)
		if prev != nil {
			f.link.prev = prev.link
		}
		until := *renewAt
		go func() {
			defer close(f.done)
			f.fired, f.err = e.fireSome(ctx, t.ObjectID, dueMS, until, nil, ahead, f.link)
		}()
		return f
	}
	// settle waits for the flights and returns the first error among them
	// but a batch's behind the one before it.
	settle := func(fs []*flight) error {
		var first error
		for _, f := range fs {
			<-f.done
			if first == nil && f.err != nil && !errors.Is(f.err, errBatchBehind) {
				first = f.err
			}
		}
		return first
	}
	flights := []*flight{launch(nil)}
	for {
		cur, newest := flights[0], flights[len(flights)-1]
		var began <-chan struct{}
		if len(flights) < drainDepth {
			began = newest.link.began
		}
		select {
		case <-began:
			flights = append(flights, launch(newest))
			continue
		case <-cur.done:
		}
		rest := flights[1:]
		switch {
		case errors.Is(cur.err, errBatchBehind):
			// The batch before it is done now; those after it are behind it.
			if err := settle(rest); err != nil {
				return err
			}
			flights = []*flight{launch(nil)}
			continue
		case cur.err != nil || !cur.fired:
			err := settle(rest)
			if cur.err != nil {
				return cur.err
			}
			return err
		}
		if now := e.clock.Now(); now.After(*renewAt) {
			// A long advance keeps its lease, so that no other node
			// starts draining the same clock beside this one.
			*renewAt = now.Add(advanceLease / 2)
			if err := e.renewAdvance(ctx, t, now); err != nil {
				settle(rest)
				return err
			}
		}
		if len(rest) == 0 {
			rest = []*flight{launch(nil)}
		}
		flights = rest
	}
}

// drainDepth is how many batches of an advance are in flight at most: one
// being written, one run beside the writer, and one being made durable.
const drainDepth = 3

// renewAdvance extends the lease of a running advance from now. A timer
// already gone (another node finished the advance) is not an error: the
// drain's final step checks the clock's state anyway.
func (e *Engine) renewAdvance(ctx context.Context, t store.Timer, now time.Time) error {
	return e.store.Update(ctx, func(tx store.Tx) error {
		lease := t
		lease.Due = now.Add(advanceLease).UnixMilli()
		if err := tx.UpdateTimer(ctx, &lease); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
}
