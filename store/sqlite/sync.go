package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Durable acknowledgements (ADR 0024). The writer commits with
// synchronous=NORMAL: COMMIT writes the batch's frames to the write-ahead
// log and returns without waiting for the disk. The log's syncer then syncs
// the log file and only then answers the batch's callers, so a caller still
// hears of its write only once it is on disk, as with synchronous=FULL. The
// writer meanwhile runs the next batch: the disk's wait and the writer's
// work overlap instead of taking turns. While a batch is being synced, the
// next one stays open and takes the requests that come (Store.next): it
// could not be synced sooner, and a larger batch writes fewer pages per
// request to the log. It commits when the sync returns. One sync covers
// every batch committed before it began.
//
// A batch is visible to new snapshots as soon as it commits, before it is
// durable. What a snapshot shows is answered only once it is durable: View
// and a speculation answered from its snapshot wait until every batch that
// had begun to commit by the end of their reads is synced (logSync.await).
// A write that read a batch not yet durable is in a later batch, whose sync
// covers the earlier one.
//
// A failed sync leaves the log's pages in an unknown state: the batches it
// covered are answered with the error, and the store refuses every write
// and read after it, until the process is restarted and SQLite recovers
// from what the file holds.

// logSync syncs the write-ahead log and answers the batches it covers.
type logSync struct {
	log *os.File
	// sync makes the log durable up to batch upTo; a test may replace it
	// before the first write.
	sync func(upTo uint64) error
	// early starts a sync from the writer, right after a COMMIT; nil where
	// the kernel offers no way to (sync_aio_linux.go).
	early *aioSync
	// synced is the last batch a finished sync covers. The syncer's own.
	synced uint64
	// observe is told of each batch once it is durable.
	observe func(batch int, d time.Duration)

	// begun counts the batches the writer has begun to commit, durable
	// those whose sync returned.
	begun, durable atomic.Uint64
	// waiting counts the callers of the batches handed over and not yet
	// answered.
	waiting atomic.Int64

	broken  atomic.Bool // a sync failed
	mu      sync.Mutex
	pending []*syncedBatch
	failed  error         // the first sync's failure; sticky
	changed chan struct{} // closed when durable or failed changes
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// syncedBatch is a committed batch waiting for its sync.
type syncedBatch struct {
	n       uint64 // its number in begun
	dones   []chan error
	results []error
	start   time.Time
}

// openLogSync opens the database's write-ahead log for syncing and starts the
// syncer. The writer's connection holds the database open for the store's
// whole life, so SQLite neither deletes nor replaces the file meanwhile: it
// deletes the log only when the last connection closes. The log may have
// been created by this open, with no commit since to sync its directory
// entry: the directory is synced here, once, so that a crash cannot lose
// the file itself.
func openLogSync(dbPath string, observe func(int, time.Duration)) (*logSync, error) {
	f, err := os.OpenFile(dbPath+"-wal", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open the write-ahead log to sync it: %w", err)
	}
	if err := syncDir(filepath.Dir(dbPath)); err != nil {
		f.Close()
		return nil, fmt.Errorf("sqlite: sync the database's directory: %w", err)
	}
	ls := &logSync{log: f, observe: observe, changed: make(chan struct{}),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	ls.early = newAIOSync(f)
	ls.sync = ls.syncLog
	go ls.run()
	return ls, nil
}

// begin numbers the batch the writer is about to commit.
func (ls *logSync) begin() uint64 { return ls.begun.Add(1) }

// committed hands the syncer batch n's callers and their answers, to be
// given once the log holding the batch is durable.
func (ls *logSync) committed(n uint64, batch []*writeReq, results []error, start time.Time) {
	b := &syncedBatch{n: n, dones: make([]chan error, len(batch)), results: results, start: start}
	for i, r := range batch {
		b.dones[i] = r.done
	}
	if ls.early != nil {
		ls.early.start(n)
	}
	ls.waiting.Add(int64(len(batch)))
	ls.mu.Lock()
	ls.pending = append(ls.pending, b)
	ls.mu.Unlock()
	select {
	case ls.wake <- struct{}{}:
	default:
	}
}

// syncing tells whether a batch handed over is not yet synced, and returns a
// channel closed once it is (or its sync fails). The writer asks between
// its batches' commits, when every batch begun has been handed over.
func (ls *logSync) syncing() (<-chan struct{}, bool) {
	ls.mu.Lock()
	changed, failed := ls.changed, ls.failed
	ls.mu.Unlock()
	return changed, failed == nil && ls.durable.Load() < ls.begun.Load()
}

// err is the sticky failure of an earlier sync, if any.
func (ls *logSync) err() error {
	if !ls.broken.Load() {
		return nil
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.failed
}

// await returns once every batch that had begun to commit when it was
// called is durable: a snapshot taken before then shows nothing that a
// crash could take back.
func (ls *logSync) await(ctx context.Context) error {
	n := ls.begun.Load()
	if ls.durable.Load() >= n {
		return nil
	}
	for {
		ls.mu.Lock()
		failed, changed := ls.failed, ls.changed
		ls.mu.Unlock()
		switch {
		case failed != nil:
			return failed
		case ls.durable.Load() >= n:
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (ls *logSync) run() {
	defer close(ls.done)
	for {
		select {
		case <-ls.wake:
		case <-ls.stop:
			// The writer has stopped: whatever it committed is pending.
			ls.flush()
			return
		}
		ls.flush()
	}
}

// flush syncs the log once for every batch pending and answers them.
func (ls *logSync) flush() {
	ls.mu.Lock()
	batches, failed := ls.pending, ls.failed
	ls.pending = nil
	ls.mu.Unlock()
	if len(batches) == 0 {
		return
	}
	if failed == nil {
		if err := ls.sync(batches[len(batches)-1].n); err != nil {
			failed = fmt.Errorf("sqlite: sync the write-ahead log: %w (the store accepts nothing more; restart it)", err)
		}
	}
	ls.mu.Lock()
	if failed != nil {
		ls.failed = failed
		ls.broken.Store(true)
	} else {
		ls.durable.Store(batches[len(batches)-1].n)
	}
	ls.mu.Unlock()
	for _, b := range batches {
		if failed == nil && ls.observe != nil {
			ls.observe(len(b.dones), time.Since(b.start))
		}
		for i, done := range b.dones {
			if failed != nil {
				done <- failed
			} else {
				done <- b.results[i]
			}
		}
		ls.waiting.Add(-int64(len(b.dones)))
	}
	// Last: the writer waiting to commit its next batch (Store.next) is
	// then the goroutine readied last, which the scheduler runs next on this
	// core. Readied before the callers, it would wait behind each of them.
	ls.mu.Lock()
	close(ls.changed)
	ls.changed = make(chan struct{})
	ls.mu.Unlock()
}

// syncLog makes the log durable up to batch upTo: the sync the writer
// started, if it covers that batch, or else a sync of its own. A sync
// started after a batch's COMMIT wrote its frames covers that batch and
// every one before it: the log is one file, and a sync covers every write
// to it made before the call.
func (ls *logSync) syncLog(upTo uint64) error {
	if ls.early != nil {
		n, err := ls.early.reap()
		if err != nil {
			return err
		}
		ls.synced = max(ls.synced, n)
	}
	if upTo <= ls.synced {
		return nil
	}
	if err := syncData(ls.log); err != nil {
		return err
	}
	ls.synced = upTo
	return nil
}

// close answers what is pending, stops the syncer and closes the log file.
func (ls *logSync) close() error {
	close(ls.stop)
	<-ls.done
	if ls.early != nil {
		ls.early.close()
	}
	return ls.log.Close()
}

// syncDir makes the directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
