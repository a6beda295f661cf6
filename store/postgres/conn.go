package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
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
// A read-only transaction's ROLLBACK is not even sent at once: it goes in
// the batch of the connection's next transaction, ahead of its BEGIN, when
// that comes within rollbackLinger, and is sent on its own by a timer
// otherwise. Under load a connection is taken again well within that, so a
// read costs one socket write instead of two, and the server reads one
// message instead of two. A read holds no row locks; what it holds until
// then is its snapshot and the tables' ACCESS SHARE locks, for at most
// rollbackLinger on an idle connection. A connection that broke while it
// owed its ROLLBACK fails the next transaction's first batch: that batch
// answers errBeforeStart, and the store runs the transaction again on
// another connection (the batch was not sent, or was a read's).
//
// Writes the caller needs nothing back from (store.Later, which sqlstore
// marks with sqlstore.Deferred) are held back and sent in the batch of the
// transaction's next statement or of its COMMIT: the events, timers and
// idempotency outcome of a request cost one round trip with the commit
// instead of one each. Such an insert fails rather than skip a row, and a
// batch stops at its first failure, so a COMMIT behind a failed write never
// runs. An update that must change its row checks its own row count
// (changedOneSQL), so it may go with the COMMIT too. Held writes that can
// be one statement are (held.go). Everything else is pgx's adapter
// unchanged.

// connector makes the pool's connections.
type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: dc.(*stdlib.Conn), lastReset: time.Now()}, nil
}

// rollbackLinger is how long a read-only transaction's ROLLBACK waits for
// the connection's next transaction to carry it before a timer sends it.
var rollbackLinger = 5 * time.Millisecond

// errBeforeStart marks the failure of a transaction's first batch that lost
// the connection before the transaction could have done anything: nothing
// was written to the socket, or what was written was a read-only
// transaction's start. Running the transaction again on another connection
// is safe; Update and View do so.
var errBeforeStart = errors.New("postgres: the connection failed before the transaction started")

// pingAfter is how long a connection may stay unused before it is pinged
// when taken from the pool (pgx's own rule, kept here because a connection
// that owes a ROLLBACK bypasses pgx's ResetSession).
const pingAfter = time.Second

// conn is pgx's database/sql connection with the BEGIN of its transaction
// held back until the first statement, writes marked sqlstore.Deferred held
// back until the next statement or the commit, and ROLLBACK not waited for.
type conn struct {
	*stdlib.Conn
	// tx is the transaction under way; nil when there is none.
	tx *lazyTx
	// lastReset is when ResetSession last ran.
	lastReset time.Time

	// mu orders the connection's user and the timer that sends an owed
	// ROLLBACK (lingerEnd). The fields below it are under mu.
	mu sync.Mutex
	// rollback is the pipeline that carried a ROLLBACK whose answer is not
	// read yet; nil when there is none.
	rollback *pgconn.Pipeline
	// owed: a read-only transaction ended and its ROLLBACK is not sent yet.
	owed bool
	// linger sends an owed ROLLBACK (lingerEnd) when nothing took it along.
	linger *time.Timer
}

// lazyTx is a transaction of conn. Until its first statement it is only its
// options; the BEGIN goes in one batch with that statement.
type lazyTx struct {
	c     *conn
	ctx   context.Context
	opts  pgx.TxOptions
	begun bool // BEGIN was sent
	// owe: the connection owed a read's ROLLBACK when the transaction
	// began; it goes ahead of the BEGIN.
	owe bool
	// held are writes not sent yet (sqlstore.Deferred), in order.
	held []heldStmt
	// err is the failure of a held write: the transaction is lost, every
	// later statement and the commit answer it.
	err error
}

// changedOne is the check of a statement that must change one row, run
// outside a transaction.
func changedOne(tag pgconn.CommandTag) error {
	if n := tag.RowsAffected(); n != 1 {
		return fmt.Errorf("%w: a held update changed %d rows, not one", store.ErrConflict, n)
	}
	return nil
}

