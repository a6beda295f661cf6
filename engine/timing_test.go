package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSettleAt(t *testing.T) {
	// Wednesday 25 March 2026, 10:00 UTC; Good Friday is 3 April, Easter Monday 6 April.
	now := time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC)
	sandbox := &Engine{timing: TimingSandbox, delay: 2 * time.Second}
	realistic := &Engine{timing: TimingRealistic, delay: 2 * time.Second}
	cases := []struct {
		name   string
		e      *Engine
		method string
		delay  bool
		want   time.Time
	}{
		{"sandbox debit within seconds", sandbox, "sepa_debit", false, now.Add(2 * time.Second)},
		{"sandbox delayed test value", sandbox, "sepa_debit", true, now.Add(3 * time.Minute)},
		{"sandbox sofort", sandbox, "sofort", false, now.Add(2 * time.Second)},
		// Five TARGET days would be 1 April; the 14-day pre-notification runs to 8 April.
		{"realistic debit waits for the pre-notification", realistic, "sepa_debit", false, now.AddDate(0, 0, 14)},
		// Two TARGET days after Wednesday 25 March: Friday 27 March.
		{"realistic sofort", realistic, "sofort", false, time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC)},
		{"realistic delayed keeps the longer wait", realistic, "sofort", true, time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := c.e.settleAt(c.method, c.delay, now); !got.Equal(c.want) {
			t.Errorf("%s: settleAt = %s, want %s", c.name, got, c.want)
		}
	}
	// Over Easter: Thursday 2 April plus two TARGET days skips Good Friday
	// and Easter Monday: Tuesday 7 is the first, Wednesday 8 April the second.
	thu := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	if got, want := realistic.settleAt("sofort", false, thu), time.Date(2026, 4, 8, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("sofort over Easter settles %s, want %s", got, want)
	}
}

// TestNoWallClock enforces that the engine asks its clock for the time:
// no non-test file of the package calls time.Now.
func TestNoWallClock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
				t.Errorf("%s: engine code calls time.%s; ask the op's clock instead", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

// TestOnePayoutRule: a dialect's payout time and a balance transaction's
// available_on follow the same rule.
func TestOnePayoutRule(t *testing.T) {
	// Thursday 2 April 2026: two TARGET days skip Good Friday and Easter Monday.
	settled := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	c := &Charge{Status: "succeeded", SettledAt: settled.Unix()}
	for _, tc := range []struct {
		e           *Engine
		avail, paid time.Time
	}{
		{&Engine{timing: TimingSandbox, delay: 2 * time.Second}, settled, settled.Add(2 * time.Second)},
		{&Engine{timing: TimingRealistic, delay: 2 * time.Second}, time.Date(2026, 4, 8, 9, 0, 0, 0, time.UTC), time.Date(2026, 4, 8, 9, 0, 0, 0, time.UTC)},
	} {
		op := &Op{e: tc.e}
		if got := tc.e.fundsAvailableAt(settled); !got.Equal(tc.avail) {
			t.Errorf("%s: available %s, want %s", tc.e.timing, got, tc.avail)
		}
		if got, ok := op.PaidOutAt(c); !ok || !got.Equal(tc.paid) {
			t.Errorf("%s: paid out %s %v, want %s", tc.e.timing, got, ok, tc.paid)
		}
	}
	if _, ok := (&Op{e: &Engine{}}).PaidOutAt(&Charge{Status: "pending"}); ok {
		t.Error("a pending charge was paid out")
	}
}
