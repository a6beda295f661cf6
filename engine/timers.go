package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontorpay/kontor/store"
)

// TimerHandler carries out the transition a timer stands for, inside the
// transaction that also deletes the timer. It must be idempotent with respect
// to the object's state: a timer that finds its object already moved on does nothing.
type TimerHandler func(op *Op, t *Timer) error

// Timer is a due transition handed to a TimerHandler.
type Timer = store.Timer

const (
	timerAdvanceClock  = "test_clock.advance"
	timerMaxAttempts   = 8
	timerMaxRetryDelay = time.Hour
	// timerBatch is how many due timers one transaction fires at most, and
	// timerBatchTime how long one batch may hold the store's writer. Under
	// write load the scheduler fires about one batch per wait in the
	// writer's queue, so the batch sets how fast it keeps up; in SQLite a
	// savepoint's cost also grows with the pages it has touched (each
	// statement truncates the in-memory sub-journal, walking it from its
	// start), so batches do not grow past this.
	timerBatch     = 128
	timerBatchTime = 100 * time.Millisecond
	// clockBatch is how many due timers a batch of a test clock advance
	// fires at most. An advance's batches start at timerBatch, so that the
	// first is soon handed on and the next runs beside the writer while
	// the writer writes it (ADR 0031), and each is twice the one before
	// it up to clockBatch: the writer's commit, its statements and its
	// checks of a batch cost about as much for 512 settlements as for 128.
	clockBatch = 512
	// advanceLease is how long one node holds a test clock advance.
	advanceLease = time.Minute
)

// HandleTimer registers the handler for a timer kind; dialects and engine
// files call it while the engine is built.
func (e *Engine) HandleTimer(kind string, h TimerHandler) { e.handlers[kind] = h }

// registerTimers registers the engine's own timer kinds.
func (e *Engine) registerTimers() {
	e.handlers[timerBankReport] = applyBankReports
	e.handlers[legacyTimerChargeSettle] = resubmitCharge
	e.handlers[legacyTimerRefundSettle] = resubmitRefund
	e.handlers[timerChargeCutoff] = cutOffSofortCharge
	e.handlers[timerMandateLapse] = lapseMandate
	e.handlers[timerSofortAuthorize] = authorizeSofortSource
	e.handlers[timerSourceExpire] = expireSource
	e.handlers[timerPageExpire] = expirePage
}

// Schedule queues a transition of kind for objectID at the time at, on the
// clock of the object (clockID, "" for the wall clock).
func (op *Op) Schedule(at time.Time, clockID, kind, objectID string, payload any) error {
	return op.scheduleAt(at.UnixMilli(), clockID, kind, objectID, payload)
}

func (op *Op) scheduleAt(dueMS int64, clockID, kind, objectID string, payload any) error {
	var data []byte
	if payload != nil {
		var err error
		if data, err = json.Marshal(payload); err != nil {
			return err
		}
	}
	t := &store.Timer{Account: op.account, ClockID: clockID, Due: dueMS, Kind: kind, ObjectID: objectID, Payload: data}
	if err := store.Later(op.tx).InsertTimer(op.ctx, t); err != nil {
		return err
	}
	op.wake.timer(clockID, dueMS)
	return nil
}

// CancelTimers drops the object's pending timers of kind ("" for all).
func (op *Op) CancelTimers(objectID, kind string) error {
	_, err := op.tx.CancelTimers(op.ctx, store.CancelTimersParams{Account: op.account, ObjectID: objectID, Kind: kind})
	return err
}

// FireDueTimers fires the wall-clock timers due now and returns when none
// is left. It reports when the next one is due.
func (e *Engine) FireDueTimers(ctx context.Context) (next time.Time, ok bool, err error) {
	return e.fireDueTimers(ctx, nil)
}

