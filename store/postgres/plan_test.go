package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/postgres"
	"github.com/kontorpay/kontor/store/postgres/pgtest"
	"github.com/kontorpay/kontor/store/sqlstore"
	"github.com/kontorpay/kontor/store/storetest"
)

// planDB starts a new database that the store migrated and runs the
// statements of setup on it; it returns the database's address and the
// connection they ran on.
func planDB(t *testing.T, setup ...string) (string, *pgx.Conn) {
	t.Helper()
	dsn := pgtest.Start(t)
	open(t, dsn, postgres.Options{})
	conn := connect(t, dsn)
	for _, q := range setup {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	return dsn, conn
}

// checkPlans explains the prepared statement's execution run (EXECUTE …)
// with custom and with generic plans (the driver's statements are
// prepared), and reports each plan that does not use index.
func checkPlans(t *testing.T, conn *pgx.Conn, what, run, index string) {
	t.Helper()
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		if _, err := conn.Exec(t.Context(), `SET plan_cache_mode = `+mode); err != nil {
			t.Fatal(err)
		}
		var plan string
		if err := conn.QueryRow(t.Context(), `EXPLAIN (FORMAT JSON) `+run).Scan(&plan); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, `"Index Name": "`+index+`"`) {
			t.Errorf("%s: %s is not planned on %s:\n%s", mode, what, index, plan)
		}
	}
}

// TestEventsByObjectPlan: a list of one object's events, as ListEvents
// asks it, is planned on the partial index events_object (its query names
// the index's condition), not on events_list, which would walk every event
// of the account; on a database without statistics and after ANALYZE.
func TestEventsByObjectPlan(t *testing.T) {
	_, conn := planDB(t,
		`ALTER TABLE events SET (autovacuum_enabled = false)`,
		`INSERT INTO events (account, id, dialect, type, object_id, created, data)
			SELECT 'acct_a', 'evt_' || g, CASE WHEN g % 3 = 0 THEN 'cko' ELSE '' END, 'charge.pending',
				CASE WHEN g % 3 = 0 THEN 'pay_' || g ELSE '' END, g, '\x7b7d' FROM generate_series(1, 3000) g`,
		`PREPARE by_object (text, text, text, bigint) AS SELECT seq, data FROM events
			WHERE account = $1 AND dialect = $2 AND object_id = $3 AND object_id <> '' ORDER BY seq DESC LIMIT $4`)
	const run = `EXECUTE by_object ('acct_a', 'cko', 'pay_3', 100)`
	checkPlans(t, conn, "a list by object without statistics", run, "events_object")
	if _, err := conn.Exec(t.Context(), `ANALYZE events`); err != nil {
		t.Fatal(err)
	}
	checkPlans(t, conn, "a list by object after ANALYZE", run, "events_object")
}

// explainer asks PostgreSQL, before each query of the store, how it plans
// it with the query's arguments, and keeps the last plan.
type explainer struct {
	t    *testing.T
	db   *sql.DB
	plan string
}

func (x *explainer) explain(ctx context.Context, query string, args []any) {
	x.t.Helper()
	if err := x.db.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query, args...).Scan(&x.plan); err != nil {
		x.t.Fatalf("explain %s: %v", query, err)
	}
}

// explainedTx returns a Tx of dialect d on a new database that the store
// migrated and setup ran on, which asks PostgreSQL how it plans each of its
// queries, and the explainer that keeps the last plan.
func explainedTx(t *testing.T, d *sqlstore.Dialect, setup ...string) (*sqlstore.Tx, *explainer) {
	t.Helper()
	dsn, _ := planDB(t, setup...)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	x := &explainer{t: t, db: db}
	return sqlstore.NewTx(&storetest.Explainer{DB: db, Explain: x.explain}, d), x
}

// TestIdempotencyWithAccountPlan: a keyed write's lookup of its stored
// outcome, which reads the account's row along (GetIdempotency in a write),
// finds the outcome by both columns of the idempotency table's key. By the
// key alone the lookup walks the index over every account's keys, and so
// grows with the table.
func TestIdempotencyWithAccountPlan(t *testing.T) {
	tx, x := explainedTx(t, &sqlstore.Dialect{Numbered: true, Pipelined: true},
		`ALTER TABLE idempotency SET (autovacuum_enabled = false)`,
		`INSERT INTO accounts (id, name, created, settings) VALUES ('acct_a', 'a', 1, '\x7b7d')`,
		`INSERT INTO idempotency (account, key, request_hash, method, path, status_code, body, created)
			SELECT 'acct_' || (g % 50), 'k' || (g / 50), 'h', 'POST', '/v1/charges', 200, '\x7b7d', g FROM generate_series(1, 3000) g`,
		`ANALYZE idempotency`)
	if _, err := tx.GetIdempotency(t.Context(), "acct_a", "k3"); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if !strings.Contains(x.plan, `"Index Cond": "((account = 'acct_a'::text) AND (key = 'k3'::text))"`) {
		t.Errorf("the lookup of an outcome with its account's row does not find the outcome by account and key:\n%s", x.plan)
	}
}

// TestGetObjectsPlan: GetObjects of a few ids (a charge and its source, as
// GET /v1/charges/{id} reads them) finds each by both columns of the unique
// key, on a database without statistics. Planned as "account = ? AND id IN
// (…)", it scans the unique index by the account alone and filters every
// object of the account.
func TestGetObjectsPlan(t *testing.T) {
	tx, x := explainedTx(t, &sqlstore.Dialect{Numbered: true, ExactLookups: true},
		`ALTER TABLE objects SET (autovacuum_enabled = false)`,
		`INSERT INTO objects (account, id, type, created, data)
			SELECT 'acct_a', CASE WHEN g % 2 = 0 THEN 'py_' ELSE 'src_' END || g, 'charge', 1, '\x7b7d' FROM generate_series(1, 3000) g`)
	got, err := tx.GetObjects(t.Context(), "acct_a", []string{"py_8", "src_9"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("GetObjects of py_8 and src_9: %d objects; want 2", len(got))
	}
	for _, id := range []string{"py_8", "src_9"} {
		if !strings.Contains(x.plan, `"Index Cond": "((account = 'acct_a'::text) AND (id = '`+id+`'::text))"`) {
			t.Errorf("GetObjects does not find %s by account and id:\n%s", id, x.plan)
		}
	}
	if strings.Contains(x.plan, `"Filter"`) {
		t.Errorf("GetObjects filters rows:\n%s", x.plan)
	}
}
