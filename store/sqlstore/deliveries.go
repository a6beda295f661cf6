package sqlstore

import (
	"context"
	"sort"

	"github.com/kontorpay/kontor/store"
)

const deliveryColumns = `id, account, event_id, endpoint_id, status, attempts, next_attempt_at, lease_until, created`

func scanDelivery(s interface{ Scan(...any) error }, d *store.Delivery) error {
	return s.Scan(&d.ID, &d.Account, &d.EventID, &d.EndpointID, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.LeaseUntil, &d.Created)
}

// InsertDelivery inserts d; an id already used answers store.ErrConflict.
func (t *Tx) InsertDelivery(ctx context.Context, d *store.Delivery) error {
	if t.held != nil {
		t.held.holdDelivery(d)
		return nil
	}
	res, err := t.exec(ctx, insertDelivery+` ON CONFLICT DO NOTHING`, deliveryArgs(d)...)
	if err != nil {
		return err
	}
	return affectedOne(res, conflict("delivery %s", d.ID))
}

// insertDelivery writes one delivery (deliveryArgs); InsertDelivery and its
// speculated form end it differently.
const insertDelivery = `INSERT INTO deliveries (` + deliveryColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

func deliveryArgs(d *store.Delivery) []any { return appendDeliveryRow(make([]any, 0, 9), d) }

// appendDeliveryRow appends the values of d's insert (deliveryColumns) to args.
func appendDeliveryRow(args []any, d *store.Delivery) []any {
	return append(args, d.ID, d.Account, d.EventID, d.EndpointID, d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil, d.Created)
}

// dueEndpoints lists the endpoints that have an unleased pending delivery due
// at the second argument, with the due time of the oldest, oldest first. It
// walks the endpoints of deliveries_pending one index seek each (a loose
// index scan) instead of every pending delivery, so a claim costs the number
// of endpoints with pending deliveries, not the size of their backlog.
const dueEndpoints = `WITH RECURSIVE eps(endpoint_id) AS (
	SELECT (SELECT endpoint_id FROM deliveries WHERE status = 'pending' ORDER BY endpoint_id LIMIT 1)
	UNION ALL
	SELECT (SELECT d.endpoint_id FROM deliveries d WHERE d.status = 'pending' AND d.endpoint_id > eps.endpoint_id ORDER BY d.endpoint_id LIMIT 1)
	FROM eps WHERE eps.endpoint_id IS NOT NULL
)
SELECT endpoint_id, due FROM (
	SELECT endpoint_id, (SELECT d.next_attempt_at FROM deliveries d
		WHERE d.status = 'pending' AND d.endpoint_id = eps.endpoint_id AND d.lease_until <= ?
		ORDER BY d.next_attempt_at LIMIT 1) AS due
	FROM eps WHERE endpoint_id IS NOT NULL
) AS e WHERE due <= ? ORDER BY due, endpoint_id`

// dueOfEndpoint lists one endpoint's unleased pending deliveries due at Now, in due order.
const dueOfEndpoint = `SELECT ` + deliveryColumns + ` FROM deliveries
	WHERE status = 'pending' AND endpoint_id = ? AND next_attempt_at <= ? AND lease_until <= ?
	ORDER BY next_attempt_at, id LIMIT ?`

// ClaimDeliveries leases up to p.Limit pending deliveries that are due and not
// leased, fairly across endpoints (store.ClaimDeliveriesParams), and returns
// them in due order with their new lease.
func (t *Tx) ClaimDeliveries(ctx context.Context, p store.ClaimDeliveriesParams) ([]store.Delivery, error) {
	limit := limitOf(p.Limit)
	rows, err := t.query(ctx, dueEndpoints, p.Now, p.Now)
	if err != nil {
		return nil, err
	}
	var eps []string
	for rows.Next() {
		var ep string
		var due int64
		if err := rows.Scan(&ep, &due); err != nil {
			rows.Close()
			return nil, t.err(err)
		}
		eps = append(eps, ep)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, t.err(err)
	}
	q := dueOfEndpoint
	if t.d.RowLocks {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	// Each endpoint's candidates, oldest first; an endpoint's first is
	// claimed before any endpoint's second. Once limit endpoints have one,
	// the rest could not be claimed in this round.
	var cands [][]store.Delivery
	for _, ep := range eps {
		if len(cands) == limit {
			break
		}
		room := limit
		if p.PerEndpoint > 0 {
			room = min(room, p.PerEndpoint-p.Held[ep])
		}
		if room <= 0 {
			continue
		}
		ds, err := t.scanDeliveries(ctx, q, ep, p.Now, p.Now, room)
		if err != nil {
			return nil, err
		}
		if len(ds) > 0 {
			cands = append(cands, ds)
		}
	}
	var out []store.Delivery
	for rank := 0; len(out) < limit; rank++ {
		took := false
		for _, ds := range cands {
			if rank < len(ds) && len(out) < limit {
				out = append(out, ds[rank])
				took = true
			}
		}
		if !took {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].NextAttemptAt != out[j].NextAttemptAt {
			return out[i].NextAttemptAt < out[j].NextAttemptAt
		}
		return out[i].ID < out[j].ID
	})
	for i := range out {
		out[i].LeaseUntil = p.LeaseUntil
		if _, err := t.exec(ctx, `UPDATE deliveries SET lease_until = ? WHERE id = ?`, p.LeaseUntil, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanDeliveries runs a query of deliveryColumns and returns its rows.
func (t *Tx) scanDeliveries(ctx context.Context, q string, args ...any) ([]store.Delivery, error) {
	rows, err := t.query(ctx, q, args...)
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

// UpdateDelivery writes the status, attempts, next attempt and lease of d.
func (t *Tx) UpdateDelivery(ctx context.Context, d *store.Delivery) error {
	res, err := t.exec(ctx, `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = ? WHERE id = ? AND account = ?`,
		d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil, d.ID, d.Account)
	if err != nil {
		return err
	}
	return affectedOne(res, store.ErrNotFound)
}

// UpdateLeasedDelivery writes d if it is still pending under lease.
func (t *Tx) UpdateLeasedDelivery(ctx context.Context, d *store.Delivery, lease int64) (bool, error) {
	res, err := t.exec(ctx, `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = ?
		WHERE id = ? AND account = ? AND status = 'pending' AND lease_until = ?`,
		d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil, d.ID, d.Account, lease)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, t.err(err)
	}
	return n == 1, nil
}

// ListDeliveries lists the deliveries of one event or one endpoint, oldest first.
func (t *Tx) ListDeliveries(ctx context.Context, p store.ListDeliveriesParams) ([]store.Delivery, error) {
	var w where
	w.add("account = ?", p.Account)
	w.eq("event_id", p.EventID)
	w.eq("endpoint_id", p.EndpointID)
	return t.scanDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries`+w.String()+` ORDER BY created, id LIMIT ?`, append(w.args, limitOf(p.Limit))...)
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