// fireDueTimers is FireDueTimers; a test clock advance it claims runs in
// line, or is handed to advance when that is set.
func (e *Engine) fireDueTimers(ctx context.Context, advance func(store.Timer)) (next time.Time, ok bool, err error) {
	for {
		fired, err := e.fireSome(ctx, "", e.clock.Now().UnixMilli(), time.Time{}, advance, nil, nil)
		if err != nil {
			return time.Time{}, false, err
		}
		if !fired {
			break
		}
	}
	var due int64
	err = e.store.View(ctx, func(tx store.Tx) error {
		var err error
		due, ok, err = tx.NextTimerDue(ctx, "")
		return err
	})
	return time.UnixMilli(due), ok, err
}

// fireSome fires due timers of clockID, in due order: up to timerBatch in
// one transaction, else (an advance timer first in line) the first one
// alone. A batch ends early once the wall clock is past until (if set), so
// that a caller holding a lease can renew it in time. A timer whose handler
// fails in a batch (or whose kind has none) is retried as fireDue retries
// it, after the timers before it have fired. An advance timer goes to
// fireDue with advance. A batch takes the objects ahead read for it and
// has ahead read those of the timers after it (ahead may be nil). Its
// first batch is tied to the batch before it by link (nil for none; see
// batchLink): behind a batch that did not fire, it answers errBatchBehind
// having fired nothing. It reports whether it fired any.
func (e *Engine) fireSome(ctx context.Context, clockID string, dueMS int64, until time.Time, advance func(store.Timer), ahead *readAhead, link *batchLink) (bool, error) {
	limit := link.limit()
	hold := true
	var failed *store.Timer
	var cause error
	for {
		n, at, f, c, err := e.fireBatch(ctx, clockID, dueMS, limit, until, hold, ahead, link)
		link = nil // the batch after a first one's failure is fired alone
		if errors.Is(err, errBatchBehind) {
			return false, err
		}
		if hold && errors.Is(err, errHeldWrites) {
			// Which timer's write failed is known only when each writes
			// its own rows: fire the batch again that way.
			hold = false
			continue
		}
		if err != nil {
			return false, err
		}
		if f != nil {
			failed, cause = f, c
			if at > 0 {
				limit = at // fire the timers before it first
				continue
			}
			return true, e.retryTimer(ctx, *failed, cause)
		}
		if failed != nil {
			return true, e.retryTimer(ctx, *failed, cause)
		}
		if n > 0 {
			return true, nil
		}
		return e.fireDue(ctx, clockID, dueMS, advance)
	}
}

// errBatchStop ends a batch at a timer that failed.
var errBatchStop = errors.New("engine: timer batch stopped")

// errHeldWrites marks the failure of a batch's read up front or of its held writes.
var errHeldWrites = errors.New("engine: the reads or held writes of a timer batch failed")

// errBatchBehind answers a batch queued behind one that did not fire its
// timers (batchLink): it fired nothing, and is fired again once that one
// is done.
var errBatchBehind = errors.New("engine: the timer batch before this one did not fire")

// batchLink ties a batch of an advance to the batch queued before it
// (drainClock). A batch's transaction runs in the writer after that of
// every batch queued before it; began tells the advance that the batch's
// transaction has claimed its timers, so that a batch queued from then on
// runs after it. A batch whose transaction finds the one before it not
// fired (its handler failed, its held writes failed, it found no timer)
// fires nothing, so that no timer fires ahead of one due before it that is
// being retried.
type batchLink struct {
	prev  *batchLink
	began chan struct{}
	once  sync.Once
	// size is how many timers the batch fires at most (0: timerBatch).
	size int
	// last is the last timer the batch got to (fired, or canceled by a
	// timer of the batch before it), set before began closes: a batch cut
	// short by its time budget leaves the timers after it to the next.
	last *store.Timer
	// fired is set by the batch's transaction once it has fired its
	// timers, and cleared as it starts (a transaction may run again).
	fired atomic.Bool
}

func newBatchLink(prev *batchLink, size int) *batchLink {
	return &batchLink{prev: prev, size: size, began: make(chan struct{})}
}

// limit is how many timers the batch of l fires at most.
func (l *batchLink) limit() int {
	if l == nil || l.size == 0 {
		return timerBatch
	}
	return l.size
}

