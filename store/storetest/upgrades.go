package storetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
			if err := s.View(t.Context(), func(tx store.Tx) error {
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
