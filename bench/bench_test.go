// Package bench holds Kontor's throughput benchmarks: the Stripe API over real
// HTTP against an in-process server, and the SQLite store's group commit, each
// once per SQLite driver. docs/benchmarks.md has the numbers, the machine they
// were taken on and the commands that reproduce them.
//
// The benchmarks report rates (req/s, tx/s) and latency percentiles as
// metrics; they never assert on wall-clock time.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store/sqlite"
)

// drivers are the SQLite implementations compared (mattn with -tags mattn);
// the first is the default.
var drivers = sqlite.Drivers()

// dbPath returns a fresh database file path. KONTOR_BENCH_DIR, when set, names
// the directory to create it under (the file system matters: fsync on a tmpfs
// is free); otherwise the test's temporary directory is used.
func dbPath(tb testing.TB) string {
	dir := tb.TempDir()
	if base := os.Getenv("KONTOR_BENCH_DIR"); base != "" {
		d, err := os.MkdirTemp(base, "kontor-bench-")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	return filepath.Join(dir, "kontor.db")
}

// openStore opens a SQLite store with the given driver and batch bound.
func openStore(tb testing.TB, driver string, maxBatch int) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), dbPath(tb), sqlite.Options{Driver: driver, MaxBatch: maxBatch})
	if err != nil {
		if driver == sqlite.DriverMattn && strings.Contains(err.Error(), "CGO_ENABLED=0") {
			tb.Skipf("the %s driver needs cgo: %v", driver, err)
		}
		tb.Fatalf("open %s store: %v", driver, err)
	}
	return st
}

// startServer runs a Kontor server on a free loopback port over a new SQLite
// file opened with driver, and returns its base URL. It is shut down when tb ends.
func startServer(tb testing.TB, driver string) string {
	tb.Helper()
	st := openStore(tb, driver, 0)
	// Charges settle after an hour: no settlement runs during a benchmark,
	// which measures the request alone.
	srv, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", Store: st, SandboxDelay: time.Hour})
	if err != nil {
		st.Close()
		tb.Fatalf("server.New: %v", err)
	}
	srv.Start()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		// The injected store is the caller's to close.
		if err := st.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return srv.URL()
}

// newClient returns a keep-alive client that holds an idle connection for
// each of up to conns concurrent requests, so the benchmark measures requests
// and not TCP handshakes.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// testKey returns a fresh sk_test_ key; the server provisions an account for it.
func testKey() string {
	var b [12]byte
	rand.Read(b[:])
	return "sk_test_" + hex.EncodeToString(b[:])
}

// latencies collects per-operation durations from many goroutines, and the
// process's CPU time from start to report.
type latencies struct {
	mu     sync.Mutex
	all    []time.Duration
	cpu0   time.Duration
	cpuSet bool
}

// start records the CPU time used so far; call it next to b.ResetTimer.
func (l *latencies) start() { l.cpu0, l.cpuSet = cpuTime() }

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

// report adds the throughput (ops/s under unit), p50/p99 latency and CPU
// time per operation (cpu-us/op: client, server and store together, the whole
// process; it varies less than wall time on a busy machine). Call it right
// after the timed loop.
func (l *latencies) report(b *testing.B, unit string) {
	if cpu1, ok := cpuTime(); ok && l.cpuSet && b.N > 0 {
		b.ReportMetric(float64(cpu1-l.cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
	}
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, unit)
	}
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	pct := func(p float64) float64 {
		i := int(p * float64(len(l.all)-1))
		return float64(l.all[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// parallelism returns the b.SetParallelism argument that makes RunParallel
// start (at least) clients goroutines, and the exact number it will start.
func parallelism(clients int) (p, goroutines int) {
	procs := runtime.GOMAXPROCS(0)
	p = max(1, (clients+procs-1)/procs)
	return p, p * procs
}
