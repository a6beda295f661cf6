// Command fill puts many charges into a Kontor database in a bounded time,
// for the flatness figure of bench/compare/run.sh flat: POST /v1/charges
// measured on an empty database and again on a full one.
//
// It works in two steps:
//
//  1. Template: it drives the engine directly, as `kontor serve` does for
//     POST /v1/charges, for -template charges, so that each gets the rows the
//     real path writes (the charge, its events, its mandate's use and
//     notification, its settlement timer) and an idempotency row holding the
//     answer under a fresh key. What differs from the HTTP path is only how
//     the work is grouped: -batch charges share one transaction (and one
//     request id in their events), and -workers transactions run at once,
//     each on its own customers so that they take no row locks from each
//     other. The stored answer is the engine's JSON of the charge, of about
//     the size of the rendered one.
//  2. Copies: it copies the template's rows in SQL, INSERT … SELECT, with
//     ids made unique by a suffix (the copy's number) and the references
//     between them (events' and timers' object ids) rewritten alike, until
//     the database holds -n charges. The engine writes a few hundred charges
//     a second on a loaded 2-core machine, which would make a million take
//     an hour; the copies go at the database's bulk insert speed, and give
//     the tables and indexes the row count, row sizes and key spread of -n
//     charges written one by one.
//
// The server must not run on the database meanwhile (SQLite has one writer).
// Settlement timers are due after -delay, so that none fires while the full
// database is measured.
//
// usage: fill -db DB -key sk_test_… -customers FILE -n COUNT [-template 10000] [-batch 500] [-workers N]
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store"
)

var (
	db        = flag.String("db", "", "database: a SQLite path or postgres://… (required)")
	key       = flag.String("key", "", "secret key of the account to fill (required)")
	customers = flag.String("customers", "", "file of customer ids, one a line, each with a chargeable default source (required)")
	count     = flag.Int("n", 1000000, "charges to create (rounded up to a multiple of -template)")
	template  = flag.Int("template", 10000, "charges written through the engine; the rest are copies of their rows")
	batch     = flag.Int("batch", 500, "charges per transaction")
	workers   = flag.Int("workers", 0, "transactions at once; 0 means 1 on SQLite (one writer) and GOMAXPROCS on PostgreSQL")
	delay     = flag.Duration("delay", 24*time.Hour, "sandbox delay: when the charges' settlement timers come due")
	limit     = flag.Duration("timeout", time.Hour, "give up after this long")
)

