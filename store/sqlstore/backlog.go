package sqlstore

import (
	"context"

	"github.com/kontorpay/kontor/store"
)

var _ store.BacklogReader = (*Tx)(nil)

// Backlog counts the due wall-clock timers and the pending webhook
// deliveries at now (Unix ms). Both queries follow an index (timers_due,
// deliveries_pending).
func (t *Tx) Backlog(ctx context.Context, now int64) (store.Backlog, error) {
	var b store.Backlog
	var oldest *int64
	if err := t.row(ctx, `SELECT COUNT(*), MIN(due) FROM timers WHERE clock_id = '' AND due <= ?`, now).Scan(&b.TimersDue, &oldest); err != nil {
		return b, t.err(err)
	}
	if oldest != nil {
		b.OldestTimerDue = *oldest
	}
	if err := t.row(ctx, `SELECT COUNT(*), COUNT(CASE WHEN next_attempt_at <= ? THEN 1 END) FROM deliveries WHERE status = 'pending'`, now).
		Scan(&b.DeliveriesPending, &b.DeliveriesDue); err != nil {
		return b, t.err(err)
	}
	return b, nil
}
