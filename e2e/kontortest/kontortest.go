// Package kontortest starts a real Kontor server in-process for end-to-end
// tests: a free loopback port, a temporary SQLite file, the official
// stripe-go client pointed at it, and a webhook receiver that verifies every
// delivery with stripe-go's webhook.ConstructEvent.
//
// Each test should use its own account (NewAccount), which gives it a fresh,
// isolated state on a shared or private server.
package kontortest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store"
)

// WaitTimeout is how long the Wait helpers wait for a condition before
// failing the test. It is generous so that a loaded CI machine passes.
var WaitTimeout = 30 * time.Second

// Options configure Start.
type Options struct {
	// DBPath is the SQLite file; empty means a new file in t.TempDir().
	// Start a second server on the same path to test a restart.
	DBPath string
	// WebhookRetries replaces the Stripe webhook retry schedule (see
	// server.Config.WebhookRetries); nil keeps the sandbox schedule.
	WebhookRetries []time.Duration
	// WebhookTimeout replaces the 10 s a receiver has to answer.
	WebhookTimeout time.Duration
	// StrictKeys turns off auto-provisioning of sk_test_ keys.
	StrictKeys bool
	// Clock replaces the wall clock.
	Clock clock.Clock
	// BankSchemas validates imported bank files against the XSDs of this
	// directory (see server.Config.BankSchemas).
	BankSchemas string
	// HTTPS serves the API over TLS too, on a free port with a certificate
	// made at start (Server.Srv.HTTPSURL, Server.Srv.TLSCertificate).
	HTTPS bool
	// Logger receives the server's logs; nil logs to t.Log when the
	// environment variable KONTOR_TEST_LOG is set, else discards them.
	Logger *slog.Logger
}

// Server is a Kontor server running in the test process.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string
	// DBPath is the SQLite file the server uses.
	DBPath string
	// Srv is the running server.
	Srv *server.Server

	t       testing.TB
	stopped bool
}

// Start starts a server on a free loopback port with a SQLite file, in the
// sandbox profile, and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	return StartProfile(t, opts, Profile{})
}

// Stop shuts the server down, finishing in-flight requests. It is called
// automatically when the test ends; calling it earlier (to test a restart)
// is fine.
func (s *Server) Stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Srv.Shutdown(ctx); err != nil {
		s.t.Errorf("kontortest: shutdown: %v", err)
	}
}

// NewKey returns a fresh random secret key; the server provisions a new
// account for it on first use.
func NewKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "sk_test_" + hex.EncodeToString(b)
}

// NewCkoKey returns a fresh secret key of the shape Checkout.com's sandbox
// issues (sk_test_ and a UUID): the Checkout.com dialect takes no other
// sk_test_ keys, and the Stripe dialect takes these too.
func NewCkoKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return "sk_test_" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Account is one sandbox account on a Server, with a stripe-go client.
type Account struct {
	// Key is the secret key; PublishableKey its pk_test_ twin.
	Key, PublishableKey string
	// Client is a stripe-go v85 client for Key, pointed at the server,
	// with network retries off.
	Client *stripe.Client

	s *Server
}

// NewAccount returns a client for a fresh random secret key: each test its own account.
func (s *Server) NewAccount(t testing.TB) *Account {
	return s.Account(NewKey())
}

// Account returns the account of the secret key key; the server
// provisions it on first use.
func (s *Server) Account(key string) *Account {
	return &Account{Key: key, PublishableKey: "pk_" + strings.TrimPrefix(key, "sk_"), Client: s.NewClient(key), s: s}
}

// NewClient returns a stripe-go v85 client for key pointed at the server.
func (s *Server) NewClient(key string) *stripe.Client {
	return stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL:               stripe.String(s.URL),
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})))
}

// Response is a raw HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("kontortest: response is not JSON (%d): %s", r.Status, r.Body)
	}
	return m
}

// Error returns the body's error envelope fields (type, code, param, message).
func (r *Response) Error(t testing.TB) map[string]any {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("kontortest: response has no error (%d): %s", r.Status, r.Body)
	}
	return e
}

// Do sends a raw request with the account's secret key (as Bearer) unless
// header sets Authorization. A string body is sent form-encoded.
func (a *Account) Do(t testing.TB, method, path, body string, header map[string]string) *Response {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + a.Key}
	for k, v := range header {
		h[k] = v
	}
	return a.s.Do(t, method, path, body, h)
}

// Do sends a raw request to the server with exactly the given headers (a
// form Content-Type is added when there is a body and none is given; a
// "Host" header replaces the request's host).
func (s *Server) Do(t testing.TB, method, path, body string, header map[string]string) *Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("kontortest: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		switch {
		case k == "Host":
			req.Host = v
		case v == "":
			req.Header.Del(k)
		default:
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("kontortest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("kontortest: %s %s: read body: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Eventually polls cond every few milliseconds until it returns true, and
// fails the test with what after WaitTimeout.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("kontortest: timed out after %s waiting for %s", WaitTimeout, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// tWriter sends log lines to t.Log.
type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// DeliveryAttempts returns the recorded attempts of every webhook delivery
// of the account's event, read from the server's store.
func (s *Server) DeliveryAttempts(t testing.TB, account, eventID string) []store.DeliveryAttempt {
	t.Helper()
	var out []store.DeliveryAttempt
	ctx := context.Background()
	err := s.Srv.Store().View(ctx, func(tx store.Tx) error {
		ds, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: account, EventID: eventID, Limit: 100})
		if err != nil {
			return err
		}
		for _, d := range ds {
			as, err := tx.ListDeliveryAttempts(ctx, d.ID)
			if err != nil {
				return err
			}
			out = append(out, as...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("kontortest: list delivery attempts: %v", err)
	}
	return out
}
