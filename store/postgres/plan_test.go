package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kontorpay/kontor/store/postgres"
	"github.com/kontorpay/kontor/store/postgres/pgtest"
)

// TestEventsByObjectPlan: on a database without statistics a list of one
// object's events, as ListEvents asks it, is planned on the partial index
// events_object (its query names the index's condition), not on
// events_list, which would walk every event of the account; custom and
// generic plans both, and the same with statistics.
func TestEventsByObjectPlan(t *testing.T) {
	dsn := pgtest.Start(t)
	open(t, dsn, postgres.Options{})
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range []string{
		`ALTER TABLE events SET (autovacuum_enabled = false)`,
		`INSERT INTO events (account, id, dialect, type, object_id, created, data)
			SELECT 'acct_a', 'evt_' || g, CASE WHEN g % 3 = 0 THEN 'cko' ELSE '' END, 'charge.pending',
				CASE WHEN g % 3 = 0 THEN 'pay_' || g ELSE '' END, g, '\x7b7d' FROM generate_series(1, 3000) g`,
		`PREPARE by_object (text, text, text, bigint) AS SELECT seq, data FROM events
			WHERE account = $1 AND dialect = $2 AND object_id = $3 AND object_id <> '' ORDER BY seq DESC LIMIT $4`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	for _, stats := range []string{"without statistics", "after ANALYZE"} {
		if stats == "after ANALYZE" {
			if _, err := conn.Exec(ctx, `ANALYZE events`); err != nil {
				t.Fatal(err)
			}
		}
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			if _, err := conn.Exec(ctx, `SET plan_cache_mode = `+mode); err != nil {
				t.Fatal(err)
			}
			var plan string
			if err := conn.QueryRow(ctx, `EXPLAIN (FORMAT JSON) EXECUTE by_object ('acct_a', 'cko', 'pay_3', 100)`).Scan(&plan); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, `"Index Name": "events_object"`) {
				t.Errorf("%s, %s: a list by object is not planned on events_object:\n%s", stats, mode, plan)
			}
		}
	}
}
