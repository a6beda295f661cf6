package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/store/storetest"
)

// TestConformance runs the store conformance suite on a fresh database file
// for each SQLite driver.
func TestConformance(t *testing.T) {
	for _, driver := range []string{sqlite.DriverModernc, sqlite.DriverMattn} {
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
