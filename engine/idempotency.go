package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/kontorpay/kontor/store"
)

// IdempotencyRetention is how long outcomes of requests with an idempotency key are kept.
const IdempotencyRetention = 24 * time.Hour

// MaxIdempotencyKeyLen is the longest idempotency key a request may carry.
const MaxIdempotencyKeyLen = 255

// IdempotencyPolicy is how one dialect's keyed requests behave. The rule
// itself (claim the key, compare the request, replay or execute once and
// store the outcome with the change) is Engine.Execute's; a policy only
// names the dialect's headers and words its answers.
type IdempotencyPolicy struct {
	// KeyHeader is the request header that carries the key.
	KeyHeader string
	// EchoHeader, when set, is the response header that echoes the key on
	// every answer given under it (an execution or a replay).
	EchoHeader string
	// ReplayHeader is the response header set to "true" on a replay.
	ReplayHeader string
	// Namespace keeps the dialect's keys apart from other dialects' keys in
	// the account's one store of outcomes.
	Namespace string
	// Methods are the request methods whose keys are honoured; nil means
	// every write. A write with another method executes without its key.
	Methods []string
	// InvalidKey, InFlight and Reused answer a key that is too long, a key
	// whose first request is still executing on this node, and a key first
	// used with another method, path or parameters. A nil answer is the
	// engine's own error (KindInvalid, KindInFlight, KindIdempotency) with
	// the codes idempotency_key_invalid, idempotency_key_in_use and
	// idempotency_key_reused.
	InvalidKey, InFlight, Reused func(key string) error
	// ReplayAnyParams replays the stored answer to a key reused on the same
	// method and path whatever the parameters (a dialect's rule); only
	// another method or path counts as reused.
	ReplayAnyParams bool
	// StoredFailure tells whether a request that failed with err while
	// executing is stored and replayed under its key, and renders it. Nil
	// stores successes only, so that a failed request may be retried with
	// its key. Validation failures should not be stored.
	StoredFailure func(err error) (status int, body []byte, ok bool)
}

// Key returns the idempotency key among the request headers header reads
// (an http.Header's Get).
func (p *IdempotencyPolicy) Key(header func(name string) string) string {
	return header(p.KeyHeader)
}

// SetHeaders sets the response headers o calls for with set (an
// http.Header's Set): the echoed key and the replay mark.
func (p *IdempotencyPolicy) SetHeaders(o Outcome, set func(name, value string)) {
	if !o.Keyed {
		return
	}
	if p.EchoHeader != "" {
		set(p.EchoHeader, o.Key)
	}
	if o.Replayed {
		set(p.ReplayHeader, "true")
	}
}

func (p *IdempotencyPolicy) keyed(method string) bool {
	return p.Methods == nil || slices.Contains(p.Methods, method)
}

func (p *IdempotencyPolicy) answer(f func(string) error, key string, fallback *Error) error {
	if f != nil {
		return f(key)
	}
	return fallback
}

// WriteRequest is one write request as the idempotency rule sees it.
type WriteRequest struct {
	Account string
	Info    RequestInfo // Info.IdempotencyKey is the key the request carries, if any
	Method  string
	Path    string
	// Params are the request's parameters in a canonical form: a keyed
	// request is the same request only if they marshal to the same JSON.
	Params any
}

// Outcome is the answer to a write request.
type Outcome struct {
	Status int
	Body   []byte
	// Keyed is set when the answer was given under the request's key, and
	// Key is then that key.
	Keyed bool
	Key   string
	// Replayed is set when the answer is the stored outcome of an earlier
	// request with the key.
	Replayed bool
}

