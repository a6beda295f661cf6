package pgtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kontorpay/kontor/internal/testenv"
)

// TestStart checks that two calls get two fresh databases on the shared cluster.
func TestStart(t *testing.T) {
	a, b := Start(t), Start(t)
	if a == b {
		t.Fatalf("two calls returned the same database %s", a)
	}
	for _, dsn := range []string{a, b} {
		if n := count(t, dsn, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
			t.Fatalf("%s: %d tables in a fresh database", dsn, n)
		}
		if n := count(t, dsn, `SELECT count(*) FROM pg_settings WHERE name = 'fsync' AND setting = 'on'`); n != 1 {
			t.Fatalf("%s: fsync is off", dsn)
		}
	}
}

// TestStartOnServer points Start at a server through KONTOR_TEST_POSTGRES_DSN,
// in both DSN forms, and checks that the database is dropped afterwards.
func TestStartOnServer(t *testing.T) {
	Start(t) // the shared cluster plays the existing server
	cfg, err := pgx.ParseConfig(clusterDSN)
	if err != nil {
		t.Fatal(err)
	}
	for form, admin := range map[string]string{
		"url":       clusterDSN,
		"key=value": fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable", cfg.Host, cfg.Port, cfg.User),
	} {
		var name string
		t.Run(form, func(t *testing.T) {
			t.Setenv(EnvDSN, admin)
			dsn := Start(t)
			conn, err := pgx.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			if err := conn.QueryRow(t.Context(), `SELECT current_database()`).Scan(&name); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(name, "kontor_test_") {
				t.Fatalf("Start connected to database %q", name)
			}
		})
		if n := count(t, clusterDSN, `SELECT count(*) FROM pg_database WHERE datname = '`+name+`'`); n != 0 {
			t.Fatalf("database %s outlived its test", name)
		}
	}
}

// TestMissingBinaries checks the one line a machine without PostgreSQL
// gets: a failure, or a skip when the developer opted out of missing programs.
func TestMissingBinaries(t *testing.T) {
	t.Setenv("PATH", "")
	saved := installDirs
	installDirs = "/nonexistent/postgresql/*/bin"
	defer func() { installDirs = saved }()
	_, err := findBinaries()
	if err == nil {
		t.Fatal("findBinaries found binaries without a PATH")
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("the message is more than one line: %q", err)
	}
	for optOut, want := range map[string]string{"": "fatal", "0": "fatal", "1": "skip"} {
		t.Setenv(testenv.OptOut, optOut)
		r := &recorder{TB: t}
		func() {
			defer func() { recover() }()
			fail(r, err)
		}()
		if r.outcome != want {
			t.Errorf("%s=%q: %s, want %s", testenv.OptOut, optOut, r.outcome, want)
		}
	}
}

// recorder stands in for a test so that fail can be observed.
type recorder struct {
	testing.TB
	outcome string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skip(args ...any)                  { r.outcome = "skip"; panic(r) }
func (r *recorder) Skipf(format string, args ...any)  { r.outcome = "skip"; panic(r) }
func (r *recorder) Fatal(args ...any)                 { r.outcome = "fatal"; panic(r) }
func (r *recorder) Fatalf(format string, args ...any) { r.outcome = "fatal"; panic(r) }

func count(t *testing.T, dsn, query string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
