package engine

import (
	"strings"
	"testing"
)

// TestRandomStringIsUniform draws many characters: each is from the
// alphabet, and each letter of it comes up about as often as the others.
func TestRandomStringIsUniform(t *testing.T) {
	const per = 2000
	counts := map[rune]int{}
	for _, n := range []int{0, 1, 24, 63, 64, 65, 200} {
		if s := RandomString(n); len(s) != n {
			t.Errorf("RandomString(%d) has %d characters", n, len(s))
		}
	}
	for range per * len(alnum) / 24 {
		id := NewID("py_")
		if len(id) != 27 || !strings.HasPrefix(id, "py_") {
			t.Fatalf("NewID = %q", id)
		}
		for _, c := range id[3:] {
			counts[c]++
		}
	}
	for c, n := range counts {
		if !strings.ContainsRune(alnum, c) {
			t.Errorf("%q is not alphanumeric", c)
		}
		// Binomial with mean 2000 and a standard deviation of about 44: ±6 of them.
		if n < per-270 || n > per+270 {
			t.Errorf("%q drawn %d times in %d, want about %d", c, n, per*len(alnum), per)
		}
	}
	if len(counts) != len(alnum) {
		t.Errorf("%d distinct characters drawn, want %d", len(counts), len(alnum))
	}
}
