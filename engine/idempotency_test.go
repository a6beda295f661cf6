package engine

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// counter is a request handler that leaves a row of its own type and
// answers how many of its rows had committed before it, or fails with err
// when err is set. It counts the executions that gave an answer: those
// whose row committed, and the failed ones. A write's function may also run
// on a snapshot and be thrown away (the SQLite store's speculations, ADR
// 0020); such a run leaves no row and is no execution.
type counter struct {
	e      *Engine
	typ    string
	failed int
	err    error
}

func newCounter(e *Engine, err error) *counter {
	return &counter{e: e, typ: "execution_" + RandomString(8), err: err}
}

func (c *counter) run(op *Op) (int, []byte, error) {
	if c.err != nil {
		c.failed++
		return 0, nil, c.err
	}
	n, err := op.tx.CountObjects(op.ctx, store.ListObjectsParams{Account: op.account, Type: c.typ})
	if err != nil {
		return 0, nil, err
	}
	row := &store.Object{Account: op.account, ID: NewID("exec_"), Type: c.typ, Created: 1, Data: []byte(`{}`)}
	if err := op.tx.InsertObject(op.ctx, row); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, []byte{byte('1' + n)}, nil
}

// executions counts the failed executions and the committed rows of acct.
func (c *counter) executions(t *testing.T, acct string) int {
	t.Helper()
	var n int64
	err := c.e.store.View(context.Background(), func(tx store.Tx) (err error) {
		n, err = tx.CountObjects(context.Background(), store.ListObjectsParams{Account: acct, Type: c.typ})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.failed + int(n)
}

func TestExecuteReplaysAKeyedRequest(t *testing.T) {
	te := newTestEngine(t)
	e, acct := te.Engine, te.account
	ctx := context.Background()
	p := &IdempotencyPolicy{KeyHeader: "K", EchoHeader: "K", ReplayHeader: "Replayed"}
	req := WriteRequest{Account: acct, Info: RequestInfo{IdempotencyKey: "k1"}, Method: "POST", Path: "/x", Params: map[string]any{"a": 1}}
	h := newCounter(e, nil)

	first, err := e.Execute(ctx, p, req, h.run)
	if err != nil || first.Status != http.StatusCreated || string(first.Body) != "1" || first.Replayed || !first.Keyed {
		t.Fatalf("first execution: %+v, %v", first, err)
	}
	again, err := e.Execute(ctx, p, req, h.run)
	if err != nil || again.Status != http.StatusCreated || string(again.Body) != "1" || !again.Replayed {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	if h.executions(t, acct) != 1 {
		t.Errorf("%d executions of one key, want 1", h.executions(t, acct))
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
	if h.executions(t, acct) != 6 {
		t.Errorf("%d executions, want 6", h.executions(t, acct))
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

	h := newCounter(e, declined)
	if o, err := e.Execute(ctx, storing, req("d"), h.run); !errors.Is(err, declined) || !o.Keyed {
		t.Fatalf("declined request: %+v, %v", o, err)
	}
	h.err = nil
	o, err := e.Execute(ctx, storing, req("d"), h.run)
	if err != nil || !o.Replayed || o.Status != http.StatusPaymentRequired || string(o.Body) != "declined" || h.executions(t, acct) != 1 {
		t.Errorf("a stored failure replays: %+v, %v after %d executions", o, err, h.executions(t, acct))
	}

	// A failure the policy does not store leaves the key free for a retry.
	h = newCounter(e, invalid)
	if _, err := e.Execute(ctx, storing, req("v"), h.run); !errors.Is(err, invalid) {
		t.Fatalf("invalid request: %v", err)
	}
	h.err = nil
	if o, err := e.Execute(ctx, storing, req("v"), h.run); err != nil || o.Replayed || h.executions(t, acct) != 2 {
		t.Errorf("retry after an unstored failure: %+v, %v after %d executions", o, err, h.executions(t, acct))
	}
	// Without StoredFailure no failure is stored.
	h = newCounter(e, declined)
	successOnly := &IdempotencyPolicy{}
	e.Execute(ctx, successOnly, req("s"), h.run)
	h.err = nil
	if o, err := e.Execute(ctx, successOnly, req("s"), h.run); err != nil || o.Replayed || h.executions(t, acct) != 2 {
		t.Errorf("retry under a success-only policy: %+v, %v after %d executions", o, err, h.executions(t, acct))
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
	h := newCounter(e, nil)
	if _, err := e.Execute(ctx, p, req, h.run); !isKind(err, KindInFlight, "idempotency_key_in_use") || h.executions(t, acct) != 0 {
		t.Errorf("key in flight: %v after %d executions", err, h.executions(t, acct))
	}
	worded := &IdempotencyPolicy{InFlight: func(key string) error { return errors.New("busy: " + key) }}
	if _, err := e.Execute(ctx, worded, req, h.run); err == nil || err.Error() != "busy: busy" {
		t.Errorf("key in flight under a policy that words it: %v", err)
	}
	close(finish)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if o, err := e.Execute(ctx, p, req, h.run); err != nil || !o.Replayed || string(o.Body) != "first" || h.executions(t, acct) != 0 {
		t.Errorf("after the first request finished: %+v, %v", o, err)
	}

	long := req
	long.Info.IdempotencyKey = strings.Repeat("k", MaxIdempotencyKeyLen+1)
	if _, err := e.Execute(ctx, p, long, h.run); !isKind(err, KindInvalid, "idempotency_key_invalid") || h.executions(t, acct) != 0 {
		t.Errorf("key too long: %v after %d executions", err, h.executions(t, acct))
	}
	long.Info.IdempotencyKey = long.Info.IdempotencyKey[1:]
	if _, err := e.Execute(ctx, p, long, h.run); err != nil || h.executions(t, acct) != 1 {
		t.Errorf("key of the longest length: %v after %d executions", err, h.executions(t, acct))
	}
}

func isKind(err error, kind Kind, code string) bool {
	e, ok := AsError(err)
	return ok && e.Kind == kind && e.Code == code
}
