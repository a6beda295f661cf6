package sqlstore

import (
	"context"
	"math/rand/v2"

	"github.com/kontorpay/kontor/store"
)

// newGeneration returns an account generation: random, so that a value
// written by a transaction that rolled back is never written again.
func newGeneration() int64 { return rand.Int64() }

const accountColumns = `id, name, created, settings, generation`

func scanAccount(s scanner, a *store.Account) error {
	return s.Scan(&a.ID, &a.Name, &a.Created, &a.Settings, &a.Generation)
}

// InsertAccount inserts a; an existing id answers store.ErrConflict.
func (t *Tx) InsertAccount(ctx context.Context, a store.Account) error {
	t.acct = nil
	t.noteAccount(a.ID)
	res, err := t.exec(ctx, `INSERT INTO accounts (id, name, created, settings, generation) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.ID, a.Name, a.Created, a.Settings, newGeneration())
	if err != nil {
		return err
	}
	return affectedOne(res, conflict("account %s", a.ID))
}

// GetAccount returns the account with id, or store.ErrNotFound.
func (t *Tx) GetAccount(ctx context.Context, id string) (store.Account, error) {
	if a := t.acct; a != nil && a.ID == id {
		t.acct = nil // once: a later read reads again
		return *a, nil
	}
	var a store.Account
	err := scanAccount(t.row(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id), &a)
	return a, t.err(err)
}

// UpdateAccount replaces the name and settings of a.ID and gives it a new generation.
func (t *Tx) UpdateAccount(ctx context.Context, a store.Account) error {
	t.acct = nil
	t.noteAccount(a.ID)
	res, err := t.exec(ctx, `UPDATE accounts SET name = ?, settings = ?, generation = ? WHERE id = ?`,
		a.Name, a.Settings, newGeneration(), a.ID)
	if err != nil {
		return err
	}
	return affectedOne(res, store.ErrNotFound)
}

// TouchAccount gives the account id a new generation.
func (t *Tx) TouchAccount(ctx context.Context, id string) error {
	t.acct = nil
	t.noteAccount(id)
	res, err := t.exec(ctx, `UPDATE accounts SET generation = ? WHERE id = ?`, newGeneration(), id)
	if err != nil {
		return err
	}
	return affectedOne(res, store.ErrNotFound)
}

// ListAccounts returns every account, oldest first.
func (t *Tx) ListAccounts(ctx context.Context) ([]store.Account, error) {
	rows, err := t.query(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY created, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Account
	for rows.Next() {
		var a store.Account
		if err := scanAccount(rows, &a); err != nil {
			return nil, t.err(err)
		}
		out = append(out, a)
	}
	return out, t.err(rows.Err())
}

// InsertAPIKey stores k; a key already stored answers store.ErrConflict.
func (t *Tx) InsertAPIKey(ctx context.Context, k store.APIKey) error {
	res, err := t.exec(ctx, `INSERT INTO api_keys (hash, account, kind, prefix, sealed, created) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		k.Hash, k.Account, k.Kind, k.Prefix, k.Sealed, k.Created)
	if err != nil {
		return err
	}
	return affectedOne(res, conflict("API key %s…", k.Prefix))
}

// GetAPIKey returns the key whose hash is hash, or store.ErrNotFound.
func (t *Tx) GetAPIKey(ctx context.Context, hash string) (store.APIKey, error) {
	var k store.APIKey
	err := t.row(ctx, `SELECT hash, account, kind, prefix, sealed, created FROM api_keys WHERE hash = ?`, hash).
		Scan(&k.Hash, &k.Account, &k.Kind, &k.Prefix, &k.Sealed, &k.Created)
	return k, t.err(err)
}

// ListAPIKeys returns the keys of account, oldest first.
func (t *Tx) ListAPIKeys(ctx context.Context, account string) ([]store.APIKey, error) {
	rows, err := t.query(ctx, `SELECT hash, account, kind, prefix, sealed, created FROM api_keys WHERE account = ? ORDER BY created, hash`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		var k store.APIKey
		if err := rows.Scan(&k.Hash, &k.Account, &k.Kind, &k.Prefix, &k.Sealed, &k.Created); err != nil {
			return nil, t.err(err)
		}
		out = append(out, k)
	}
	return out, t.err(rows.Err())
}

// GetSetting returns the value of a server-wide setting, or store.ErrNotFound.
func (t *Tx) GetSetting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := t.row(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	return v, t.err(err)
}

// PutSetting stores a server-wide setting; an existing name answers store.ErrConflict,
// so two nodes racing to create the same setting keep the first.
func (t *Tx) PutSetting(ctx context.Context, name string, value []byte) error {
	res, err := t.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, value)
	if err != nil {
		return err
	}
	return affectedOne(res, conflict("setting %s", name))
}

func affectedOne(res interface{ RowsAffected() (int64, error) }, none error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}
