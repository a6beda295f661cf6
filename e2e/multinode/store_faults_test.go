//go:build faults

package multinode

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store/postgres/pgtest"
)

// The store failing under a running server: the disk filling up (SQLite),
// PostgreSQL going down and coming back, connections cut. In each, 8
// clients keep sending keyed writes through the fault; answers during it
// may be 5xx (or the connection may fail), never a wrong 2xx. When the
// fault ends the same server process must recover by itself, and then
// writeLoad.verify holds: every 2xx stayed true, every key answers again,
// timers fire and every event is delivered.

// waitUntil waits for cond for up to two minutes, failing the test with what.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if ok, _ := waitFor(t.Context(), 2*time.Minute, func() (bool, string) { return cond(), "" }); !ok {
		t.Fatalf("timed out waiting until %s", what)
	}
}

// acked returns the writes acknowledged so far.
func (l *writeLoad) acked() int { a, _ := l.counts(); return a }

// TestFaultDiskFull fills the disk under the SQLite database: the server
// process may not grow any file beyond what the database holds now plus
// 256 KiB (RLIMIT_FSIZE, set on the running process with prlimit, so
// that writes past it fail with EFBIG as on a full file system). Then the
// limit is lifted, as when an operator frees space.
func TestFaultDiskFull(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatal("prlimit (util-linux) is needed to limit the server's file sizes")
	}
	db := filepath.Join(t.TempDir(), "kontor.db")
	l := newWriteLoad(t, db)
	pid := strconv.Itoa(l.c.nodes[0].cmd.Process.Pid)
	setLimit := func(v string) {
		t.Helper()
		if out, err := exec.Command(prlimit, "--pid", pid, "--fsize="+v+":").CombinedOutput(); err != nil {
			t.Fatalf("prlimit --fsize=%s: %v %s", v, err, out)
		}
	}
	stop := make(chan struct{})
	wait := l.run(8, stop, false)
	waitUntil(t, "100 writes are acknowledged", func() bool { return l.acked() >= 100 })

	limit := max(fileSize(db), fileSize(db+"-wal")) + 256<<10
	setLimit(strconv.FormatInt(limit, 10))
	before := l.acked()
	waitUntil(t, "writes fail on the full disk", func() bool { return l.failed.Load() >= 50 })
	during := l.acked() - before
	setLimit("unlimited")
	failed := l.failed.Load()
	mark := l.acked()
	waitUntil(t, "the server acknowledges writes again after the disk has room", func() bool { return l.acked() >= mark+100 })
	close(stop)
	wait()
	t.Logf("disk full at %d bytes: %d writes acknowledged while it filled, %d failed (5xx or no answer)", limit, during, failed)
	acked, unanswered := l.counts()
	charges, events, again := l.verify()
	t.Logf("disk-full figures: %d writes acknowledged, %d not, %d failed answers, 0 lost, 0 duplicated, %d charges settled once each, %d events all delivered (%d again)",
		acked, unanswered, failed, charges, events, again)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// TestFaultPostgresRestart stops PostgreSQL the hard way (immediate
// shutdown: every connection cut, crash recovery at the next start) under
// load, leaves it down until the clients have seen failures, and starts
// it again on the same port.
func TestFaultPostgresRestart(t *testing.T) {
	l := newWriteLoad(t, pgtest.Start(t))
	stop := make(chan struct{})
	wait := l.run(8, stop, false)
	waitUntil(t, "100 writes are acknowledged", func() bool { return l.acked() >= 100 })
	up := pgtest.Down(t)
	mark := l.failed.Load()
	waitUntil(t, "writes fail while PostgreSQL is down", func() bool { return l.failed.Load() >= mark+50 })
	up()
	failed, acked := l.failed.Load(), l.acked()
	waitUntil(t, "the server acknowledges writes again after PostgreSQL is back", func() bool { return l.acked() >= acked+100 })
	close(stop)
	wait()
	all, unanswered := l.counts()
	charges, events, again := l.verify()
	t.Logf("postgres-restart figures: %d writes acknowledged, %d not, %d failed answers, 0 lost, 0 duplicated, %d charges settled once each, %d events all delivered (%d again)",
		all, unanswered, failed, charges, events, again)
}

// TestFaultConnectionsCut cuts every connection of the server to its
// PostgreSQL database five times under load (pg_terminate_backend, as a
// network failure or an administrator would).
func TestFaultConnectionsCut(t *testing.T) {
	dsn := pgtest.Start(t)
	l := newWriteLoad(t, dsn)
	stop := make(chan struct{})
	wait := l.run(8, stop, false)
	cut := 0
	for i := range 5 {
		mark := l.acked()
		waitUntil(t, fmt.Sprintf("50 more writes are acknowledged before cut %d", i+1), func() bool { return l.acked() >= mark+50 })
		cut += pgtest.Terminate(t, dsn)
	}
	mark := l.acked()
	waitUntil(t, "the server acknowledges writes after the last cut", func() bool { return l.acked() >= mark+50 })
	close(stop)
	wait()
	if cut == 0 {
		t.Fatal("no connection was cut")
	}
	acked, unanswered := l.counts()
	failed := l.failed.Load()
	charges, events, again := l.verify()
	t.Logf("connection-cut figures: %d connections cut in 5 rounds, %d writes acknowledged, %d not, %d failed answers, 0 lost, 0 duplicated, %d charges settled once each, %d events all delivered (%d again)",
		cut, acked, unanswered, failed, charges, events, again)
}
