package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kontorpay/kontor/store"
)

// GetIdempotency returns the stored outcome for the account's key, or store.ErrNotFound.
func (t *Tx) GetIdempotency(ctx context.Context, account, key string) (store.Idempotency, error) {
	if t.d.Pipelined {
		return t.idempotencyAndAccount(ctx, account, key)
	}
	return t.idempotency(ctx, account, key)
}

func (t *Tx) idempotency(ctx context.Context, account, key string) (store.Idempotency, error) {
	var r store.Idempotency
	err := t.row(ctx, `SELECT account, key, request_hash, method, path, status_code, body, created FROM idempotency WHERE account = ? AND key = ?`,
		account, key).Scan(&r.Account, &r.Key, &r.RequestHash, &r.Method, &r.Path, &r.StatusCode, &r.Body, &r.Created)
	if err == nil {
		r.Body, err = expand(r.Body)
	}
	return r, t.err(err)
}

// idempotencyWithAccount reads an account's row and its outcome for a key,
// if any. The outcome's account is the argument, not a.id: PostgreSQL's
// accounts.id is COLLATE "C" and idempotency.account is not, so a join on
// the two columns could not use the outcome's account as a condition of its
// key's index, and found the key by walking the index over every account.
var idempotencyWithAccount = `SELECT a.` + strings.ReplaceAll(accountColumns, ", ", ", a.") +
	`, i.request_hash, i.method, i.path, i.status_code, i.body, i.created
	FROM accounts a LEFT JOIN idempotency i ON i.account = ? AND i.key = ? WHERE a.id = ?`

// idempotencyAndAccount is GetIdempotency reading the account's row in the
// same statement, where a round trip costs (a Pipelined driver): a keyed
// write reads its account next, and GetAccount answers that from the row
// read here (Tx.acct). An account without a row has its outcome read alone.
func (t *Tx) idempotencyAndAccount(ctx context.Context, account, key string) (store.Idempotency, error) {
	var a store.Account
	var hash, method, path *string
	var status, created *int64
	var body []byte
	err := t.row(ctx, idempotencyWithAccount, account, key, account).
		Scan(&a.ID, &a.Name, &a.Created, &a.Settings, &a.Generation, &hash, &method, &path, &status, &body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return t.idempotency(ctx, account, key)
	}
	if err != nil {
		return store.Idempotency{}, t.err(err)
	}
	t.acct = &a
	if hash == nil {
		return store.Idempotency{}, store.ErrNotFound
	}
	r := store.Idempotency{Account: account, Key: key, RequestHash: *hash, Method: *method, Path: *path,
		StatusCode: int(*status), Created: *created}
	r.Body, err = expand(body)
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
