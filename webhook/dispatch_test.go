package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/webhook"
)

// world is an engine whose one dialect ("t") posts the event id as the
// body, and the dispatchers started on it. Every attempt a dispatcher has
// recorded arrives on attempts.
type world struct {
	e        *engine.Engine
	clock    *clock.Manual // nil: the wall clock
	retries  []time.Duration
	kick     chan struct{}
	attempts chan webhook.Attempt
}

// newWorld returns a world on a fresh SQLite database; clk may be nil.
func newWorld(t *testing.T, clk *clock.Manual, retries []time.Duration) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Store: st}
	if clk != nil {
		cfg.Clock = clk
	}
	e, err := engine.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if retries == nil {
		retries = []time.Duration{time.Hour}
	}
	w := &world{e: e, clock: clk, retries: retries, kick: make(chan struct{}, 1), attempts: make(chan webhook.Attempt, 10_000)}
	e.OnCommit(func(k engine.Wake) {
		if k.Deliveries {
			w.wake()
		}
	})
	t.Cleanup(func() { st.Close() })
	return w
}

func (w *world) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// start runs a dispatcher until the returned stop is called (or the test ends).
func (w *world) start(t *testing.T) (stop func()) {
	t.Helper()
	d := webhook.New(w.e, nil, map[string]webhook.Dialect{"t": {
		Render: func(op *engine.Op, ev store.Event, ep *engine.WebhookEndpoint, now time.Time) (webhook.Rendered, error) {
			return webhook.Rendered{Body: []byte(ev.ID), Headers: http.Header{}}, nil
		},
		Retries: w.retries,
	}}, time.Hour)
	d.OnAttempt(func(a webhook.Attempt) { w.attempts <- a })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx, w.kick); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// account creates an account with one endpoint of dialect "t" at url.
func (w *world) account(t *testing.T, url string) string {
	t.Helper()
	a, err := w.e.CreateAccount(context.Background(), "Receiver "+url)
	if err != nil {
		t.Fatal(err)
	}
	w.endpoint(t, a.Account.ID, url)
	return a.Account.ID
}

