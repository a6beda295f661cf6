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
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/postgres"
	"github.com/kontorpay/kontor/store/sqlite"
)

// TestServeForLoad is not a test: it runs a server with a chosen store driver
// for an external load tool (wrk, hey), because `kontor serve` has no flag for
// the SQLite driver, and so that a CPU profile (-test.cpuprofile) or an
// execution trace (-test.trace) can be taken of it. It is skipped unless
// KONTOR_BENCH_SERVE names the driver, modernc or mattn for SQLite, or
// postgres with the database's URL in KONTOR_BENCH_DB:
//
//	KONTOR_BENCH_SERVE=mattn KONTOR_BENCH_ADDR=127.0.0.1:12112 KONTOR_BENCH_FOR=60s \
//	    go test -run TestServeForLoad -v ./bench/
//
// It serves on KONTOR_BENCH_ADDR (default 127.0.0.1:12112) over a new database
// file under KONTOR_BENCH_DIR (default: a temporary directory), or over
// KONTOR_BENCH_DB, and stops after KONTOR_BENCH_FOR (default 60s, at most
// 10m) or on interrupt. Charges settle after an hour, as in
// bench/compare/run.sh: the endpoints alone are measured.
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
	var st store.Store
	where := os.Getenv("KONTOR_BENCH_DB")
	if drv == "postgres" {
		pg, err := postgres.Open(ctx, where, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st = pg
	} else {
		where = dbPath(t)
		lite, err := sqlite.Open(ctx, where, sqlite.Options{Driver: drv})
		if err != nil {
			t.Fatal(err)
		}
		st, where = lite, filepath.Base(where)
	}
	defer st.Close()
	srv, err := server.New(ctx, server.Config{Addr: addr, Store: st, SandboxDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	fmt.Printf("serving %s on %s (database %s) for %s\n", st.Driver(), srv.URL(), where, d)
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
