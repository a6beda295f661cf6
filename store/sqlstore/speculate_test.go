package sqlstore

import "testing"

// TestWriteLog: a key is changed for every mark below the batch that last
// wrote it, and once the log forgets old keys, for every mark it can no
// longer vouch for.
func TestWriteLog(t *testing.T) {
	l := NewWriteLog()
	l.rotateAt = 2
	x, y, z := objectRead("acct_a", "x"), objectRead("acct_a", "y"), listRead("acct_a", "charge")
	changed := func(k readKey, mark uint64, want bool) {
		t.Helper()
		if got := l.changedSince(k, mark); got != want {
			t.Fatalf("batch %d: %v changed since %d: %v, want %v", l.batch, k, mark, got, want)
		}
	}
	// Batch 1 writes x.
	l.Begin()
	l.wrote(x)
	l.Done(true)
	changed(x, 0, true)
	changed(x, 1, false)
	changed(y, 0, false)
	if got := l.Committed(); got != 1 {
		t.Fatalf("committed %d after batch 1", got)
	}
	// Batch 2 writes y and z: the newer half now holds 3 keys.
	l.Begin()
	l.wrote(y)
	l.wrote(z)
	changed(y, 1, true)
	changed(x, 1, false)
	l.Done(true)
	// Batch 3 starts a new half; the keys of batches 1–2 are still known.
	l.Begin()
	changed(x, 0, true)
	changed(x, 1, false)
	changed(z, 1, true)
	changed(z, 2, false)
	l.wrote(x)
	changed(x, 2, true)
	l.Done(true)
	// Batch 4 writes two more keys, so batch 5 forgets batches 1–2: marks
	// before them say changed for every key, a key written since is still known.
	l.Begin()
	l.wrote(objectRead("acct_a", "v"))
	l.wrote(objectRead("acct_a", "w"))
	l.Done(true)
	l.Begin()
	changed(y, 1, true)
	changed(y, 2, false)
	changed(x, 2, true)
	changed(x, 3, false)
	l.Done(true)
	// Another connection wrote: nothing before the current batch is trusted.
	l.Begin()
	l.Forget()
	changed(y, 5, true)
	changed(y, 6, false)
}
