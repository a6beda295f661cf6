package bench

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store/sqlite"
)

// TestServeForLoad is not a test: it runs a server with a chosen SQLite driver
// for an external load tool (wrk, hey), because `kontor serve` has no flag for
// the driver. It is skipped unless KONTOR_BENCH_SERVE names the driver:
//
//	KONTOR_BENCH_SERVE=mattn KONTOR_BENCH_ADDR=127.0.0.1:12112 KONTOR_BENCH_FOR=60s \
//	    go test -run TestServeForLoad -v ./bench/
//
// It serves on KONTOR_BENCH_ADDR (default 127.0.0.1:12112) over a new database
// file under KONTOR_BENCH_DIR (default: a temporary directory) and stops after
// KONTOR_BENCH_FOR (default 60s, at most 10m) or on interrupt.
func TestServeForLoad(t *testing.T) {
	drv := os.Getenv("KONTOR_BENCH_SERVE")
	if drv == "" {
		t.Skip("set KONTOR_BENCH_SERVE=modernc|mattn to serve for a load tool")
	}
	addr := os.Getenv("KONTOR_BENCH_ADDR")
	if addr == "" {
		addr = "127.0.0.1:12112"
	}
	d := time.Minute
	if v := os.Getenv("KONTOR_BENCH_FOR"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("KONTOR_BENCH_FOR: %v", err)
		}
	}
	d = min(d, 10*time.Minute)
	ctx := context.Background()
	path := dbPath(t)
	st, err := sqlite.Open(ctx, path, sqlite.Options{Driver: drv})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := server.New(ctx, server.Config{Addr: addr, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	fmt.Printf("serving %s on %s (database %s) for %s\n", st.Driver(), srv.URL(), filepath.Base(path), d)
	sig, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	select {
	case <-sig.Done():
	case <-time.After(d):
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Error(err)
	}
}
