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

// crashTest runs keyed writes (customers and charges that settle through a
// timer) from 8 clients against one node, kills it with SIGKILL at a random
// moment of each cycle and starts it again on the same database. Then it
// checks: every acknowledged write exists exactly once and its key answers
// the same body again; a write that was in flight at a kill made at most
// one object (its key, sent again, answers it); every charge settled once;
// every event reached the webhook receiver at least once.
func crashTest(t *testing.T, dsn string) {
	cycles := crashCycles(t)
	began := time.Now()
	c := startNodes(t, dsn, 1, sandboxDelay)
	ctx := t.Context()
	a := &api{key: newKey(), nodes: c.nodes}
	rcv := newReceiver(t)
	a.must(t, 0, http.MethodPost, "/v1/webhook_endpoints", url.Values{"url": {rcv.URL}, "enabled_events[]": {"*"}}, nil, http.StatusOK)
	src := a.must(t, 0, http.MethodPost, "/v1/sources", sourceForm(), nil, http.StatusOK).field("id")
	payer := a.must(t, 0, http.MethodPost, "/v1/customers", url.Values{"source": {src}}, nil, http.StatusOK).field("id")

	var (
		mu     sync.Mutex
		writes []*write
		next   atomic.Int64
	)
	newWrite := func() *write {
		i := next.Add(1)
		w := &write{key: fmt.Sprintf("crash-%d", i)}
		if i%2 == 0 {
			w.path, w.form = "/v1/customers", url.Values{"email": {w.key + "@example.com"}, "metadata[key]": {w.key}}
		} else {
			w.path, w.form = "/v1/charges", url.Values{"amount": {itoa(100 + int(i%900))}, "currency": {"eur"},
				"customer": {payer}, "metadata[key]": {w.key}}
		}
		return w
	}
	// send sends w once; it reports whether the server answered.
	send := func(w *write) bool {
		r, err := a.do(ctx, 0, http.MethodPost, w.path, w.form, map[string]string{"Idempotency-Key": w.key})
		if err != nil || r.retryable() {
			return false
		}
		if !r.ok() {
			t.Errorf("%s %s: %d %s", w.path, w.key, r.Status, r.Body)
			return true
		}
		mu.Lock()
		w.id, w.body, w.acked = r.field("id"), r.Body, true
		mu.Unlock()
		return true
	}

	for cycle := range cycles {
		if cycle > 0 {
			c.restart(c.nodes[0])
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					w := newWrite()
					mu.Lock()
					writes = append(writes, w)
					mu.Unlock()
					if !send(w) {
						return // killed: this client waits for the next cycle
					}
				}
			}()
		}
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond) // the moment of the kill, not a synchronisation
		c.kill(c.nodes[0])
		close(stop)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	c.restart(c.nodes[0])
	acked, inflight := 0, 0
	for _, w := range writes {
		if w.acked {
			acked++
		} else {
			inflight++
		}
	}
	t.Logf("%d kill -9 cycles in %v: %d writes acknowledged, %d in flight at a kill", cycles,
		time.Since(began).Round(time.Millisecond), acked, inflight)

	// Every key answers again: the same body for an acknowledged write; a
	// write in flight at a kill either ran (and answers that) or runs now.
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
	for _, w := range writes {
		replays <- w
	}
	close(replays)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Exactly one object per key, and it is the one the key answers.
	byKey := map[string]*write{}
	for _, w := range writes {
		byKey[w.key] = w
	}
	var charges []string
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
				if id != payer {
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
				charges = append(charges, id)
			}
		}
		for _, w := range writes {
			if w.path == path && seen[w.key] == "" {
				t.Errorf("%s of key %s (acknowledged: %v) does not exist", w.id, w.key, w.acked)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Every charge settles: its timer survived the kills.
	ok, why := waitFor(ctx, 2*time.Minute, func() (bool, string) {
		objs, err := a.list(ctx, "/v1/charges", url.Values{"customer": {payer}})
		if err != nil {
			return false, err.Error()
		}
		for _, ch := range objs {
			if ch["status"] != "succeeded" {
				return false, fmt.Sprintf("charge %s is %v", ch["id"], ch["status"])
			}
		}
		return len(objs) == len(charges), fmt.Sprintf("%d charges listed, want %d", len(objs), len(charges))
	})
	if !ok {
		t.Fatalf("not every charge settled: %s", why)
	}
	events, err := a.list(ctx, "/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	settled := map[string]int{}
	var ids []string
	for _, ev := range events {
		ids = append(ids, ev["id"].(string))
		if ev["type"] == "charge.succeeded" {
			settled[ev["data"].(map[string]any)["object"].(map[string]any)["id"].(string)]++
		}
	}
	for _, id := range charges {
		if settled[id] != 1 {
			t.Errorf("charge %s: %d charge.succeeded events, want 1", id, settled[id])
		}
	}

	// Every event reaches the receiver at least once.
	ok, why = waitFor(ctx, 3*time.Minute, func() (bool, string) {
		m := rcv.missing(ids)
		return len(m) == 0, fmt.Sprintf("%d of %d events not delivered, e.g. %v", len(m), len(ids), m[:min(len(m), 5)])
	})
	if !ok {
		t.Fatal(why)
	}
	t.Logf("crash figures: %d cycles, %d writes acknowledged, %d in flight at a kill, 0 lost, 0 duplicated, %d charges settled once each, %d events all delivered (%d delivered again), %v in all",
		cycles, acked, inflight, len(charges), len(ids), rcv.redeliveries(), time.Since(began).Round(time.Second))
}
