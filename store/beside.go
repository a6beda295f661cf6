package store

// A batch beside the writer. A store with a single writer (SQLite) can run
// a write's function on a snapshot first and have the writer only check
// and apply what it did (ADR 0020); a test clock's batch of timers runs its
// handlers that way (ADR 0031) through the two calls below.

// Beside returns the Tx a batch of timers runs on beside the writer, and
// true; or tx itself and false when tx is the writer's own (or the store's
// writers run in parallel anyway). A Tx that wraps another forwards both
// calls. On the Tx it returns:
//   - ClaimDueTimers answers from the snapshot, Peek or not; the writer
//     claims again when it applies the write, and an answer that differs
//     makes the write stale: it is made again (in the end by the writer);
//   - HoldWrites holds InsertObject, UpdateObject, InsertEvent and
//     InsertDelivery (and their Later forms) until FlushWrites, which
//     hands them to the writer; a read of a held row is not served;
//   - what changes timers (DeleteTimers, CancelTimers, UpdateTimer) is not
//     served: run it through InWriter.
func Beside(tx Tx) (Tx, bool) {
	if b, ok := tx.(interface{ Beside() (Tx, bool) }); ok {
		return b.Beside()
	}
	return tx, false
}

// InWriter runs fn on the writer's transaction: at once on the writer's Tx,
// or, on a Tx of Beside, when the writer applies the write, after what the
// function wrote before the call. An error of fn then makes the write
// stale (made again; in the end by the writer, where fn's error fails the
// write as any error of its function does).
func InWriter(tx Tx, fn func(Tx) error) error {
	if w, ok := tx.(interface{ InWriter(func(Tx) error) error }); ok {
		return w.InWriter(fn)
	}
	return fn(tx)
}
