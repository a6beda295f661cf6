//go:build linux && (amd64 || arm64)

package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// TestAIOSync: a sync the writer starts covers the batch it names and is
// reaped once; while one is in flight no other starts; a file the kernel
// cannot sync that way turns the writer's syncs off instead of failing.
func TestAIOSync(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := newAIOSync(f)
	if a == nil {
		t.Skip("no I/O context from this kernel")
	}
	defer a.close()
	if _, err := f.Write(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	a.start(5)
	if a.off.Load() {
		t.Skip("this kernel does not sync a file through asynchronous I/O")
	}
	a.start(6) // 5's is in flight: not started
	if n, err := a.reap(); n != 5 || err != nil {
		t.Fatalf("reap = %d, %v; want 5 and no error", n, err)
	}
	if n, err := a.reap(); n != 0 || err != nil {
		t.Fatalf("reap with none in flight = %d, %v; want 0", n, err)
	}
	a.start(7)
	if n, err := a.reap(); n != 7 || err != nil {
		t.Fatalf("reap = %d, %v; want 7", n, err)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	p := newAIOSync(w)
	defer p.close()
	p.start(1) // a pipe has no sync: the kernel refuses it
	if n, err := p.reap(); n != 0 || err != nil {
		t.Fatalf("reap after a refused start = %d, %v; want 0", n, err)
	}
	if !p.off.Load() {
		t.Fatal("a refused start left the writer's syncs on")
	}
}

// TestWriterStartsTheSync: by the time the syncer comes to a batch, the
// writer has started the log's sync covering it, and the syncer, finding it
// covered, makes none of its own.
func TestWriterStartsTheSync(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.lsync.early == nil {
		t.Skip("no I/O context from this kernel")
	}
	var inFlight, upTo uint64
	inner := s.lsync.sync
	s.lsync.sync = func(n uint64) error {
		inFlight, upTo = s.lsync.early.covers.Load(), n
		return inner(n)
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 1, Data: []byte(`{}`)})
	}); err != nil {
		t.Fatalf("update: %v", err)
	}
	if s.lsync.early.off.Load() {
		t.Skip("this kernel does not sync a file through asynchronous I/O")
	}
	if inFlight < upTo || upTo == 0 {
		t.Fatalf("the syncer came to batch %d with the writer's sync covering %d", upTo, inFlight)
	}
	if s.lsync.synced < upTo {
		t.Fatalf("answered with the log synced up to %d, want %d", s.lsync.synced, upTo)
	}
}
