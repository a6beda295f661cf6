package sqlite

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlstore"
)

// Speculative writes (ADR 0020; the mechanism is in sqlstore/speculate.go).
// Update runs the write's function first on a reader's snapshot, in the
// caller's goroutine: the single writer then only checks the speculation's
// reads against the batches written since and runs its queued statements,
// so that what can run in parallel does. A speculation that no longer
// stands is rolled back and made again by its caller; the function may so
// run more than once, which Store.Update allows. A function that uses what
// a speculation cannot serve runs in the writer, as every write did before.

// maxSpeculations is how many speculations a write makes before the writer
// runs its function itself: a write that keeps meeting others' changes to
// what it reads (charges under one mandate) is not sent round forever.
const maxSpeculations = 3

// errStale answers a speculation that no longer stood in the writer.
var errStale = errors.New("sqlite: the speculation no longer stands")

// specStats counts the fates of speculations.
type specStats struct {
	applied, stale, skipped, failed, redone atomic.Int64
}

// SpeculationStats counts the writes by how they went.
type SpeculationStats struct {
	// Applied were written by the writer as speculated.
	Applied int64
	// Stale no longer stood when the writer came to them (what they read
	// had changed, or a queued statement failed) and were made again.
	Stale int64
	// Skipped were run by the writer only: they used what a speculation
	// cannot serve, or were stale too often.
	Skipped int64
	// Failed were answered with their function's error on the snapshot.
	Failed int64
	// Cached counts the reads of speculations that the row cache answered.
	Cached int64
	// Redone counts the speculations that failed half way through their
	// statements, each of which had its batch rolled back and run again
	// (Store.redo); it is counted among Stale or Applied too.
	Redone int64
}

// Speculations reports how the writes so far went.
func (s *Store) Speculations() SpeculationStats {
	st := SpeculationStats{Applied: s.spec.applied.Load(), Stale: s.spec.stale.Load(),
		Skipped: s.spec.skipped.Load(), Failed: s.spec.failed.Load(), Redone: s.spec.redone.Load()}
	if s.wlog != nil {
		st.Cached = s.wlog.Hits()
	}
	return st
}

// speculate runs fn on a snapshot. It returns what the writer is to apply;
// or fn's error, which is the answer: fn decided it on a consistent snapshot
// taken after the call began, and wrote nothing; or neither, and then the
// writer is to run fn itself.
//
// The snapshot begins at fn's first statement, and a reader is taken for it
// only then: a speculation whose reads the row cache answers needs neither
// (a charge's, as a rule). The mark is taken before, so the snapshot holds
// every batch up to it whenever it begins.
func (s *Store) speculate(ctx context.Context, fn func(store.Tx) error, first bool) (*sqlstore.Speculation, error) {
	var (
		spec  *sqlstore.Speculation
		fnErr error
		r     *reader
	)
	mark := s.wlog.Committed()
	begin := func(ctx context.Context) (*sqlstore.Stmts, error) {
		select {
		case r = <-s.rconns:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.done:
			// Closing: the readers are being closed, or are.
			return nil, store.ErrClosed
		}
		if err := r.stmts.Exec(ctx, "BEGIN"); err != nil {
			s.rconns <- r
			r = nil
			return nil, err
		}
		return r.stmts, nil
	}
	defer func() {
		if r != nil {
			r.stmts.Exec(context.Background(), "ROLLBACK")
			s.rconns <- r
		}
	}()
	sp, tx := sqlstore.Speculate(sqlstore.NewLazyTx(s.dialect, begin), s.wlog, mark, first)
	func() {
		defer func() {
			// Spoiled, or a panic, which the writer's run reports as an error.
			if p := recover(); p != nil {
				sp.Undo()
				spec = nil
			}
		}()
		fnErr = fn(tx)
		switch {
		case !sp.Confirm(ctx):
			// fn was told a stored outcome is missing: the writer runs it.
			sp.Undo()
			fnErr = nil
		case fnErr == nil && !sp.Spoiled():
			spec = sp
		}
	}()
	switch {
	case fnErr != nil:
		s.spec.failed.Add(1)
		// The answer is the snapshot's: given once what it showed is durable.
		if err := s.lsync.await(ctx); err != nil {
			return nil, err
		}
	case spec == nil:
		s.spec.skipped.Add(1)
	}
	return spec, fnErr
}

// beginLogged starts the write log's next batch. If another connection has
// committed since the writer's last batch (a migration run by another
// process), the log cannot tell what it changed and forgets everything.
func (s *Store) beginLogged(ctx context.Context, tx *sqlstore.Tx) {
	s.wlog.Begin()
	tx.LogWrites(s.wlog)
	// Prepared once: the pragma reads the version when it runs.
	if v, err := s.wstmts.Int(ctx, "PRAGMA data_version"); err != nil || v != s.dataVersion {
		s.wlog.Forget()
		s.dataVersion = v
	}
}

// errRedo answers a speculation that failed half way through its
// statements in the batch's transaction (applyBare): the batch is rolled
// back and run again (Store.redo).
var errRedo = errors.New("sqlite: the batch is to be run again")

// applyBare writes a speculation in the batch's transaction without a
// savepoint of its own. Its reads are checked first, which changes nothing;
// then its statements run, which in the expected cases cannot fail half way:
// a queued write answers what the writer's would, given its reads (an
// update's version, an insert's free id), and those reads have just been
// checked. A first speculation that inserts a taken id or key (it does not
// look: specTx.exists, GetIdempotency) fails at its first statement, the
// outcome's insert if it has one, and a statement that fails on a conflict
// leaves the transaction as it was. So the savepoint's statements, and the
// copies of pages it makes, are needed only when a later statement fails:
// then (or on a panic) applyBare answers errRedo, and the writer rolls the
// whole batch back and runs it again with a savepoint for each request.
func (s *Store) applyBare(ctx context.Context, spec *sqlstore.Speculation, tx *sqlstore.Tx) (err error) {
	defer func() {
		// Whatever it left written: the batch runs again, where the
		// speculation's savepoint reports the panic as its error.
		if recover() != nil {
			err = errRedo
		}
	}()
	err = tx.Check(spec)
	if err == nil {
		var partial bool
		if partial, err = tx.Write(ctx, spec); partial {
			return errRedo
		}
	}
	if err != nil {
		spec.Undo()
		return errStale
	}
	return nil
}

// apply writes a speculation inside the request's savepoint; errStale, if
// it no longer stands, for the caller to roll back to the savepoint and
// speculate again. checked skips the check of its reads: the writer made it
// at the speculation's place in the batch before (Store.redo).
func (s *Store) apply(ctx context.Context, spec *sqlstore.Speculation, tx *sqlstore.Tx, checked bool) error {
	var err error
	if !checked {
		err = tx.Check(spec)
	}
	if err == nil {
		_, err = tx.Write(ctx, spec)
	}
	if err != nil {
		spec.Undo()
		return errStale
	}
	return nil
}

// countApplied counts the batch's speculations by their answers.
func (s *Store) countApplied(batch []*writeReq, results []error) {
	for i, r := range batch {
		switch {
		case r.spec == nil:
		case results[i] == nil:
			s.spec.applied.Add(1)
		case errors.Is(results[i], errStale):
			s.spec.stale.Add(1)
		}
	}
}
