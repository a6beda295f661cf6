package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/server"
)

// scrape returns the samples of a Prometheus text exposition, keyed by
// name{labels} as printed.
func scrape(t *testing.T, u string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

func startServer(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.DB = filepath.Join(t.TempDir(), "kontor.db")
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

func post(t *testing.T, u, key string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(key, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// waitFor scrapes until cond holds, failing after a generous timeout.
func waitFor(t *testing.T, u, what string, cond func(map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := scrape(t, u)
		if cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMetrics(t *testing.T) {
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError) // the first attempt is rejected, the retry succeeds
			return
		}
	}))
	defer rcv.Close()
	srv := startServer(t, server.Config{WebhookRetries: []time.Duration{time.Millisecond}})
	base, key := srv.URL(), "sk_test_metrics"

	if r := post(t, base+"/v1/webhook_endpoints", key, url.Values{"url": {rcv.URL + "/hook?token=s3cret"}, "enabled_events[]": {"customer.created"}}); r.StatusCode != 200 {
		t.Fatalf("create endpoint: %d", r.StatusCode)
	}
	for range 3 {
		if r := post(t, base+"/v1/customers", key, url.Values{"email": {"jenny@example.com"}}); r.StatusCode != 200 {
			t.Fatalf("create customer: %d", r.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", base+"/v1/customers/cus_doesnotexist", nil)
	req.SetBasicAuth(key, "")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
		t.Fatalf("retrieve a missing customer: %v %v", resp, err)
	}
	http.Get(base + "/no/such/path")                                      // Checkout.com's 404
	preflight, _ := http.NewRequest("OPTIONS", base+"/v1/customers", nil) // answered before any route
	if resp, err := http.DefaultClient.Do(preflight); err != nil || resp.StatusCode != 204 {
		t.Fatalf("preflight: %v %v", resp, err)
	}
	for _, m := range []string{"GET", "PUT"} { // Stripe's: no such route, and a route without that method
		req, _ := http.NewRequest(m, base+"/v1/customers/cus_doesnotexist/widgets", nil)
		req.SetBasicAuth(key, "")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
			t.Fatalf("%s an unrecognized URL: %v %v", m, resp, err)
		}
	}

	m := waitFor(t, base+"/metrics", "a rejected and a succeeded webhook attempt", func(m map[string]float64) bool {
		return m[`kontor_webhook_attempts_total{dialect="stripe",outcome="rejected"}`] >= 1 &&
			m[`kontor_webhook_attempts_total{dialect="stripe",outcome="succeeded"}`] >= 3
	})
	for name, want := range map[string]float64{
		`kontor_http_requests_total{dialect="stripe",route="POST /v1/customers",status="200"}`:         3,
		`kontor_http_requests_total{dialect="stripe",route="GET /v1/customers/{id}",status="404"}`:     1,
		`kontor_http_requests_total{dialect="stripe",route="POST /v1/webhook_endpoints",status="200"}`: 1,
		`kontor_http_requests_total{dialect="cko",route="unmatched",status="404"}`:                     1,
		`kontor_http_requests_total{dialect="stripe",route="unmatched",status="404"}`:                  2,
		`kontor_http_requests_total{dialect="stripe",route="unmatched",status="204"}`:                  1,
	} {
		if m[name] != want {
			t.Errorf("%s = %v, want %v", name, m[name], want)
		}
	}
	if m[`kontor_http_request_duration_seconds_count{dialect="stripe",route="POST /v1/customers",status="200"}`] != 3 {
		t.Errorf("no latency histogram for POST /v1/customers")
	}
	for name := range m {
		if strings.Contains(name, "cus_doesnotexist") || strings.Contains(name, "s3cret") {
			t.Errorf("a raw path or a secret reached a label: %s", name)
		}
	}
	if m["kontor_store_commit_batch_size_count"] < 4 || m["kontor_store_commit_duration_seconds_count"] != m["kontor_store_commit_batch_size_count"] {
		t.Errorf("commit metrics: batches %v, durations %v", m["kontor_store_commit_batch_size_count"], m["kontor_store_commit_duration_seconds_count"])
	}
	if m[`kontor_store_speculations_total{outcome="applied"}`] < 3 {
		t.Errorf("speculations applied: %v, want the customers created at least", m[`kontor_store_speculations_total{outcome="applied"}`])
	}
	if v, ok := m[`kontor_store_speculations_total{outcome="redone"}`]; !ok || v != 0 {
		t.Errorf("speculations redone: %v (reported: %v), want 0: no write here fails half way", v, ok)
	}
	if m["kontor_store_commit_batch_size_sum"] < m["kontor_store_commit_batch_size_count"] {
		t.Errorf("commit batch sizes sum %v below their count %v", m["kontor_store_commit_batch_size_sum"], m["kontor_store_commit_batch_size_count"])
	}
	for _, name := range []string{"kontor_timers_due", "kontor_timers_oldest_due_lag_seconds", "kontor_webhook_outbox_depth", "kontor_webhook_outbox_due", "go_goroutines"} {
		if _, ok := m[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	waitFor(t, base+"/metrics", "an empty outbox", func(m map[string]float64) bool { return m["kontor_webhook_outbox_depth"] == 0 })
}

func TestMetricsOnTheirOwnPort(t *testing.T) {
	srv := startServer(t, server.Config{MetricsAddr: "127.0.0.1:0"})
	if srv.MetricsAddr() == "" {
		t.Fatal("MetricsAddr is empty")
	}
	m := scrape(t, "http://"+srv.MetricsAddr()+"/metrics")
	if _, ok := m["go_goroutines"]; !ok {
		t.Fatal("no metrics on the metrics port")
	}
	resp, err := http.Get(srv.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("GET /metrics on the API port = %d, want 404 when they have a port of their own", resp.StatusCode)
	}
}

// TestWebhookAttemptLogLine checks that an attempt's log line names the
// event, the endpoint, the URL without its credentials, the status, the
// latency and the error.
func TestWebhookAttemptLogLine(t *testing.T) {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	defer rcv.Close()
	var logs kontortest.Buffer
	srv := startServer(t, server.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), WebhookRetries: []time.Duration{time.Hour}})
	key := "sk_test_attemptlog"
	hook := strings.Replace(rcv.URL, "http://", "http://alice:pw1@", 1) + "/hook?token=s3cret"
	if r := post(t, srv.URL()+"/v1/webhook_endpoints", key, url.Values{"url": {hook}, "enabled_events[]": {"customer.created"}}); r.StatusCode != 200 {
		t.Fatalf("create endpoint: %d", r.StatusCode)
	}
	if r := post(t, srv.URL()+"/v1/customers", key, nil); r.StatusCode != 200 {
		t.Fatalf("create customer: %d", r.StatusCode)
	}
	var line map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for line == nil {
		for _, l := range strings.Split(logs.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == "webhook attempt" {
				line = rec
			}
		}
		if line == nil {
			if time.Now().After(deadline) {
				t.Fatal("no webhook attempt was logged")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if line["event_type"] != "customer.created" || !strings.HasPrefix(line["event"].(string), "evt_") ||
		!strings.HasPrefix(line["endpoint"].(string), "we_") || line["status"] != float64(418) ||
		line["error"] != "non-2xx response" || line["level"] != "WARN" {
		t.Errorf("log line = %v", line)
	}
	if _, ok := line["duration_ms"].(float64); !ok {
		t.Errorf("no duration_ms in %v", line)
	}
	if u := line["url"].(string); u != rcv.URL+"/hook?…" {
		t.Errorf("url = %q, want %q (no user, password or query)", u, rcv.URL+"/hook?…")
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "pw1") || strings.Contains(l, "s3cret") {
			t.Errorf("a credential of the endpoint URL reached the log: %s", l)
		}
	}
}
