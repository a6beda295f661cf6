package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
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
// held back until the first statement.
type conn struct {
	*stdlib.Conn
	// begin is the transaction whose BEGIN is not sent yet; nil when there is none.
	begin *lazyTx
	// rollback is the pipeline that carried a ROLLBACK whose answer is not
	// read yet; nil when there is none.
	rollback *pgconn.Pipeline
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
	if err := c.settle(); err != nil {
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

// lazyTx is a transaction of conn. Until its first statement it is only
// its options; then tx is pgx's transaction, begun in the batch of that
// statement.
type lazyTx struct {
	c    *conn
	ctx  context.Context
	opts pgx.TxOptions
	tx   pgx.Tx
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
	t := &lazyTx{c: c, ctx: ctx, opts: o}
	c.begin = t
	return t, nil
}

// send sends the held-back BEGIN with query in one batch and returns the
// batch with the BEGIN's result read. The caller reads query's result and
// closes the batch.
func (c *conn) send(ctx context.Context, query string, args []driver.NamedValue) (pgx.BatchResults, error) {
	t := c.begin
	c.begin = nil
	b := &pgx.Batch{}
	b.BeginTx(t.opts)
	b.Queue(query, values(args)...)
	br := c.Conn.Conn().SendBatch(ctx, b)
	t.tx = br.Tx()
	if _, err := br.Exec(); err != nil {
		br.Close()
		if pgconn.SafeToRetry(err) {
			return nil, driver.ErrBadConn
		}
		return nil, err
	}
	return br, nil
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.settle(); err != nil {
		return nil, err
	}
	if c.begin == nil {
		return c.Conn.QueryContext(ctx, query, args)
	}
	br, err := c.send(ctx, query, args)
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
	if c.begin != nil && len(args) == 0 {
		// pgx sends a statement without arguments in the simple protocol,
		// which runs a script of several (a migration); a batch would not.
		// Begin first, as pgx's adapter does.
		t := c.begin
		c.begin = nil
		tx, err := c.Conn.Conn().BeginTx(ctx, t.opts)
		if err != nil {
			return nil, err
		}
		t.tx = tx
	}
	if c.begin == nil {
		return c.Conn.ExecContext(ctx, query, args)
	}
	br, err := c.send(ctx, query, args)
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

// Commit commits the transaction; one that ran no statement has nothing to commit.
func (t *lazyTx) Commit() error {
	if t.tx == nil {
		t.c.begin = nil
		return nil
	}
	return t.tx.Commit(t.ctx)
}

// Rollback sends the transaction's ROLLBACK without waiting for its answer
// (settle reads it); one that ran no statement, or whose BEGIN failed, has
// nothing to roll back. pgx's Tx is left as it is: nothing uses it again.
func (t *lazyTx) Rollback() error {
	c := t.c
	if t.tx == nil {
		c.begin = nil
		return nil
	}
	pc := c.Conn.Conn().PgConn()
	if pc.IsClosed() {
		return nil
	}
	if pc.TxStatus() == 'I' {
		return nil // ended already: its first statement failed before BEGIN ran
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
