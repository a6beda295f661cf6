package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlstore"
)

// A transaction begins with its first statement. pgx's database/sql
// adapter sends BEGIN in a round trip of its own, and a transaction of the
// store is a handful of short statements (a read of a charge is BEGIN, three
// lookups and ROLLBACK), so every transaction here holds its BEGIN back and
// sends it in one batch with the first statement: one round trip less per
// transaction, a fifth of a read's. A transaction that runs no statement
// sends nothing at all.
//
// A rollback is sent and not waited for. Nothing a caller does depends on
// its answer: the server ends the transaction (its snapshot and locks) as
// soon as it reads the ROLLBACK, and the answer is read, already arrived,
// before the connection's next use (settle). Every read (View) ends in a
// rollback, so a GET of one object is one round trip instead of two.
//
// Writes the caller needs nothing back from (store.Later, which sqlstore
// marks with sqlstore.Deferred) are held back and sent in the batch of the
// transaction's next statement or of its COMMIT: the events, timers and
// idempotency outcome of a request cost one round trip with the commit
// instead of one each. Such an insert fails rather than skip a row, and a
// batch stops at its first failure, so a COMMIT behind a failed write never
// runs. An update that must change its row is checked when its answer is
// read, so it goes with the next statement but never with the COMMIT.
// Everything else is pgx's adapter unchanged.

// connector makes the pool's connections.
type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: dc.(*stdlib.Conn)}, nil
}

// conn is pgx's database/sql connection with the BEGIN of its transaction
// held back until the first statement, writes marked sqlstore.Deferred held
// back until the next statement or the commit, and ROLLBACK not waited for.
type conn struct {
	*stdlib.Conn
	// tx is the transaction under way; nil when there is none.
	tx *lazyTx
	// rollback is the pipeline that carried a ROLLBACK whose answer is not
	// read yet; nil when there is none.
	rollback *pgconn.Pipeline
}

// lazyTx is a transaction of conn. Until its first statement it is only its
// options; the BEGIN goes in one batch with that statement.
type lazyTx struct {
	c     *conn
	ctx   context.Context
	opts  pgx.TxOptions
	begun bool // BEGIN was sent
	// held are writes not sent yet (sqlstore.Deferred), in order.
	held []heldStmt
	// err is the failure of a held write: the transaction is lost, every
	// later statement and the commit answer it.
	err error
}

// heldStmt is a write held back: its statement, its arguments and where its
// one returned integer goes.
type heldStmt struct {
	query string
	args  []any
	into  *int64
	one   bool // must change one row (sqlstore.Deferred.One)
}

// changedOne is the check of a held statement that must change one row.
func changedOne(tag pgconn.CommandTag) error {
	if n := tag.RowsAffected(); n != 1 {
		return fmt.Errorf("%w: a held update changed %d rows, not one", store.ErrConflict, n)
	}
	return nil
}

// settle reads the answer of the ROLLBACK sent last, if any. A connection
// whose ROLLBACK failed is in an unknown state: it answers driver.ErrBadConn,
// so that database/sql discards it and takes another.
func (c *conn) settle() error {
	p := c.rollback
	if p == nil {
		return nil
	}
	c.rollback = nil
	if err := p.Close(); err != nil || c.Conn.Conn().PgConn().TxStatus() != 'I' {
		c.Conn.Close()
		return driver.ErrBadConn
	}
	return nil
}

// ResetSession runs before database/sql hands a used connection to its next
// caller: the answer of the connection's last ROLLBACK is read here.
func (c *conn) ResetSession(ctx context.Context) error {
	if err := c.settle(); err != nil {
		return err
	}
	return c.Conn.ResetSession(ctx)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	return c.Conn.PrepareContext(ctx, query)
}

func (c *conn) Ping(ctx context.Context) error {
	if err := c.settle(); err != nil {
		return err
	}
	return c.Conn.Ping(ctx)
}

