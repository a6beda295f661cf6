// Package sqlstore implements store.Tx over database/sql for the SQL drivers.
// The drivers (store/sqlite, store/postgres) own connections, commits and
// error translation; this package owns the queries, written once in
// portable SQL and rebound to each driver's placeholder style.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/store"
)

// Querier is what a transaction needs from database/sql: *sql.Tx and *sql.Conn both satisfy it.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect describes how a driver's SQL differs from the portable form.
type Dialect struct {
	// Numbered placeholders ($1, $2, …) instead of ?.
	Numbered bool
	// RowLocks enables FOR UPDATE and FOR UPDATE SKIP LOCKED.
	RowLocks bool
	// Translate maps a driver error to a store error; it returns err unchanged when it has no mapping.
	Translate func(err error) error
	// Pipelined: the driver holds back the statements marked Deferred
	// (the writes of Tx.Later), and a statement is a round trip worth
	// saving: GetIdempotency reads the account's row along (idempotency.go).
	Pipelined bool
	// ExactLookups: GetObjects of a few ids is one lookup by the whole key
	// per id, joined by UNION ALL, not one IN list. Without statistics
	// PostgreSQL may plan "account = ? AND id IN (…)" on the unique index's
	// first column alone and filter the account's every object.
	ExactLookups bool
}

// Deferred, as a statement's first argument, tells a Pipelined driver that
// it may hold the statement back and send it with the transaction's next
// statement or its commit. Into, when set, receives the statement's one
// returned integer (RETURNING) once it has run. Such a statement fails, and
// with it the transaction, where another would skip a row (it has no ON
// CONFLICT DO NOTHING), or has One set: it must change exactly one row, or
// the transaction fails with store.ErrConflict (the driver sees to it that
// a COMMIT in the same batch does not run then).
type Deferred struct {
	Into *int64
	One  bool
}

// Tx implements store.Tx on a Querier.
type Tx struct {
	q  Querier
	d  *Dialect
	st *Stmts
	// held queues the writes held back (held.go); nil when not holding.
	held *held
	// log, when set, records the objects and accounts written (speculate.go).
	log *WriteLog
	// begin, when set, gives the connection the Tx runs on at its first
	// statement (NewLazyTx).
	begin func(ctx context.Context) (*Stmts, error)
	// acct is the account row read with an idempotency lookup
	// (idempotencyAndAccount), for the next GetAccount of it; nil after
	// that or after a write of an account.
	acct *store.Account
}

// NewTx returns a store.Tx that runs its queries on q.
func NewTx(q Querier, d *Dialect) *Tx { return &Tx{q: q, d: d} }

// NewPreparedTx returns a store.Tx that runs its queries on the connection
// of c as statements prepared once and kept in c.
func NewPreparedTx(c *Stmts, d *Dialect) *Tx { return &Tx{q: c.p, d: d, st: c} }

// NewLazyTx returns a store.Tx that calls begin at its first statement and
// runs that and the later ones as NewPreparedTx does on the connection of the
// Stmts begin returns; a Tx that runs no statement never calls it. If begin
// fails, every statement fails with its error.
func NewLazyTx(d *Dialect, begin func(ctx context.Context) (*Stmts, error)) *Tx {
	return &Tx{d: d, begin: begin}
}

// open calls the Tx's begin, if it has one left to call.
func (t *Tx) open(ctx context.Context) error {
	if t.begin == nil {
		return nil
	}
	c, err := t.begin(ctx)
	if err != nil {
		t.begin = func(context.Context) (*Stmts, error) { return nil, err }
		return err
	}
	t.begin, t.q, t.st = nil, c.p, c
	return nil
}

func (t *Tx) rebind(query string) string {
	if !t.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (t *Tx) err(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if t.d.Translate != nil {
		return t.d.Translate(err)
	}
	return err
}

// detach returns the context a statement runs under. On a connection that
// keeps its statements prepared (SQLite's writer and readers) a statement is
// short and, once begun, runs to completion: a context that can end would
// make database/sql and the driver each start a goroutine per statement to
// watch it, inside the single writer. So a transaction runs on to its end
// when its caller's context ends, as a queued write is reported anyway.
func (t *Tx) detach(ctx context.Context) context.Context {
	if t.st == nil {
		return ctx
	}
	return detached(ctx)
}

// detached is ctx without its end (Tx.detach).
func detached(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// stmt returns the prepared statement of query, or nil to run it unprepared.
func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if t.st == nil {
		return nil, nil
	}
	return t.st.get(ctx, query)
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.open(ctx); err != nil {
		return nil, t.err(err)
	}
	if err := t.flushHeld(ctx); err != nil {
		return nil, err
	}
	query = t.rebind(query)
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, t.err(err)
	}
	var res sql.Result
	if st != nil {
		res, err = st.ExecContext(t.detach(ctx), args...)
	} else {
		res, err = t.q.ExecContext(ctx, query, args...)
	}
	return res, t.err(err)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.open(ctx); err != nil {
		return nil, t.err(err)
	}
	if err := t.flushHeld(ctx); err != nil {
		return nil, err
	}
	query = t.rebind(query)
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, t.err(err)
	}
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(t.detach(ctx), args...)
	} else {
		rows, err = t.q.QueryContext(ctx, query, args...)
	}
	return rows, t.err(err)
}

// row runs a query of one row. A failure to prepare is reported by Scan, as
// sql.Row reports every other error.
func (t *Tx) row(ctx context.Context, query string, args ...any) scanner {
	if err := t.open(ctx); err != nil {
		return errRow{err}
	}
	if err := t.flushHeld(ctx); err != nil {
		return errRow{err}
	}
	query = t.rebind(query)
	st, err := t.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if st != nil {
		return st.QueryRowContext(t.detach(ctx), args...)
	}
	return t.q.QueryRowContext(ctx, query, args...)
}

type scanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// conflict returns a store.ErrConflict naming the row that already exists.
//
// Inserts say ON CONFLICT DO NOTHING and report a skipped row as a conflict
// rather than letting the unique violation fail the statement: PostgreSQL
// aborts a transaction after any failed statement, and a caller that meets a
// conflict may want to go on in the same transaction (read the row that won,
// write something else), as it can on SQLite.
func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s already exists", store.ErrConflict, fmt.Sprintf(format, args...))
}

// insertErr translates the error of an INSERT … ON CONFLICT DO NOTHING
// RETURNING: no row back means the row already existed.
func (t *Tx) insertErr(err, conflict error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return conflict
	}
	return t.err(err)
}

// where accumulates conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// scope keeps only the rows of one kind, the empty kind included.
func (w *where) scope(kind *string) {
	if kind != nil {
		w.add("kind = ?", *kind)
	}
}

// window adds a list's created bounds (inclusive) and seq cursors (exclusive).
func (w *where) window(createdGTE, createdLTE *int64, afterSeq, beforeSeq int64) {
	if createdGTE != nil {
		w.add("created >= ?", *createdGTE)
	}
	if createdLTE != nil {
		w.add("created <= ?", *createdLTE)
	}
	if afterSeq > 0 {
		w.add("seq < ?", afterSeq)
	}
	if beforeSeq > 0 {
		w.add("seq > ?", beforeSeq)
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func limitOf(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}