// behind reports whether the batch before l did not fire.
func (l *batchLink) behind() bool { return l != nil && l.prev != nil && !l.prev.fired.Load() }

// after is the last timer the batch before l claimed (nil if none): a
// batch beside the writer claims the timers after it, as its snapshot may
// not hold that batch yet.
func (l *batchLink) after() *store.Timer {
	if l == nil || l.prev == nil {
		return nil
	}
	return l.prev.last
}

// enter is the start of the batch's transaction in the writer, once it has
// claimed ts and got to the timers of ts[:*reached] (a batch beside the
// writer has run its handlers by then; one in the writer enters before
// them, and the batch after it claims in the writer too, after it): the
// batch before must have fired, and then the batch after may be queued.
func (l *batchLink) enter(ts []store.Timer, reached *int) error {
	if l.behind() {
		return errBatchBehind
	}
	if l != nil {
		l.once.Do(func() {
			l.last = &ts[len(ts)-1]
			if n := *reached; n > 0 {
				l.last = &ts[n-1]
			}
			close(l.began)
		})
	}
	return nil
}

func (l *batchLink) setFired(ok bool) {
	if l != nil {
		l.fired.Store(ok)
	}
}

// fireBatch fires up to limit due timers of clockID in one transaction,
// each as fireDue would, and returns how many it fired. It stops before the
// first advance timer (which runs outside any transaction), and once it has
// run for timerBatchTime or the wall clock is past until (if set). A timer
// of the batch that an earlier one canceled does not fire. If a handler
// fails (or a timer's kind has none), the whole transaction is rolled back
// and fireBatch returns the failing timer, its index in the batch and the
// cause, for the caller to fire the timers before it and retry it.
//
// With hold, the batch reads the timers' objects in one query up front
// and holds its writes (store.Tx HoldWrites), so that the balance
// transactions, objects, events and deliveries of the whole batch are
// written in a few multi-row statements; a failure of that read or those
// writes answers errHeldWrites. In the writer it then also takes the
// objects ahead read for it and has ahead read those of the timers after
// it. Behind a batch of link's that did not fire, it answers errBatchBehind.
//
// A test clock's batch runs beside the writer where the store can
// (store.Beside, ADR 0031): its claim, reads and handlers on a snapshot,
// its held rows handed to the writer, which checks the claim and the
// reads, and runs in its turn what needs the writer's state (link.enter,
// the timers' delete, the tally). The claim is of the timers after the
// batch before's last (link), which the snapshot may still hold.
func (e *Engine) fireBatch(ctx context.Context, clockID string, dueMS int64, limit int, until time.Time, hold bool, ahead *readAhead, link *batchLink) (
	fired, failedAt int, failed *store.Timer, cause error, err error) {
	var wake wakes
	err = e.store.Update(ctx, func(tx store.Tx) error {
		fired, failedAt, failed, cause, wake = 0, -1, nil, nil, wakes{}
		link.setFired(false)
		beside := false
		if clockID != "" {
			// A test clock's batch runs beside the writer, where the store
			// can (ADR 0031). The wall clock's batches are small and meet
			// the API's writes of their objects: they run in the writer.
			tx, beside = store.Beside(tx)
		}
		p := store.ClaimTimersParams{ClockID: clockID, DueLTE: dueMS, Limit: limit}
		if beside {
			// The snapshot may not hold the batch before yet: the timers
			// after its last. The writer finds them stale unless they are
			// the first due once it comes to this batch.
			p.After = link.after()
		}
		ts, err := tx.ClaimDueTimers(ctx, p)
		if err != nil || len(ts) == 0 {
			return err
		}
		reached := 0 // the timers of ts the batch got to
		if err := store.InWriter(tx, func(store.Tx) error { return link.enter(ts, &reached) }); err != nil {
			return err
		}
		var tally *advanceTally
		if !beside {
			if tally, err = e.tallyFor(ctx, tx, ts[0].Account, clockID); err != nil {
				return err
			}
		}
		deadline := e.clock.Now().Add(timerBatchTime)
		if !until.IsZero() && until.Before(deadline) {
			deadline = until
		}
		ops := &batchOps{e: e, ctx: ctx, clockID: clockID}
		ops.tx = batchTx{Tx: tx, b: ops}
		if hold {
			tx.HoldWrites()
			defer tx.DropWrites()
			var rows map[string]map[string]*aheadRow
			if !beside {
				// In the writer the batch takes the objects read ahead
				// for it; beside it, it reads them on its snapshot.
				rows = ahead.take()
				ahead.start(ts[len(ts)-1])
			}
			if err := ops.prefetch(ts, rows); err != nil {
				return fmt.Errorf("%w: %w", errHeldWrites, err)
			}
		}
		done := make([]int64, 0, len(ts))
		for i := range ts {
			t := ts[i]
			if t.Kind == timerAdvanceClock {
				break
			}
			if ops.canceled(&t) {
				reached = i + 1
				continue // its row went with the cancel
			}
			h, ok := e.handlers[t.Kind]
			if !ok {
				failedAt, failed, cause = i, &t, fmt.Errorf("engine: no handler for timer kind %q", t.Kind)
				return errBatchStop
			}
			if err := h(ops.of(&t), &t); err != nil {
				claimed := ts[i]
				failedAt, failed, cause = i, &claimed, err
				return errBatchStop
			}
			done = append(done, t.ID)
			reached = i + 1
			if e.clock.Now().After(deadline) {
				break
			}
		}
		fired = len(done)
		wake = ops.woken()
		err = e.finishBatch(ctx, tx, ts[0].Account, done, tally, ops, hold, beside, link)
		if err != nil && hold {
			return fmt.Errorf("%w: %w", errHeldWrites, err)
		}
		return err
	})
	if failed != nil && errors.Is(err, errBatchStop) {
		return 0, failedAt, failed, cause, nil
	}
	if err != nil {
		return 0, 0, nil, nil, err
	}
	e.woken(wake) // webhooks to deliver, timers scheduled
	return fired, 0, nil, nil, nil
}

