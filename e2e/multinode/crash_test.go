//go:build faults

package multinode

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store/postgres/pgtest"
)

// crashCycles is how many times the crash tests kill the server:
// KONTOR_CRASH_CYCLES, default 3 (`make faults`); `make crash` runs 20.
func crashCycles(t *testing.T) int {
	n := 3
	if v := os.Getenv("KONTOR_CRASH_CYCLES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 1000 {
			t.Fatalf("KONTOR_CRASH_CYCLES=%q: want a number of cycles from 1 to 1000", v)
		}
	}
	return n
}

// TestCrashSQLite: kill -9 cycles of one `kontor serve` on a SQLite file.
func TestCrashSQLite(t *testing.T) {
	crashTest(t, filepath.Join(t.TempDir(), "kontor.db"))
}

// TestCrashPostgres: kill -9 cycles of one `kontor serve` on PostgreSQL.
func TestCrashPostgres(t *testing.T) {
	crashTest(t, pgtest.Start(t))
}

// write is one keyed creation the load sent, and what came of it.
type write struct {
	key  string
	path string
	form url.Values
	// id and body are those of the first 2xx answer.
	id   string
	body []byte
	// acked tells that a 2xx arrived before the server was killed; a write
	// without one was in flight at a kill (or answered 5xx) and is sent
	// again with its key after the cycles.
	acked bool
}

// writeLoad is keyed writes against one node: customers, and charges on a
// customer with a SEPA Direct Debit default source, which settle through a
// timer. Every customer and charge carries its key in its metadata.
type writeLoad struct {
	t     *testing.T
	c     *cluster
	a     *api
	rcv   *receiver
	payer string

	mu     sync.Mutex
	writes []*write
	next   atomic.Int64
	failed atomic.Int64 // answers 5xx, 409 or 429, and network errors
}

// newWriteLoad starts one node on dsn, an account with a receiver of every
// event, and the paying customer.
func newWriteLoad(t *testing.T, dsn string) *writeLoad {
	t.Helper()
	c := startNodes(t, dsn, 1, sandboxDelay)
	l := &writeLoad{t: t, c: c, a: &api{key: newKey(), nodes: c.nodes}, rcv: newReceiver(t)}
	l.a.must(t, 0, http.MethodPost, "/v1/webhook_endpoints", url.Values{"url": {l.rcv.URL}, "enabled_events[]": {"*"}}, nil, http.StatusOK)
	src := l.a.must(t, 0, http.MethodPost, "/v1/sources", sourceForm(), nil, http.StatusOK).field("id")
	l.payer = l.a.must(t, 0, http.MethodPost, "/v1/customers", url.Values{"source": {src}}, nil, http.StatusOK).field("id")
	return l
}

// newWrite makes the next write and records it.
func (l *writeLoad) newWrite() *write {
	i := l.next.Add(1)
	w := &write{key: fmt.Sprintf("w-%d", i)}
	if i%2 == 0 {
		w.path, w.form = "/v1/customers", url.Values{"email": {w.key + "@example.com"}, "metadata[key]": {w.key}}
	} else {
		w.path, w.form = "/v1/charges", url.Values{"amount": {itoa(100 + int(i%900))}, "currency": {"eur"},
			"customer": {l.payer}, "metadata[key]": {w.key}}
	}
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()
	return w
}

// send sends w once; it reports whether the server answered. An answer
// other than 2xx, 5xx, 409 or 429 fails the test: a fault must never
// surface as a client error.
func (l *writeLoad) send(w *write) bool {
	r, err := l.a.do(l.t.Context(), 0, http.MethodPost, w.path, w.form, map[string]string{"Idempotency-Key": w.key})
	if err != nil || r.retryable() {
		l.failed.Add(1)
		return false
	}
	if !r.ok() {
		l.t.Errorf("%s %s: %d %s", w.path, w.key, r.Status, r.Body)
		return true
	}
	l.mu.Lock()
	w.id, w.body, w.acked = r.field("id"), r.Body, true
	l.mu.Unlock()
	return true
}

// run sends writes from clients goroutines until stop closes. With
// stopAtFailure, a client stops at its first failed request (the server
// was killed); otherwise it goes on, 20 ms after each failure.
func (l *writeLoad) run(clients int, stop <-chan struct{}, stopAtFailure bool) (wait func()) {
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !l.send(l.newWrite()) {
					if stopAtFailure {
						return
					}
					time.Sleep(20 * time.Millisecond) // pacing against a failing server, not a synchronisation
				}
			}
		}()
	}
	return wg.Wait
}

// counts returns the writes acknowledged and those never answered 2xx.
func (l *writeLoad) counts() (acked, unanswered int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.writes {
		if w.acked {
			acked++
		} else {
			unanswered++
		}
	}
	return acked, unanswered
}

