package sqlstore

import (
	"context"

	"github.com/kontorpay/kontor/store"
)

const timerColumns = `id, account, clock_id, due, kind, object_id, payload, attempts`

// InsertTimer inserts t and sets t.ID.
func (t *Tx) InsertTimer(ctx context.Context, tm *store.Timer) error {
	err := t.row(ctx, insertTimer, timerArgs(tm)...).Scan(&tm.ID)
	return t.err(err)
}

// insertTimer writes one timer (timerArgs) and returns its id.
const insertTimer = insertTimerRow + ` RETURNING id`

// insertTimerRow writes one timer (timerArgs).
const insertTimerRow = `INSERT INTO timers (account, clock_id, due, kind, object_id, payload, attempts) VALUES (?, ?, ?, ?, ?, ?, ?)`

func timerArgs(tm *store.Timer) []any {
	return []any{tm.Account, tm.ClockID, tm.Due, tm.Kind, tm.ObjectID, tm.Payload, tm.Attempts}
}

// ClaimDueTimers returns up to p.Limit timers of p.ClockID due at or before
// p.DueLTE (and after p.After, if set), earliest first (ties in insertion
// order). With row locks, unless p.Peek, the rows stay locked until the
// transaction ends and rows locked by others are skipped.
func (t *Tx) ClaimDueTimers(ctx context.Context, p store.ClaimTimersParams) ([]store.Timer, error) {
	q, args := t.claimSQL(p, timerColumns)
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Timer
	for rows.Next() {
		var tm store.Timer
		if err := rows.Scan(&tm.ID, &tm.Account, &tm.ClockID, &tm.Due, &tm.Kind, &tm.ObjectID, &tm.Payload, &tm.Attempts); err != nil {
			return nil, t.err(err)
		}
		out = append(out, tm)
	}
	return out, t.err(rows.Err())
}

// claimSQL is the query of ClaimDueTimers for p, selecting cols, and its arguments.
func (t *Tx) claimSQL(p store.ClaimTimersParams, cols string) (string, []any) {
	args := []any{p.ClockID, p.DueLTE}
	after := ""
	if p.After != nil {
		after = ` AND (due > ? OR (due = ? AND id > ?))`
		args = append(args, p.After.Due, p.After.Due, p.After.ID)
	}
	q := `SELECT ` + cols + ` FROM timers WHERE clock_id = ? AND due <= ?` + after + ` ORDER BY due, id LIMIT ?`
	if t.d.RowLocks && !p.Peek {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	return q, append(args, limitOf(p.Limit))
}

// UpdateTimer writes the due time and attempt count of tm (used to back off a failing timer).
func (t *Tx) UpdateTimer(ctx context.Context, tm *store.Timer) error {
	res, err := t.exec(ctx, `UPDATE timers SET due = ?, attempts = ? WHERE id = ?`, tm.Due, tm.Attempts, tm.ID)
	if err != nil {
		return err
	}
	return affectedOne(res, store.ErrNotFound)
}

// DeleteTimer removes a fired timer; a timer already removed answers store.ErrNotFound.
func (t *Tx) DeleteTimer(ctx context.Context, id int64) error {
	res, err := t.exec(ctx, `DELETE FROM timers WHERE id = ?`, id)
	if err != nil {
		return err
	}
	return affectedOne(res, store.ErrNotFound)
}

// NextTimerDue returns the earliest due time of the clock's timers and whether there is one.
func (t *Tx) NextTimerDue(ctx context.Context, clockID string) (int64, bool, error) {
	var due *int64
	if err := t.row(ctx, `SELECT MIN(due) FROM timers WHERE clock_id = ?`, clockID).Scan(&due); err != nil {
		return 0, false, t.err(err)
	}
	if due == nil {
		return 0, false, nil
	}
	return *due, true, nil
}

// CountTimersDue counts the clock's timers due at or before dueLTE (Unix ms).
func (t *Tx) CountTimersDue(ctx context.Context, clockID string, dueLTE int64) (int64, error) {
	var n int64
	err := t.row(ctx, `SELECT COUNT(*) FROM timers WHERE clock_id = ? AND due <= ?`, clockID, dueLTE).Scan(&n)
	return n, t.err(err)
}

// CancelTimers deletes the pending timers of an object (of one kind, if given) and returns how many.
func (t *Tx) CancelTimers(ctx context.Context, p store.CancelTimersParams) (int64, error) {
	var w where
	w.add("account = ?", p.Account)
	w.add("object_id = ?", p.ObjectID)
	w.eq("kind", p.Kind)
	res, err := t.exec(ctx, `DELETE FROM timers`+w.String(), w.args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, t.err(err)
}

// DeleteTimers removes the timers of ids that are still there and returns how many.
func (t *Tx) DeleteTimers(ctx context.Context, ids []int64) (int64, error) {
	var total int64
	err := inChunks(ctx, ids, func(ctx context.Context, ids []int64) error {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		res, err := t.exec(ctx, `DELETE FROM timers WHERE id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		total += n
		return t.err(err)
	})
	return total, err
}