// checkedOne holds, for each write that must change one row, the statement
// that runs it and fails unless it did (kontor_changed_one, migration 0010):
// held back, such a write goes in one batch with the COMMIT, and a row count
// read from the batch would come after the COMMIT had run.
var checkedOne sync.Map // query -> its checked form

func changedOneSQL(query string) string {
	if q, ok := checkedOne.Load(query); ok {
		return q.(string)
	}
	q := "WITH w AS (" + query + " RETURNING 1) SELECT kontor_changed_one(count(*)) FROM w"
	checkedOne.Store(query, q)
	return q
}

// What settle does with an owed ROLLBACK.
type owedRollback int

const (
	sendOwed owedRollback = iota // send it now and wait for its answer
	keepOwed                     // leave it owed
	takeOwed                     // hand it to the caller, which sends it in its batch
)

// settle reads the answer of the ROLLBACK sent last, if any, and deals with
// an owed one as how says. A connection whose ROLLBACK failed is in an
// unknown state: it answers driver.ErrBadConn, so that database/sql
// discards it and takes another. It returns whether a ROLLBACK is owed
// (keepOwed) or handed over (takeOwed).
func (c *conn) settle(ctx context.Context, how owedRollback) (owed bool, err error) {
	c.mu.Lock()
	p, owed := c.rollback, c.owed
	c.rollback = nil
	if how != keepOwed {
		c.owed = false
	}
	c.mu.Unlock()
	if p != nil {
		if err := p.Close(); err != nil || c.Conn.Conn().PgConn().TxStatus() != 'I' {
			c.Conn.Close()
			return false, driver.ErrBadConn
		}
	}
	if owed && how == sendOwed {
		if _, err := c.Conn.Conn().Exec(ctx, "ROLLBACK"); err != nil {
			c.Conn.Close()
			return false, driver.ErrBadConn
		}
		return false, nil
	}
	return owed, nil
}

// owe leaves the ROLLBACK of the read-only transaction that just ended for
// the connection's next transaction, and arms the timer that sends it if
// none comes within rollbackLinger.
func (c *conn) owe() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.owed = true
	if c.linger == nil {
		c.linger = time.AfterFunc(rollbackLinger, c.lingerEnd)
	} else {
		c.linger.Reset(rollbackLinger)
	}
}

// lingerEnd sends an owed ROLLBACK that no transaction took along, without
// waiting for its answer.
func (c *conn) lingerEnd() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.owed {
		return
	}
	c.owed = false
	pc := c.Conn.Conn().PgConn()
	if pc.IsClosed() {
		return
	}
	p := pc.StartPipeline(context.Background())
	p.SendQueryParams("ROLLBACK", nil, nil, nil, nil)
	if err := p.Sync(); err != nil {
		p.Close()
		c.Conn.Close()
		return
	}
	c.rollback = p
}

