package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store/sqlite"
)

func probe(t *testing.T, method, url string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", method, url, err)
	}
	return resp.StatusCode, body
}

func TestHealthAndReadiness(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kontor.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	base := srv.URL()

	if code, body := probe(t, "GET", base+"/healthz"); code != 200 || body["status"] != "ok" {
		t.Fatalf("GET /healthz = %d %v, want 200 ok", code, body)
	}
	if code, body := probe(t, "GET", base+"/readyz"); code != 200 || body["status"] != "ready" {
		t.Fatalf("GET /readyz = %d %v, want 200 ready", code, body)
	}
	if code, _ := probe(t, "POST", base+"/healthz"); code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz = %d, want 405", code)
	}

	// A schema that lacks a migration is not ready.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRow(`SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = ?`, version); err != nil {
		t.Fatal(err)
	}
	code, body := probe(t, "GET", base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body["error"], version) {
		t.Fatalf("GET /readyz without migration %s = %d %v, want 503 naming it", version, code, body)
	}
	if code, _ := probe(t, "GET", base+"/healthz"); code != 200 {
		t.Fatalf("GET /healthz = %d while not ready, want 200 (the process still serves)", code)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied) VALUES (?, 0)`, version); err != nil {
		t.Fatal(err)
	}
	if code, body := probe(t, "GET", base+"/readyz"); code != 200 {
		t.Fatalf("GET /readyz after restoring the migration = %d %v", code, body)
	}

	// A closed store is not ready either.
	st.Close()
	if code, body := probe(t, "GET", base+"/readyz"); code != http.StatusServiceUnavailable || body["status"] != "unavailable" {
		t.Fatalf("GET /readyz with the store closed = %d %v, want 503", code, body)
	}
}
