package sqlite

import (
	"context"
	"sync/atomic"

	"github.com/kontorpay/kontor/store/sqlstore"
)

// Write transactions run ahead of the writer (ADR 0014). Update first runs
// its function on a snapshot of a connection of its own (aconns), where
// the function's reads, rules and rendering run in parallel with the
// writer and with each other; the function's writes are recorded with what
// it read (sqlstore.Ahead). The writer, in its group commit, only checks
// those reads by primary key and applies the writes; when a read no longer
// holds, or a write fails, it rolls them back and runs the function itself,
// as it does for a function that cannot run ahead (one that claims timers
// or deliveries, for instance). The outcome is the same as running every
// function in the writer: each request commits as if it ran alone at its
// place in the batch.

// aheadStats counts how Update's functions ran.
type aheadStats struct {
	applied  atomic.Int64 // ran ahead; the writer checked and applied them
	rerun    atomic.Int64 // ran ahead, then in the writer after a check or a write failed
	inWriter atomic.Int64 // could not run ahead and ran in the writer
}

// AheadStats reports how many write transactions ran ahead and were
// applied, how many ran ahead and then again in the writer (what they read
// had changed), and how many ran only in the writer.
type AheadStats struct {
	Applied, Rerun, InWriter int64
}

// AheadStats returns the counts since Open.
func (s *Store) AheadStats() AheadStats {
	return AheadStats{Applied: s.aheads.applied.Load(), Rerun: s.aheads.rerun.Load(), InWriter: s.aheads.inWriter.Load()}
}

// runAhead runs req's function on a snapshot and keeps what it did in req
// for the writer; it leaves req as it is when the function cannot run ahead.
func (s *Store) runAhead(ctx context.Context, req *writeReq) error {
	return s.withConn(ctx, s.aconns, func(r *reader) error {
		if err := r.stmts.Exec(ctx, "BEGIN"); err != nil {
			return translate(err)
		}
		defer r.stmts.Exec(context.Background(), "ROLLBACK")
		a, err, ok := sqlstore.RunAhead(sqlstore.NewPreparedTx(r.stmts, s.dialect), req.fn)
		if ok {
			req.ahead, req.aheadErr = a, err
		}
		return nil
	})
}

// applyAhead checks and applies req's writes in the writer's transaction;
// false means they do not hold and the function must run in the writer.
func (s *Store) applyAhead(ctx context.Context, req *writeReq, tx *sqlstore.Tx) bool {
	ok, err := req.ahead.Validate(ctx, tx)
	if ok && err == nil && req.aheadErr == nil {
		err = req.ahead.Apply(ctx, tx)
	}
	if ok && err == nil {
		s.aheads.applied.Add(1)
		return true
	}
	s.aheads.rerun.Add(1)
	return false
}
