package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// The checkpointer copies the write-ahead log back into the database file on
// a connection of its own, so that the writer does not do it inside a
// commit (the writer runs with wal_autocheckpoint=0). A checkpoint changes
// where committed pages live, not whether they are durable: every commit is
// synced to the log by the writer before it is acknowledged
// (synchronous=FULL), and a checkpoint syncs the log before and the database
// file after it copies.
//
// A PASSIVE checkpoint runs beside the writer and the readers, but it cannot
// let the log start over while writes keep coming: the writer starts the log
// over only when every frame has been copied and no reader still uses one.
// So when the log holds walPages pages or more, the checkpointer asks the
// writer to run a RESTART checkpoint between two group commits: it copies
// what came in since the checkpointer's last round (a few pages), waits for
// the readers still on the log (snapshots are short; readers that begin
// meanwhile read the database file) and starts the log over. The log stays
// near walPages pages under any mix of writes and reads; a reader holding
// one snapshot for longer than restartBusy puts the restart off to the next
// round instead of holding the writer up.
type checkpointer struct {
	db    *sql.DB
	conn  *sql.Conn
	pages int           // restart the log from this many pages
	want  atomic.Bool   // the writer is to restart the log after its commit
	ack   chan struct{} // the writer did (or tried)
	kick  chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

const (
	// defaultWALPages bounds the log: about 64 MB of 4 KB pages. Each
	// restart holds the writer while the readers still on the log finish,
	// so the bound is large enough for restarts to be rare.
	defaultWALPages = 16384
	// The PASSIVE checkpoints are paced to copy about a quarter of the
	// bound each, so that a page written by many commits is copied once per
	// round and not once per commit; at most ckptIdle apart while commits
	// come.
	ckptIdle = 250 * time.Millisecond
	// restartTail is how many pages may come in during the checkpointer's
	// last round before it asks the writer to restart.
	restartTail = 64
	// restartBusy bounds how long a restart waits for readers (and so how
	// long it can hold the writer).
	restartBusy = 200 * time.Millisecond
)

func startCheckpointer(ctx context.Context, driver, dsn string, pages int) (*checkpointer, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: checkpointer: %w", err)
	}
	c := &checkpointer{db: db, conn: conn, pages: pages, ack: make(chan struct{}, 1),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// committed is called by the writer after each group commit, with the
// writer's connection: it restarts the log there when the checkpointer asks,
// and tells the checkpointer that the log has grown. It blocks only for a
// restart.
func (c *checkpointer) committed(w *sql.Conn) {
	if c.want.Load() {
		restart(w)
		c.want.Store(false)
		c.ack <- struct{}{}
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// restart runs a RESTART checkpoint on the writer's connection, waiting at
// most restartBusy for readers. It loses nothing when it fails (the log
// still holds every commit), so the failure is left to the next round.
func restart(w *sql.Conn) {
	ctx := context.Background()
	if _, err := w.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout=%d", restartBusy.Milliseconds())); err != nil {
		return
	}
	var busy, pages, copied int
	w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &pages, &copied)
	w.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout=%d", busyTimeout.Milliseconds()))
}

func (c *checkpointer) run() {
	defer close(c.done)
	pace := time.NewTimer(ckptIdle)
	pace.Stop()
	prev, at := 0, time.Now() // the log's pages after the last round, and when
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// A failed checkpoint loses nothing (the log still holds every
		// commit); the next round tries again.
		pages, err := c.passive()
		if err != nil {
			pages = prev
		}
		grew, since := pages-prev, time.Since(at)
		if grew < 0 { // the log started over
			grew = pages
		}
		if err == nil && pages >= c.pages {
			// Copy what came in meanwhile, so that the writer copies only
			// the last few pages.
			if n, err := c.passive(); err == nil && n-pages >= restartTail {
				c.passive()
			}
			c.want.Store(true)
			select {
			case <-c.stop:
				return
			case <-c.ack:
			}
			// Whatever the restart did, the next round sees the log anew.
			pages = 0
		}
		prev, at = pages, time.Now()
		// Wait before the next round about as long as the log takes to
		// grow by a quarter of its bound, at most ckptIdle.
		wait := ckptIdle
		if grew > 0 {
			wait = min(wait, time.Duration(float64(since)*float64(c.pages/4)/float64(grew)))
		}
		if wait < time.Millisecond {
			continue
		}
		pace.Reset(wait)
		select {
		case <-c.stop:
			return
		case <-pace.C:
		}
	}
}

// passive runs a PASSIVE checkpoint and returns the pages the log held.
func (c *checkpointer) passive() (int, error) {
	var busy, pages, copied int
	err := c.conn.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &copied)
	return pages, err
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return errors.Join(c.conn.Close(), c.db.Close())
}
