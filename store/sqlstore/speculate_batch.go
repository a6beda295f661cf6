package sqlstore

import (
	"context"

	"github.com/kontorpay/kontor/store"
)

// A batch beside the writer (store.Beside, ADR 0031). A test clock's batch
// of timers claims its timers, reads their objects and holds its writes: a
// plain speculation serves none of the first and last, and the writer ran
// the whole batch, handlers included. The Tx of Beside serves them on the
// speculation's snapshot:
//   - a claim is answered from the snapshot and queued to be made again by
//     the writer, which finds the write stale if its answer differs (a
//     timer fired, added, retried or backed off since the snapshot);
//   - held writes are queued in a held queue of the speculation's own,
//     their documents compressed beside the writer, and FlushWrites hands
//     the queue to the writer, which writes it in multi-row statements, as
//     a batch that holds its writes in the writer does (held.go). Each
//     insert and update answers as the speculation's would (a taken id, a
//     version passed), and a held update is checked again by its statement;
//   - InWriter queues a part of the function to run in the writer, in
//     order: what must see the writer's state (a check that the batch
//     before has fired, the timers' delete, the clock's tally).
// Every read is the speculation's, noted by key and checked by the writer
// against the batches written since (WriteLog): the objects, the account
// (its settings, and the generation its webhook endpoints are cached by).

// Beside returns the speculation's Tx for a batch beside the writer.
func (x *specTx) Beside() (store.Tx, bool) { return &specBatch{specTx: x}, true }

// specBatch is the Tx of Beside: a speculation that serves a batch's claim
// and held writes.
type specBatch struct {
	*specTx
	// h is the queue of held writes; nil when not holding.
	h *held
}

var _ store.Tx = (*specBatch)(nil)

func (b *specBatch) Beside() (store.Tx, bool) { return b, true }

// Later returns b: its writes are queued anyway.
func (b *specBatch) Later() store.Tx { return b }

// InWriter queues fn for the writer (store.InWriter).
func (b *specBatch) InWriter(fn func(store.Tx) error) error {
	return b.queue(queued{run: func(_ context.Context, t *Tx) error { return fn(t) }})
}

// ClaimDueTimers answers from the snapshot. The writer looks up the first
// due timers again and finds the write stale unless they are the timers
// answered, at the same due times and attempts. A claim after a timer
// (p.After: a snapshot may still hold timers the writer has fired since)
// is so stale while the writer still has a timer due before those.
func (b *specBatch) ClaimDueTimers(ctx context.Context, p store.ClaimTimersParams) ([]store.Timer, error) {
	peek := p
	peek.Peek = true // a snapshot takes no row locks
	ts, err := b.t.ClaimDueTimers(ctx, peek)
	if err != nil {
		return nil, b.check(err)
	}
	want := make([]store.Timer, len(ts))
	copy(want, ts)
	first := p
	first.After = nil
	return ts, b.queue(queued{reads: true, run: func(ctx context.Context, t *Tx) error {
		q, args := t.claimSQL(first, `id, due, attempts`)
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var tm store.Timer
			if err := rows.Scan(&tm.ID, &tm.Due, &tm.Attempts); err != nil {
				return t.err(err)
			}
			if n == len(want) || tm.ID != want[n].ID || tm.Due != want[n].Due || tm.Attempts != want[n].Attempts {
				return conflict("the due timers of clock %q", p.ClockID)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return t.err(err)
		}
		if n != len(want) {
			return conflict("the due timers of clock %q", p.ClockID)
		}
		return nil
	}})
}

func (b *specBatch) HoldWrites() {
	if b.h == nil {
		b.h = newHeld()
	}
}

func (b *specBatch) DropWrites() {
	if b.h != nil {
		b.h.drop()
	}
	b.h = nil
}

// FlushWrites compresses what is held and queues it for the writer, which
// writes it as a held queue of its own; holding goes on.
func (b *specBatch) FlushWrites(context.Context) error {
	h := b.h
	if h == nil || h.empty() {
		return nil
	}
	b.h = newHeld()
	h.packAll()
	return b.queue(queued{run: func(ctx context.Context, t *Tx) error {
		for _, in := range h.inserts {
			t.noteObject(&in.o)
		}
		for _, u := range h.updates {
			t.noteObject(&u.o)
		}
		was := t.held
		t.held = h
		err := t.FlushWrites(ctx)
		t.held = was
		return err
	}})
}

// keep notes the fields of the caller's row that holding sets, for Undo.
func (b *specBatch) keep(ps ...*int64) {
	for _, p := range ps {
		b.s.undo = append(b.s.undo, undo{p, *p})
	}
}

func (b *specBatch) InsertObject(ctx context.Context, o *store.Object) error {
	if b.h == nil {
		return b.specTx.InsertObject(ctx, o)
	}
	if err := b.checkInsert(ctx, o); err != nil {
		return err
	}
	b.keep(&o.Version, &o.Seq)
	b.own(o)
	return b.h.holdInsert(o)
}

func (b *specBatch) UpdateObject(ctx context.Context, o *store.Object) error {
	return b.UpdateObjectColumns(ctx, o, store.AllColumns)
}

// UpdateObjectColumns holds an update of every column, as a held update
// in the writer does (updateObjects).
func (b *specBatch) UpdateObjectColumns(ctx context.Context, o *store.Object, cols store.Columns) error {
	if b.h == nil {
		return b.specTx.UpdateObjectColumns(ctx, o, cols)
	}
	if err := b.checkUpdate(ctx, o); err != nil {
		return err
	}
	b.keep(&o.Version)
	b.own(o)
	return b.h.holdUpdate(o)
}

func (b *specBatch) InsertEvent(ctx context.Context, e *store.Event) error {
	if b.h == nil {
		return b.specTx.InsertEvent(ctx, e)
	}
	if err := b.checkEvent(ctx, e); err != nil {
		return err
	}
	b.keep(&e.Seq)
	b.h.holdEvent(e)
	return nil
}

func (b *specBatch) InsertDelivery(ctx context.Context, d *store.Delivery) error {
	if b.h == nil {
		return b.specTx.InsertDelivery(ctx, d)
	}
	if err := b.checkDelivery(ctx, d); err != nil {
		return err
	}
	b.h.holdDelivery(d)
	return nil
}
