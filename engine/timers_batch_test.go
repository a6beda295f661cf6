package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

// TestTimerBatchWithAFailingHandler fires more due timers than one batch
// holds, one of which fails: every other timer fires exactly once, in due
// order, and the failing one stays scheduled with its failure counted.
func TestTimerBatchWithAFailingHandler(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wall := clock.NewManual(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	e, err := New(ctx, Config{Store: st, Clock: wall})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := e.CreateAccount(ctx, "Batch Test")
	if err != nil {
		t.Fatal(err)
	}
	const n = timerBatch + 30
	const failing = 17
	// Each firing leaves a row in the transaction that fires it, so only
	// committed firings are counted.
	e.HandleTimer("test.step", func(op *Op, tm *Timer) error {
		if tm.ObjectID == fmt.Sprintf("step_%03d", failing) {
			return errors.New("this step always fails")
		}
		return op.Tx().InsertObject(op.Context(), &store.Object{Account: op.AccountID(), ID: "fired_" + tm.ObjectID,
			Type: "test.fired", Created: 1, Data: []byte(`{}`)})
	})
	err = e.Update(ctx, acct.Account.ID, RequestInfo{}, func(op *Op) error {
		for i := n; i >= 1; i-- { // scheduled in reverse: due order is not insertion order
			if err := op.Schedule(wall.Now().Add(-time.Duration(n-i+1)*time.Second), "",
				"test.step", fmt.Sprintf("step_%03d", i), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.FireDueTimers(ctx); err != nil {
		t.Fatal(err)
	}
	var fired []store.Object
	var left []store.Timer
	err = st.View(ctx, func(tx store.Tx) error {
		var err error
		if fired, err = tx.ListObjects(ctx, store.ListObjectsParams{Account: acct.Account.ID, Type: "test.fired", Ascending: true, Limit: 1000}); err != nil {
			return err
		}
		left, err = tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: "", DueLTE: wall.Now().Add(time.Hour).UnixMilli(), Limit: 1000})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := 1; i <= n; i++ {
		if i == failing {
			continue
		}
		if want >= len(fired) || fired[want].ID != fmt.Sprintf("fired_step_%03d", i) {
			t.Fatalf("firing %d is %v, want step %d (in due order, each once; %d fired)", want, idOf(fired, want), i, len(fired))
		}
		want++
	}
	if len(fired) != n-1 {
		t.Fatalf("%d timers fired, want %d", len(fired), n-1)
	}
	var stepsLeft []store.Timer
	for _, tm := range left {
		if tm.Kind == "test.step" {
			stepsLeft = append(stepsLeft, tm)
		}
	}
	if len(stepsLeft) != 1 || stepsLeft[0].ObjectID != fmt.Sprintf("step_%03d", failing) || stepsLeft[0].Attempts != 1 ||
		stepsLeft[0].Due <= wall.Now().UnixMilli() {
		t.Fatalf("timers left %+v, want only the failing step, backed off after one attempt", stepsLeft)
	}
}

func idOf(os []store.Object, i int) string {
	if i < len(os) {
		return os[i].ID
	}
	return "none"
}
