package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kontorpay/kontor/ckoapi"
)

// listen forwards the account's webhook deliveries to a local URL.
//
// It listens on a loopback port of its own and registers a webhook endpoint
// for that port, so the server's dispatcher delivers to it exactly as to any
// endpoint: signed with the endpoint's secret (Stripe-Signature) or the
// account's key (Cko-Signature), retried when the target fails. Each
// delivery is passed on to --forward-to byte for byte with its signature
// headers, and the target's status goes back to the server as the
// endpoint's answer. The endpoint and its secret are kept in a state file
// (kontor/listen.json under the user's config directory), so a run that was
// killed before it could clean up is picked up by the next; Ctrl-C deletes
// the endpoint.
func listen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("listen", "kontor listen --forward-to URL [flags]")
	var cf clientFlags
	cf.register(c)
	forward := c.fs.String("forward-to", "", "the URL to forward each event to (e.g. http://localhost:4242/webhooks)")
	events := c.fs.String("events", "*", "the event types to forward, separated by commas")
	dialect := c.fs.String("dialect", "stripe", "which webhooks to forward: stripe or checkout")
	bind := c.fs.String("listen-addr", "127.0.0.1:0", "the address this command receives the server's deliveries on; the server must reach it")
	if help, err := c.parse(args, stdout, stderr, false); help || err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	if u, err := url.Parse(*forward); *forward == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("--forward-to must be an http(s) URL, e.g. http://localhost:4242/webhooks")
	}
	if *dialect != "stripe" && *dialect != "checkout" {
		return fmt.Errorf("--dialect must be stripe or checkout, not %q", *dialect)
	}
	ln, err := net.Listen("tcp", *bind)
	if err != nil {
		return err
	}
	defer ln.Close()
	ctx, stop := interruptible(ctx)
	defer stop()

	l := &listener{cl: cl, dialect: *dialect, forward: *forward, out: stdout,
		target: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	hookURL := "http://" + ln.Addr().String() + "/"
	ep, err := l.register(ctx, hookURL, splitList(*events))
	if err != nil {
		return err
	}
	if *dialect == "stripe" {
		fmt.Fprintf(stdout, "Ready! Forwarding to %s. Your webhook signing secret is %s (endpoint %s)\n", *forward, ep.Secret, ep.ID)
	} else {
		fmt.Fprintf(stdout, "Ready! Forwarding to %s. Deliveries carry Cko-Signature, the HMAC-SHA256 of the body keyed with your secret key (webhook %s)\n", *forward, ep.ID)
	}
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if err := l.unregister(sctx, ep); err != nil {
		return fmt.Errorf("remove endpoint %s: %w", ep.ID, err)
	}
	fmt.Fprintf(stderr, "removed endpoint %s\n", ep.ID)
	return nil
}

type listener struct {
	cl      *apiClient
	dialect string
	forward string
	target  *http.Client
	out     io.Writer
	mu      sync.Mutex // serialises the output lines
}

// endpointState is what the state file keeps of an endpoint listen made.
type endpointState struct {
	ID     string `json:"id"`
	Secret string `json:"secret,omitempty"`
}

// stateKey names the endpoint of one server, key and dialect in the state
// file; the key itself is kept only as a hash.
func (l *listener) stateKey() string {
	h := sha256.Sum256([]byte(l.cl.base + "\x00" + l.cl.key + "\x00" + l.dialect))
	return hex.EncodeToString(h[:16])
}

func statePath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "kontor", "listen.json"), nil
}

func loadState() map[string]endpointState {
	st := map[string]endpointState{}
	if p, err := statePath(); err == nil {
		if b, err := os.ReadFile(p); err == nil {
			json.Unmarshal(b, &st)
		}
	}
	return st
}

func saveState(st map[string]endpointState) error {
	p, err := statePath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return os.WriteFile(p, b, 0o600)
}

