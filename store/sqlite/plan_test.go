package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/store/sqlstore"
	"github.com/kontorpay/kontor/store/storetest"
)

// explainer asks SQLite, before each query of the store, how it plans it,
// and keeps the last plan's steps.
type explainer struct {
	t    *testing.T
	db   *sql.DB
	plan []string
}

func (x *explainer) explain(ctx context.Context, query string, args []any) {
	x.t.Helper()
	rows, err := x.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		x.t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	x.plan = x.plan[:0]
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			x.t.Fatal(err)
		}
		x.plan = append(x.plan, detail)
	}
}

// TestListPlans: every list the APIs and the dashboard ask the store for,
// and the lookups by id, is planned on the index meant for it, on a
// database the store migrated: no scan of a table, no sort of the rows.
func TestListPlans(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kontor.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	x := &explainer{t: t, db: db}
	tx := sqlstore.NewTx(&storetest.Explainer{DB: db, Explain: x.explain}, &sqlstore.Dialect{})
	ctx := t.Context()
	check := func(what, index string) {
		t.Helper()
		plan := strings.Join(x.plan, "; ")
		if !strings.Contains(plan, " INDEX "+index+" ") || strings.Contains(plan, "SCAN ") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s is planned %q, want a search of %s alone", what, plan, index)
		}
	}
	from, to := int64(10), int64(20)
	for _, c := range []struct {
		what  string
		p     store.ListEventsParams
		index string
	}{
		{"a dialect's events", store.ListEventsParams{}, "events_list"},
		{"a page of events", store.ListEventsParams{AfterSeq: 7}, "events_list"},
		{"an earlier page of events", store.ListEventsParams{BeforeSeq: 7, Ascending: true}, "events_list"},
		{"events in a time window", store.ListEventsParams{CreatedGTE: &from, CreatedLTE: &to}, "events_list"},
		{"events of a type", store.ListEventsParams{Type: "charge.succeeded"}, "events_type"},
		{"events of a type after a cursor", store.ListEventsParams{Type: "charge.succeeded", AfterSeq: 7}, "events_type"},
		{"events of several types", store.ListEventsParams{Types: []string{"charge.succeeded", "charge.failed"}}, "events_list"},
		{"events of a type prefix", store.ListEventsParams{TypePrefix: "charge."}, "events_list"},
		{"a notification's event", store.ListEventsParams{ObjectID: "srcmn_1"}, "events_object"},
		{"another dialect's events of a payment", store.ListEventsParams{Dialect: "cko", ObjectID: "pay_1"}, "events_object"},
		{"a payment's events in a time window", store.ListEventsParams{Dialect: "cko", ObjectID: "pay_1", CreatedGTE: &from, CreatedLTE: &to}, "events_object"},
	} {
		c.p.Account, c.p.Limit = "acct_a", 10
		if _, err := tx.ListEvents(ctx, c.p); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		check(c.what, c.index)
	}
	if _, err := tx.GetEvent(ctx, "acct_a", "evt_1"); err != store.ErrNotFound {
		t.Fatalf("GetEvent: %v", err)
	}
	check("an event by id", "events_account_id")

	for _, c := range []struct {
		what  string
		p     store.ListObjectsParams
		index string
	}{
		{"charges", store.ListObjectsParams{Type: "charge"}, "objects_type"},
		{"a dialect's charges of a status", store.ListObjectsParams{Type: "charge", Kind: "cko", Status: "pending"}, "objects_type"},
		{"a customer's charges", store.ListObjectsParams{Type: "charge", Customer: "cus_1"}, "objects_customer"},
		{"an intent's charges", store.ListObjectsParams{Type: "charge", Parent: "pi_1"}, "objects_parent"},
		{"a single-use mandate's charge", store.ListObjectsParams{Type: "charge", Lookup: "mandate_1"}, "objects_lookup"},
		{"a clock's customers", store.ListObjectsParams{Type: "customer", ClockID: "clock_1"}, "objects_clock"},
	} {
		c.p.Account, c.p.Limit = "acct_a", 10
		if _, err := tx.ListObjects(ctx, c.p); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		check(c.what, c.index)
	}
	if _, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "py_1", Type: "charge"}); err != store.ErrNotFound {
		t.Fatalf("GetObject: %v", err)
	}
	check("an object by id", "objects_account_id")
}
