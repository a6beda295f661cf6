package engine

import (
	"context"
	"testing"
	"time"
)

// TestLongAdvanceKeepsItsLease advances a test clock through timers whose
// handlers each take 40 s of wall time: the advance renews its lease as it
// goes, so at no point could another node take the advance over, and the
// timers fire once each, in due order.
func TestLongAdvanceKeepsItsLease(t *testing.T) {
	ctx := context.Background()
	te := newTestEngine(t)
	e, wall := te.Engine, te.wall
	var fired []string
	e.HandleTimer("test.tick", func(op *Op, tm *Timer) error {
		fired = append(fired, string(tm.Payload))
		// The advance timer is the only wall-clock timer: its due time is the lease's end.
		leaseEnd, ok, err := op.Tx().NextTimerDue(op.Context(), "")
		if err != nil {
			return err
		}
		if !ok || leaseEnd <= wall.Now().UnixMilli() {
			t.Errorf("tick %s ran at %s with the advance's lease ended (%v, %v)", tm.Payload, wall.Now(), time.UnixMilli(leaseEnd), ok)
		}
		wall.Advance(40 * time.Second)
		return nil
	})
	var clockID string
	frozen := wall.Now().Truncate(time.Second)
	err := e.Update(ctx, te.account, RequestInfo{}, func(op *Op) error {
		c, err := op.CreateTestClock(frozen.Unix(), Opt[string]{})
		if err != nil {
			return err
		}
		clockID = c.ID
		for i, name := range []string{"first", "second", "third", "fourth"} {
			if err := op.Schedule(frozen.Add(time.Duration(i+1)*time.Hour), c.ID, "test.tick", c.ID, name); err != nil {
				return err
			}
		}
		_, err = op.AdvanceTestClock(c.ID, frozen.Add(5*time.Hour).Unix())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.FireDueTimers(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(fired); got != 4 || fired[0] != `"first"` || fired[3] != `"fourth"` {
		t.Fatalf("fired %v, want the four ticks in due order", fired)
	}
	err = e.View(ctx, te.account, func(op *Op) error {
		c, err := op.GetTestClock(clockID)
		if err != nil {
			return err
		}
		if c.Status != "ready" || c.FrozenTime != frozen.Add(5*time.Hour).Unix() {
			t.Errorf("clock = %s at %d, want ready at the target", c.Status, c.FrozenTime)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
