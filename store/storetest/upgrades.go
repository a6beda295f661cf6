package storetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// An upgrade is a migration checked on rows an older version wrote: Before
// is SQL both drivers run on a database migrated up to (not including)
// Version, and check what the store must show once it has applied Version.
type upgrade struct {
	Version string
	Before  string
	check   func(t *testing.T, ctx context.Context, tx store.Tx)
}

var upgrades = []upgrade{{
	Version: "0010_events_by_object",
	Before: `INSERT INTO events (account, id, dialect, type, object_id, created, data) VALUES
	('acct_a', 'evt_1', '', 'charge.pending', 'py_1', 1, '{}'),
	('acct_a', 'evt_2', '', 'source.mandate_notification', 'srcmn_1', 2, '{}'),
	('acct_a', 'evt_3', 'cko', 'payment_pending', 'pay_1', 3, '{}'),
	('acct_a', 'evt_4', '', 'charge.succeeded', 'py_1', 4, '{}'),
	('acct_b', 'evt_1', '', 'charge.pending', 'py_1', 1, '{}');`,
	check: func(t *testing.T, ctx context.Context, tx store.Tx) {
		// The events stored before are found by their object as they were.
		for _, c := range []struct {
			dialect, object string
			want            []string
		}{{"", "py_1", []string{"evt_4", "evt_1"}}, {"", "srcmn_1", []string{"evt_2"}}, {"cko", "pay_1", []string{"evt_3"}}, {"", "pay_1", nil}} {
			evs, err := tx.ListEvents(ctx, store.ListEventsParams{Account: "acct_a", Dialect: c.dialect, ObjectID: c.object, Limit: 10})
			var got []string
			for _, e := range evs {
				got = append(got, e.ID)
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("events of %q %s after the upgrade: %v, %v; want %v", c.dialect, c.object, got, err, c.want)
			}
		}
		// A new event without an object is listed, and not by any object.
		e := &store.Event{Account: "acct_a", ID: "evt_5", Type: "charge.pending", Created: 5, Data: []byte(`{}`)}
		if err := tx.InsertEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if evs, err := tx.ListEvents(ctx, store.ListEventsParams{Account: "acct_a", Limit: 1}); err != nil || len(evs) != 1 || evs[0].ID != "evt_5" {
			t.Errorf("the newest event after the upgrade: %+v, %v", evs, err)
		}
		if evs, err := tx.ListEvents(ctx, store.ListEventsParams{Account: "acct_a", ObjectID: "py_1", Limit: 10}); err != nil || len(evs) != 2 {
			t.Errorf("events of py_1 after an event without an object: %d, %v", len(evs), err)
		}
	},
}, {
	Version: "0009_clock_customers",
	Before: `INSERT INTO objects (account, id, type, clock_id, created, data) VALUES
	('acct_a', 'cus_1', 'customer', 'clock_1', 1, '{"id":"cus_1","test_clock":"clock_1"}'),
	('acct_a', 'py_1', 'charge', 'clock_1', 1, '{"id":"py_1","clock_id":"clock_1"}'),
	('acct_a', 'txn_1', 'balance_transaction', 'clock_1', 1, '{"id":"txn_1","clock_id":"clock_1"}'),
	('acct_a', 'cus_2', 'customer', '', 1, '{"id":"cus_2"}');`,
	check: func(t *testing.T, ctx context.Context, tx store.Tx) {
		// Only customers keep their clock in the column; every document stays as it was.
		for _, c := range []struct{ id, clock, data string }{
			{"cus_1", "clock_1", `{"id":"cus_1","test_clock":"clock_1"}`},
			{"py_1", "", `{"id":"py_1","clock_id":"clock_1"}`},
			{"txn_1", "", `{"id":"txn_1","clock_id":"clock_1"}`},
			{"cus_2", "", `{"id":"cus_2"}`},
		} {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: c.id})
			if err != nil || o.ClockID != c.clock || string(o.Data) != c.data {
				t.Errorf("%s after the upgrade: clock %q, %s, %v; want clock %q, %s", c.id, o.ClockID, o.Data, err, c.clock, c.data)
			}
		}
		got, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "customer", ClockID: "clock_1", Limit: 10})
		if err != nil || len(got) != 1 || got[0].ID != "cus_1" {
			t.Errorf("customers of clock_1 after the upgrade: %+v, %v", got, err)
		}
	},
}, {
	Version: "0004_smaller_rows",
	Before: `INSERT INTO objects (account, id, type, parent, status, created, data) VALUES
	('acct_a', 'srcmn_evented', 'source_mandate_notification', 'src_1', 'submitted', 1, '{"id":"srcmn_evented"}'),
	('acct_a', 'srcmn_email', 'source_mandate_notification', 'src_1', 'submitted', 1, '{"id":"srcmn_email"}'),
	('acct_b', 'srcmn_evented', 'source_mandate_notification', 'src_1', 'submitted', 1, '{"id":"srcmn_evented"}');
INSERT INTO events (account, id, type, object_id, created, data) VALUES
	('acct_a', 'evt_1', 'source.mandate_notification', 'srcmn_evented', 1, '{"object":{"id":"srcmn_evented"}}'),
	('acct_a', 'evt_2', 'charge.pending', 'srcmn_email', 1, '{}');
INSERT INTO idempotency (account, key, request_hash, method, path, status_code, body, created) VALUES
	('acct_a', 'k1', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'POST', '/v1/charges', 200, '{}', 1),
	('acct_a', 'k2', 'fedcba9876543210fedcba9876543210', 'POST', '/v1/charges', 200, '{}', 1);`,
	check: func(t *testing.T, ctx context.Context, tx store.Tx) {
		// A notification with its event is kept in the event only; one
		// without (in its account) stays an object.
		for _, c := range []struct {
			account, id string
			kept        bool
		}{{"acct_a", "srcmn_evented", false}, {"acct_a", "srcmn_email", true}, {"acct_b", "srcmn_evented", true}} {
			_, err := tx.GetObject(ctx, store.GetObjectParams{Account: c.account, ID: c.id})
			if c.kept && err != nil || !c.kept && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("object %s of %s after the upgrade: %v (kept: %v)", c.id, c.account, err, c.kept)
			}
		}
		if _, err := tx.GetEvent(ctx, "acct_a", "evt_1"); err != nil {
			t.Errorf("the notification's event after the upgrade: %v", err)
		}
		for key, want := range map[string]string{"k1": "0123456789abcdef0123456789abcdef", "k2": "fedcba9876543210fedcba9876543210"} {
			r, err := tx.GetIdempotency(ctx, "acct_a", key)
			if err != nil || r.RequestHash != want {
				t.Errorf("idempotency %s after the upgrade: %q, %v; want request hash %s", key, r.RequestHash, err, want)
			}
		}
	},
}, {
	Version: "0003_payment_page",
	Before: `INSERT INTO objects (account, id, type, kind, customer, status, lookup, created, data) VALUES
	('acct_a', 'cs_1', 'checkout.session', 'payment', '', 'open', 'pi_1', 1, '{"id":"cs_1","mode":"payment","status":"open"}'),
	('acct_a', 'pi_1', 'payment_intent', '', '', 'processing', '', 1, '{"id":"pi_1","status":"processing","metadata":{"checkout_session":"kept"},"checkout_session":"cs_1"}'),
	('acct_a', 'pi_2', 'payment_intent', '', '', 'processing', '', 1, '{"id":"pi_2","status":"processing"}'),
	('acct_a', 'seti_1', 'setup_intent', '', '', 'succeeded', '', 1, '{"id":"seti_1","checkout_session":"cs_2"}'),
	('acct_a', 'we_1', 'webhook_endpoint', '', '', 'enabled', '', 1, '{"id":"we_1","enabled_events":["charge.succeeded","checkout.session.completed","checkout.session.async_payment_failed"],"status":"enabled"}'),
	('acct_a', 'we_2', 'webhook_endpoint', '', '', 'enabled', '', 1, '{"id":"we_2","enabled_events":["*"],"status":"enabled"}');
INSERT INTO events (account, id, dialect, type, object_id, created, data) VALUES
	('acct_a', 'evt_1', '', 'checkout.session.completed', 'cs_1', 1, '{"object_type":"checkout.session","object":{"id":"cs_1","status":"complete"},"previous":{"id":"cs_1","status":"open"}}'),
	('acct_a', 'evt_2', '', 'payment_intent.processing', 'pi_1', 1, '{"object_type":"payment_intent","object":{"id":"pi_1","checkout_session":"cs_1"},"previous":{"id":"pi_1","checkout_session":"cs_1","status":"requires_payment_method"}}'),
	('acct_a', 'evt_3', '', 'charge.pending', 'py_1', 1, '{"object_type":"charge","object":{"id":"py_1","checkout_session":"not an intent"}}'),
	('acct_a', 'evt_4', 'cko', 'payment_pending', 'pay_1', 1, '{"object_type":"payment","object":{"id":"pay_1"}}');
INSERT INTO timers (account, clock_id, due, kind, object_id) VALUES
	('acct_a', 'clock_upgrade', 5, 'checkout.expire', 'cs_1'),
	('acct_a', 'clock_upgrade', 6, 'charge.cutoff', 'py_1');`,
	check: func(t *testing.T, ctx context.Context, tx store.Tx) {
		doc := func(typ, id string) string {
			t.Helper()
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: id, Type: typ})
			if err != nil {
				t.Errorf("%s %s after the upgrade: %v", typ, id, err)
				return ""
			}
			return string(o.Data)
		}
		want := map[string]string{
			"payment_page cs_1":     `{"id":"cs_1","mode":"payment","status":"open"}`,
			"payment_intent pi_1":   `{"id":"pi_1","status":"processing","metadata":{"checkout_session":"kept"},"payment_page":"cs_1"}`,
			"payment_intent pi_2":   `{"id":"pi_2","status":"processing"}`,
			"setup_intent seti_1":   `{"id":"seti_1","payment_page":"cs_2"}`,
			"webhook_endpoint we_1": `{"id":"we_1","enabled_events":["charge.succeeded","payment_page.completed","payment_page.async_payment_failed"],"status":"enabled"}`,
			"webhook_endpoint we_2": `{"id":"we_2","enabled_events":["*"],"status":"enabled"}`,
		}
		for k, w := range want {
			typ, id, _ := strings.Cut(k, " ")
			if got := doc(typ, id); got != w {
				t.Errorf("%s after the upgrade:\n got %s\nwant %s", k, got, w)
			}
		}
		if _, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cs_1", Type: "checkout.session"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the page under its old type after the upgrade: %v", err)
		}
		events := map[string]string{
			"evt_1": `payment_page.completed {"object_type":"payment_page","object":{"id":"cs_1","status":"complete"},"previous":{"id":"cs_1","status":"open"}}`,
			"evt_2": `payment_intent.processing {"object_type":"payment_intent","object":{"id":"pi_1","payment_page":"cs_1"},"previous":{"id":"pi_1","payment_page":"cs_1","status":"requires_payment_method"}}`,
			"evt_3": `charge.pending {"object_type":"charge","object":{"id":"py_1","checkout_session":"not an intent"}}`,
			"evt_4": `payment_pending {"object_type":"payment","object":{"id":"pay_1"}}`,
		}
		for id, w := range events {
			ev, err := tx.GetEvent(ctx, "acct_a", id)
			if got := ev.Type + " " + string(ev.Data); err != nil || got != w {
				t.Errorf("event %s after the upgrade: %v\n got %s\nwant %s", id, err, got, w)
			}
		}
		timers, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: "clock_upgrade", DueLTE: 10, Limit: 10})
		if err != nil || len(timers) != 2 || timers[0].Kind != "payment_page.expire" || timers[1].Kind != "charge.cutoff" {
			t.Errorf("timers after the upgrade: %+v, %v", timers, err)
		}
	},
}}

// ExerciseUpgrades checks each migration that converts stored rows. prepare
// must return a fresh database migrated up to, not including, version, with
// before run on it, opened as a store (which applies the rest).
func ExerciseUpgrades(t *testing.T, prepare func(t *testing.T, version, before string) store.Store) {
	for _, u := range upgrades {
		t.Run(u.Version, func(t *testing.T) {
			t.Parallel()
			s := prepare(t, u.Version, u.Before)
			defer s.Close()
			if err := s.Update(t.Context(), func(tx store.Tx) error {
				u.check(t, t.Context(), tx)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Migration is one migration file of a driver.
type Migration struct{ Version, SQL string }

// MigrationsBefore reads the migrations in dir (files NNNN_name.sql) that
// come before version, in order: what a driver's prepare applies.
func MigrationsBefore(t *testing.T, dir, version string) []Migration {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.sql")) // sorted
	if err != nil {
		t.Fatal(err)
	}
	var out []Migration
	for _, name := range names {
		v := strings.TrimSuffix(filepath.Base(name), ".sql")
		if v >= version {
			break
		}
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Migration{v, string(body)})
	}
	return out
}
