package sqlstore

import (
	"context"
	"strings"

	"github.com/kontorpay/kontor/store"
)

const deliveryColumns = `id, account, event_id, endpoint_id, status, attempts, next_attempt_at, lease_until, created`

func scanDelivery(s interface{ Scan(...any) error }, d *store.Delivery) error {
	return s.Scan(&d.ID, &d.Account, &d.EventID, &d.EndpointID, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.LeaseUntil, &d.Created)
}

// InsertDelivery inserts d; an id already used answers store.ErrConflict.
func (t *Tx) InsertDelivery(ctx context.Context, d *store.Delivery) error {
	res, err := t.exec(ctx, `INSERT INTO deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.ID, d.Account, d.EventID, d.EndpointID, d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil, d.Created)
	if err != nil {
		return err
	}
	return affectedOne(res, conflict("delivery %s", d.ID))
}

// ClaimDeliveries leases up to p.Limit pending deliveries that are due and not
// leased, in due order, and returns them with their new lease.
func (t *Tx) ClaimDeliveries(ctx context.Context, p store.ClaimDeliveriesParams) ([]store.Delivery, error) {
	var w where
	w.add("status = 'pending'")
	w.add("next_attempt_at <= ?", p.Now)
	w.add("lease_until <= ?", p.Now)
	if len(p.ExcludeEndpoints) > 0 {
		w.add("endpoint_id NOT IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(p.ExcludeEndpoints)), ", ")+")", anys(p.ExcludeEndpoints)...)
	}
	q := `SELECT ` + deliveryColumns + ` FROM deliveries` + w.String() + ` ORDER BY next_attempt_at, id LIMIT ?`
	if t.d.RowLocks {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := t.query(ctx, q, append(w.args, limitOf(p.Limit))...)
	if err != nil {
		return nil, err
	}
	var out []store.Delivery
	for rows.Next() {
		var d store.Delivery
		if err := scanDelivery(rows, &d); err != nil {
			rows.Close()
			return nil, t.err(err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, t.err(err)
	}
	for i := range out {
		out[i].LeaseUntil = p.LeaseUntil
		if _, err := t.exec(ctx, `UPDATE deliveries SET lease_until = ? WHERE id = ?`, p.LeaseUntil, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateDelivery writes the status, attempts, next attempt and lease of d.
func (t *Tx) UpdateDelivery(ctx context.Context, d *store.Delivery) error {
	res, err := t.exec(ctx, `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = ? WHERE id = ? AND account = ?`,
		d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil, d.ID, d.Account)
	if err != nil {
		return err
	}
	return affectedOne(res, store.ErrNotFound)
}

// ListDeliveries lists the deliveries of one event or one endpoint, oldest first.
func (t *Tx) ListDeliveries(ctx context.Context, p store.ListDeliveriesParams) ([]store.Delivery, error) {
	var w where
	w.add("account = ?", p.Account)
	w.eq("event_id", p.EventID)
	w.eq("endpoint_id", p.EndpointID)
	rows, err := t.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries`+w.String()+` ORDER BY created, id LIMIT ?`, append(w.args, limitOf(p.Limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		var d store.Delivery
		if err := scanDelivery(rows, &d); err != nil {
			return nil, t.err(err)
		}
		out = append(out, d)
	}
	return out, t.err(rows.Err())
}

// InsertDeliveryAttempt records one attempt.
func (t *Tx) InsertDeliveryAttempt(ctx context.Context, a store.DeliveryAttempt) error {
	_, err := t.exec(ctx, `INSERT INTO delivery_attempts (delivery_id, account, at, status_code, duration_ms, error, response) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.DeliveryID, a.Account, a.At, a.StatusCode, a.DurationMS, a.Error, a.Response)
	return err
}

// ListDeliveryAttempts returns the attempts of a delivery, oldest first.
func (t *Tx) ListDeliveryAttempts(ctx context.Context, deliveryID string) ([]store.DeliveryAttempt, error) {
	rows, err := t.query(ctx, `SELECT delivery_id, account, at, status_code, duration_ms, error, response FROM delivery_attempts WHERE delivery_id = ? ORDER BY id`, deliveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.DeliveryAttempt
	for rows.Next() {
		var a store.DeliveryAttempt
		if err := rows.Scan(&a.DeliveryID, &a.Account, &a.At, &a.StatusCode, &a.DurationMS, &a.Error, &a.Response); err != nil {
			return nil, t.err(err)
		}
		out = append(out, a)
	}
	return out, t.err(rows.Err())
}
