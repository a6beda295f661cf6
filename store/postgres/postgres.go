// Package postgres is the shared store that several stateless Kontor nodes
// use at once: PostgreSQL through pgx v5's database/sql adapter, running the
// queries of store/sqlstore with numbered placeholders and row locks.
//
// Transactions. Update runs fn in its own READ COMMITTED transaction. The
// queries do not rely on a stronger isolation level: rows that must not be
// changed by two transactions at once are locked (GetObject with ForUpdate,
// FOR UPDATE SKIP LOCKED in ClaimDueTimers and ClaimDeliveries, which lets
// nodes share due work without waiting on each other), every object update
// checks its version, and inserts of existing keys answer store.ErrConflict.
// SERIALIZABLE would add little on top of that and turn every contended
// claim into a serialization failure. Update retries the transaction when
// PostgreSQL reports a serialization failure (40001) or a deadlock (40P01), a
// bounded number of times. View runs in a READ ONLY REPEATABLE READ
// transaction, so that every query of fn sees one snapshot. A transaction's
// BEGIN is sent in one batch with its first statement, the writes of
// store.Later in the batch of the next statement or of the COMMIT, and its
// ROLLBACK without waiting for the answer; a View's ROLLBACK goes ahead of
// the connection's next transaction, or after a few milliseconds (conn.go).
//
// Durability. A commit returns after the WAL is flushed: each connection
// turns synchronous_commit back on when the server or role turned it off.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlstore"
)

//go:embed migration/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_lock key that serializes migrations
// among nodes starting at once ("kontor" in ASCII).
const migrationLock int64 = 0x6b6f6e746f72

// ErrConnectionLost wraps the errors of a connection to the server that
// broke (the server shut down or terminated the session, the network
// failed). When it is returned by Update for the commit itself, the
// transaction may or may not have committed.
var ErrConnectionLost = errors.New("postgres: connection to the database lost")

// Options configure Open.
type Options struct {
	// MaxConns bounds the connection pool; 0 means 4×GOMAXPROCS, at least 8.
	MaxConns int
	// MaxAttempts bounds how many times Update runs a transaction that lost
	// a serialization race or a deadlock; 0 means 10.
	MaxAttempts int
}

// Store is the PostgreSQL store.
type Store struct {
	db          *sql.DB
	where       string // host:port/database, for errors; never the password
	write       *sqlstore.Dialect
	read        *sqlstore.Dialect
	maxAttempts int
	// cache holds the objects the node's writes read and wrote (cache.go).
	cache     *objectCache
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value connection string), applies the embedded migrations that are
// not applied yet and returns the store. Several nodes may call Open at
// once: migrations run under an advisory lock.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{
		where:       fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database),
		write:       &sqlstore.Dialect{Numbered: true, RowLocks: true, Translate: translate, Pipelined: true, ExactLookups: true},
		read:        &sqlstore.Dialect{Numbered: true, Translate: translate, ExactLookups: true},
		maxAttempts: opt.MaxAttempts,
		cache:       newObjectCache(),
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 10
	}
	// The connection pings itself when taken after a while unused
	// (conn.ResetSession): pgx's rule would not see the uses that skip its
	// ResetSession.
	s.db = sql.OpenDB(connector{stdlib.GetConnector(*cfg, stdlib.OptionAfterConnect(durableCommits),
		stdlib.OptionShouldPing(func(context.Context, stdlib.ShouldPingParams) bool { return false }))})
	n := opt.MaxConns
	if n <= 0 {
		n = max(8, 4*runtime.GOMAXPROCS(0))
	}
	s.db.SetMaxOpenConns(n)
	s.db.SetMaxIdleConns(n)
	s.db.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", s.where, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// durableCommits turns synchronous_commit back on for a new connection when
// the server or role turned it off: a commit must be durable before Update
// returns. Any other value (local, remote_write, on, remote_apply) already is.
func durableCommits(ctx context.Context, c *pgx.Conn) error {
	var v string
	if err := c.QueryRow(ctx, `SELECT current_setting('synchronous_commit')`).Scan(&v); err != nil {
		return err
	}
	if v != "off" {
		return nil
	}
	_, err := c.Exec(ctx, `SET synchronous_commit = on`)
	return err
}

// migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction, while holding a
// session-level advisory lock so that nodes starting together take turns.
func (s *Store) migrate(ctx context.Context) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", translate(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migrate: take the migration lock: %w", translate(err))
	}
	defer func() {
		if _, uerr := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock); uerr != nil {
			// The lock lives as long as the session: drop the connection
			// rather than return it to the pool still holding the lock.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: migrate: %w", translate(err))
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migration/"), ".sql")
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
			return fmt.Errorf("postgres: migrate: %w", translate(err))
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", version, translate(err))
		}
		// Without arguments pgx sends the file in the simple protocol, which
		// runs several statements.
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("postgres: migration %s: %w", version, translate(err))
		}
		if err := sqlstore.Rewrite(ctx, tx, s.write, version); err != nil {
			tx.Rollback()
			return fmt.Errorf("postgres: migration %s: %w", version, translate(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)`, version, time.Now().Unix()); err != nil {
			tx.Rollback()
			return fmt.Errorf("postgres: migration %s: %w", version, translate(err))
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", version, translate(err))
		}
	}
	return nil
}

// Driver names the store driver.
func (s *Store) Driver() string { return "postgres" }

// Update runs fn in a READ COMMITTED transaction and commits it. It runs fn
// again, up to Options.MaxAttempts times in all, when the transaction fails
// with a serialization failure or a deadlock (store.ErrRetry), or on a
// connection that turned out broken before anything was sent; any other
// error of fn is returned unchanged after rolling back. A panic in fn rolls
// the transaction back and goes on to the caller.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	cached := true
	for attempt := 1; ; attempt++ {
		if s.closed.Load() {
			return store.ErrClosed
		}
		err := s.update(ctx, fn, cached)
		if err != nil && errors.Is(err, errBeforeStart) && attempt < s.maxAttempts {
			continue // nothing ran: run it on another connection at once
		}
		if err == nil || !errors.Is(err, store.ErrRetry) {
			return s.closedErr(err)
		}
		if attempt >= s.maxAttempts {
			return fmt.Errorf("postgres: transaction failed %d times: %w", attempt, err)
		}
		// A read from the cache that no longer stands fails this way too:
		// the next run reads the database.
		cached = false
		// Back off a little, more after each failure, with jitter so that
		// the transactions that collided do not collide again.
		pause := time.Duration(rand.Int64N(int64(attempt) * int64(2*time.Millisecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// update runs fn once; cached lets its reads of objects answer from the
// cache (cache.go).
func (s *Store) update(ctx context.Context, fn func(store.Tx) error, cached bool) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return translate(err)
	}
	// Rolls back when fn fails or panics; a no-op after Commit.
	defer tx.Rollback()
	ct := &cachedTx{Tx: sqlstore.NewTx(tx, s.write), sql: tx, cache: s.cache, use: cached}
	if err := fn(ct); err != nil {
		if len(ct.checked) > 0 && !errors.Is(err, store.ErrRetry) {
			// fn's answer may rest on reads from the cache whose checks
			// have not run yet: they run first, and fn again if one fails.
			if _, cerr := tx.ExecContext(ctx, `SELECT $1::int`, 1); cerr != nil {
				err = translate(cerr)
			}
		}
		if errors.Is(err, store.ErrRetry) {
			s.cache.drop(ct.checked)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(translate(err), store.ErrRetry) {
			s.cache.drop(ct.checked)
		}
		if errors.Is(err, pgx.ErrTxCommitRollback) {
			return fmt.Errorf("postgres: the transaction was aborted by an error that fn did not return: %w", err)
		}
		err = translate(err)
		if errors.Is(err, ErrConnectionLost) {
			return fmt.Errorf("postgres: commit outcome unknown: %w", err)
		}
		return err
	}
	s.cache.put(ct.committed())
	return nil
}

// View runs fn in a READ ONLY REPEATABLE READ transaction: every query of
// fn sees the same snapshot and writes fail. Row locks are not taken in a
// View (GetObject with ForUpdate reads without locking). When the
// connection turns out broken at fn's first statement, View runs fn again
// on another connection, a bounded number of times.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.view(ctx, fn)
		if err == nil || !errors.Is(err, errBeforeStart) || attempt >= s.maxAttempts {
			return err
		}
	}
}

func (s *Store) view(ctx context.Context, fn func(store.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return s.closedErr(translate(err))
	}
	defer tx.Rollback()
	return s.closedErr(fn(sqlstore.NewTx(tx, s.read)))
}

// closedErr reports an error that arose because Close ran concurrently as store.ErrClosed.
func (s *Store) closedErr(err error) error {
	if err != nil && s.closed.Load() && !errors.Is(err, store.ErrClosed) {
		return fmt.Errorf("%w: %w", store.ErrClosed, err)
	}
	return err
}

// Close waits for running transactions and closes the connection pool. It
// may be called more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// changedOtherThanOne is the SQLSTATE of kontor_changed_one (migration 0010):
// a held write that had to change one row changed none.
const changedOtherThanOne = "KR001"

// translate maps a PostgreSQL or connection error to a store error.
func translate(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %s", store.ErrConflict, pgErr.Message)
		case pgErr.Code == changedOtherThanOne: // kontor_changed_one
			return fmt.Errorf("%w: %s", store.ErrConflict, pgErr.Message)
		case pgErr.Code == "40001", pgErr.Code == "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("%w: %w", store.ErrRetry, err)
		case strings.HasPrefix(pgErr.Code, "08"), // connection_exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return fmt.Errorf("%w: %w", ErrConnectionLost, err)
		}
		return err
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "conn closed") {
		return fmt.Errorf("%w: %w", ErrConnectionLost, err)
	}
	return err
}