func (c *conn) Close() error {
	if c.rollback != nil {
		c.rollback.Close()
		c.rollback = nil
	}
	return c.Conn.Close()
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.settle(); err != nil {
		return nil, err
	}
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	var o pgx.TxOptions
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadCommitted:
		o.IsoLevel = pgx.ReadCommitted
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		o.IsoLevel = pgx.RepeatableRead
	case sql.LevelSerializable:
		o.IsoLevel = pgx.Serializable
	default:
		return nil, fmt.Errorf("postgres: unsupported isolation level %v", sql.IsolationLevel(opts.Isolation))
	}
	if opts.ReadOnly {
		o.AccessMode = pgx.ReadOnly
	}
	c.tx = &lazyTx{c: c, ctx: ctx, opts: o}
	return c.tx, nil
}

// pending reports whether a statement now must go in a batch with what the
// transaction holds back (its BEGIN, held writes), and returns the
// transaction's failure, if a held write failed.
func (c *conn) pending() (bool, error) {
	t := c.tx
	if t == nil {
		return false, nil
	}
	if t.err != nil {
		return false, t.err
	}
	return !t.begun || len(t.held) > 0, nil
}

// send sends what the transaction holds back, and query when it is not "",
// in one batch, and reads the results of all but query's. It returns the
// batch for the caller to read query's result from and close; with query ""
// the batch is closed. A held write that fails loses the transaction.
func (c *conn) send(ctx context.Context, query string, args []any) (pgx.BatchResults, error) {
	t := c.tx
	b := &pgx.Batch{}
	if !t.begun {
		b.BeginTx(t.opts)
	}
	for _, h := range t.held {
		b.Queue(h.query, h.args...)
	}
	if query != "" {
		b.Queue(query, args...)
	}
	held := t.held
	t.held = nil
	br := c.Conn.Conn().SendBatch(ctx, b)
	if !t.begun {
		t.begun = true
		if _, err := br.Exec(); err != nil {
			br.Close()
			if pgconn.SafeToRetry(err) {
				return nil, driver.ErrBadConn
			}
			return nil, err
		}
	}
	for _, h := range held {
		var err error
		if h.into != nil {
			err = br.QueryRow().Scan(h.into)
		} else {
			var tag pgconn.CommandTag
			if tag, err = br.Exec(); err == nil && h.one {
				err = changedOne(tag)
			}
		}
		if err != nil {
			br.Close()
			t.err = err
			return nil, err
		}
	}
	if query == "" {
		if err := br.Close(); err != nil {
			t.err = err
			return nil, err
		}
		return nil, nil
	}
	return br, nil
}

