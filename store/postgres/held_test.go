package postgres

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// TestHeldInsertsOneStatement holds a charge's writes (the charge, events,
// a timer, the idempotency record) and commits: they go as one statement,
// each row stored with the seq or id it was given, the events' seqs in the
// order they were held. An insert of that statement that fails leaves none
// of its rows.
func TestHeldInsertsOneStatement(t *testing.T) {
	s := one(t)
	ctx := t.Context()
	ch := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Customer: "cus_1", Created: 1, Data: []byte(`{}`)}
	evs := []*store.Event{
		{Account: "acct_a", ID: "evt_1", Type: "charge.pending", ObjectID: "ch_1", Created: 1, Data: []byte(`{"n":1}`)},
		{Account: "acct_a", ID: "evt_2", Type: "charge.updated", Created: 1, Data: []byte(`{"n":2}`)},
		{Account: "acct_a", ID: "evt_3", Type: "charge.succeeded", Created: 1, Data: []byte(`{"n":3}`)},
	}
	tm := &store.Timer{Account: "acct_a", Due: 5, Kind: "charge.settle", ObjectID: "ch_1"}
	key := func(k string) store.Idempotency {
		return store.Idempotency{Account: "acct_a", Key: k, RequestHash: "h", Method: "POST", Path: "/v1/charges", StatusCode: 200, Body: []byte(`{}`), Created: 1}
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		l := store.Later(tx)
		if err := l.InsertObject(ctx, ch); err != nil {
			return err
		}
		for _, e := range evs {
			if err := l.InsertEvent(ctx, e); err != nil {
				return err
			}
		}
		if err := l.InsertTimer(ctx, tm); err != nil {
			return err
		}
		return l.PutIdempotency(ctx, key("k1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	// The six inserts went as one statement.
	joined := 0
	inserts.Range(func(k, _ any) bool {
		qs := strings.Split(k.(string), "\x00")
		if len(qs) == 7 && qs[0] == "" && strings.HasPrefix(qs[1], "INSERT INTO objects ") && strings.HasPrefix(qs[6], "INSERT INTO idempotency ") {
			joined++
		}
		return true
	})
	if joined != 1 {
		t.Errorf("%d statements of the six inserts; want 1", joined)
	}
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT seq FROM objects WHERE id = 'ch_1'`).Scan(&seq); err != nil || seq == 0 || seq != ch.Seq {
		t.Errorf("the charge's seq: %d, %v; the insert gave %d", seq, err, ch.Seq)
	}
	for i, e := range evs {
		var data string
		if err := s.db.QueryRowContext(ctx, `SELECT seq, convert_from(data, 'UTF8') FROM events WHERE id = $1`, e.ID).Scan(&seq, &data); err != nil || seq != e.Seq {
			t.Errorf("%s: seq %d, %v; the insert gave %d", e.ID, seq, err, e.Seq)
		}
		if i > 0 && e.Seq <= evs[i-1].Seq {
			t.Errorf("%s has seq %d after %s's %d: the events' order is not the order held", e.ID, e.Seq, evs[i-1].ID, evs[i-1].Seq)
		}
	}
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT id FROM timers WHERE object_id = 'ch_1'`).Scan(&id); err != nil || id == 0 || id != tm.ID {
		t.Errorf("the timer's id: %d, %v; the insert gave %d", id, err, tm.ID)
	}

	// The key is taken: the statement fails, and stores none of its rows.
	for _, last := range []bool{false, true} {
		t.Run(fmt.Sprintf("a taken key, last %v", last), func(t *testing.T) {
			err := s.Update(ctx, func(tx store.Tx) error {
				l := store.Later(tx)
				if !last {
					if err := l.PutIdempotency(ctx, key("k1")); err != nil {
						return err
					}
				}
				if err := l.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "ch_2", Type: "charge", Created: 1, Data: []byte(`{}`)}); err != nil {
					return err
				}
				if err := l.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_4", Type: "charge.pending", Created: 1, Data: []byte(`{}`)}); err != nil {
					return err
				}
				if last {
					return l.PutIdempotency(ctx, key("k1"))
				}
				return nil
			})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("a commit with a taken key: %v; want store.ErrConflict", err)
			}
			var n int
			if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM objects WHERE id = 'ch_2') + (SELECT count(*) FROM events WHERE id = 'evt_4')`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d rows of the failed transaction stored (%v)", n, err)
			}
			if inTx(t, s) {
				t.Fatal("a connection is left in a transaction")
			}
		})
	}
}

// TestHoldJoins holds a charge's writes as the store's queries give them
// and checks which go in one statement: the checks of its cached reads and
// the inserts after them; an update stays a statement of its own.
func TestHoldJoins(t *testing.T) {
	var seq, ev, id, ev2 int64
	tx := &lazyTx{}
	tx.hold(stillReadSQL[1], []any{"acct_a", "cus_1", int64(1)}, nil)
	tx.hold(stillReadSQL[1], []any{"acct_a", "src_1", int64(1)}, nil)
	tx.hold(stillReadSQL[0], []any{"acct_a", "man_1", int64(2)}, nil)
	tx.hold(`INSERT INTO objects (account, id) VALUES ($1, $2) RETURNING seq`, []any{"acct_a", "ch_1"}, &seq)
	tx.hold(`INSERT INTO events (account, id) VALUES ($1, $2) RETURNING seq`, []any{"acct_a", "evt_1"}, &ev)
	tx.hold(`INSERT INTO timers (account, due) VALUES ($1, $2) RETURNING id`, []any{"acct_a", int64(5)}, &id)
	tx.hold("INSERT INTO idempotency (account, key)\n\t\tVALUES ($1, $2)", []any{"acct_a", "k"}, nil)
	tx.hold(changedOneSQL(`UPDATE objects SET data = $1 WHERE account = $2 AND id = $3 AND version = $4`), []any{[]byte(`{}`), "acct_a", "man_1", int64(2)}, nil)
	tx.hold(`INSERT INTO events (account, id) VALUES ($1, $2) RETURNING seq`, []any{"acct_a", "evt_2"}, &ev)
	tx.hold(`INSERT INTO events (account, id) VALUES ($1, $2) RETURNING seq`, []any{"acct_a", "evt_3"}, &ev2)
	tx.hold(stillReadSQL[1], []any{"acct_a", "cus_2", int64(1)}, nil)
	if len(tx.held) != 4 {
		t.Fatalf("%d statements held; want 4 (the checks with the inserts, the update, the inserts after it, the last check)", len(tx.held))
	}
	h := tx.held[0]
	check := func(i int, lock string) string {
		return fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM objects WHERE account = $%d AND id = $%d AND version = $%d%s) r)", 3*i+1, 3*i+2, 3*i+3, lock)
	}
	want := "WITH i1 AS (INSERT INTO objects (account, id) VALUES ($10, $11) RETURNING seq), " +
		"i2 AS (INSERT INTO events (account, id) VALUES ($12, $13) RETURNING seq), " +
		"i3 AS (INSERT INTO timers (account, due) VALUES ($14, $15) RETURNING id), " +
		"i4 AS (INSERT INTO idempotency (account, key)\n\t\tVALUES ($16, $17) RETURNING 0) " +
		"SELECT kontor_still_read(" + check(0, " FOR UPDATE") + " * " + check(1, " FOR UPDATE") + " * " + check(2, "") + "), " +
		"(SELECT * FROM i1), (SELECT * FROM i2), (SELECT * FROM i3), (SELECT count(*) FROM i4)"
	if h.checks != "LLR" || h.query != want || len(h.args) != 17 {
		t.Errorf("the checks and inserts (%q), with %d arguments:\n%s\nwant\n%s", h.checks, len(h.args), h.query, want)
	}
	if d := h.dests(); len(d) != 5 || d[1] != &seq || d[2] != &ev || d[3] != &id {
		t.Errorf("the statement's row goes to %v", d)
	}
	if tx.held[1].inserts != nil {
		t.Errorf("the update is held as inserts: %q", tx.held[1].query)
	}
	want = "WITH i1 AS (INSERT INTO events (account, id) VALUES ($1, $2) RETURNING seq), " +
		"i2 AS (INSERT INTO events (account, id) VALUES ($3, $4) RETURNING seq) " +
		"SELECT (SELECT * FROM i1), (SELECT * FROM i2)"
	if h := tx.held[2]; h.query != want || len(h.args) != 4 {
		t.Errorf("the inserts after the update, with %d arguments:\n%s\nwant\n%s", len(h.args), h.query, want)
	}
	if h := tx.held[3]; h.checks != "L" || h.inserts != nil {
		t.Errorf("the check after the inserts: %q", h.query)
	}
}

// TestHoldBoundsChecks: checks held one after the other go in statements
// of at most maxChecks each, so that their shapes are few.
func TestHoldBoundsChecks(t *testing.T) {
	tx := &lazyTx{}
	for i := range 2*maxChecks + 1 {
		tx.hold(stillReadSQL[i%2], []any{"acct_a", fmt.Sprintf("cus_%d", i), int64(1)}, nil)
	}
	var got []string
	for _, h := range tx.held {
		got = append(got, h.checks)
	}
	if want := []string{"RLRLRLRL", "RLRLRLRL", "R"}; !slices.Equal(got, want) {
		t.Fatalf("checks held as %q; want %q", got, want)
	}
	if h := tx.held[1]; len(h.args) != 3*maxChecks || h.args[0] != "acct_a" || h.args[1] != fmt.Sprintf("cus_%d", maxChecks) {
		t.Errorf("the second statement's arguments: %v", h.args)
	}
}
