package sqlstore

import (
	"context"

	"github.com/kontorpay/kontor/store"
)

// GetIdempotency returns the stored outcome for the account's key, or store.ErrNotFound.
func (t *Tx) GetIdempotency(ctx context.Context, account, key string) (store.Idempotency, error) {
	var r store.Idempotency
	err := t.row(ctx, `SELECT account, key, request_hash, method, path, status_code, body, created FROM idempotency WHERE account = ? AND key = ?`,
		account, key).Scan(&r.Account, &r.Key, &r.RequestHash, &r.Method, &r.Path, &r.StatusCode, &r.Body, &r.Created)
	if err == nil {
		r.Body, err = expand(r.Body)
	}
	return r, t.err(err)
}

// PutIdempotency stores r; a key already stored answers store.ErrConflict.
func (t *Tx) PutIdempotency(ctx context.Context, r store.Idempotency) error {
	res, err := t.exec(ctx, insertIdempotency+` ON CONFLICT DO NOTHING`, idempotencyArgs(r)...)
	if err != nil {
		return err
	}
	return affectedOne(res, conflict("idempotency key %s", r.Key))
}

// insertIdempotency writes one outcome (idempotencyArgs); PutIdempotency
// and its Later form end it differently.
const insertIdempotency = `INSERT INTO idempotency (account, key, request_hash, method, path, status_code, body, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func idempotencyArgs(r store.Idempotency) []any {
	return []any{r.Account, r.Key, r.RequestHash, r.Method, r.Path, r.StatusCode, compact(r.Body), r.Created}
}

// DeleteIdempotencyBefore removes records created before the given unix second and returns how many.
func (t *Tx) DeleteIdempotencyBefore(ctx context.Context, createdBefore int64) (int64, error) {
	t.noteSweep()
	res, err := t.exec(ctx, `DELETE FROM idempotency WHERE created < ?`, createdBefore)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, t.err(err)
}
