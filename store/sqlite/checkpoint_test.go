package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// TestCloseStopsTheCheckpointer checks that Close ends the checkpointer and
// closes its connection, so that the last connection to close can fold the
// log into the database file and remove it.
func TestCloseStopsTheCheckpointer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kontor.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertObject(context.Background(), &store.Object{Account: "acct_a", ID: "obj_" + string(rune('a'+i)), Type: "blob", Created: 1, Data: []byte("x")})
		}); err != nil {
			t.Fatal(err)
		}
	}
	c := s.ckpt
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case <-c.done:
	default:
		t.Fatal("the checkpointer still runs after Close")
	}
	if n := c.db.Stats().OpenConnections; n != 0 {
		t.Errorf("the checkpointer holds %d connections after Close", n)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the log is still there after Close: %v", err)
	}
}
