package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store/sqlite"
)

// BenchmarkChargeAhead measures POST /v1/charges (24 clients, 64 customers
// with a SEPA Direct Debit source, a fresh Idempotency-Key each, settlements
// an hour away) with write transactions run ahead of the SQLite writer (ADR
// 0015) and run in the writer, and reports the process's CPU per charge
// beside the wall time: on a busy machine the CPU figures are the ones that
// compare. Profile it with -cpuprofile to see the writer goroutine's share.
func BenchmarkChargeAhead(b *testing.B) {
	for _, inWriter := range []bool{false, true} {
		b.Run(fmt.Sprintf("in-writer=%v", inWriter), func(b *testing.B) {
			st, err := sqlite.Open(context.Background(), dbPath(b), sqlite.Options{InWriter: inWriter})
			if err != nil {
				b.Fatal(err)
			}
			srv, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", Store: st, SandboxDelay: time.Hour})
			if err != nil {
				st.Close()
				b.Fatal(err)
			}
			srv.Start()
			b.Cleanup(func() {
				srv.Shutdown(context.Background())
				st.Close()
			})
			c := newAPIClient(srv.URL(), 48)
			custs := make([]string, 64)
			for i := range custs {
				out, err := c.do("POST", "/v1/sources", url.Values{"type": {"sepa_debit"}, "currency": {"eur"},
					"sepa_debit[iban]": {"DE89370400440532013000"}, "owner[name]": {"Jenny Rosen"}}.Encode())
				if err != nil {
					b.Fatal(err)
				}
				var o struct{ ID string }
				json.Unmarshal(out, &o)
				if out, err = c.do("POST", "/v1/customers", "source="+o.ID); err != nil {
					b.Fatal(err)
				}
				json.Unmarshal(out, &o)
				custs[i] = o.ID
			}
			run := fmt.Sprintf("%d", time.Now().UnixNano())
			var seq atomic.Int64
			b.SetParallelism(12) // 24 clients on two cores
			cpu0, cpuOK := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					req, _ := http.NewRequest("POST", c.base+"/v1/charges",
						strings.NewReader("amount=1999&currency=eur&customer="+custs[i%int64(len(custs))]))
					req.Header.Set("Authorization", "Bearer "+c.key)
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Idempotency-Key", fmt.Sprintf("%s-%d", run, i))
					resp, err := c.http.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("POST /v1/charges: %d", resp.StatusCode)
						return
					}
				}
			})
			b.StopTimer()
			if cpu1, ok := cpuTime(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
			}
			s := st.AheadStats()
			b.ReportMetric(float64(s.Rerun)/float64(max(1, s.Applied+s.Rerun)), "rerun/ahead")
		})
	}
}
