package engine

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// counter is a request handler that counts its executions and answers
// the count, or fails with err when err is set.
type counter struct {
	n   int
	err error
}

func (c *counter) run(op *Op) (int, []byte, error) {
	c.n++
	if c.err != nil {
		return 0, nil, c.err
	}
	return http.StatusCreated, []byte{byte('0' + c.n)}, nil
}

func TestExecuteReplaysAKeyedRequest(t *testing.T) {
	te := newTestEngine(t)
	e, acct := te.Engine, te.account
	ctx := context.Background()
	p := &IdempotencyPolicy{KeyHeader: "K", EchoHeader: "K", ReplayHeader: "Replayed"}
	req := WriteRequest{Account: acct, Info: RequestInfo{IdempotencyKey: "k1"}, Method: "POST", Path: "/x", Params: map[string]any{"a": 1}}
	h := &counter{}

	first, err := e.Execute(ctx, p, req, h.run)
	if err != nil || first.Status != http.StatusCreated || string(first.Body) != "1" || first.Replayed || !first.Keyed {
		t.Fatalf("first execution: %+v, %v", first, err)
	}
	again, err := e.Execute(ctx, p, req, h.run)
	if err != nil || again.Status != http.StatusCreated || string(again.Body) != "1" || !again.Replayed {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	if h.n != 1 {
		t.Errorf("%d executions of one key, want 1", h.n)
	}
	headers := map[string]string{}
	p.SetHeaders(again, func(k, v string) { headers[k] = v })
	if headers["K"] != "k1" || headers["Replayed"] != "true" {
		t.Errorf("replay headers %v", headers)
	}

	other := req
	other.Params = map[string]any{"a": 2}
	if _, err := e.Execute(ctx, p, other, h.run); !isKind(err, KindIdempotency, "idempotency_key_reused") {
		t.Errorf("key reused with other parameters: %v", err)
	}
	other = req
	other.Path = "/y"
	if _, err := e.Execute(ctx, p, other, h.run); !isKind(err, KindIdempotency, "idempotency_key_reused") {
		t.Errorf("key reused on another path: %v", err)
	}

	// Another dialect's namespace holds its own outcome for the same key.
	ns := &IdempotencyPolicy{Namespace: "other:"}
	if o, err := e.Execute(ctx, ns, req, h.run); err != nil || o.Replayed || string(o.Body) != "2" {
		t.Errorf("same key in another namespace: %+v, %v", o, err)
	}

	// Unkeyed requests, and keyed ones with a method the policy ignores, execute every time.
	unkeyed := req
	unkeyed.Info.IdempotencyKey = ""
	for range 2 {
		if o, err := e.Execute(ctx, p, unkeyed, h.run); err != nil || o.Keyed || o.Replayed {
			t.Errorf("unkeyed request: %+v, %v", o, err)
		}
	}
	postOnly := &IdempotencyPolicy{Methods: []string{"POST"}}
	patch := req
	patch.Method = "PATCH"
	for range 2 {
		if o, err := e.Execute(ctx, postOnly, patch, h.run); err != nil || o.Keyed || o.Replayed {
			t.Errorf("PATCH under a POST-only policy: %+v, %v", o, err)
		}
	}
	if h.n != 6 {
		t.Errorf("%d executions, want 6", h.n)
	}
	headers = map[string]string{}
	p.SetHeaders(Outcome{Status: 200}, func(k, v string) { headers[k] = v })
	if len(headers) != 0 {
		t.Errorf("unkeyed answer got headers %v", headers)
	}
}

func TestExecuteStoresFailuresAsThePolicySays(t *testing.T) {
	te := newTestEngine(t)
	e, acct := te.Engine, te.account
	ctx := context.Background()
	declined := &Error{Kind: KindPayment, Code: "declined"}
	invalid := Invalid("bad", "a", "bad a")
	storing := &IdempotencyPolicy{StoredFailure: func(err error) (int, []byte, bool) {
		if errors.Is(err, declined) {
			return http.StatusPaymentRequired, []byte("declined"), true
		}
		return 0, nil, false
	}}
	req := func(key string) WriteRequest {
		return WriteRequest{Account: acct, Info: RequestInfo{IdempotencyKey: key}, Method: "POST", Path: "/x"}
	}

	h := &counter{err: declined}
	if o, err := e.Execute(ctx, storing, req("d"), h.run); !errors.Is(err, declined) || !o.Keyed {
		t.Fatalf("declined request: %+v, %v", o, err)
	}
	h.err = nil
	o, err := e.Execute(ctx, storing, req("d"), h.run)
	if err != nil || !o.Replayed || o.Status != http.StatusPaymentRequired || string(o.Body) != "declined" || h.n != 1 {
		t.Errorf("a stored failure replays: %+v, %v after %d executions", o, err, h.n)
	}

	// A failure the policy does not store leaves the key free for a retry.
	h = &counter{err: invalid}
	if _, err := e.Execute(ctx, storing, req("v"), h.run); !errors.Is(err, invalid) {
		t.Fatalf("invalid request: %v", err)
	}
	h.err = nil
	if o, err := e.Execute(ctx, storing, req("v"), h.run); err != nil || o.Replayed || h.n != 2 {
		t.Errorf("retry after an unstored failure: %+v, %v after %d executions", o, err, h.n)
	}
	// Without StoredFailure no failure is stored.
	h = &counter{err: declined}
	successOnly := &IdempotencyPolicy{}
	e.Execute(ctx, successOnly, req("s"), h.run)
	h.err = nil
	if o, err := e.Execute(ctx, successOnly, req("s"), h.run); err != nil || o.Replayed || h.n != 2 {
		t.Errorf("retry under a success-only policy: %+v, %v after %d executions", o, err, h.n)
	}
}

func TestExecuteAnswersKeysInFlightAndTooLong(t *testing.T) {
	te := newTestEngine(t)
	e, acct := te.Engine, te.account
	ctx := context.Background()
	p := &IdempotencyPolicy{}
	req := WriteRequest{Account: acct, Info: RequestInfo{IdempotencyKey: "busy"}, Method: "POST", Path: "/x"}

	started, finish := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := e.Execute(ctx, p, req, func(op *Op) (int, []byte, error) {
			close(started)
			<-finish
			return http.StatusOK, []byte("first"), nil
		})
		done <- err
	}()
	<-started
	h := &counter{}
	if _, err := e.Execute(ctx, p, req, h.run); !isKind(err, KindInFlight, "idempotency_key_in_use") || h.n != 0 {
		t.Errorf("key in flight: %v after %d executions", err, h.n)
	}
	worded := &IdempotencyPolicy{InFlight: func(key string) error { return errors.New("busy: " + key) }}
	if _, err := e.Execute(ctx, worded, req, h.run); err == nil || err.Error() != "busy: busy" {
		t.Errorf("key in flight under a policy that words it: %v", err)
	}
	close(finish)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if o, err := e.Execute(ctx, p, req, h.run); err != nil || !o.Replayed || string(o.Body) != "first" || h.n != 0 {
		t.Errorf("after the first request finished: %+v, %v", o, err)
	}

	long := req
	long.Info.IdempotencyKey = strings.Repeat("k", MaxIdempotencyKeyLen+1)
	if _, err := e.Execute(ctx, p, long, h.run); !isKind(err, KindInvalid, "idempotency_key_invalid") || h.n != 0 {
		t.Errorf("key too long: %v after %d executions", err, h.n)
	}
	long.Info.IdempotencyKey = long.Info.IdempotencyKey[1:]
	if _, err := e.Execute(ctx, p, long, h.run); err != nil || h.n != 1 {
		t.Errorf("key of the longest length: %v after %d executions", err, h.n)
	}
}

func isKind(err error, kind Kind, code string) bool {
	e, ok := AsError(err)
	return ok && e.Kind == kind && e.Code == code
}
