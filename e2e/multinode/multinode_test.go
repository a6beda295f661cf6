package multinode

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testIBAN = "DE89370400440532013000"
	// sandboxDelay is how long a SEPA Direct Debit charge takes to settle.
	sandboxDelay = 300 * time.Millisecond
)

// sourceForm is a SEPA Direct Debit source from an IBAN, chargeable at once.
func sourceForm() url.Values {
	return url.Values{"type": {"sepa_debit"}, "sepa_debit[iban]": {testIBAN}, "currency": {"eur"}, "owner[name]": {"Jenny Rosen"}}
}

// keyOutcome is what the client saw for one idempotency key of a charge.
type keyOutcome struct {
	key      string
	ids      []string // the charge id of every 2xx answer
	attempts []attempt
	twin     bool // sent to two nodes at the same moment
	// fingerprint is the IBAN fingerprint of the charged source: keyed with
	// the data key, so equal on every node only if the nodes share one key.
	fingerprint string
}

// TestSeveralNodes runs three nodes on one PostgreSQL database under a load
// of keyed charge creations spread over them, kills one with SIGKILL in the
// middle and restarts it, and then checks that every acknowledged charge
// exists exactly once, every retried key made one charge, every charge
// settled exactly once and every event reached the webhook receiver. A test
// clock advanced through one node meanwhile ends ready with its timers fired
// once.
func TestSeveralNodes(t *testing.T) {
	began := time.Now()
	c := startCluster(t, 3, sandboxDelay)
	ctx := t.Context()
	a := &api{key: newKey(), nodes: c.nodes}
	t.Logf("cluster up in %v", time.Since(began).Round(time.Millisecond))

	// A new key seen by every node at once provisions one account.
	provisionOnce(t, a)

	rcv := newReceiver(t)
	a.must(t, 0, http.MethodPost, "/v1/webhook_endpoints", url.Values{"url": {rcv.URL}, "enabled_events[]": {"*"}},
		map[string]string{"Idempotency-Key": "endpoint"}, http.StatusOK)
	before := eventIDs(t, a)

	// The test clock scenario runs on its own account while the load starts.
	clockDone := make(chan struct{})
	go func() { defer close(clockDone); testClockAcrossNodes(t, c) }()

	const total, workers = 150, 8
	outcomes := make([]*keyOutcome, total)
	var acked atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				outcomes[i] = chargeOnce(ctx, t, a, i)
				acked.Add(1)
			}
		}()
	}
	// Kill node 1 a third of the way through (once the test clock is done,
	// so that the kill cannot land on its advance and hold it for the
	// advance lease), and restart it on the same port a little later.
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for acked.Load() < total/3 {
			time.Sleep(5 * time.Millisecond)
		}
		<-clockDone
		c.kill(c.nodes[1])
		t.Logf("node 1 killed after %d of %d charges", acked.Load(), total)
		for acked.Load() < total/2 && acked.Load() < total {
			time.Sleep(5 * time.Millisecond)
		}
		c.restart(c.nodes[1])
		t.Logf("node 1 restarted after %d of %d charges", acked.Load(), total)
	}()
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	<-killed
	<-clockDone
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d charges acknowledged at %v", total, time.Since(began).Round(time.Millisecond))

	// Every key produced one charge: the same id on every 2xx answer.
	acks := map[string]string{} // charge id -> key
	retried := 0
	for _, o := range outcomes {
		if len(o.ids) == 0 {
			t.Fatalf("key %s was never acknowledged: %+v", o.key, o.attempts)
		}
		for _, id := range o.ids[1:] {
			if id != o.ids[0] {
				t.Errorf("key %s answered two charges: %v", o.key, o.ids)
			}
		}
		if k, dup := acks[o.ids[0]]; dup {
			t.Errorf("keys %s and %s answered the same charge %s", k, o.key, o.ids[0])
		}
		acks[o.ids[0]] = o.key
		if len(o.attempts) > 1 {
			retried++
		}
	}
	t.Logf("%d keys were retried on another node or sent to two nodes", retried)
	// The nodes raced to create the data key at their first start; they
	// must have ended up with one.
	for _, o := range outcomes {
		if o.fingerprint == "" || o.fingerprint != outcomes[0].fingerprint {
			t.Fatalf("one IBAN, fingerprints %q and %q: the nodes use different data keys", outcomes[0].fingerprint, o.fingerprint)
		}
	}

	// Every acknowledged charge exists exactly once, and there is no other.
	charges, err := a.list(ctx, "/v1/charges", nil)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, ch := range charges {
		id := ch["id"].(string)
		if listed[id] {
			t.Errorf("charge %s listed twice", id)
		}
		listed[id] = true
		if _, ok := acks[id]; !ok {
			t.Errorf("charge %s exists but no key was answered with it (a second execution)", id)
		}
	}
	for id, key := range acks {
		if !listed[id] {
			t.Errorf("charge %s (key %s) was acknowledged but does not exist", id, key)
		}
	}

	// Every charge settles (its timer fires), exactly once.
	ok, why := waitFor(ctx, 60*time.Second, func() (bool, string) {
		charges, err := a.list(ctx, "/v1/charges", nil)
		if err != nil {
			return false, err.Error()
		}
		for _, ch := range charges {
			if ch["status"] != "succeeded" {
				return false, fmt.Sprintf("charge %s is %v", ch["id"], ch["status"])
			}
		}
		return true, ""
	})
	if !ok {
		t.Fatalf("not every charge settled: %s", why)
	}
	t.Logf("every charge settled at %v", time.Since(began).Round(time.Millisecond))
	events, err := a.list(ctx, "/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	perCharge := map[string]map[string]int{} // charge -> event type -> count
	for _, ev := range events {
		typ := ev["type"].(string)
		if !strings.HasPrefix(typ, "charge.") {
			continue
		}
		obj := ev["data"].(map[string]any)["object"].(map[string]any)
		id := obj["id"].(string)
		if perCharge[id] == nil {
			perCharge[id] = map[string]int{}
		}
		perCharge[id][typ]++
	}
	for id := range acks {
		if n := perCharge[id]["charge.pending"]; n != 1 {
			t.Errorf("charge %s: %d charge.pending events, want 1", id, n)
		}
		if n := perCharge[id]["charge.succeeded"]; n != 1 {
			t.Errorf("charge %s: %d charge.succeeded events, want 1", id, n)
		}
	}

	// Every event was delivered at least once, despite the kill (a delivery
	// leased by the killed node waits for its lease to run out).
	var want []string
	for _, ev := range events {
		if id := ev["id"].(string); !before[id] {
			want = append(want, id)
		}
	}
	ok, why = waitFor(ctx, 90*time.Second, func() (bool, string) {
		m := rcv.missing(want)
		return len(m) == 0, fmt.Sprintf("%d of %d events not delivered, e.g. %v", len(m), len(want), m[:min(len(m), 5)])
	})
	if !ok {
		t.Fatal(why)
	}
	t.Logf("%d events delivered (%d delivered again) at %v", len(want), rcv.redeliveries(), time.Since(began).Round(time.Millisecond))
}