// ready settles the last ROLLBACK and sends what the transaction holds
// back, its BEGIN included, for a statement that does not go through the
// batches (a prepared one).
func (c *conn) ready(ctx context.Context) error {
	if err := c.settle(); err != nil {
		return err
	}
	must, err := c.pending()
	if err != nil || !must {
		return err
	}
	_, err = c.send(ctx, "", nil)
	return err
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.settle(); err != nil {
		return nil, err
	}
	must, err := c.pending()
	if err != nil {
		return nil, err
	}
	if !must {
		return c.Conn.QueryContext(ctx, query, args)
	}
	br, err := c.send(ctx, query, values(args))
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{br: br, rows: rows}, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.settle(); err != nil {
		return nil, err
	}
	if len(args) > 0 {
		if d, ok := args[0].Value.(sqlstore.Deferred); ok {
			return c.hold(ctx, query, d, args[1:])
		}
	}
	must, err := c.pending()
	if err != nil {
		return nil, err
	}
	if must && len(args) == 0 {
		// pgx sends a statement without arguments in the simple protocol,
		// which runs a script of several (a migration); a batch would not.
		// Send what is held back first, the BEGIN included.
		if _, err := c.send(ctx, "", nil); err != nil {
			return nil, err
		}
		must = false
	}
	if !must {
		return c.Conn.ExecContext(ctx, query, args)
	}
	br, err := c.send(ctx, query, values(args))
	if err != nil {
		return nil, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// hold keeps a write marked sqlstore.Deferred for the transaction's next
// statement or its commit. Its arguments are copied: the caller may reuse
// its buffers once the call returns. Outside a transaction it runs at once.
func (c *conn) hold(ctx context.Context, query string, d sqlstore.Deferred, args []driver.NamedValue) (driver.Result, error) {
	t := c.tx
	if t == nil {
		if d.Into != nil {
			return driver.ResultNoRows, c.Conn.Conn().QueryRow(ctx, query, values(args)...).Scan(d.Into)
		}
		tag, err := c.Conn.Conn().Exec(ctx, query, values(args)...)
		if err == nil && d.One {
			err = changedOne(tag)
		}
		return driver.ResultNoRows, err
	}
	if t.err != nil {
		return nil, t.err
	}
	vs := values(args)
	for i, v := range vs {
		if b, ok := v.([]byte); ok && b != nil {
			vs[i] = append([]byte(nil), b...)
		}
	}
	t.held = append(t.held, heldStmt{query: query, args: vs, into: d.Into, one: d.One})
	return driver.ResultNoRows, nil
}

// Commit sends the writes held back with the COMMIT, in one batch; a
// transaction that ran no statement has nothing to commit. When a held
// write fails, the COMMIT does not run (the batch stops at the failure) and
// the transaction is rolled back.
func (t *lazyTx) Commit() error {
	c := t.c
	defer func() { c.tx = nil }()
	if t.err != nil {
		t.rollbackSent()
		return t.err
	}
	if !t.begun && len(t.held) == 0 {
		return nil
	}
	// A held update's row count is checked when its answer is read: after
	// a COMMIT in the same batch it would be too late.
	if slices.ContainsFunc(t.held, func(h heldStmt) bool { return h.one }) {
		if _, err := c.send(t.ctx, "", nil); err != nil {
			t.rollbackSent()
			return err
		}
	}
	var tag pgconn.CommandTag
	if len(t.held) == 0 {
		var err error
		if tag, err = c.Conn.Conn().Exec(t.ctx, "COMMIT"); err != nil {
			t.rollbackSent()
			return err
		}
	} else {
		br, err := c.send(t.ctx, "COMMIT", nil)
		if err != nil {
			t.rollbackSent()
			return err
		}
		tag, err = br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.rollbackSent()
			return err
		}
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// Rollback drops the writes held back and sends the transaction's ROLLBACK
// without waiting for its answer (settle reads it); one whose BEGIN was not
// sent has nothing to roll back.
func (t *lazyTx) Rollback() error {
	defer func() { t.c.tx = nil }()
	t.held = nil
	return t.rollbackSent()
}

// rollbackSent sends ROLLBACK when the server has the transaction open,
// without waiting for the answer.
func (t *lazyTx) rollbackSent() error {
	c := t.c
	if !t.begun {
		return nil
	}
	pc := c.Conn.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return nil // nothing open: its BEGIN failed, or its COMMIT ended it
	}
	// Not the caller's context: the answer is read after the caller has
	// gone, and a cancelled context would break the connection then.
	p := pc.StartPipeline(context.Background())
	p.SendQueryParams("ROLLBACK", nil, nil, nil, nil)
	if err := p.Sync(); err != nil {
		p.Close()
		return err
	}
	c.rollback = p
	return nil
}

func values(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

// batchRows are the rows of the statement that began a transaction. They
// are pgx's decoded values; database/sql takes the integer types in int64.
type batchRows struct {
	br   pgx.BatchResults
	rows pgx.Rows
	cols []string
}

func (r *batchRows) Columns() []string {
	if r.cols == nil {
		fds := r.rows.FieldDescriptions()
		r.cols = make([]string, len(fds))
		for i, fd := range fds {
			r.cols[i] = fd.Name
		}
	}
	return r.cols
}

func (r *batchRows) Next(dest []driver.Value) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	vs, err := r.rows.Values()
	if err != nil {
		return err
	}
	for i, v := range vs {
		switch v := v.(type) {
		case int16:
			dest[i] = int64(v)
		case int32:
			dest[i] = int64(v)
		case float32:
			dest[i] = float64(v)
		case nil, int64, float64, bool, []byte, string, time.Time:
			dest[i] = v
		default:
			if dv, ok := v.(driver.Valuer); ok {
				if dest[i], err = dv.Value(); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("postgres: column %s: unsupported type %T", r.rows.FieldDescriptions()[i].Name, v)
		}
	}
	return nil
}

func (r *batchRows) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}
