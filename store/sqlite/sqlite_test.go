package sqlite_test

import (
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
