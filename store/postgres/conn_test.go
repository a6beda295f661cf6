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

// pooled runs f on the driver connection the pool hands out next.
func pooled(t *testing.T, s *Store, f func(c *conn) error) {
	t.Helper()
	c, err := s.db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Raw(func(dc any) error { return f(dc.(*conn)) }); err != nil {
		t.Fatal(err)
	}
}

// readAccount is a View of one account.
func readAccount(ctx context.Context, s *Store, id string) error {
	return s.View(ctx, func(tx store.Tx) error {
		_, err := tx.GetAccount(ctx, id)
		return err
	})
}

// lingering sets rollbackLinger for the rest of the test.
func lingering(t *testing.T, d time.Duration) {
	old := rollbackLinger
	rollbackLinger = d
	t.Cleanup(func() { rollbackLinger = old })
}

// TestReadRollbackRides: a read's ROLLBACK is not sent when the read ends
// (its snapshot still holds the ACCESS SHARE lock of the table it read),
// but ahead of the connection's next transaction; and when none comes, it
// is sent after rollbackLinger without the connection being used again.
func TestReadRollbackRides(t *testing.T) {
	lingering(t, time.Hour)
	dsn := pgtest.Start(t)
	s, err := Open(t.Context(), dsn, Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	// lock takes table's ACCESS EXCLUSIVE lock in a transaction of its own,
	// waiting for it unless nowait.
	lock := func(table string, nowait bool) error {
		tx, err := admin.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		q := `LOCK TABLE ` + table + ` IN ACCESS EXCLUSIVE MODE`
		if nowait {
			q += ` NOWAIT`
		}
		_, err = tx.Exec(ctx, q)
		return err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO accounts (id, name, created, settings) VALUES ('acct_r', 'n', 1, '\x7b7d')`); err != nil {
		t.Fatal(err)
	}
	if err := readAccount(ctx, s, "acct_r"); err != nil {
		t.Fatal(err)
	}
	if err := lock("accounts", true); err == nil {
		t.Fatal("the read's ROLLBACK was sent when the read ended")
	}
	// The next transaction carries it: the accounts table is free after a
	// read of objects.
	if err := s.View(ctx, func(tx store.Tx) error {
		_, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_r", ID: "cus_x"})
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := lock("accounts", true); err != nil {
		t.Fatalf("the read's ROLLBACK did not go with the next transaction: %v", err)
	}
	if err := lock("objects", true); err == nil {
		t.Fatal("the second read's ROLLBACK was sent when it ended")
	}
	// A write takes it along too, and commits.
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_w", Name: "w", Created: 1, Settings: []byte(`{}`)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := lock("objects", true); err != nil {
		t.Fatalf("the read's ROLLBACK did not go with the next write: %v", err)
	}
	if err := readAccount(ctx, s, "acct_w"); err != nil {
		t.Fatalf("the write after a read: %v", err)
	}
	// Nothing comes: the timer sends it. This waits until the server has
	// run it, bounded by ctx.
	lingering(t, time.Millisecond)
	if err := readAccount(ctx, s, "acct_r"); err != nil {
		t.Fatal(err)
	}
	if err := lock("accounts", false); err != nil {
		t.Fatalf("the ROLLBACK of a read on an idle connection was not sent: %v", err)
	}
	if inTx(t, s) {
		t.Fatal("the connection is in a transaction after the reads")
	}
}

// TestRollbackAnswerLost: a connection whose socket broke while it owed a
// read's ROLLBACK, or before the answer of a ROLLBACK sent was read, is
// discarded at its next use, and the store goes on with a new one: a read
// or a write then runs once, on the new connection.
func TestRollbackAnswerLost(t *testing.T) {
	lingering(t, time.Hour)
	s := one(t)
	ctx := t.Context()
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(ctx, store.Account{ID: "acct_a", Name: "a", Created: 1, Settings: []byte(`{}`)})
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		// sent: the ROLLBACK went out and only its answer is lost.
		sent bool
		// next is the transaction that meets the broken connection.
		next func() error
	}{
		{"owed, then a read", false, func() error { return readAccount(ctx, s, "acct_a") }},
		{"owed, then a write", false, func() error {
			return s.Update(ctx, func(tx store.Tx) error {
				return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 1, Data: []byte(`{}`)})
			})
		}},
		{"sent, then a read", true, func() error { return readAccount(ctx, s, "acct_a") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := readAccount(ctx, s, "acct_a"); err != nil {
				t.Fatal(err)
			}
			var broken *conn
			pooled(t, s, func(c *conn) error {
				broken = c
				if tc.sent {
					c.lingerEnd()
				}
				c.mu.Lock()
				owed, unread := c.owed, c.rollback != nil
				c.mu.Unlock()
				if owed == tc.sent || unread != tc.sent {
					t.Errorf("before the break: owed %v, answer unread %v; want %v, %v", owed, unread, !tc.sent, tc.sent)
				}
				return c.Conn.Conn().PgConn().Conn().Close()
			})
			if err := tc.next(); err != nil {
				t.Fatalf("the transaction after the connection broke: %v", err)
			}
			var now *conn
			pooled(t, s, func(c *conn) error { now = c; return nil })
			if now == broken {
				t.Fatal("the broken connection is still in the pool")
			}
			if err := readAccount(ctx, s, "acct_a"); err != nil {
				t.Fatal(err)
			}
			pooled(t, s, func(c *conn) error {
				if c != now {
					t.Error("a working connection was discarded after its read")
				}
				return nil
			})
		})
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM objects WHERE id = 'cus_1'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the write after the break stored %d rows (%v), want 1", n, err)
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
