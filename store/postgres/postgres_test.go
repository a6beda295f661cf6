package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/postgres"
	"github.com/kontorpay/kontor/store/postgres/pgtest"
	"github.com/kontorpay/kontor/store/storetest"
)

func open(t *testing.T, dsn string, opt postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, opt)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// connect opens a connection of the test's own to dsn, closed when the
// test ends.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestConformance runs the store conformance suite, each subtest on a fresh database.
func TestConformance(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) store.Store {
		return open(t, pgtest.Start(t), postgres.Options{})
	})
}

// TestConcurrentOpen starts several nodes on one empty database at once:
// the advisory lock lets one migrate while the others wait.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.Start(t)
	const nodes = 5
	stores := make([]*postgres.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 2}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	for i, s := range stores {
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertAccount(t.Context(), store.Account{ID: "acct_" + string(rune('a'+i)), Name: "n", Created: 1, Settings: []byte(`{}`)})
		}); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	// Reopening finds every migration applied.
	open(t, dsn, postgres.Options{})
}

// TestRetriesDeadlock makes two transactions lock two rows in opposite
// orders. PostgreSQL aborts one of them with a deadlock (40P01); Update runs
// it again and both commit.
func TestRetriesDeadlock(t *testing.T) {
	s := open(t, pgtest.Start(t), postgres.Options{})
	ctx := t.Context()
	if err := s.Update(ctx, func(tx store.Tx) error {
		for _, id := range []string{"x", "y"} {
			if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: id, Type: "counter", Created: 1, Data: []byte("0")}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	lockBoth := func(first, second string) error {
		firstAttempt := true
		return s.Update(ctx, func(tx store.Tx) error {
			calls.Add(1)
			for i, id := range []string{first, second} {
				o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: id, ForUpdate: true})
				if err != nil {
					t.Logf("%s then %s: lock %s: %v", first, second, id, err)
					return err
				}
				if i == 0 && firstAttempt {
					firstAttempt = false
					bothLocked.Done()
					bothLocked.Wait()
				}
				o.Data = append(o.Data, '+')
				if err := tx.UpdateObject(ctx, &o); err != nil {
					t.Logf("%s then %s: update %s: %v", first, second, id, err)
					return err
				}
			}
			return nil
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lockBoth("x", "y") }()
	go func() { errs <- lockBoth("y", "x") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	if n := calls.Load(); n < 3 {
		t.Fatalf("fn ran %d times, want at least 3 (the deadlock victim run again)", n)
	}
	if err := s.View(ctx, func(tx store.Tx) error {
		for _, id := range []string{"x", "y"} {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: id})
			if err != nil {
				return err
			}
			if string(o.Data) != "0++" || o.Version != 3 {
				t.Errorf("object %s = %q at version %d, want \"0++\" at version 3", id, o.Data, o.Version)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestGivesUpRetrying bounds the retries of a transaction that keeps losing.
func TestGivesUpRetrying(t *testing.T) {
	s := open(t, pgtest.Start(t), postgres.Options{MaxAttempts: 3})
	var calls atomic.Int32
	lost := errors.Join(store.ErrRetry, errors.New("lost again"))
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls.Add(1)
		return lost
	})
	if !errors.Is(err, store.ErrRetry) || calls.Load() != 3 {
		t.Fatalf("Update = %v after %d runs, want store.ErrRetry after 3", err, calls.Load())
	}
}

// TestUnreachable names the server it could not reach, without the password.
func TestUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://kontor:s3cret@127.0.0.1:1/kontor?sslmode=disable&connect_timeout=5", postgres.Options{})
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1/kontor") {
		t.Errorf("error %q does not name the server", err)
	}
	for _, bad := range []string{"s3cret"} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("error %q shows the password", err)
		}
	}
	t.Logf("error: %v", err)
}

