package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/webhook"
)

// world is an engine with a running dispatcher whose one dialect ("t")
// posts the event id as the body.
type world struct {
	e      *engine.Engine
	cancel context.CancelFunc
	done   chan struct{}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(ctx, engine.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	kick := make(chan struct{}, 1)
	e.OnCommit(func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	d := webhook.New(e, nil, map[string]webhook.Dialect{"t": {
		Render: func(op *engine.Op, ev store.Event, ep *engine.WebhookEndpoint, now time.Time) (webhook.Rendered, error) {
			return webhook.Rendered{Body: []byte(ev.ID), Headers: http.Header{}}, nil
		},
		Retries: []time.Duration{time.Hour},
	}}, time.Hour)
	runCtx, cancel := context.WithCancel(ctx)
	w := &world{e: e, cancel: cancel, done: make(chan struct{})}
	go func() { d.Run(runCtx, kick); close(w.done) }()
	t.Cleanup(func() {
		w.cancel()
		<-w.done
		st.Close()
	})
	return w
}

// account creates an account with one endpoint of dialect "t" at url.
func (w *world) account(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	a, err := w.e.CreateAccount(ctx, "Receiver "+url)
	if err != nil {
		t.Fatal(err)
	}
	err = w.e.Update(ctx, a.Account.ID, engine.RequestInfo{}, func(op *engine.Op) error {
		_, _, err := op.CreateWebhookEndpoint(engine.WebhookEndpointParams{Dialect: "t", URL: engine.Some(url),
			EnabledEvents: engine.Some([]string{"*"})})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.Account.ID
}

func (w *world) event(t *testing.T, account, id string) {
	t.Helper()
	err := w.e.Update(context.Background(), account, engine.RequestInfo{}, func(op *engine.Op) error {
		return op.RecordDialectEvent("t", &engine.Event{ID: id, Type: "thing.happened", Created: 1, Object: []byte(`{}`)}, "obj_1")
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHungReceiverHoldsOnlyItsOwnWorkers: account X's receiver never
// answers and has three times more deliveries queued than one endpoint may
// have in flight. Account Y's event is delivered all the same, while X's
// receiver holds exactly PerEndpoint requests and none of X's deliveries
// has finished.
func TestHungReceiverHoldsOnlyItsOwnWorkers(t *testing.T) {
	w := newWorld(t)
	release := make(chan struct{})
	var hungGot atomic.Int64
	arrived := make(chan struct{}, 100)
	hung := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hungGot.Add(1)
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hung.Close()
	defer close(release)
	got := make(chan string, 10)
	fast := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b := make([]byte, 64)
		n, _ := r.Body.Read(b)
		got <- string(b[:n])
	}))
	defer fast.Close()

	x := w.account(t, hung.URL)
	y := w.account(t, fast.URL)
	for i := range 3 * webhook.PerEndpoint {
		w.event(t, x, "evt_x"+string(rune('a'+i)))
	}
	for range webhook.PerEndpoint {
		select {
		case <-arrived:
		case <-time.After(time.Minute):
			t.Fatalf("account X's receiver got %d requests, want %d", hungGot.Load(), webhook.PerEndpoint)
		}
	}
	w.event(t, y, "evt_y")
	select {
	case id := <-got:
		if id != "evt_y" {
			t.Fatalf("account Y's receiver got %q, want evt_y", id)
		}
	case <-time.After(time.Minute):
		t.Fatal("account Y's event was not delivered while account X's receiver hangs")
	}
	if n := hungGot.Load(); n != webhook.PerEndpoint {
		t.Fatalf("account X's hung receiver holds %d requests, want at most %d", n, webhook.PerEndpoint)
	}
	err := w.e.View(context.Background(), x, func(op *engine.Op) error {
		ds, err := op.Tx().ListDeliveries(op.Context(), store.ListDeliveriesParams{Account: x, Limit: 1000})
		if err != nil {
			return err
		}
		if len(ds) != 3*webhook.PerEndpoint {
			t.Errorf("account X has %d deliveries, want %d", len(ds), 3*webhook.PerEndpoint)
		}
		for _, d := range ds {
			if d.Status != "pending" || d.Attempts != 0 {
				t.Errorf("account X's delivery %s is %s after %d attempts, want pending: its receiver never answered", d.ID, d.Status, d.Attempts)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBacklogDeliveredOnceEach: a backlog larger than every worker together
// reaches a receiver that answers at once, each event exactly once (no
// retries were needed), and every delivery is recorded as succeeded.
func TestBacklogDeliveredOnceEach(t *testing.T) {
	w := newWorld(t)
	const n = 3 * webhook.Workers
	got := make(chan string, n+10)
	fast := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b := make([]byte, 64)
		k, _ := r.Body.Read(b)
		got <- string(b[:k])
	}))
	defer fast.Close()
	a := w.account(t, fast.URL)
	want := map[string]bool{}
	for i := range n {
		id := "evt_" + time.Unix(int64(i), 0).UTC().Format("150405")
		want[id] = true
		w.event(t, a, id)
	}
	seen := map[string]int{}
	for range n {
		select {
		case id := <-got:
			seen[id]++
		case <-time.After(time.Minute):
			t.Fatalf("%d of %d events delivered", len(seen), n)
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("event %s delivered %d times, want once", id, seen[id])
		}
	}
	// Every outcome is recorded once the receiver has answered.
	deadline := time.Now().Add(time.Minute)
	for {
		var pending int
		err := w.e.View(context.Background(), a, func(op *engine.Op) error {
			ds, err := op.Tx().ListDeliveries(op.Context(), store.ListDeliveriesParams{Account: a, Limit: 1000})
			for _, d := range ds {
				if d.Status != "succeeded" {
					pending++
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries not recorded as succeeded", pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