// finishBatch checks the rows the batch read ahead, deletes the timers
// fired, counts them on their test clock and writes what the batch held;
// the batch has fired once all that has. A batch beside the writer hands
// its held rows to the writer first, and then deletes and counts in the
// writer, reading the clock there, as every batch updates it.
func (e *Engine) finishBatch(ctx context.Context, tx store.Tx, account string, done []int64, tally *advanceTally, ops *batchOps, hold, beside bool, link *batchLink) error {
	if hold && !beside {
		if err := ops.checkAhead(); err != nil {
			return err
		}
	}
	if hold && beside {
		if err := tx.FlushWrites(ctx); err != nil {
			return err
		}
	}
	err := store.InWriter(tx, func(w store.Tx) error {
		if beside && len(done) > 0 {
			var err error
			if tally, err = e.tallyFor(ctx, w, account, ops.clockID); err != nil {
				return err
			}
		}
		if _, err := w.DeleteTimers(ctx, done); err != nil {
			return err
		}
		if err := tally.add(len(done)); err != nil {
			return err
		}
		if beside {
			link.setFired(len(done) > 0)
		}
		return nil
	})
	if err != nil || beside {
		return err
	}
	if hold {
		// The tally's update is held too.
		if err := tx.FlushWrites(ctx); err != nil {
			return err
		}
	}
	link.setFired(len(done) > 0)
	return nil
}

// batchOps hands the timers of one batch their ops: one op per account for
// the whole transaction, so that what an op keeps for its transaction (the
// account, its webhook endpoints, the sessions it loaded, the objects it
// read) is read once per batch instead of once per timer. Each timer still
// sees the time it is due at on its test clock.
type batchOps struct {
	e       *Engine
	ctx     context.Context
	tx      store.Tx
	clockID string
	ops     map[string]*Op
	// cancels are the timers the batch's handlers canceled.
	cancels []store.CancelTimersParams
	// ahead are the rows read ahead that the batch's ops hold, by account.
	ahead map[string][]*aheadRow
}

// batchTx is the Tx of a batch's ops: it notes the timers their handlers
// cancel, so that a timer of the batch canceled before its turn does not fire.
type batchTx struct {
	store.Tx
	b *batchOps
}

