//go:build faults

package faults

import (
	"net/url"
	"testing"
	"time"

	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/store"
)

// subscribe registers rcv for every Stripe event of a and sets its secret.
func subscribe(t *testing.T, a *kontortest.Account, rcv *kontortest.Receiver) {
	t.Helper()
	r := a.Do(t, "POST", "/v1/webhook_endpoints", url.Values{"url": {rcv.URL}, "enabled_events[]": {"*"}}.Encode(), nil)
	if r.Status != 200 {
		t.Fatalf("create webhook endpoint: %d %s", r.Status, r.Body)
	}
	rcv.SetSecret(r.JSON(t)["secret"].(string))
}

// customers creates n customers and returns their ids.
func customers(t *testing.T, a *kontortest.Account, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		r := a.Do(t, "POST", "/v1/customers", "email=jenny%40example.com", nil)
		if r.Status != 200 {
			t.Fatalf("create customer: %d %s", r.Status, r.Body)
		}
		ids = append(ids, r.JSON(t)["id"].(string))
	}
	return ids
}

// TestFaultReceiverRecovers: a receiver answers 500 to every delivery for
// the first minute, then recovers. The wall clock is frozen and moved by
// the test only, so each retry can come only when the clock reaches it: on
// the sandbox schedule documented in docs/reliability.md, the attempts are
// at 0 s, 10 s and 40 s (failing) and 100 s (delivered), to the
// millisecond, and nothing is dropped.
func TestFaultReceiverRecovers(t *testing.T) {
	wall := clock.NewManual(time.Now().Truncate(time.Second))
	s := kontortest.Start(t, kontortest.Options{Clock: wall})
	a := s.NewAccount(t)
	acct := accountID(t, a)
	rcv := kontortest.NewReceiver(t)
	subscribe(t, a, rcv)
	rcv.Fail(1 << 30)
	t0 := wall.Now()
	const n = 20
	ids := customers(t, a, n)

	// The sandbox schedule: retries 10 s, 30 s and 1 min after each failure.
	steps := []time.Duration{0, 10 * time.Second, 30 * time.Second, time.Minute}
	for round, step := range steps {
		wall.Advance(step)
		if wall.Now().Sub(t0) >= time.Minute {
			rcv.Fail(0) // the receiver is back
		}
		kontortest.Eventually(t, "every event's attempt of this round", func() bool { return len(rcv.Deliveries()) >= n*(round+1) })
		// The clock moves on only once the server has recorded each
		// outcome: a failure recorded after the move would be retried
		// from the later time.
		kontortest.Eventually(t, "every attempt of this round to be recorded", func() bool {
			ds := deliveries(t, s, acct)
			for _, d := range ds {
				if d.Attempts < round+1 || d.LeaseUntil != 0 {
					return false
				}
			}
			return len(ds) == n
		})
	}
	for _, id := range ids {
		rcv.WaitEvent(t, "customer.created", id)
	}
	if got := len(rcv.Deliveries()); got != n*len(steps) {
		t.Errorf("%d deliveries, want %d (%d events × %d attempts)", got, n*len(steps), n, len(steps))
	}

	// Every attempt was recorded at the clock time its schedule names.
	want := []time.Duration{0, 10 * time.Second, 40 * time.Second, 100 * time.Second}
	events := map[string]bool{}
	for _, d := range rcv.Deliveries() {
		events[d.Event.ID] = true
	}
	for ev := range events {
		kontortest.Eventually(t, "the event to stop pending", func() bool {
			r := a.Do(t, "GET", "/v1/events/"+ev, "", nil)
			return r.Status == 200 && r.JSON(t)["pending_webhooks"] == 0.0
		})
		as := s.DeliveryAttempts(t, acct, ev)
		if len(as) != len(want) {
			t.Fatalf("event %s: %d attempts recorded, want %d: %+v", ev, len(as), len(want), as)
		}
		for i, at := range as {
			if got := time.UnixMilli(at.At).Sub(t0); got != want[i] {
				t.Errorf("event %s attempt %d at %v, want %v", ev, i+1, got, want[i])
			}
			if ok := i == len(want)-1; (at.StatusCode == 200) != ok {
				t.Errorf("event %s attempt %d answered %d", ev, i+1, at.StatusCode)
			}
		}
	}
	t.Logf("receiver-recovers figures: %d events, %d attempts, failing until +60 s, each at 0/10/40/100 s, all delivered", len(events), len(rcv.Deliveries()))
}

// deliveries returns the account's webhook deliveries.
func deliveries(t *testing.T, s *kontortest.Server, account string) []store.Delivery {
	t.Helper()
	var out []store.Delivery
	err := s.Srv.Store().View(t.Context(), func(tx store.Tx) error {
		var err error
		out, err = tx.ListDeliveries(t.Context(), store.ListDeliveriesParams{Account: account, Limit: 1000})
		return err
	})
	if err != nil {
		t.Fatalf("list deliveries: %v", err)
	}
	return out
}

// TestFaultHungReceiver: account X's receiver holds every request open
// (the delivery timeout is ten minutes) with a backlog of 60 events. Three
// other accounts' webhooks keep flowing meanwhile, in round after round;
// X's receiver holds no more than the per-endpoint limit of requests; once
// it answers again everything of X is delivered.
func TestFaultHungReceiver(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{WebhookTimeout: 10 * time.Minute})
	x := s.NewAccount(t)
	hung := kontortest.NewReceiver(t)
	subscribe(t, x, hung)
	release := hung.Hold(t)
	xs := customers(t, x, 60)
	hung.WaitHeld(t, 1)

	others := 0
	for round := range 5 {
		for range 3 {
			y := s.NewAccount(t)
			rcv := kontortest.NewReceiver(t)
			subscribe(t, y, rcv)
			for _, id := range customers(t, y, 4) {
				rcv.WaitEvent(t, "customer.created", id)
				others++
			}
		}
		if got := len(hung.Deliveries()); got != 0 {
			t.Fatalf("round %d: %d of X's deliveries completed while its receiver hangs", round, got)
		}
	}
	// At most 16 of X's deliveries (webhook.PerEndpoint) are in flight.
	held := hung.Held()
	if held > 16 {
		t.Errorf("X's hung receiver holds %d requests, more than the per-endpoint limit of 16", held)
	}
	release()
	for _, id := range xs {
		hung.WaitEvent(t, "customer.created", id)
	}
	t.Logf("hung-receiver figures: %d other accounts' events delivered while X's receiver hung holding %d requests; X's %d events delivered after", others, held, len(xs))
}
