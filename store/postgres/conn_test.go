package postgres

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/postgres/pgtest"
)

// one opens the store with a single connection, so that every transaction
// of a test runs on the connection the one before left behind.
func one(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.Start(t), Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// inTx reports whether statements outside a transaction run inside one:
// two of them see the same transaction id, or cannot take one (a read-only
// transaction), when a transaction was left open or a held-back BEGIN
// outlived its transaction.
func inTx(t *testing.T, s *Store) bool {
	t.Helper()
	// One connection throughout: the pool would discard a connection left
	// in a transaction between the two statements.
	c, err := s.db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var a, b int64
	if err := c.QueryRowContext(t.Context(), `SELECT txid_current()`).Scan(&a); err != nil {
		return true
	}
	if err := c.QueryRowContext(t.Context(), `SELECT txid_current()`).Scan(&b); err != nil {
		return true
	}
	return a == b
}

// TestFirstStatementValues scans every column type of the schema from the
// statement that begins a transaction (its rows come from the batch that
// carries the BEGIN) and from the next one.
func TestFirstStatementValues(t *testing.T) {
	s := one(t)
	ctx := t.Context()
	const q = `SELECT 7::int2, 1::int4, 2::int8, 'x'::text, '\x0102'::bytea, NULL::bytea, true, 1.5::float8, 2.5::float4`
	for _, opts := range []*sql.TxOptions{
		{Isolation: sql.LevelReadCommitted},
		{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	} {
		tx, err := s.db.BeginTx(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			var (
				a, b, c int64
				str     string
				blob    []byte
				null    []byte
				flag    bool
				f8, f4  float64
			)
			if err := tx.QueryRowContext(ctx, q).Scan(&a, &b, &c, &str, &blob, &null, &flag, &f8, &f4); err != nil {
				t.Fatalf("%v, statement %d: %v", opts, i+1, err)
			}
			if a != 7 || b != 1 || c != 2 || str != "x" || string(blob) != "\x01\x02" || null != nil || !flag || f8 != 1.5 || f4 != 2.5 {
				t.Errorf("%v, statement %d: got %d %d %d %q %x %x %v %v %v", opts, i+1, a, b, c, str, blob, null, flag, f8, f4)
			}
		}
		var level, readOnly string
		if err := tx.QueryRowContext(ctx, `SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')`).Scan(&level, &readOnly); err != nil {
			t.Fatal(err)
		}
		want, wantRO := "read committed", "off"
		if opts.ReadOnly {
			want, wantRO = "repeatable read", "on"
		}
		if level != want || readOnly != wantRO {
			t.Errorf("%v: the transaction runs %s, read only %s; want %s, %s", opts, level, readOnly, want, wantRO)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if inTx(t, s) {
			t.Fatalf("%v: the connection is still in a transaction after Commit", opts)
		}
	}
}

// TestFirstStatementFails: a transaction whose first statement fails is
// begun and aborted (its commit fails), or, when it could not be begun at
// all, leaves nothing open; either way the connection serves the next
// transaction.
func TestFirstStatementFails(t *testing.T) {
	s := one(t)
	ctx := t.Context()

	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT 1 / $1::int`, 0).Scan(&n); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if _, err := tx.ExecContext(ctx, `SELECT $1::int`, 1); err == nil {
		t.Fatal("a statement after the failed one ran: the transaction was not begun with the first statement")
	}
	if err := tx.Commit(); !errors.Is(err, pgx.ErrTxCommitRollback) {
		t.Fatalf("commit of the aborted transaction: %v, want %v", err, pgx.ErrTxCommitRollback)
	}

	// A cancelled context fails the first statement before anything is begun.
	cctx, cancel := context.WithCancel(ctx)
	tx, err = s.db.BeginTx(cctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := tx.ExecContext(cctx, `SELECT $1::int`, 1); err == nil {
		t.Fatal("a statement ran with a cancelled context")
	}
	tx.Rollback()

	tx, err = s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, name, created, settings) VALUES ($1, 'n', 1, '\x7b7d')`, "acct_after"); err != nil {
		t.Fatalf("the transaction after the failed ones: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE id = 'acct_after'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the committed row: %d rows, %v", n, err)
	}
}

// TestEmptyTransaction: a transaction without statements commits and rolls
// back without error and leaves the connection outside a transaction.
func TestEmptyTransaction(t *testing.T) {
	s := one(t)
	for _, commit := range []bool{true, false} {
		tx, err := s.db.BeginTx(t.Context(), &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatalf("commit %v: %v", commit, err)
		}
		if inTx(t, s) {
			t.Fatalf("commit %v: the connection is in a transaction", commit)
		}
	}
}

// TestRollbackNotAwaited: a rolled-back transaction's locks are released
// without the connection being used again (the ROLLBACK is sent at once,
// only its answer is read later), and the connection's next transaction
// runs outside it.
func TestRollbackNotAwaited(t *testing.T) {
	s, err := Open(t.Context(), pgtest.Start(t), Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO accounts (id, name, created, settings) VALUES ('acct_l', 'n', 1, '\x7b7d')`); err != nil {
		t.Fatal(err)
	}
	// Two connections held apart: a holds the lock and rolls back, b waits
	// for it; a is not used again until b is done.
	a, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tx, err := a.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET name = $1 WHERE id = 'acct_l'`, "held"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// Blocks until the server has run a's ROLLBACK; the context bounds it.
	if _, err := b.ExecContext(ctx, `UPDATE accounts SET name = $1 WHERE id = 'acct_l'`, "b"); err != nil {
		t.Fatalf("the row stayed locked after Rollback: %v", err)
	}
	var name string
	if err := a.QueryRowContext(ctx, `SELECT name FROM accounts WHERE id = 'acct_l'`).Scan(&name); err != nil || name != "b" {
		t.Fatalf("a after its rollback reads %q, %v; want b", name, err)
	}
	a.Close()
	b.Close()
	for range 3 {
		if err := s.View(ctx, func(tx store.Tx) error {
			_, err := tx.GetAccount(ctx, "acct_l")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if inTx(t, s) {
		t.Fatal("the connection is in a transaction after rolled-back reads")
	}
}

// TestRollbackAnswerLost: a connection whose ROLLBACK's answer cannot be
// read (its socket broke) is discarded when next taken from the pool, and
// the store goes on with a new one.
func TestRollbackAnswerLost(t *testing.T) {
	s := one(t)
	ctx := t.Context()
	// A read as View runs it, ending in a rollback whose answer is not read.
	backend := func(c *sql.Conn) (int, error) {
		tx, err := c.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return 0, err
		}
		defer tx.Rollback()
		var pid int
		err = tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid)
		return pid, err
	}
	c, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := backend(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Raw(func(dc any) error {
		if dc.(*conn).rollback == nil {
			t.Error("the rollback's answer was read before the connection's next use")
		}
		return dc.(*conn).Conn.Conn().PgConn().Conn().Close()
	}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// The pool's next connection: one with a broken socket would fail it.
	read := func() (int, error) {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return backend(c)
	}
	other, err := read()
	if err != nil {
		t.Fatalf("the read after the connection broke: %v", err)
	}
	if other == pid {
		t.Fatalf("the read ran on the broken connection's backend %d", pid)
	}
	// A connection whose rollback was answered is kept.
	again, err := read()
	if err != nil {
		t.Fatal(err)
	}
	if again != other {
		t.Fatalf("the next read ran on backend %d, not on %d: the connection was discarded after its rollback", again, other)
	}
}

// TestHeldWrites: writes through store.Later are not sent before the
// transaction's next statement or its commit: another transaction writes
// the same idempotency key meanwhile without waiting on this one, whose
// commit then fails with the conflict and commits nothing. A held write
// that fails is answered by the next statement, and by every one after it.
func TestHeldWrites(t *testing.T) {
	s, err := Open(t.Context(), pgtest.Start(t), Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	rec := func(hash string) store.Idempotency {
		return store.Idempotency{Account: "acct_a", Key: "k", RequestHash: hash, Method: "POST", Path: "/", StatusCode: 200, Body: []byte(`{}`), Created: 1}
	}
	count := func(table string) (n int) {
		t.Helper()
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 1, Data: []byte(`{}`)}); err != nil {
			return err
		}
		l := store.Later(tx)
		if err := l.InsertTimer(ctx, &store.Timer{Account: "acct_a", Due: 1, Kind: "k"}); err != nil {
			return err
		}
		if err := l.PutIdempotency(ctx, rec("first")); err != nil {
			return err
		}
		// Bounded: had the insert been sent, this one would wait for it.
		octx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := s.Update(octx, func(tx store.Tx) error { return tx.PutIdempotency(octx, rec("other")) }); err != nil {
			t.Errorf("the other transaction: %v (it waited on a write that should not have been sent yet)", err)
		}
		return nil
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("the commit with a held write of a key taken meanwhile: %v, want store.ErrConflict", err)
	}
	if n := count(`objects`); n != 0 {
		t.Errorf("the failed transaction committed %d objects", n)
	}
	if n := count(`timers`); n != 0 {
		t.Errorf("the failed transaction committed %d timers", n)
	}
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT request_hash FROM idempotency WHERE key = 'k'`).Scan(&hash); err != nil || hash != "other" {
		t.Fatalf("the stored key: %q, %v; want the other transaction's", hash, err)
	}

	var reads []error
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := store.Later(tx).PutIdempotency(ctx, rec("again")); err != nil {
			return err
		}
		for range 2 {
			_, err := tx.GetAccount(ctx, "acct_a")
			reads = append(reads, err)
		}
		return nil
	})
	for i, rerr := range reads {
		if !errors.Is(rerr, store.ErrConflict) {
			t.Errorf("read %d after the failed held write: %v, want store.ErrConflict", i+1, rerr)
		}
	}
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update after a failed held write whose error fn dropped: %v, want store.ErrConflict", err)
	}
	if inTx(t, s) {
		t.Fatal("a connection is left in a transaction")
	}
}