func (x batchTx) CancelTimers(ctx context.Context, p store.CancelTimersParams) (int64, error) {
	x.b.cancels = append(x.b.cancels, p)
	return x.Tx.CancelTimers(ctx, p)
}

// canceled reports whether a handler of the batch canceled t.
func (b *batchOps) canceled(t *store.Timer) bool {
	for _, p := range b.cancels {
		if p.Account == t.Account && p.ObjectID == t.ObjectID && (p.Kind == "" || p.Kind == t.Kind) {
			return true
		}
	}
	return false
}

// prefetch reads the objects of the batch's timers (the charges and
// refunds of bank reports, say) in one query per account, for their
// handlers' Get to find; those among ahead, read ahead, it takes from there.
func (b *batchOps) prefetch(ts []store.Timer, ahead map[string]map[string]*aheadRow) error {
	for account, list := range timerObjects(ts) {
		op := b.opFor(account)
		read := list[:0:0]
		for _, id := range list {
			a, ok := ahead[account][id]
			if !ok {
				read = append(read, id)
				continue
			}
			if _, held := op.rows[id]; !held {
				op.keep(a.row, false)
				op.rows[id].ahead = a
				if b.ahead == nil {
					b.ahead = map[string][]*aheadRow{}
				}
				b.ahead[account] = append(b.ahead[account], a)
			}
		}
		if len(read) == 0 {
			continue
		}
		rows, err := b.tx.GetObjects(b.ctx, account, read)
		if err != nil {
			return err
		}
		for _, r := range rows {
			op.keep(r, false)
		}
	}
	return nil
}

// opFor returns the batch's op for account.
func (b *batchOps) opFor(account string) *Op {
	op, ok := b.ops[account]
	if !ok {
		op = b.e.newOp(b.ctx, b.tx, account, RequestInfo{}, true)
		if b.ops == nil {
			b.ops = map[string]*Op{}
		}
		b.ops[account] = op
	}
	return op
}

// of returns the op for firing t.
func (b *batchOps) of(t *store.Timer) *Op {
	op := b.opFor(t.Account)
	op.memo = nil
	if b.clockID != "" {
		op.pinned = map[string]time.Time{b.clockID: time.UnixMilli(t.Due)}
	}
	return op
}

// woken returns what the ops of the batch left for the background services.
func (b *batchOps) woken() wakes {
	var w wakes
	for _, op := range b.ops {
		w.add(op.wake)
	}
	return w
}

// fireDue fires the earliest timer of clockID due by dueMS and reports
// whether there was one. A test clock advance, once its lease is taken,
// runs in line, or is handed to advance if that is set.
func (e *Engine) fireDue(ctx context.Context, clockID string, dueMS int64, advance func(store.Timer)) (bool, error) {
	var claimed *store.Timer
	var herr error
	err := e.store.Update(ctx, func(tx store.Tx) error {
		claimed, herr = nil, nil
		ts, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: clockID, DueLTE: dueMS, Limit: 1})
		if err != nil || len(ts) == 0 {
			return err
		}
		t := ts[0]
		claimed = &t
		if t.Kind == timerAdvanceClock {
			// The advance runs outside this transaction (below). Holding the
			// timer for a lease keeps other nodes from running it at the same
			// time; if this node dies, another resumes it when the lease ends.
			t.Due = e.clock.Now().Add(advanceLease).UnixMilli()
			return tx.UpdateTimer(ctx, &t)
		}
		h, ok := e.handlers[t.Kind]
		if !ok {
			// Kept, not dropped: an engine built with the dialect that
			// handles this kind will fire it.
			herr = fmt.Errorf("engine: no handler for timer kind %q", t.Kind)
			return herr
		}
		tally, err := e.tallyFor(ctx, tx, t.Account, clockID)
		if err != nil {
			return err
		}
		op := e.newOp(ctx, tx, t.Account, RequestInfo{}, true)
		if clockID != "" {
			op.pinned = map[string]time.Time{clockID: time.UnixMilli(t.Due)}
		}
		if err := tx.DeleteTimer(ctx, t.ID); err != nil {
			return err
		}
		if herr = h(op, &t); herr != nil {
			return herr
		}
		return tally.add(1)
	})
	if claimed == nil {
		return false, err
	}
	if claimed.Kind == timerAdvanceClock && err == nil {
		if advance != nil {
			advance(*claimed)
			return true, nil
		}
		return true, e.runAdvance(ctx, *claimed)
	}
	if err == nil {
		return true, nil
	}
	if herr == nil && !errors.Is(err, store.ErrConflict) {
		return false, err
	}
	return true, e.retryTimer(ctx, *claimed, err)
}