// Execute runs a write request in one transaction: fn returns the status
// and rendered body of its answer. A request with a key (under p) runs at
// most once per account and key; repeating it with the same method, path
// and parameters replays the stored answer byte for byte, and the answer is
// stored in the same transaction as the change. On an error the Outcome
// still says whether it was given under the key; the error is p's answer
// or fn's.
func (e *Engine) Execute(ctx context.Context, p *IdempotencyPolicy, req WriteRequest, fn func(op *Op) (int, []byte, error)) (Outcome, error) {
	key := req.Info.IdempotencyKey
	if key == "" || !p.keyed(req.Method) {
		status, body, err := e.execute(ctx, req, fn, nil)
		return Outcome{Status: status, Body: body}, err
	}
	if len(key) > MaxIdempotencyKeyLen {
		return Outcome{}, p.answer(p.InvalidKey, key, Invalid("idempotency_key_invalid", "", "The idempotency key is longer than %d characters.", MaxIdempotencyKeyLen))
	}
	canon, _ := json.Marshal(req.Params)
	sum := sha256.Sum256(append([]byte(req.Method+" "+req.Path+"\n"), canon...))
	// 128 bits tell two requests apart well enough and keep the record small.
	rec := store.Idempotency{Account: req.Account, Key: p.Namespace + key, RequestHash: hex.EncodeToString(sum[:16]),
		Method: req.Method, Path: req.Path}
	release, ok := e.claimIdempotencyKey(req.Account, rec.Key)
	if !ok {
		return Outcome{}, p.answer(p.InFlight, key, &Error{Kind: KindInFlight, Code: "idempotency_key_in_use",
			Message: "Another request with this idempotency key is still executing."})
	}
	defer release()
	for attempt := 0; ; attempt++ {
		// The outcome stored under the key, if any, is read in the write's
		// own transaction rather than in a read transaction before it.
		var stored *store.Idempotency
		status, body, err := e.execute(ctx, req, func(op *Op) (int, []byte, error) {
			stored = nil
			r, err := op.tx.GetIdempotency(op.ctx, req.Account, rec.Key)
			if err == nil {
				stored = &r
				return 0, nil, errStoredOutcome // nothing to write: replay it
			}
			if !errors.Is(err, store.ErrNotFound) {
				return 0, nil, err
			}
			return fn(op)
		}, &rec)
		if stored != nil && errors.Is(err, errStoredOutcome) {
			samePlace := stored.Method == rec.Method && stored.Path == rec.Path
			if stored.RequestHash != rec.RequestHash && !(p.ReplayAnyParams && samePlace) {
				return Outcome{}, p.answer(p.Reused, key, &Error{Kind: KindIdempotency, Code: "idempotency_key_reused",
					Message: "The idempotency key was first used with other parameters."})
			}
			return Outcome{Status: stored.StatusCode, Body: stored.Body, Keyed: true, Key: key, Replayed: true}, nil
		}
		if attempt == 0 && e.executedElsewhere(ctx, req.Account, rec.Key, err) {
			continue // another node executed the key at the same moment: replay its outcome
		}
		if err != nil && p.StoredFailure != nil {
			if fs, fb, ok := p.StoredFailure(err); ok {
				failed := rec
				failed.StatusCode, failed.Body = fs, fb
				serr := e.Update(ctx, req.Account, RequestInfo{}, func(op *Op) error { return op.saveIdempotency(failed) })
				if errors.Is(serr, store.ErrConflict) && attempt == 0 {
					continue // another node stored an outcome first: replay it
				}
				if serr != nil && !errors.Is(serr, store.ErrConflict) {
					e.log.Error("store idempotent outcome", "request_id", req.Info.ID, "err", serr)
				}
			}
		}
		return Outcome{Status: status, Body: body, Keyed: true, Key: key}, err
	}
}

// errStoredOutcome ends the transaction of a keyed request whose key
// already has an outcome stored, which is replayed instead.
var errStoredOutcome = errors.New("engine: the idempotency key has a stored outcome")

// execute runs fn in one write transaction; with rec set it stores fn's
// answer as rec's outcome in the same transaction.
func (e *Engine) execute(ctx context.Context, req WriteRequest, fn func(op *Op) (int, []byte, error), rec *store.Idempotency) (int, []byte, error) {
	var (
		status int
		body   []byte
	)
	err := e.Update(ctx, req.Account, req.Info, func(op *Op) error {
		var err error
		if status, body, err = fn(op); err != nil || rec == nil {
			return err
		}
		r := *rec
		r.StatusCode, r.Body = status, body
		return op.saveIdempotency(r)
	})
	return status, body, err
}

// claimIdempotencyKey marks the account's key as in flight on this node. It
// reports false when another request with the key is still executing here;
// otherwise the caller must call release when done.
func (e *Engine) claimIdempotencyKey(account, key string) (release func(), ok bool) {
	k := account + "\x00" + key
	if _, busy := e.inflight.LoadOrStore(k, struct{}{}); busy {
		return nil, false
	}
	return func() { e.inflight.Delete(k) }, true
}

// lookupIdempotency returns the stored outcome of the account's key, if any.
func (e *Engine) lookupIdempotency(ctx context.Context, account, key string) (*store.Idempotency, error) {
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

// saveIdempotency stores the outcome of a keyed request inside the op's
// transaction, so that the outcome and the change commit together. If another
// node stored the key first the transaction fails with store.ErrConflict.
func (op *Op) saveIdempotency(r store.Idempotency) error {
	r.Account = op.account
	r.Created = op.e.clock.Now().Unix()
	return store.Later(op.tx).PutIdempotency(op.ctx, r)
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
