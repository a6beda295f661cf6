package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: serve collects at its own target unless GOGC says otherwise.
func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })

	t.Setenv("GOGC", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("without GOGC: GC percent %d, want %d", got, serveGCPercent)
	}

	t.Setenv("GOGC", "150") // read by the runtime at start; here it only has to be left alone
	tuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set: GC percent %d, want it left at 100", got)
	}
}