// chargeOnce creates a source and charges it, each under its own
// idempotency key, retrying on another node as a client would. Every
// eighth charge is sent to two nodes at the same moment.
func chargeOnce(ctx context.Context, t *testing.T, a *api, i int) *keyOutcome {
	n := len(a.nodes)
	src, _, err := a.retry(ctx, i%n, http.MethodPost, "/v1/sources", sourceForm(), map[string]string{"Idempotency-Key": fmt.Sprintf("src-%d", i)})
	if err != nil || src.Status != http.StatusOK {
		t.Errorf("source %d: %v %v", i, err, src)
		return &keyOutcome{key: fmt.Sprintf("src-%d", i)}
	}
	o := &keyOutcome{key: fmt.Sprintf("ch-%d", i), twin: i%8 == 0}
	if sd, ok := src.json()["sepa_debit"].(map[string]any); ok {
		o.fingerprint, _ = sd["fingerprint"].(string)
	}
	form := url.Values{"amount": {itoa(1000 + i)}, "currency": {"eur"}, "source": {src.field("id")}}
	h := map[string]string{"Idempotency-Key": o.key}
	starts := []int{(i + 1) % n}
	if o.twin {
		starts = append(starts, (i+2)%n)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for _, start := range starts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r, tries, err := a.retry(ctx, start, http.MethodPost, "/v1/charges", form, h)
			mu.Lock()
			defer mu.Unlock()
			o.attempts = append(o.attempts, tries...)
			if err != nil {
				t.Errorf("charge %s: %v", o.key, err)
				return
			}
			if !r.ok() {
				t.Errorf("charge %s on node %d: %d %s", o.key, r.Node, r.Status, r.Body)
				return
			}
			o.ids = append(o.ids, r.field("id"))
		}()
	}
	close(gate)
	wg.Wait()
	return o
}