// ResetSession runs before database/sql hands a used connection to its next
// caller: the answer of the connection's last ROLLBACK is read here. A
// connection that owes a read's ROLLBACK (so is still inside its
// transaction, which pgx's ResetSession refuses) was used moments ago and
// keeps it for its next transaction.
func (c *conn) ResetSession(ctx context.Context) error {
	owed, err := c.settle(ctx, keepOwed)
	if err != nil {
		return err
	}
	now := time.Now()
	idle := now.Sub(c.lastReset)
	c.lastReset = now
	if owed {
		// The timer may be sending it now: the connection is not touched
		// until its next transaction claims the ROLLBACK (settle). A broken
		// one fails that transaction's first batch (errBeforeStart).
		return nil
	}
	if c.Conn.Conn().IsClosed() {
		return driver.ErrBadConn
	}
	if idle > pingAfter {
		if err := c.Conn.Conn().PgConn().Ping(ctx); err != nil {
			return driver.ErrBadConn
		}
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
	if _, err := c.settle(ctx, sendOwed); err != nil {
		return err
	}
	return c.Conn.Ping(ctx)
}

func (c *conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.linger != nil {
		c.linger.Stop()
	}
	c.owed = false
	if c.rollback != nil {
		c.rollback.Close()
		c.rollback = nil
	}
	return c.Conn.Close()
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	owe, err := c.settle(ctx, takeOwed)
	if err != nil {
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
	c.tx = &lazyTx{c: c, ctx: ctx, opts: o, owe: owe}
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
	if t.owe {
		b.Queue("ROLLBACK")
	}
	if !t.begun {
		// Queued as a statement, not with b.BeginTx, which must come first.
		b.Queue(beginSQL(t.opts))
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
	if t.owe {
		t.owe = false
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, t.startFailed(err)
		}
	}
	if !t.begun {
		t.begun = true
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, t.startFailed(err)
		}
	}
	for _, h := range held {
		var err error
		switch {
		case h.joined():
			err = br.QueryRow().Scan(h.dests()...)
		case h.into != nil:
			err = br.QueryRow().Scan(h.into)
		default:
			_, err = br.Exec()
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

// beginSQL is the statement that begins a transaction of o, as pgx writes it.
func beginSQL(o pgx.TxOptions) string {
	// The store's two kinds of transaction, without building the text.
	switch o {
	case pgx.TxOptions{IsoLevel: pgx.ReadCommitted}:
		return "begin isolation level read committed"
	case pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}:
		return "begin isolation level repeatable read read only"
	}
	q := "begin"
	if o.IsoLevel != "" {
		q += " isolation level " + string(o.IsoLevel)
	}
	if o.AccessMode != "" {
		q += " " + string(o.AccessMode)
	}
	return q
}

// startFailed is the error of a transaction's first batch that failed at
// its ROLLBACK or BEGIN. When the connection is gone and the transaction
// cannot have done anything (nothing was sent, or it is read-only), it is
// errBeforeStart and the connection is closed, so that the pool discards it.
func (t *lazyTx) startFailed(err error) error {
	pc := t.c.Conn.Conn().PgConn()
	if pgconn.SafeToRetry(err) || (t.opts.AccessMode == pgx.ReadOnly && pc.IsClosed()) {
		t.c.Conn.Close()
		return fmt.Errorf("%w: %w", errBeforeStart, err)
	}
	return err
}

// ready settles the last ROLLBACK and sends what the transaction holds
// back, its BEGIN included, for a statement that does not go through the
// batches (a prepared one).
func (c *conn) ready(ctx context.Context) error {
	must, err := c.pending()
	if err != nil {
		return err
	}
	if !must {
		_, err := c.settle(ctx, sendOwed)
		return err
	}
	_, err = c.send(ctx, "", nil)
	return err
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	must, err := c.pending()
	if err != nil {
		return nil, err
	}
	if !must {
		if _, err := c.settle(ctx, sendOwed); err != nil {
			return nil, err
		}
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
		if _, err := c.settle(ctx, sendOwed); err != nil {
			return nil, err
		}
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
		if _, err := c.settle(ctx, sendOwed); err != nil {
			return nil, err
		}
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
	if d.One {
		query = changedOneSQL(query)
	}
	t.hold(query, vs, d.Into)
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
		if t.owe {
			t.owe = false
			c.owe()
		}
		return nil
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

// Rollback drops the writes held back and ends the transaction: a
// read-only one's ROLLBACK is owed to the connection's next transaction
// (owe), any other's sent without waiting for its answer (settle reads it).
// One whose BEGIN was not sent has nothing to roll back, but passes on the
// ROLLBACK it was to carry.
func (t *lazyTx) Rollback() error {
	c := t.c
	defer func() { c.tx = nil }()
	t.held = nil
	if t.owe {
		t.owe = false
		c.owe()
		return nil
	}
	if t.begun && t.err == nil && t.opts.AccessMode == pgx.ReadOnly {
		if pc := c.Conn.Conn().PgConn(); !pc.IsClosed() && pc.TxStatus() == 'T' {
			c.owe()
			return nil
		}
	}
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
	c.mu.Lock()
	c.rollback = p
	c.mu.Unlock()
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