// endpoint adds an endpoint of dialect "t" at url to account and returns its id.
func (w *world) endpoint(t *testing.T, account, url string) string {
	t.Helper()
	var id string
	err := w.e.Update(context.Background(), account, engine.RequestInfo{}, func(op *engine.Op) error {
		ep, _, err := op.CreateWebhookEndpoint(engine.WebhookEndpointParams{Dialect: "t", URL: engine.Some(url),
			EnabledEvents: engine.Some([]string{"*"})})
		if err == nil {
			id = ep.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
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

// deliveries lists an account's deliveries.
func (w *world) deliveries(t *testing.T, account string) []store.Delivery {
	t.Helper()
	var ds []store.Delivery
	err := w.e.View(context.Background(), account, func(op *engine.Op) error {
		var err error
		ds, err = op.Tx().ListDeliveries(op.Context(), store.ListDeliveriesParams{Account: account, Limit: 10_000})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// awaitAttempts waits for n recorded attempts and returns them.
func (w *world) awaitAttempts(t *testing.T, n int) []webhook.Attempt {
	t.Helper()
	var out []webhook.Attempt
	for len(out) < n {
		select {
		case a := <-w.attempts:
			out = append(out, a)
		case <-time.After(time.Minute):
			t.Fatalf("%d of %d attempts recorded", len(out), n)
		}
	}
	return out
}

// receiver is a test receiver that reads each request's body (an event id).
type receiver struct {
	*httptest.Server
	got chan string // every request's event id, in arrival order
}

// newReceiver answers every request with status once answer returns; answer
// may block (a hanging receiver) until the request's context ends.
func newReceiver(t *testing.T, answer func(r *http.Request) int) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan string, 10_000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.got <- string(b)
		rw.WriteHeader(answer(r))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func ok(*http.Request) int { return http.StatusOK }

// hang holds every request until release is closed or the client gives up.
func hang(release <-chan struct{}) func(r *http.Request) int {
	return func(r *http.Request) int {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return http.StatusOK
	}
}

// await waits for n requests and returns their event ids in arrival order.
func (rc *receiver) await(t *testing.T, n int, what string) []string {
	t.Helper()
	var ids []string
	for len(ids) < n {
		select {
		case id := <-rc.got:
			ids = append(ids, id)
		case <-time.After(time.Minute):
			t.Fatalf("%s: %d of %d requests arrived", what, len(ids), n)
		}
	}
	return ids
}

func eventID(prefix string, i int) string { return fmt.Sprintf("evt_%s%04d", prefix, i) }

// TestHungReceiverHoldsOnlyItsOwnWorkers: account X's receiver never
// answers and has three times more deliveries queued than one endpoint may
// have in flight. Account Y's event is delivered all the same, while X's
// receiver holds exactly PerEndpoint requests and none of X's deliveries
// has finished.
func TestHungReceiverHoldsOnlyItsOwnWorkers(t *testing.T) {
	w := newWorld(t, nil, nil)
	release := make(chan struct{})
	defer close(release)
	hung := newReceiver(t, hang(release))
	fast := newReceiver(t, ok)
	w.start(t)

	x := w.account(t, hung.URL)
	y := w.account(t, fast.URL)
	for i := range 3 * webhook.PerEndpoint {
		w.event(t, x, eventID("x", i))
	}
	hung.await(t, webhook.PerEndpoint, "account X's receiver")
	w.event(t, y, "evt_y")
	if got := fast.await(t, 1, "account Y's receiver"); got[0] != "evt_y" {
		t.Fatalf("account Y's receiver got %q, want evt_y", got[0])
	}
	if n := len(hung.got); n != 0 {
		t.Fatalf("account X's hung receiver got %d requests beyond its %d", n, webhook.PerEndpoint)
	}
	ds := w.deliveries(t, x)
	if len(ds) != 3*webhook.PerEndpoint {
		t.Errorf("account X has %d deliveries, want %d", len(ds), 3*webhook.PerEndpoint)
	}
	for _, d := range ds {
		if d.Status != "pending" || d.Attempts != 0 {
			t.Errorf("account X's delivery %s is %s after %d attempts, want pending: its receiver never answered", d.ID, d.Status, d.Attempts)
		}
	}
}

// TestHungEndpointDelaysNotItsAccountsOtherEndpoint: one account, two
// endpoints, every event for both. One receiver hangs; the other gets every
// event while the hung one holds exactly PerEndpoint requests.
func TestHungEndpointDelaysNotItsAccountsOtherEndpoint(t *testing.T) {
	w := newWorld(t, nil, nil)
	release := make(chan struct{})
	defer close(release)
	hung := newReceiver(t, hang(release))
	fast := newReceiver(t, ok)
	w.start(t)

	a := w.account(t, hung.URL)
	fastEP := w.endpoint(t, a, fast.URL)
	const n = 4 * webhook.PerEndpoint
	for i := range n {
		w.event(t, a, eventID("a", i))
	}
	got := map[string]int{}
	for _, id := range fast.await(t, n, "the healthy endpoint") {
		got[id]++
	}
	for i := range n {
		if id := eventID("a", i); got[id] != 1 {
			t.Errorf("the healthy endpoint got %s %d times, want once", id, got[id])
		}
	}
	hung.await(t, webhook.PerEndpoint, "the hung endpoint")
	if k := len(hung.got); k != 0 {
		t.Fatalf("the hung endpoint got %d requests beyond its %d", k, webhook.PerEndpoint)
	}
	// The healthy endpoint's outcomes are all recorded; none of the hung one's.
	w.awaitAttempts(t, n)
	for _, d := range w.deliveries(t, a) {
		want := "pending"
		if d.EndpointID == fastEP {
			want = "succeeded"
		}
		if d.Status != want {
			t.Errorf("delivery %s to %s is %s, want %s", d.ID, d.EndpointID, d.Status, want)
		}
	}
}

// TestBacklogDeliveredOnceEach: a backlog many times what one endpoint may
// have in flight reaches a receiver that answers at once, each event exactly
// once (no retries were needed), and every delivery is recorded as succeeded
// with one attempt and its event has no webhook pending.
func TestBacklogDeliveredOnceEach(t *testing.T) {
	w := newWorld(t, nil, nil)
	fast := newReceiver(t, ok)
	a := w.account(t, fast.URL)
	const n = 25 * webhook.PerEndpoint
	for i := range n {
		w.event(t, a, eventID("b", i))
	}
	w.start(t)
	seen := map[string]int{}
	for _, id := range fast.await(t, n, "the receiver") {
		seen[id]++
	}
	for i := range n {
		if id := eventID("b", i); seen[id] != 1 {
			t.Errorf("event %s delivered %d times, want once", id, seen[id])
		}
	}
	for _, at := range w.awaitAttempts(t, n) {
		if !at.OK {
			t.Errorf("attempt %+v failed", at)
		}
	}
	err := w.e.View(context.Background(), a, func(op *engine.Op) error {
		for _, d := range w.deliveries(t, a) {
			if d.Status != "succeeded" || d.Attempts != 1 || d.LeaseUntil != 0 {
				t.Errorf("delivery %s: %s after %d attempts, lease %d; want succeeded after 1, no lease", d.ID, d.Status, d.Attempts, d.LeaseUntil)
			}
			as, err := op.Tx().ListDeliveryAttempts(op.Context(), d.ID)
			if err != nil {
				return err
			}
			if len(as) != 1 || as[0].StatusCode != http.StatusOK {
				t.Errorf("delivery %s: attempts %+v, want one 200", d.ID, as)
			}
			ev, err := op.Tx().GetEvent(op.Context(), a, d.EventID)
			if err != nil {
				return err
			}
			if ev.PendingWebhooks != 0 {
				t.Errorf("event %s has %d webhooks pending, want 0", ev.ID, ev.PendingWebhooks)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRestartHandsBackAndDeliversInDueOrder: a dispatcher stopped while its
// receiver holds PerEndpoint requests (and more are claimed ahead) hands
// every delivery back; on a frozen clock a lease that was not given up would
// never end. The next dispatcher starts the oldest deliveries first and
// delivers every event.
func TestRestartHandsBackAndDeliversInDueOrder(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	w := newWorld(t, clk, nil)
	release := make(chan struct{})
	var hold atomic.Bool
	hold.Store(true)
	rc := newReceiver(t, func(r *http.Request) int {
		if hold.Load() {
			hang(release)(r) // until released, when hold is false
		}
		return http.StatusOK
	})
	a := w.account(t, rc.URL)
	const n = 3 * webhook.PerEndpoint
	for i := range n {
		w.event(t, a, eventID("r", i))
		clk.Advance(time.Millisecond) // due one after the other
	}
	oldest := map[string]bool{}
	for i := range webhook.PerEndpoint {
		oldest[eventID("r", i)] = true
	}
	checkOldest := func(ids []string, when string) {
		t.Helper()
		for _, id := range ids {
			if !oldest[id] {
				t.Errorf("%s: %s was among the first %d sent, want the %d oldest", when, id, webhook.PerEndpoint, webhook.PerEndpoint)
			}
		}
	}

	stop := w.start(t)
	checkOldest(rc.await(t, webhook.PerEndpoint, "before the restart"), "before the restart")
	stop()
	for _, d := range w.deliveries(t, a) {
		if d.Status != "pending" || d.Attempts != 0 || d.LeaseUntil != 0 {
			t.Errorf("after shutdown, delivery %s is %s after %d attempts with lease %d; want pending, none, handed back",
				d.ID, d.Status, d.Attempts, d.LeaseUntil)
		}
	}
	if k := len(w.attempts); k != 0 {
		t.Errorf("%d attempts recorded for requests interrupted by shutdown", k)
	}

	// The receiver holds the first PerEndpoint requests again, so that
	// they are exactly the ones the new dispatcher started first.
	w.start(t)
	first := rc.await(t, webhook.PerEndpoint, "after the restart")
	checkOldest(first, "after the restart")
	hold.Store(false)
	close(release)
	ids := append(first, rc.await(t, n-webhook.PerEndpoint, "after the restart")...)
	w.awaitAttempts(t, n)
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for i := range n {
		if !seen[eventID("r", i)] {
			t.Errorf("event %s was not delivered after the restart", eventID("r", i))
		}
	}
	for _, d := range w.deliveries(t, a) {
		if d.Status != "succeeded" || d.Attempts != 1 {
			t.Errorf("delivery %s is %s after %d attempts, want succeeded after 1", d.ID, d.Status, d.Attempts)
		}
	}
}

// TestRetryScheduleOnFrozenClock: a receiver that always fails gets the
// first attempt at once and each retry when the dialect's delay has passed
// on the engine's clock; after the last retry the delivery is failed and
// its event has no webhook pending.
func TestRetryScheduleOnFrozenClock(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clk := clock.NewManual(t0)
	retries := []time.Duration{time.Minute, 5 * time.Minute}
	w := newWorld(t, clk, retries)
	var posts atomic.Int64
	rc := newReceiver(t, func(*http.Request) int { posts.Add(1); return http.StatusInternalServerError })
	a := w.account(t, rc.URL)
	w.start(t)
	w.event(t, a, "evt_retry")

	check := func(attempts int, status string, next time.Time) store.Delivery {
		t.Helper()
		ds := w.deliveries(t, a)
		if len(ds) != 1 {
			t.Fatalf("%d deliveries, want 1", len(ds))
		}
		d := ds[0]
		if d.Attempts != attempts || d.Status != status || (status == "pending" && d.NextAttemptAt != next.UnixMilli()) || d.LeaseUntil != 0 {
			t.Fatalf("after attempt %d: %s, %d attempts, next %d, lease %d; want %s, next %d, no lease",
				attempts, d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil, status, next.UnixMilli())
		}
		return d
	}
	at := w.awaitAttempts(t, 1)[0]
	if at.OK || at.Status != http.StatusInternalServerError {
		t.Fatalf("first attempt %+v, want a failed 500", at)
	}
	check(1, "pending", t0.Add(retries[0]))
	clk.Advance(retries[0])
	w.wake()
	w.awaitAttempts(t, 1)
	check(2, "pending", t0.Add(retries[0]+retries[1]))
	clk.Advance(retries[1])
	w.wake()
	w.awaitAttempts(t, 1)
	d := check(3, "failed", time.Time{})

	err := w.e.View(context.Background(), a, func(op *engine.Op) error {
		as, err := op.Tx().ListDeliveryAttempts(op.Context(), d.ID)
		if err != nil {
			return err
		}
		var ats []int64
		for _, x := range as {
			ats = append(ats, x.At)
		}
		want := []int64{t0.UnixMilli(), t0.Add(retries[0]).UnixMilli(), t0.Add(retries[0] + retries[1]).UnixMilli()}
		if fmt.Sprint(ats) != fmt.Sprint(want) {
			t.Errorf("attempts at %v, want %v", ats, want)
		}
		ev, err := op.Tx().GetEvent(op.Context(), a, "evt_retry")
		if err != nil {
			return err
		}
		if ev.PendingWebhooks != 0 {
			t.Errorf("event has %d webhooks pending after the delivery failed, want 0", ev.PendingWebhooks)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := posts.Load(); n != 3 {
		t.Errorf("receiver got %d requests, want 3", n)
	}
}