// provisionOnce sends a fresh key to every node at the same moment: they
// must agree on one new account.
func provisionOnce(t *testing.T, a *api) {
	t.Helper()
	ids := make([]string, len(a.nodes))
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for n := range a.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r, err := a.do(t.Context(), n, http.MethodGet, "/v1/account", nil, nil)
			if err != nil || r.Status != http.StatusOK {
				t.Errorf("GET /v1/account on node %d: %v %v", n, err, r)
				return
			}
			ids[n] = r.field("id")
		}()
	}
	close(gate)
	wg.Wait()
	if ids[0] == "" || slices.ContainsFunc(ids, func(id string) bool { return id != ids[0] }) {
		t.Fatalf("one new key, accounts %v", ids)
	}
}

// eventIDs returns the ids of the account's events so far.
func eventIDs(t *testing.T, a *api) map[string]bool {
	t.Helper()
	evs, err := a.list(t.Context(), "/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, ev := range evs {
		out[ev["id"].(string)] = true
	}
	return out
}

// testClockAcrossNodes charges a customer bound to a test clock through
// every node, advances the clock through node 0 and watches it from the
// others: when it is ready again, every charge it made due has settled,
// exactly once.
func testClockAcrossNodes(t *testing.T, c *cluster) {
	if err := clockScenario(t, c); err != nil {
		t.Error(err)
	}
}

// clockScenario runs in a goroutine of its own, so it reports errors
// rather than failing the test.
func clockScenario(t *testing.T, c *cluster) error {
	ctx := t.Context()
	a := &api{key: newKey(), nodes: c.nodes}
	frozen := time.Now().Add(-time.Hour).Unix()
	r, err := a.expect(ctx, 0, http.MethodPost, "/v1/test_helpers/test_clocks", url.Values{"frozen_time": {fmt.Sprint(frozen)}}, nil, http.StatusOK)
	if err != nil {
		return err
	}
	clk := r.field("id")
	if r, err = a.expect(ctx, 1, http.MethodPost, "/v1/sources", sourceForm(), nil, http.StatusOK); err != nil {
		return err
	}
	src := r.field("id")
	if r, err = a.expect(ctx, 2, http.MethodPost, "/v1/customers", url.Values{"test_clock": {clk}, "source": {src}}, nil, http.StatusOK); err != nil {
		return err
	}
	cus := r.field("id")
	var charges []string
	for i := range 6 {
		ch, err := a.expect(ctx, i%3, http.MethodPost, "/v1/charges", url.Values{"amount": {itoa(500 + i)}, "currency": {"eur"}, "customer": {cus}},
			map[string]string{"Idempotency-Key": "clock-charge-" + itoa(i)}, http.StatusOK)
		if err != nil {
			return err
		}
		if st := ch.field("status"); st != "pending" {
			return fmt.Errorf("charge on the test clock is %s, want pending", st)
		}
		charges = append(charges, ch.field("id"))
	}
	if _, err := a.expect(ctx, 0, http.MethodPost, "/v1/test_helpers/test_clocks/"+clk+"/advance",
		url.Values{"frozen_time": {fmt.Sprint(frozen + 86400)}}, nil, http.StatusOK); err != nil {
		return err
	}
	ok, why := waitFor(ctx, 30*time.Second, func() (bool, string) {
		r, err := a.do(ctx, 1+int(time.Now().UnixNano()%2), http.MethodGet, "/v1/test_helpers/test_clocks/"+clk, nil, nil)
		if err != nil {
			return false, err.Error()
		}
		return r.field("status") == "ready", "status " + r.field("status")
	})
	if !ok {
		return fmt.Errorf("test clock never became ready: %s", why)
	}
	// Ready means drained: every charge has settled already.
	for i, id := range charges {
		r, err := a.expect(ctx, i%3, http.MethodGet, "/v1/charges/"+id, nil, nil, http.StatusOK)
		if err != nil {
			return err
		}
		if st := r.field("status"); st != "succeeded" {
			t.Errorf("test clock ready, but charge %s is %s", id, st)
		}
	}
	evs, err := a.list(ctx, "/v1/events", nil)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, ev := range evs {
		obj := ev["data"].(map[string]any)["object"].(map[string]any)
		count[ev["type"].(string)+" "+fmt.Sprint(obj["id"])]++
	}
	for _, id := range charges {
		if n := count["charge.succeeded "+id]; n != 1 {
			t.Errorf("test clock charge %s: %d charge.succeeded events, want 1", id, n)
		}
	}
	if n := count["test_helpers.test_clock.ready "+clk]; n != 1 {
		var keys []string
		for k := range count {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Errorf("%d test_clock.ready events, want 1: %v", n, keys)
	}
	return nil
}