func main() {
	flag.Parse()
	if *db == "" || *key == "" || *customers == "" || *count <= 0 || *batch <= 0 {
		fmt.Fprintln(os.Stderr, "usage: fill -db DB -key sk_test_… -customers FILE -n COUNT [-batch 500] [-workers N]")
		os.Exit(2)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fill:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	cus, err := readLines(*customers)
	if err != nil {
		return err
	}
	total := max(*count, 1)
	tmpl := min(max(*template, 1), total)
	copies := (total+tmpl-1)/tmpl - 1
	st, err := server.OpenStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	raw, err := openRaw(*db, st.Driver())
	if err != nil {
		return err
	}
	defer raw.Close()
	before, err := marks(ctx, raw)
	if err != nil {
		return err
	}
	e, err := engine.New(ctx, engine.Config{Store: st, SandboxDelay: *delay})
	if err != nil {
		return err
	}
	cred, err := e.Authenticate(ctx, *key)
	if err != nil {
		return err
	}
	n := *workers
	if n <= 0 {
		n = 1
		if st.Driver() == "postgres" {
			n = runtime.GOMAXPROCS(0)
		}
	}
	n = min(n, len(cus))
	var (
		done    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		failed  error
	)
	start := time.Now()
	next := make(chan int)
	go func() {
		defer close(next)
		for left := tmpl; left > 0; left -= *batch {
			select {
			case next <- min(left, *batch):
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := range n {
		// Worker w charges the customers w, w+n, w+2n, …: no two
		// transactions update the same customer's source at once.
		var mine []string
		for i := w; i < len(cus); i += n {
			mine = append(mine, cus[i])
		}
		wg.Go(func() {
			for size := range next {
				if err := fillBatch(ctx, e, cred.Account, mine, size); err != nil {
					errOnce.Do(func() { failed = err; cancel() })
					return
				}
				d := done.Add(int64(size))
				if step := int64(tmpl / 5); step > 0 && d/step != (d-int64(size))/step {
					fmt.Printf("  %d charges, %.0f/s\n", d, float64(d)/time.Since(start).Seconds())
				}
			}
		})
	}
	wg.Wait()
	if failed != nil {
		return failed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("after %d charges: %w", done.Load(), err)
	}
	el := time.Since(start)
	fmt.Printf("template: %d charges through the engine in %.1f s (%.0f/s) with %d workers, %d charges per transaction\n",
		done.Load(), el.Seconds(), float64(done.Load())/el.Seconds(), n, *batch)
	if err := st.Close(); err != nil {
		return err
	}
	after, err := marks(ctx, raw)
	if err != nil {
		return err
	}
	start = time.Now()
	for c := 1; c <= copies; c++ {
		if err := copyTemplate(ctx, raw, before, after, c); err != nil {
			return fmt.Errorf("copy %d: %w", c, err)
		}
		if c%max(copies/5, 1) == 0 {
			fmt.Printf("  %d charges, copies at %.0f charges/s\n", tmpl*(c+1), float64(tmpl*c)/time.Since(start).Seconds())
		}
	}
	if copies > 0 {
		fmt.Printf("copies: %d charges in %.1f s\n", tmpl*copies, time.Since(start).Seconds())
	}
	start = time.Now()
	if err := settle(ctx, raw, st.Driver()); err != nil {
		return err
	}
	fmt.Printf("%d charges in the database; %s in %.1f s\n", tmpl*(copies+1), settleWhat(st.Driver()), time.Since(start).Seconds())
	return nil
}

// openRaw opens the store's database for the copies.
func openRaw(dsn, driver string) (*sql.DB, error) {
	// The copies need not be durable one by one: a run that fails is started
	// again on a fresh database. settle makes the end durable.
	if driver == "postgres" {
		db, err := sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(1)
			_, err = db.Exec("SET synchronous_commit = off")
		}
		return db, err
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(off)&_pragma=cache_size(-1048576)")
	if err == nil {
		db.SetMaxOpenConns(1)
	}
	return db, err
}

// mark is where the rows of the template start or end: the last seq of
// objects and events and the last timer id.
type mark struct{ objects, events, timers int64 }

func marks(ctx context.Context, db *sql.DB) (mark, error) {
	var m mark
	err := db.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(seq), 0) FROM objects), (SELECT COALESCE(MAX(seq), 0) FROM events),
		(SELECT COALESCE(MAX(id), 0) FROM timers)`).Scan(&m.objects, &m.events, &m.timers)
	return m, err
}

// copyTemplate copies the template's rows (between the marks a and b) once,
// in one transaction, with the suffix _c<n> on their ids and references.
func copyTemplate(ctx context.Context, db *sql.DB, a, b mark, n int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	suffix := fmt.Sprintf("'_c%d'", n)
	steps := []struct {
		table, auto, where string
		rewrite            map[string]string
	}{
		{"objects", "seq", fmt.Sprintf("seq > %d AND seq <= %d", a.objects, b.objects),
			map[string]string{"id": "id || " + suffix}},
		{"events", "seq", fmt.Sprintf("seq > %d AND seq <= %d", a.events, b.events),
			// An event without an object (store.Event.ObjectID) keeps none.
			map[string]string{"id": "id || " + suffix, "object_id": "CASE object_id WHEN '' THEN '' ELSE object_id || " + suffix + " END"}},
		{"timers", "id", fmt.Sprintf("id > %d AND id <= %d AND object_id IN (SELECT id FROM objects WHERE seq > %d AND seq <= %d)",
			a.timers, b.timers, a.objects, b.objects),
			map[string]string{"object_id": "object_id || " + suffix}},
		{"idempotency", "", "key LIKE 'fill-t-%'",
			map[string]string{"key": "'fill-c" + strconv.Itoa(n) + "-' || substr(key, 8)"}},
	}
	for _, s := range steps {
		cols, err := columns(ctx, tx, s.table)
		if err != nil {
			return err
		}
		var into, from []string
		for _, c := range cols {
			if c == s.auto {
				continue
			}
			into = append(into, c)
			if r, ok := s.rewrite[c]; ok {
				from = append(from, r)
			} else {
				from = append(from, c)
			}
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s", s.table,
			strings.Join(into, ", "), strings.Join(from, ", "), s.table, s.where)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", s.table, err)
		}
	}
	return tx.Commit()
}

// columns lists a table's columns as the schema has them now.
func columns(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table+" WHERE 1 = 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

func settleWhat(driver string) string {
	if driver == "postgres" {
		return "VACUUM ANALYZE"
	}
	return "WAL checkpointed"
}

// settle leaves the database as a long-running one would be: PostgreSQL's
// statistics and visibility map as autovacuum keeps them, SQLite's WAL
// checkpointed into the database file.
func settle(ctx context.Context, db *sql.DB, driver string) error {
	q := "PRAGMA wal_checkpoint(TRUNCATE)"
	if driver == "postgres" {
		q = "VACUUM ANALYZE"
	}
	_, err := db.ExecContext(ctx, q)
	return err
}

// fillBatch creates size charges in one transaction, each with the
// idempotency row its POST /v1/charges would have stored.
func fillBatch(ctx context.Context, e *engine.Engine, account string, cus []string, size int) error {
	req := engine.RequestInfo{ID: "req_" + token(14)}
	return e.Update(ctx, account, req, func(op *engine.Op) error {
		op = op.Within("") // the Stripe dialect's, as stripeapi does
		for i := range size {
			customer := cus[i%len(cus)]
			ch, err := op.CreateSourceCharge(engine.ChargeParams{Amount: 1999, Currency: "eur", Customer: customer})
			if err != nil {
				return fmt.Errorf("charge customer %s: %w", customer, err)
			}
			body, err := json.Marshal(ch)
			if err != nil {
				return err
			}
			params, _ := json.Marshal(map[string]string{"amount": "1999", "currency": "eur", "customer": customer})
			sum := sha256.Sum256(append([]byte("POST /v1/charges\n"), params...))
			err = op.Tx().PutIdempotency(ctx, store.Idempotency{Account: account, Key: "fill-t-" + token(12),
				RequestHash: hex.EncodeToString(sum[:16]), Method: "POST", Path: "/v1/charges",
				StatusCode: 200, Body: body, Created: time.Now().Unix()})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 && sc.Err() == nil {
		return nil, errors.New(path + " lists no customers")
	}
	return out, sc.Err()
}
