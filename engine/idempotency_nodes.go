package engine

import (
	"context"
	"errors"

	"github.com/kontorpay/kontor/store"
)

// executedElsewhere tells whether a keyed request that failed with err
// failed because another node executed the same key at the same moment, so
// that the request should replay that node's stored outcome instead of
// answering err.
//
// The in-flight claim (claimIdempotencyKey) holds on one node only. When two
// nodes execute one key at once, the second either fails to store the key
// (store.ErrConflict: the first committed it) or, having waited for a row
// the first one locked, finds the state moved on by the first and fails
// with an error of its own (a consumed source, an inactive mandate). In both
// cases the first node's outcome is committed before the second fails, so
// looking the key up now finds it. A store.ErrConflict answers true even
// when no outcome is stored (another change of the same object won the
// race): the request can safely execute again.
func (e *Engine) executedElsewhere(ctx context.Context, account, key string, err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, store.ErrConflict) {
		return true
	}
	rec, lerr := e.lookupIdempotency(ctx, account, key)
	return lerr == nil && rec != nil
}
