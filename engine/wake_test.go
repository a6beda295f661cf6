package engine

import (
	"sync"
	"testing"
	"time"
)

// TestCommitWakes checks what a commit wakes: the dispatcher for queued
// deliveries only; the scheduler for a wall-clock timer due within its poll
// interval (it finds a later one by its own look), never for a test clock's
// timer.
func TestCommitWakes(t *testing.T) {
	te := newTestEngine(t)
	var mu sync.Mutex
	var got []Wake
	te.OnCommit(func(w Wake) {
		mu.Lock()
		got = append(got, w)
		mu.Unlock()
	})
	var clockID string
	te.update(t, func(op *Op) error {
		c, err := op.CreateTestClock(te.wall.Now().Unix(), Opt[string]{})
		clockID = c.ID
		return err
	})
	commit := func(name string, want []Wake, fn func(op *Op) error) {
		t.Helper()
		mu.Lock()
		got = nil
		mu.Unlock()
		te.update(t, fn)
		mu.Lock()
		defer mu.Unlock()
		if len(got) != len(want) || len(got) == 1 && got[0] != want[0] {
			t.Errorf("%s: woke %+v, want %+v", name, got, want)
		}
	}
	wallTimer := func(in time.Duration) func(op *Op) error {
		return func(op *Op) error { return op.Schedule(te.wall.Now().Add(in), "", "test.noop", "obj_1", nil) }
	}
	timers := []Wake{{Timers: true}}

	commit("a timer due after the scheduler's next look", nil, wallTimer(time.Hour))
	commit("a timer due just after it", nil, wallTimer(schedulerPoll))
	commit("a test clock's timer", nil, func(op *Op) error {
		return op.Schedule(te.wall.Now(), clockID, "test.noop", "obj_2", nil)
	})
	commit("a timer due before the scheduler's next look", timers, wallTimer(schedulerPoll-time.Millisecond))
	commit("a timer due already", timers, wallTimer(-time.Minute))
	commit("the earliest of two timers counts", timers, func(op *Op) error {
		if err := wallTimer(time.Hour)(op); err != nil {
			return err
		}
		return wallTimer(100 * time.Millisecond)(op)
	})
	commit("an event without webhook endpoints", nil, func(op *Op) error {
		_, err := op.CreateCustomer(CustomerParams{})
		return err
	})
	te.update(t, func(op *Op) error {
		_, _, err := op.CreateWebhookEndpoint(WebhookEndpointParams{URL: Some("https://example.test/hook"), EnabledEvents: Some([]string{"*"})})
		return err
	})
	commit("an event with a webhook endpoint", []Wake{{Deliveries: true}}, func(op *Op) error {
		_, err := op.CreateCustomer(CustomerParams{})
		return err
	})
}
