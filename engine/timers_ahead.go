package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/kontorpay/kontor/store"
)

// Reading ahead (ADR 0012). While a batch of a test clock's advance runs in
// the writer, the advance reads the objects of the timers that follow the
// batch on a snapshot, and decodes them, beside the writer: the next batch
// takes them instead of reading them itself. What was read ahead may be
// stale by then. A row the batch updates from the version read ahead is
// checked by that update (a held update of another version fails); the
// batch checks the versions of the others before it commits (checkAhead).
// A row that changed fails the batch's held writes, and the batch is fired
// again reading everything itself.

// readAhead reads the objects of a clock's next timers beside the writer.
type readAhead struct {
	e       *Engine
	ctx     context.Context
	clockID string
	dueMS   int64
	wg      sync.WaitGroup
	mu      sync.Mutex
	running bool
	// rows are the rows last read ahead, by account and id, until a batch takes them.
	rows map[string]map[string]*aheadRow
}

// aheadRow is a row read ahead and its object, decoded once and handed out
// to the first Get only (the caller may change it).
type aheadRow struct {
	row store.Object
	obj Object
	// saved is set once the batch updated the row from the version read
	// ahead: that update checks the version.
	saved bool
}

// take returns the decoded object once, then nil.
func (a *aheadRow) take() Object {
	if a == nil {
		return nil
	}
	o := a.obj
	a.obj = nil
	return o
}

// written notes an update of the row from the version read ahead.
func (a *aheadRow) written() {
	if a != nil {
		a.saved = true
	}
}

func (e *Engine) newReadAhead(ctx context.Context, clockID string, dueMS int64) *readAhead {
	return &readAhead{e: e, ctx: ctx, clockID: clockID, dueMS: dueMS}
}

// start reads ahead the objects of the timers after the timer after, unless
// a read is still running. A nil readAhead reads nothing.
func (r *readAhead) start(after store.Timer) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return
	}
	r.running = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		rows := r.read(&after)
		r.mu.Lock()
		r.rows, r.running = rows, false
		r.mu.Unlock()
	}()
}

// take returns what was read ahead (nil if nothing is ready) and forgets it.
func (r *readAhead) take() map[string]map[string]*aheadRow {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rows := r.rows
	r.rows = nil
	return rows
}

// stop waits for a read still running.
func (r *readAhead) stop() {
	if r != nil {
		r.wg.Wait()
	}
}

// read reads, on a snapshot, the objects of up to timerBatch timers due
// after the timer after (from the first if nil) and decodes them. A failure
// reads nothing: the batch reads its objects itself.
func (r *readAhead) read(after *store.Timer) map[string]map[string]*aheadRow {
	out := map[string]map[string]*aheadRow{}
	err := r.e.store.View(r.ctx, func(tx store.Tx) error {
		ts, err := tx.ClaimDueTimers(r.ctx, store.ClaimTimersParams{ClockID: r.clockID, DueLTE: r.dueMS,
			Limit: timerBatch, After: after, Peek: true})
		if err != nil {
			return err
		}
		for account, ids := range timerObjects(ts) {
			rows, err := tx.GetObjects(r.ctx, account, ids)
			if err != nil {
				return err
			}
			byID := map[string]*aheadRow{}
			for _, row := range rows {
				o, err := Decode(row.Type, row.Data)
				if err != nil {
					continue // the batch reads it and reports the error
				}
				m := o.meta()
				m.seq, m.version = row.Seq, row.Version
				byID[row.ID] = &aheadRow{row: row, obj: o}
			}
			out[account] = byID
		}
		return nil
	})
	if err != nil {
		return nil
	}
	return out
}

// timerObjects returns the ids of the objects of timers up to the first
// advance timer, by account.
func timerObjects(ts []store.Timer) map[string][]string {
	ids := map[string][]string{}
	for _, t := range ts {
		if t.Kind == timerAdvanceClock {
			break
		}
		if t.ObjectID != "" {
			ids[t.Account] = append(ids[t.Account], t.ObjectID)
		}
	}
	return ids
}

// errAheadStale fails a batch that used a row read ahead that has changed since.
var errAheadStale = errors.New("engine: an object read ahead changed before its batch")

// checkAhead checks that the rows read ahead which the batch used and did
// not update from the version read ahead are still at that version.
func (b *batchOps) checkAhead() error {
	ids := map[string][]string{}
	for account, rows := range b.ahead {
		for _, a := range rows {
			if !a.saved {
				ids[account] = append(ids[account], a.row.ID)
			}
		}
	}
	for account, list := range ids {
		vs, err := b.tx.ObjectVersions(b.ctx, account, list)
		if err != nil {
			return err
		}
		for _, a := range b.ahead[account] {
			if v, ok := vs[a.row.ID]; !a.saved && (!ok || v != a.row.Version) {
				return fmt.Errorf("%w: %s %s", errAheadStale, a.row.Type, a.row.ID)
			}
		}
	}
	return nil
}
