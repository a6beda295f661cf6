package engine

import (
	"context"
	"errors"
	"time"

	"github.com/kontorpay/kontor/store"
)

// IdempotencyRetention is how long outcomes of requests with an idempotency key are kept.
const IdempotencyRetention = 24 * time.Hour

// ClaimIdempotencyKey marks the account's key as in flight on this node. It
// reports false when another request with the key is still executing here;
// otherwise the caller must call release when done.
func (e *Engine) ClaimIdempotencyKey(account, key string) (release func(), ok bool) {
	k := account + "\x00" + key
	if _, busy := e.inflight.LoadOrStore(k, struct{}{}); busy {
		return nil, false
	}
	return func() { e.inflight.Delete(k) }, true
}

// LookupIdempotency returns the stored outcome of the account's key, if any.
func (e *Engine) LookupIdempotency(ctx context.Context, account, key string) (*store.Idempotency, error) {
	var r store.Idempotency
	err := e.store.View(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.GetIdempotency(ctx, account, key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// SaveIdempotency stores the outcome of a keyed request inside the op's
// transaction, so that the outcome and the change commit together. If another
// node stored the key first the transaction fails with store.ErrConflict.
func (op *Op) SaveIdempotency(r store.Idempotency) error {
	r.Account = op.account
	r.Created = op.e.clock.Now().Unix()
	return op.tx.PutIdempotency(op.ctx, r)
}

// SaveIdempotencyOutcome stores the outcome of a keyed request that changed
// nothing (a request that failed while executing).
func (e *Engine) SaveIdempotencyOutcome(ctx context.Context, r store.Idempotency) error {
	return e.Update(ctx, r.Account, RequestInfo{}, func(op *Op) error { return op.SaveIdempotency(r) })
}

// SweepIdempotency deletes outcomes older than IdempotencyRetention.
func (e *Engine) SweepIdempotency(ctx context.Context) (int64, error) {
	var n int64
	err := e.store.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteIdempotencyBefore(ctx, e.clock.Now().Add(-IdempotencyRetention).Unix())
		return err
	})
	return n, err
}
