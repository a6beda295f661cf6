package main

import (
	"os"
	"runtime/debug"
)

// serveGCPercent is the garbage collector's target for `kontor serve` when
// GOGC is not set. The server's live heap is small (a few MB) and nearly
// everything a request allocates dies with it, so the default (collect once
// the heap has doubled) runs a collection every few MB of requests: about
// 8 % of the CPU of a POST /v1/charges went to marking and assists. At 400
// the collections are a quarter as frequent, for a heap of tens of MB under
// load (ADR 0024). GOGC (and GOMEMLIMIT) in the environment are the
// runtime's as usual.
const serveGCPercent = 400

// tuneGC sets the server's garbage-collector target unless GOGC is set.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