// TestConnectionLost terminates the store's session in the middle of a
// transaction: the transaction fails with ErrConnectionLost, commits
// nothing, and the next transaction runs on a new connection.
func TestConnectionLost(t *testing.T) {
	dsn := pgtest.Start(t)
	s := open(t, dsn, postgres.Options{MaxConns: 1})
	ctx := t.Context()
	admin := connect(t, dsn)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertAccount(ctx, store.Account{ID: "acct_a", Name: "a", Created: 1, Settings: []byte(`{}`)}); err != nil {
			return err
		}
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatalf("terminate: %v", err)
		}
		_, err := tx.GetAccount(ctx, "acct_a")
		return err
	})
	if !errors.Is(err, postgres.ErrConnectionLost) {
		t.Fatalf("Update on a terminated session = %v, want ErrConnectionLost", err)
	}
	t.Logf("error: %v", err)
	err = s.View(ctx, func(tx store.Tx) error {
		_, err := tx.GetAccount(ctx, "acct_a")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the lost transaction: GetAccount = %v, want store.ErrNotFound", err)
	}
}

// TestUpgrades runs the migrations that convert stored rows on a database
// an older version wrote.
func TestUpgrades(t *testing.T) {
	storetest.ExerciseUpgrades(t, func(t *testing.T, version, before string) store.Store {
		dsn := pgtest.Start(t)
		conn := connect(t, dsn)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := conn.Exec(t.Context(), q, args...); err != nil {
				t.Fatalf("%.60s: %v", q, err)
			}
		}
		exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied BIGINT NOT NULL)`)
		for _, m := range storetest.MigrationsBefore(t, "migration", version) {
			exec(m.SQL)
			exec(`INSERT INTO schema_migrations (version, applied) VALUES ($1, 1)`, m.Version)
		}
		exec(before)
		return open(t, dsn, postgres.Options{})
	})
}

// TestLookupPlan: on a database without statistics (new, autovacuum not
// yet run) a lookup of one object by id, as GetObject asks, is planned on
// the unique index, not on objects_type, which would walk every object of
// the type; custom and generic plans both (the driver's statements are
// prepared).
func TestLookupPlan(t *testing.T) {
	_, conn := planDB(t,
		`ALTER TABLE objects SET (autovacuum_enabled = false)`,
		`INSERT INTO objects (account, id, type, created, data)
			SELECT 'acct_a', 'py_' || g, 'charge', 1, '\x7b7d' FROM generate_series(1, 3000) g`,
		`PREPARE lookup (text, text, text, text) AS SELECT seq, data FROM objects
			WHERE account = $1 AND id = $2 AND type = $3 AND kind = $4`)
	checkPlans(t, conn, "a lookup by id", `EXECUTE lookup ('acct_a', 'py_7', 'charge', '')`, "objects_account_id")
}

// TestIdempotencyInWrite: a write reads a stored outcome and then its
// account, which PostgreSQL answers from one statement, and both are as
// stored.
func TestIdempotencyInWrite(t *testing.T) {
	s := open(t, pgtest.Start(t), postgres.Options{})
	ctx := t.Context()
	acct := store.Account{ID: "acct_i", Name: "i", Created: 1, Settings: []byte(`{"s":1}`)}
	rec := store.Idempotency{Account: "acct_i", Key: "k", RequestHash: "h", Method: "POST", Path: "/v1/charges",
		StatusCode: 402, Body: []byte(`{"error":{}}`), Created: 7}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertAccount(ctx, acct); err != nil {
			return err
		}
		return tx.PutIdempotency(ctx, rec)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		got, err := tx.GetIdempotency(ctx, "acct_i", "k")
		if err != nil {
			return err
		}
		if got.RequestHash != rec.RequestHash || got.StatusCode != rec.StatusCode || string(got.Body) != string(rec.Body) ||
			got.Method != rec.Method || got.Path != rec.Path || got.Created != rec.Created || got.Key != rec.Key || got.Account != rec.Account {
			t.Errorf("GetIdempotency in a write = %+v, want %+v", got, rec)
		}
		a, err := tx.GetAccount(ctx, "acct_i")
		if err != nil {
			return err
		}
		if a.ID != acct.ID || a.Name != acct.Name || a.Created != acct.Created || string(a.Settings) != string(acct.Settings) || a.Generation == 0 {
			t.Errorf("GetAccount after it = %+v, want %+v with a generation", a, acct)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
