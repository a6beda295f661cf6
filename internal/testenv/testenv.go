// Package testenv decides what a test does when a program it needs
// (node, Chromium, PostgreSQL's server binaries) is not installed: it fails,
// naming what is missing and how to install it, unless the developer has
// opted out by setting KONTOR_TEST_ALLOW_MISSING=1, in which case it skips.
// `make test` installs what it can first (scripts/test.sh).
package testenv

import (
	"os"
	"testing"
)

// OptOut is the environment variable that turns a missing program from a
// failure into a skip.
const OptOut = "KONTOR_TEST_ALLOW_MISSING"

// Missing fails t because what is missing, or skips it when OptOut is 1.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(OptOut) == "1" {
		t.Skipf("%s (skipped: %s=1)", what, OptOut)
	}
	t.Fatalf("%s; `make test` installs it where it can (set %s=1 to skip such tests instead)", what, OptOut)
}
