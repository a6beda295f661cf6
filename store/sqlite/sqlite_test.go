package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/store/storetest"
)

// TestConformance runs the store conformance suite on a fresh database file
// for each SQLite driver linked in (mattn with -tags mattn).
func TestConformance(t *testing.T) {
	for _, driver := range sqlite.Drivers() {
		t.Run(driver, func(t *testing.T) {
			storetest.Exercise(t, func(t *testing.T) store.Store {
				s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Driver: driver})
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				return s
			})
		})
	}
}

// TestMattnNeedsItsTag checks that a build without -tags mattn refuses the
// cgo driver with an error saying how to get it.
func TestMattnNeedsItsTag(t *testing.T) {
	if slices.Contains(sqlite.Drivers(), sqlite.DriverMattn) {
		_, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Driver: sqlite.DriverMattn})
		if err != nil {
			t.Fatalf("mattn is linked but does not open: %v", err)
		}
		return
	}
	_, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Driver: sqlite.DriverMattn})
	if err == nil || !strings.Contains(err.Error(), "-tags mattn") {
		t.Fatalf("open mattn without the tag: err = %v, want one naming -tags mattn", err)
	}
}

// TestUpgrades runs the migrations that convert stored rows on a database
// an older version wrote.
func TestUpgrades(t *testing.T) {
	storetest.ExerciseUpgrades(t, func(t *testing.T, version, before string) store.Store {
		path := filepath.Join(t.TempDir(), "kontor.db")
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%.60s: %v", q, err)
			}
		}
		exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied INTEGER NOT NULL)`)
		for _, m := range storetest.MigrationsBefore(t, "migration", version) {
			exec(m.SQL)
			exec(`INSERT INTO schema_migrations (version, applied) VALUES (?, 1)`, m.Version)
		}
		exec(before)
		db.Close()
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}
