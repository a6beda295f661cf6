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
	// The random characters of ids, after the milliseconds they start with.
	for range per * len(alnum) / (24 - idTimeChars) {
		id := NewID("py_")
		if len(id) != 27 || !strings.HasPrefix(id, "py_") {
			t.Fatalf("NewID = %q", id)
		}
		for _, c := range id[3+idTimeChars:] {
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

// TestIDsSortByTime: an id made in a later millisecond sorts after one made
// in an earlier millisecond, as bytes compare, and both have Stripe's shape.
func TestIDsSortByTime(t *testing.T) {
	prev := ""
	for _, ms := range []int64{0, 1, 61, 62, 63, 1796173642000, 1796173642001, 1796173642062, 1796173643000, 3521614606207} {
		id := newIDAt("ch_", ms)
		if len(id) != 27 || !strings.HasPrefix(id, "ch_") || strings.Trim(id[3:], alnum) != "" {
			t.Fatalf("newIDAt(ch_, %d) = %q, want ch_ and 24 alphanumerics", ms, id)
		}
		if id <= prev {
			t.Errorf("the id of millisecond %d, %s, sorts before the one of an earlier millisecond, %s", ms, id, prev)
		}
		prev = id
	}
	if a, b := newIDAt("ch_", 1796173642000), newIDAt("ch_", 1796173642000); a == b || a[:3+idTimeChars] != b[:3+idTimeChars] {
		t.Errorf("two ids of one millisecond: %s, %s; want the same milliseconds and different random characters", a, b)
	}
}