// errTimerStuck stops a test clock advance whose next timer failed
// timerMaxAttempts times in a row.
var errTimerStuck = errors.New("engine: a timer of the test clock keeps failing")

// retryTimer keeps a timer whose handler failed with cause: it stays in the
// store with one more attempt counted and is tried again later, never
// dropped, since the transition it stands for must still happen. A
// wall-clock timer waits exponentially longer up to timerMaxRetryDelay. A test
// clock timer keeps its due time, so the advance retries it at once; after
// timerMaxAttempts failures in a row the advance stops with errTimerStuck and
// resumes when its lease ends.
func (e *Engine) retryTimer(ctx context.Context, t store.Timer, cause error) error {
	t.Attempts++
	if t.ClockID == "" {
		t.Due = max(t.Due, e.clock.Now().UnixMilli()) + timerRetryDelay(t.Attempts).Milliseconds()
	}
	e.log.Error("timer failed", "kind", t.Kind, "object", t.ObjectID, "attempt", t.Attempts,
		"retry_at", time.UnixMilli(t.Due).UTC().Format(time.RFC3339), "err", cause)
	err := e.store.Update(ctx, func(tx store.Tx) error {
		err := tx.UpdateTimer(ctx, &t)
		if errors.Is(err, store.ErrNotFound) {
			return nil // another node fired it meanwhile
		}
		return err
	})
	if err == nil && t.ClockID != "" && t.Attempts%timerMaxAttempts == 0 {
		return errTimerStuck
	}
	return err
}

// timerRetryDelay is the wait before a failed timer's next attempt.
func timerRetryDelay(attempts int) time.Duration {
	if attempts > 12 {
		return timerMaxRetryDelay
	}
	return min(time.Second<<attempts, timerMaxRetryDelay)
}

// runAdvance runs the test clock advance of the advance timer t, whose
// lease fireDue has taken. An advance that stops keeps its lease timer and
// resumes when the lease ends; only the end of ctx is an error.
func (e *Engine) runAdvance(ctx context.Context, t store.Timer) error {
	if err := e.advanceClock(ctx, t); err != nil {
		if ctx.Err() != nil {
			return err
		}
		e.log.Error("test clock advance stopped", "clock", t.ObjectID, "err", err)
	}
	return nil
}

// schedulerPoll is the longest RunScheduler waits before it looks for due
// timers again on its own.
const schedulerPoll = time.Second

// RunScheduler fires wall-clock timers as they come due until ctx ends.
// kick wakes it early (after a commit that scheduled a timer due before
// its next look, Wake.Timers). Each test clock advance runs beside it, so
// that an advance over many timers holds no wall-clock timer back;
// RunScheduler returns once they have stopped.
func (e *Engine) RunScheduler(ctx context.Context, kick <-chan struct{}) {
	var advances sync.WaitGroup
	defer advances.Wait()
	advance := func(t store.Timer) {
		advances.Add(1)
		go func() {
			defer advances.Done()
			e.runAdvance(ctx, t)
		}()
	}
	for {
		next, ok, err := e.fireDueTimers(ctx, advance)
		if ctx.Err() != nil {
			return
		}
		wait := schedulerPoll
		if err != nil {
			e.log.Error("scheduler", "err", err)
		} else if ok {
			wait = min(wait, max(next.Sub(e.clock.Now()), 5*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-time.After(wait):
		}
	}
}
