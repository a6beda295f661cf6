package multinode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// httpClient is shared by every test: enough idle connections for the
// workers, and a timeout that bounds a request to a hung node.
var httpClient = &http.Client{
	Timeout:   20 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "sk_test_" + hex.EncodeToString(b)
}

// response is one answer with its body read, and the node that gave it.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	Node   int
}

func (r *response) ok() bool { return r.Status >= 200 && r.Status < 300 }

// json decodes the body as a JSON object (nil when it is not one).
func (r *response) json() map[string]any {
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return m
}

// field returns a top-level string field of the JSON body.
func (r *response) field(name string) string {
	s, _ := r.json()[name].(string)
	return s
}

// retryable tells which answers a client retries against another node:
// Stripe's SDKs retry 409 (a key in flight), 429 lock timeouts and 5xx.
func (r *response) retryable() bool {
	return r.Status == http.StatusConflict || r.Status == http.StatusTooManyRequests || r.Status >= 500
}

// api is a client of one account spread over the nodes of a cluster.
type api struct {
	key   string
	nodes []*node
}

// do sends one request to node n. A form body is sent form-encoded, any
// other non-nil body as JSON (the Checkout.com dialect). A network error is
// returned as an error.
func (a *api) do(ctx context.Context, n int, method, path string, body any, header map[string]string) (*response, error) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd, ctype = strings.NewReader(string(raw)), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, a.nodes[n].URL+path, rd)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: raw, Node: n}, nil
}

// attempt is the outcome of one try of a retried request.
type attempt struct {
	Node   int
	Status int // 0 for a network error
	Err    string
}

// retry sends the request to node start and, on a network error or a
// retryable status, again with the same headers (so the same idempotency
// key) to the next node, until an answer that is not retried or the
// deadline. It returns the last answer and every attempt.
func (a *api) retry(ctx context.Context, start int, method, path string, body any, header map[string]string) (*response, []attempt, error) {
	deadline := time.Now().Add(45 * time.Second)
	var tries []attempt
	for i := 0; ; i++ {
		n := (start + i) % len(a.nodes)
		r, err := a.do(ctx, n, method, path, body, header)
		switch {
		case err != nil:
			tries = append(tries, attempt{Node: n, Err: err.Error()})
		case r.retryable():
			tries = append(tries, attempt{Node: n, Status: r.Status, Err: string(r.Body)})
		default:
			tries = append(tries, attempt{Node: n, Status: r.Status})
			return r, tries, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return nil, tries, fmt.Errorf("%s %s: gave up after %d attempts: %+v", method, path, len(tries), tries)
		}
		time.Sleep(time.Duration(10*min(i+1, 10)) * time.Millisecond)
	}
}

// expect sends a request with retries and reports an error unless it answers want.
func (a *api) expect(ctx context.Context, start int, method, path string, body any, header map[string]string, want int) (*response, error) {
	r, _, err := a.retry(ctx, start, method, path, body, header)
	if err != nil {
		return nil, err
	}
	if r.Status != want {
		return nil, fmt.Errorf("%s %s on node %d: %d, want %d: %s", method, path, r.Node, r.Status, want, r.Body)
	}
	return r, nil
}

// must is expect that fails the test; call it from the test's goroutine only.
func (a *api) must(t *testing.T, start int, method, path string, body any, header map[string]string, want int) *response {
	t.Helper()
	r, err := a.expect(t.Context(), start, method, path, body, header, want)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// list pages through a Stripe list endpoint (newest first) and returns every object.
func (a *api) list(ctx context.Context, path string, query url.Values) ([]map[string]any, error) {
	var out []map[string]any
	after := ""
	for page := 0; ; page++ {
		q := url.Values{"limit": {"100"}}
		for k, v := range query {
			q[k] = v
		}
		if after != "" {
			q.Set("starting_after", after)
		}
		r, _, err := a.retry(ctx, page, http.MethodGet, path+"?"+q.Encode(), nil, nil)
		if err != nil {
			return nil, err
		}
		if r.Status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
		var l struct {
			Data    []map[string]any `json:"data"`
			HasMore bool             `json:"has_more"`
		}
		if err := json.Unmarshal(r.Body, &l); err != nil {
			return nil, err
		}
		out = append(out, l.Data...)
		if !l.HasMore || len(l.Data) == 0 {
			return out, nil
		}
		after = l.Data[len(l.Data)-1]["id"].(string)
	}
}

// receiver is a webhook endpoint that records the id of every event it is sent.
type receiver struct {
	URL string
	mu  sync.Mutex
	got map[string]int // event id -> deliveries
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var ev struct {
			ID string `json:"id"`
		}
		if err := json.NewDecoder(req.Body).Decode(&ev); err != nil || ev.ID == "" {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got[ev.ID]++
		r.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/webhooks"
	return r
}

// missing returns the ids of want the receiver has not got yet.
func (r *receiver) missing(want []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, id := range want {
		if r.got[id] == 0 {
			out = append(out, id)
		}
	}
	return out
}

// redeliveries counts the deliveries beyond the first, which at-least-once allows.
func (r *receiver) redeliveries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.got {
		n += c - 1
	}
	return n
}
