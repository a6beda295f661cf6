package sqlstore

import (
	"context"

	"github.com/kontorpay/kontor/store"
)

// Later returns the transaction for writes whose outcome the caller needs
// only at commit (store.Later): on a Pipelined driver its InsertObject,
// InsertEvent, InsertTimer, PutIdempotency, UpdateObject and
// UpdateObjectColumns are Deferred; otherwise it is t itself.
func (t *Tx) Later() store.Tx {
	if !t.d.Pipelined {
		return t
	}
	return laterTx{t}
}

// laterTx is a Tx whose inserts of objects, events and timers,
// PutIdempotency and object updates are Deferred. Without ON CONFLICT DO NOTHING: a used key
// fails the statement, and so the transaction; an update must change its
// row (Deferred.One). Writes the Tx holds itself (HoldWrites) stay held.
type laterTx struct{ *Tx }

func (l laterTx) Later() store.Tx { return l }

func (l laterTx) InsertObject(ctx context.Context, o *store.Object) error {
	if l.held != nil {
		return l.Tx.InsertObject(ctx, o)
	}
	l.noteObject(o)
	o.Version = 1
	return l.deferred(ctx, &o.Seq, insertObject+` RETURNING seq`, objectArgs(o)...)
}

func (l laterTx) InsertEvent(ctx context.Context, e *store.Event) error {
	if l.held != nil {
		return l.Tx.InsertEvent(ctx, e)
	}
	return l.deferred(ctx, &e.Seq, insertEvent+` RETURNING seq`, eventArgs(e)...)
}

func (l laterTx) InsertTimer(ctx context.Context, tm *store.Timer) error {
	return l.deferred(ctx, &tm.ID, insertTimer, timerArgs(tm)...)
}

func (l laterTx) PutIdempotency(ctx context.Context, r store.Idempotency) error {
	return l.deferred(ctx, nil, insertIdempotency, idempotencyArgs(r)...)
}

func (l laterTx) UpdateObject(ctx context.Context, o *store.Object) error {
	return l.UpdateObjectColumns(ctx, o, store.AllColumns)
}

func (l laterTx) UpdateObjectColumns(ctx context.Context, o *store.Object, cols store.Columns) error {
	if l.held != nil {
		return l.Tx.UpdateObjectColumns(ctx, o, cols)
	}
	l.noteObject(o)
	cols &= store.AllColumns
	if _, err := l.exec(ctx, updateObjectSQL[cols], append([]any{Deferred{One: true}}, updateObjectArgs(o, cols)...)...); err != nil {
		return err
	}
	o.Version++
	return nil
}

// deferred runs a Deferred write; into, when set, receives what it returns.
func (l laterTx) deferred(ctx context.Context, into *int64, query string, args ...any) error {
	_, err := l.exec(ctx, query, append([]any{Deferred{Into: into}}, args...)...)
	return err
}
