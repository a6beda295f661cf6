package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store"
)

// objectDoc is a customer-sized JSON document (~600 bytes).
var objectDoc = []byte(`{"id":"cus_bench","object":"customer","email":"jenny.rosen@example.com","name":"Jenny Rosen",` +
	`"description":"benchmark customer","phone":"+4930123456","metadata":{"order":"6735"},` +
	`"invoice_prefix":"BENCH001","address":null,"invoice_settings":{"custom_fields":null},"pad":"` +
	strings.Repeat("x", 300) + `"}`)

// BenchmarkStoreUpdate measures store.Update throughput (tx/s) with 1, 8 and
// 64 concurrent writers, each Update inserting one object and one event as a
// transition does, for each driver; batch=128 is the default group commit and
// batch=1 commits (and fsyncs) every Update on its own.
func BenchmarkStoreUpdate(b *testing.B) {
	for _, drv := range drivers {
		for _, batch := range []int{128, 1} {
			for _, writers := range []int{1, 8, 64} {
				name := fmt.Sprintf("driver=%s/batch=%d/writers=%d", drv, batch, writers)
				b.Run(name, func(b *testing.B) { benchUpdate(b, drv, batch, writers) })
			}
		}
	}
}

func benchUpdate(b *testing.B, driver string, batch, writers int) {
	st := openStore(b, driver, batch)
	b.Cleanup(func() { st.Close() })
	ctx := context.Background()
	var seq atomic.Int64
	insert := func() error {
		n := seq.Add(1)
		id := strconv.FormatInt(n, 36)
		return st.Update(ctx, func(tx store.Tx) error {
			now := time.Now().Unix()
			if err := tx.InsertObject(ctx, &store.Object{Account: "acct_bench", ID: "cus_" + id, Type: "customer",
				Status: "active", Lookup: "jenny.rosen@example.com", Created: now, Data: objectDoc}); err != nil {
				return err
			}
			return tx.InsertEvent(ctx, &store.Event{Account: "acct_bench", ID: "evt_" + id, Type: "customer.created",
				ObjectID: "cus_" + id, Created: now, Data: objectDoc})
		})
	}
	// Warm up the connection and the file outside the timed loop.
	if err := insert(); err != nil {
		b.Fatal(err)
	}
	var (
		next  atomic.Int64 // iterations handed out
		wg    sync.WaitGroup
		lat   latencies
		first atomic.Value
	)
	b.ResetTimer()
	lat.start()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, b.N/writers+1)
			defer func() { lat.add(mine) }()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := insert(); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err, ok := first.Load().(error); ok {
		b.Fatal(err)
	}
	lat.report(b, "tx/s")
}
