package sqlite

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCallersAnsweredBeforeTheWriter: once a sync returns, every caller of
// the batches it covers has its answer before the writer, waiting to commit
// the batch it kept open, is released (Store.next). If the writer went
// first, it would be the first goroutine readied and run after every
// caller readied after it.
func TestCallersAnsweredBeforeTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kontor.db")
	if err := os.WriteFile(path+"-wal", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var released <-chan struct{}
	looked := make(chan struct{})
	ls, err := openLogSync(path, func(int, time.Duration) {
		// Told of the batch before its callers are answered: if the
		// writer is released already, let the test look first.
		select {
		case <-released:
			<-looked
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ls.close()
	req := &writeReq{done: make(chan error, 1)}
	n := ls.begin()
	released, _ = ls.syncing()
	ls.committed(n, []*writeReq{req}, []error{nil}, time.Now())
	<-released
	if len(req.done) != 1 {
		t.Error("the writer was released before the synced batch's caller had its answer")
	}
	close(looked)
	if err := <-req.done; err != nil {
		t.Fatalf("answer: %v", err)
	}
}
