package store

import "context"

// Backlog is the work a store holds that is due: what the metrics report as
// the scheduler's and the webhook dispatcher's lag.
type Backlog struct {
	// TimersDue counts the wall-clock timers (not on a test clock) whose due
	// time has passed; OldestTimerDue is the earliest of their due times
	// (Unix ms), 0 when there are none.
	TimersDue      int64
	OldestTimerDue int64
	// DeliveriesPending counts the webhook deliveries not yet succeeded or
	// abandoned (the outbox); DeliveriesDue those of them whose next attempt
	// is due.
	DeliveriesPending int64
	DeliveriesDue     int64
}

// BacklogReader is implemented by the Tx of the SQL stores.
type BacklogReader interface {
	Backlog(ctx context.Context, now int64) (Backlog, error)
}
