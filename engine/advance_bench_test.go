package engine

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/store/sqlite"
)

var advanceProfile = flag.String("advance-cpuprofile", "", "write a CPU profile of BenchmarkAdvanceSettlements' advance alone to this file")

// clockCharges is an engine over a fresh SQLite file with a test clock
// whose customers (SEPA Direct Debit sources) have pending charges.
type clockCharges struct {
	e       *Engine
	sq      *sqlite.Store
	account string
	clockID string
	frozen  time.Time
	charges []string
}

// newClockCharges makes n pending charges over customers customers of one
// test clock.
func newClockCharges(tb testing.TB, customers, n int) *clockCharges {
	tb.Helper()
	ctx := context.Background()
	sq, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sq.Close() })
	wall := clock.NewManual(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	e, err := New(ctx, Config{Store: sq, Clock: wall})
	if err != nil {
		tb.Fatal(err)
	}
	acct, err := e.CreateAccount(ctx, "Advance Benchmark")
	if err != nil {
		tb.Fatal(err)
	}
	cc := &clockCharges{e: e, sq: sq, account: acct.Account.ID, frozen: wall.Now().Add(-time.Hour).Truncate(time.Second)}
	var custs []string
	err = e.Update(ctx, cc.account, RequestInfo{}, func(op *Op) error {
		c, err := op.CreateTestClock(cc.frozen.Unix(), Opt[string]{})
		if err != nil {
			return err
		}
		cc.clockID = c.ID
		for range customers {
			s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
				Owner: OwnerParams{Name: Some("Jenny Rosen")}})
			if err != nil {
				return err
			}
			cu, err := op.CreateCustomer(CustomerParams{TestClock: Some(c.ID), Source: Some(s.ID)})
			if err != nil {
				return err
			}
			custs = append(custs, cu.ID)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for done := 0; done < n; {
		k := min(500, n-done)
		err := e.Update(ctx, cc.account, RequestInfo{}, func(op *Op) error {
			for i := range k {
				ch, err := op.CreateSourceCharge(ChargeParams{Amount: 1999, Currency: "eur", Customer: custs[(done+i)%len(custs)]})
				if err != nil {
					return err
				}
				cc.charges = append(cc.charges, ch.ID)
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		done += k
	}
	return cc
}

// advance advances the clock a week, past every settlement, and fires the timers.
func (cc *clockCharges) advance(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	err := cc.e.Update(ctx, cc.account, RequestInfo{}, func(op *Op) error {
		_, err := op.AdvanceTestClock(cc.clockID, cc.frozen.Add(7*24*time.Hour).Unix())
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := cc.e.FireDueTimers(ctx); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAdvanceSettlements advances a test clock past the settlement of
// b.N pending SEPA Direct Debit charges (16 customers on the clock) and
// reports settlements per second of the advance alone and the CPU time
// the process took per settlement meanwhile.
func BenchmarkAdvanceSettlements(b *testing.B) {
	ctx := context.Background()
	cc := newClockCharges(b, 16, b.N)
	e, sq, account, clockID := cc.e, cc.sq, cc.account, cc.clockID
	if *advanceProfile != "" {
		f, err := os.Create(*advanceProfile)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	spec0 := sq.Speculations()
	cpu0 := cpuTime(b)
	t0 := time.Now()
	cc.advance(b)
	took := time.Since(t0)
	cpu := cpuTime(b) - cpu0
	spec := sq.Speculations()
	if *advanceProfile != "" {
		pprof.StopCPUProfile()
	}
	b.StopTimer()
	var settled int
	err := e.View(ctx, account, func(op *Op) error {
		c, err := op.GetTestClock(clockID)
		if err != nil {
			return err
		}
		if c.Status != TestClockReady {
			b.Errorf("clock %s after the advance", c.Status)
		}
		cs, err := ListWhere[Charge](op, ChargeFilter{}, ListParams{Limit: b.N + 1})
		if err != nil {
			return err
		}
		for _, ch := range cs {
			if ch.Status == ChargeSucceeded {
				settled++
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if settled != b.N {
		b.Fatalf("%d of %d charges settled", settled, b.N)
	}
	b.ReportMetric(float64(b.N)/took.Seconds(), "settlements/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/settlement")
	// Batches beside the writer (ADR 0031): those the writer found stale
	// were speculated again, or run by the writer (skipped).
	b.ReportMetric(float64(spec.Applied-spec0.Applied), "applied")
	b.ReportMetric(float64(spec.Stale-spec0.Stale), "stale")
	b.ReportMetric(float64(spec.Skipped-spec0.Skipped), "skipped")
}

// cpuTime is the CPU time (user and system) the process has used: on a
// machine shared with other work the advance's CPU per settlement is the
// figure to compare, its wall-clock rate swinging with the load.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