// register points the endpoint this command made before (if it still
// exists) at hookURL, or creates one.
func (l *listener) register(ctx context.Context, hookURL string, events []string) (endpointState, error) {
	if len(events) == 0 {
		events = []string{"*"}
	}
	st := loadState()
	prev, had := st[l.stateKey()]
	if l.dialect == "checkout" {
		// Checkout.com requires the event types: "*" names them all.
		body := map[string]any{"url": hookURL, "active": true, "event_types": events}
		if len(events) == 1 && events[0] == "*" {
			body["event_types"] = ckoapi.EventTypes
		}
		if had {
			if _, err := l.cl.cko(ctx, "PATCH", "/webhooks/"+url.PathEscape(prev.ID), body); err == nil {
				return prev, nil
			}
		}
		wh, err := l.cl.cko(ctx, "POST", "/webhooks", body)
		if err != nil {
			return endpointState{}, err
		}
		ep := endpointState{ID: str(wh, "id")}
		st[l.stateKey()] = ep
		return ep, saveState(st)
	}
	form := url.Values{"url": {hookURL}}
	for _, e := range events {
		form.Add("enabled_events[]", e)
	}
	if had && prev.Secret != "" {
		if _, err := l.cl.stripe(ctx, "POST", "/v1/webhook_endpoints/"+url.PathEscape(prev.ID), form); err == nil {
			return prev, nil
		}
	}
	form.Set("description", "kontor listen → "+l.forward)
	form.Set("metadata[kontor_listen]", "true")
	we, err := l.cl.stripe(ctx, "POST", "/v1/webhook_endpoints", form)
	if err != nil {
		return endpointState{}, err
	}
	ep := endpointState{ID: str(we, "id"), Secret: str(we, "secret")}
	st[l.stateKey()] = ep
	return ep, saveState(st)
}

func (l *listener) unregister(ctx context.Context, ep endpointState) error {
	var err error
	if l.dialect == "checkout" {
		_, err = l.cl.cko(ctx, "DELETE", "/webhooks/"+url.PathEscape(ep.ID), nil)
	} else {
		_, err = l.cl.stripe(ctx, "DELETE", "/v1/webhook_endpoints/"+url.PathEscape(ep.ID), nil)
	}
	var ae *apiError
	if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusNotFound) {
		return err
	}
	st := loadState()
	delete(st, l.stateKey())
	return saveState(st)
}

// forwardedHeaders are the delivery's headers passed on to the target.
var forwardedHeaders = []string{"Content-Type", "User-Agent", "Stripe-Signature", "Cko-Signature", "Authorization"}

// ServeHTTP receives one delivery from the server and forwards it.
func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	var ev struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	json.Unmarshal(body, &ev)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, l.forward, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range r.Header {
		if !isForwarded(k) {
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	start := time.Now()
	resp, err := l.target.Do(req)
	latency := fmt.Sprintf("%dms", time.Since(start).Milliseconds()) // 0ms, not 0s, for a quick receiver
	status := "error"
	code := http.StatusBadGateway
	if err == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		code = resp.StatusCode
		status = fmt.Sprint(code)
	}
	line := fmt.Sprintf("%s  --> %-40s [%s]  <-- %s %s", time.Now().UTC().Format("2006-01-02 15:04:05"), ev.Type, ev.ID, status, latency)
	if err != nil {
		line += "  " + attemptErr(err)
	}
	l.mu.Lock()
	fmt.Fprintln(l.out, line)
	l.mu.Unlock()
	// The target's answer is the endpoint's: a failure is retried by the server.
	w.WriteHeader(code)
}

func isForwarded(h string) bool {
	for _, f := range forwardedHeaders {
		if strings.EqualFold(h, f) {
			return true
		}
	}
	return strings.HasPrefix(strings.ToLower(h), "x-") // a Checkout.com registration's custom headers
}

// attemptErr describes a failed forward without repeating the URL.
func attemptErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// interruptible ends ctx on Ctrl-C or SIGTERM.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}