// crashTest kills the node with SIGKILL at a random moment of each cycle
// under the load of 8 clients, and starts it again on the same database.
func crashTest(t *testing.T, dsn string) {
	cycles := crashCycles(t)
	began := time.Now()
	l := newWriteLoad(t, dsn)
	for cycle := range cycles {
		if cycle > 0 {
			l.c.restart(l.c.nodes[0])
		}
		stop := make(chan struct{})
		wait := l.run(8, stop, true)
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond) // the moment of the kill, not a synchronisation
		l.c.kill(l.c.nodes[0])
		close(stop)
		wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	l.c.restart(l.c.nodes[0])
	acked, inflight := l.counts()
	t.Logf("%d kill -9 cycles in %v: %d writes acknowledged, %d in flight at a kill", cycles,
		time.Since(began).Round(time.Millisecond), acked, inflight)
	charges, events, again := l.verify()
	t.Logf("crash figures: %d cycles, %d writes acknowledged, %d in flight at a kill, 0 lost, 0 duplicated, %d charges settled once each, %d events all delivered (%d delivered again), %v in all",
		cycles, acked, inflight, charges, events, again, time.Since(began).Round(time.Second))
}

// verify checks, once the server runs again without the fault: every key
// answers again (an acknowledged write with the very body it was
// acknowledged with; a write never answered 2xx either made its object
// before or makes it now); each key has exactly one object, the one it
// answers; every charge settles with one charge.succeeded; every event
// reaches the receiver. It fails the test now on any difference and
// returns the number of charges, events and repeated deliveries.
func (l *writeLoad) verify() (charges, events, again int) {
	t, a, ctx := l.t, l.a, l.t.Context()
	t.Helper()
	replays := make(chan *write)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range replays {
				r, _, err := a.retry(ctx, 0, http.MethodPost, w.path, w.form, map[string]string{"Idempotency-Key": w.key})
				switch {
				case err != nil:
					t.Errorf("replay %s: %v", w.key, err)
				case !r.ok():
					t.Errorf("replay %s: %d %s", w.key, r.Status, r.Body)
				case w.acked && !bytes.Equal(r.Body, w.body):
					t.Errorf("replay %s answered\n%s\nwhere the acknowledged answer was\n%s", w.key, r.Body, w.body)
				case !w.acked:
					w.id = r.field("id")
				}
			}
		}()
	}
	for _, w := range l.writes {
		replays <- w
	}
	close(replays)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	byKey := map[string]*write{}
	for _, w := range l.writes {
		byKey[w.key] = w
	}
	var chargeIDs []string
	for _, path := range []string{"/v1/customers", "/v1/charges"} {
		objs, err := a.list(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{} // key -> object id
		for _, o := range objs {
			id := o["id"].(string)
			md, _ := o["metadata"].(map[string]any)
			key, _ := md["key"].(string)
			if key == "" {
				if id != l.payer {
					t.Errorf("%s %s has no key", path, id)
				}
				continue
			}
			if prev, dup := seen[key]; dup {
				t.Errorf("key %s made two objects: %s and %s", key, prev, id)
			}
			seen[key] = id
			if w := byKey[key]; w == nil || w.id != id {
				t.Errorf("%s %s of key %s is not the object its key answers", path, id, key)
			}
			if path == "/v1/charges" {
				chargeIDs = append(chargeIDs, id)
			}
		}
		for _, w := range l.writes {
			if w.path == path && seen[w.key] == "" {
				t.Errorf("%s of key %s (acknowledged: %v) does not exist", w.id, w.key, w.acked)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Every charge settles: its timer survived the fault.
	ok, why := waitFor(ctx, 2*time.Minute, func() (bool, string) {
		objs, err := a.list(ctx, "/v1/charges", url.Values{"customer": {l.payer}})
		if err != nil {
			return false, err.Error()
		}
		for _, ch := range objs {
			if ch["status"] != "succeeded" {
				return false, fmt.Sprintf("charge %s is %v", ch["id"], ch["status"])
			}
		}
		return len(objs) == len(chargeIDs), fmt.Sprintf("%d charges listed, want %d", len(objs), len(chargeIDs))
	})
	if !ok {
		t.Fatalf("not every charge settled: %s", why)
	}
	evs, err := a.list(ctx, "/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	settled := map[string]int{}
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev["id"].(string))
		if ev["type"] == "charge.succeeded" {
			settled[ev["data"].(map[string]any)["object"].(map[string]any)["id"].(string)]++
		}
	}
	for _, id := range chargeIDs {
		if settled[id] != 1 {
			t.Errorf("charge %s: %d charge.succeeded events, want 1", id, settled[id])
		}
	}

	// Every event reaches the receiver at least once.
	ok, why = waitFor(ctx, 3*time.Minute, func() (bool, string) {
		m := l.rcv.missing(ids)
		return len(m) == 0, fmt.Sprintf("%d of %d events not delivered, e.g. %v", len(m), len(ids), m[:min(len(m), 5)])
	})
	if !ok {
		t.Fatal(why)
	}
	if t.Failed() {
		t.FailNow()
	}
	return len(chargeIDs), len(ids), l.rcv.redeliveries()
}
