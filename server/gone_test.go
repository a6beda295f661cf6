package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

// TestClientGone: a read whose client goes away before the read is served
// is no failure of the server. In either dialect it is counted with status
// 499 (client closed request), never 500, and nothing is logged at ERROR.
// The store's only reader is held meanwhile, so that each read waits for
// it until its client has gone.
func TestClientGone(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Readers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var logs kontortest.Buffer
	srv := startServer(t, server.Config{Store: st, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	stripeKey, ckoKey := "sk_test_clientgone", kontortest.NewCkoKey()
	reads := []struct{ path, key, route string }{
		{"/v1/customers/cus_missing", "Bearer " + stripeKey, `dialect="stripe",route="GET /v1/customers/{id}"`},
		{"/customers/cus_missing", ckoKey, `dialect="cko",route="GET /customers/{id}"`},
	}
	get := func(ctx context.Context, path, key string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+path, nil)
		req.Header.Set("Authorization", key)
		return (&http.Client{Transport: &http.Transport{}}).Do(req)
	}
	for _, r := range reads { // provisions the accounts and caches the keys
		resp, err := get(context.Background(), r.path, r.key)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s = %d, want 404", r.path, resp.StatusCode)
		}
	}

	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	go st.View(context.Background(), func(store.Tx) error { close(held); <-release; return nil })
	<-held
	for _, r := range reads {
		ctx, cancel := context.WithCancel(context.Background())
		// The client goes away once the request is sent.
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }}
		if resp, err := get(httptrace.WithClientTrace(ctx, trace), r.path, r.key); !errors.Is(err, context.Canceled) {
			t.Fatalf("GET %s: %v %v, want the client's cancellation", r.path, resp, err)
		}
		cancel()
	}
	// Both reads are answered while the reader is still held: the server
	// saw each client go away before the read began.
	waitForLog(t, &logs, `"path":"/v1/customers/cus_missing","status":499`)
	waitForLog(t, &logs, `"path":"/customers/cus_missing","status":499`)
	free()
	m := waitFor(t, srv.URL()+"/metrics", "both abandoned reads", func(m map[string]float64) bool {
		return m[`kontor_http_requests_total{`+reads[0].route+`,status="499"}`] == 1 &&
			m[`kontor_http_requests_total{`+reads[1].route+`,status="499"}`] == 1
	})
	for name, v := range m {
		if strings.HasPrefix(name, "kontor_http_requests_total{") && strings.Contains(name, `status="500"`) {
			t.Errorf("%s = %v: an abandoned read counted as a server error", name, v)
		}
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["level"] == "ERROR" {
			t.Errorf("logged at ERROR: %s", l)
		}
	}
}

// waitForLog waits until the log holds want, failing after a generous timeout.
func waitForLog(t *testing.T, logs *kontortest.Buffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never showed %s:\n%s", want, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
