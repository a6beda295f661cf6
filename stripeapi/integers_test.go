package stripeapi

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store/sqlite"
)

// checkedInHandler are the integer parameters whose range the handler
// checks instead of the spec: list and search limits (1 to 100, list.go
// and search.go), and amounts, whose bounds belong to each payment rule
// (engine.ValidateAmount and the SEPA maximum).
var checkedInHandler = map[string]bool{"limit": true, "amount": true}

// TestEveryIntegerIsBounded walks the parameters of every route: each
// integer parameter has a lower and an upper bound (range filters are
// timestamps, bounded by pTime), except the few that checkedInHandler
// names. A new integer parameter without bounds fails here.
func TestEveryIntegerIsBounded(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := engine.New(t.Context(), engine.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	a := New(e, Options{})
	var patterns []string
	for p := range a.specs {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	ints := 0
	var walk func(pattern, prefix string, specs []spec)
	walk = func(pattern, prefix string, specs []spec) {
		for _, s := range specs {
			name := paramName(prefix, s.name)
			switch s.t {
			case tInt:
				ints++
				if checkedInHandler[s.name] {
					continue
				}
				if s.min == nil || s.max == nil {
					t.Errorf("%s: integer parameter %s has no bounds", pattern, name)
				}
			case tHash:
				walk(pattern, name, s.fields)
			case tArray:
				walk(pattern, name, []spec{*s.elem})
			}
		}
	}
	for _, p := range patterns {
		walk(p, "", a.specs[p])
	}
	if ints == 0 {
		t.Fatal("no integer parameter found: the walk is broken")
	}
	t.Logf("%d integer parameters in %d routes", ints, len(patterns))
}

// TestHandlerCheckedLimits: the limits checkedInHandler lets through are
// refused past their range on every list and search route.
func TestHandlerCheckedLimits(t *testing.T) {
	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=9223372036854775807", "limit=-9223372036854775808"} {
		tr := tree{}
		if err := parseForm(tr, q); err != nil {
			t.Fatal(err)
		}
		p, err := validate(tr, listSpecs())
		if err != nil {
			t.Fatalf("validate(%s): %v", q, err)
		}
		if _, err := (&call{p: p}).page(); err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("list %s: %v, want the limit refused", q, err)
		}
	}
}
