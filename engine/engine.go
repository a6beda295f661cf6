// Package engine holds Kontor's rules: accounts, customers, events, test
// clocks, timers and the payment state machines. It speaks its own vocabulary
// (no wire formats, no SQL) and reaches the outside world only through the
// store, the clock and the bank network interfaces.
package engine

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/bank/iso20022/xsd"
	"github.com/kontorpay/kontor/bank/sim"
	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/internal/leasecache"
	"github.com/kontorpay/kontor/store"
)

// Timing selects how long asynchronous outcomes take.
type Timing string

// Timing profiles.
const (
	// TimingSandbox settles within seconds and honours the documented test delays.
	TimingSandbox Timing = "sandbox"
	// TimingRealistic uses TARGET business days and the schemes' real windows.
	TimingRealistic Timing = "realistic"
)

// Config configures an Engine.
type Config struct {
	Store  store.Store
	Clock  clock.Clock // nil means clock.Wall
	Logger *slog.Logger
	Timing Timing
	// StrictKeys turns off provisioning an account for an unknown sk_test_ key.
	StrictKeys bool
	// SandboxDelay is how long "within seconds" outcomes take in the sandbox profile; 0 means 2s.
	SandboxDelay time.Duration
	// DataKey seals full IBANs and secrets; nil means a key kept in the store's settings.
	DataKey []byte
	// Bank is the bank network; nil means the simulator.
	Bank bank.Network
	// TestValues resolves test tokens and simulated Sofort payers; nil means the simulator's.
	TestValues bank.TestValues
	// BankSchemas, when set, validates every imported bank file against its
	// full XML schema, beyond the checks of the readers.
	BankSchemas *xsd.Validator
}

// Engine is the payment engine. It is safe for concurrent use.
type Engine struct {
	store  store.Store
	clock  clock.Clock
	log    *slog.Logger
	timing Timing
	strict bool
	delay  time.Duration
	bank   bank.Network
	tests  bank.TestValues
	xsd    *xsd.Validator

	keys     *keyring
	handlers map[string]TimerHandler
	sinks    []dialectSink
	// mandateEnded are the dialects' listeners for mandates that end.
	mandateEnded []mandateListener

	kickMu   sync.Mutex
	kickers  []func(Wake)
	inflight sync.Map                            // idempotency keys in flight on this node
	keyCache sync.Map                            // API key -> *keyInfo
	accounts *leasecache.Cache[string, *Account] // by account id, for reads (Op.Account)
	states   sync.Map                            // account id -> *accountState, for writes (Op.Account)
	clockMu  sync.Map                            // test clock id -> *sync.Mutex
	// chargeSources are the sources of the charges read (charge_source.go).
	chargeSources chargeSources
}

// New returns an Engine over cfg.Store, loading or creating the data keys.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	e := &Engine{
		store:    cfg.Store,
		clock:    cfg.Clock,
		log:      cfg.Logger,
		timing:   cfg.Timing,
		strict:   cfg.StrictKeys,
		delay:    cfg.SandboxDelay,
		bank:     cfg.Bank,
		tests:    cfg.TestValues,
		xsd:      cfg.BankSchemas,
		handlers: map[string]TimerHandler{},
		accounts: leasecache.New[string, *Account](accountCacheTTL),
	}
	if e.clock == nil {
		e.clock = clock.Wall{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.bank == nil || e.tests == nil {
		simulator := sim.New()
		if e.bank == nil {
			e.bank = simulator
		}
		if e.tests == nil {
			e.tests = simulator
		}
	}
	if e.timing == "" {
		e.timing = TimingSandbox
	}
	if e.delay == 0 {
		e.delay = 2 * time.Second
	}
	keys, err := loadKeyring(ctx, cfg.Store, cfg.DataKey)
	if err != nil {
		return nil, err
	}
	e.keys = keys
	e.registerTimers()
	return e, nil
}

// Store returns the engine's store.
func (e *Engine) Store() store.Store { return e.store }

// Timing returns the engine's timing profile.
func (e *Engine) Timing() Timing { return e.timing }

// WallNow returns the wall clock's time.
func (e *Engine) WallNow() time.Time { return e.clock.Now() }

// Logger returns the engine's logger.
func (e *Engine) Logger() *slog.Logger { return e.log }

// OnCommit registers f to be called after every committed write that left
// work for the background services (Wake says which), so that they wake.
func (e *Engine) OnCommit(f func(Wake)) {
	e.kickMu.Lock()
	e.kickers = append(e.kickers, f)
	e.kickMu.Unlock()
}

func (e *Engine) kick(w Wake) {
	e.kickMu.Lock()
	ks := e.kickers
	e.kickMu.Unlock()
	for _, k := range ks {
		k(w)
	}
}

// RequestInfo identifies the API request that caused a change; events carry it.
type RequestInfo struct {
	ID             string
	IdempotencyKey string
}

// Op is one transaction of the engine, bound to an account. It is created by
// Update or View and must not be used after its function returns.
type Op struct {
	ctx     context.Context
	e       *Engine
	tx      store.Tx
	account string
	acct    *Account
	req     RequestInfo
	write   bool
	clocks  map[string]*TestClock
	hooks   []*WebhookEndpoint
	hooksOK bool
	// state is what the write may take from its account's generation (Op.Account); nil
	// before the account is read and once the op has changed it.
	state *accountState
	// pages holds the payment pages loaded in this write transaction.
	pages map[string]*PaymentPage
	// wake is what the op leaves for the background services.
	wake wakes
	// accountChanged is set when the op changed its account's settings.
	accountChanged bool
	// now pins the time seen by objects of one test clock while its timers fire.
	pinned map[string]time.Time
	// scope is the dialect the op works for (see Within); nil sees every dialect's objects.
	scope *string
	// memo holds what dialects derived in this transaction (Remember).
	memo map[any]any
	// rows are the objects the op read or wrote, by id (Get reads them again from here).
	rows map[string]*heldRow
	// started is when a read-only op began, before its first statement: no
	// later than its snapshot (the account cache counts from it).
	started time.Time
}

// Update runs fn in a write transaction for account and returns after the
// commit is durable. fn may run more than once if the store retries.
func (e *Engine) Update(ctx context.Context, account string, req RequestInfo, fn func(op *Op) error) error {
	var wake wakes
	accountChanged := false
	err := e.store.Update(ctx, func(tx store.Tx) error {
		op := e.newOp(ctx, tx, account, req, true)
		if err := fn(op); err != nil {
			return err
		}
		wake, accountChanged = op.wake, op.accountChanged
		return nil
	})
	if err == nil && accountChanged {
		// Reads cached the account before this commit (Op.Account): this
		// node's entry goes now, the other nodes' expire within
		// accountCacheTTL, which the change waits out before it is answered.
		e.accounts.Changed(ctx, account)
	}
	if err == nil {
		e.woken(wake)
	}
	return err
}

// View runs fn in a read-only transaction for account.
func (e *Engine) View(ctx context.Context, account string, fn func(op *Op) error) error {
	return e.store.View(ctx, func(tx store.Tx) error {
		op := e.newOp(ctx, tx, account, RequestInfo{}, false)
		op.started = e.accounts.Start()
		return fn(op)
	})
}

func (e *Engine) newOp(ctx context.Context, tx store.Tx, account string, req RequestInfo, write bool) *Op {
	return &Op{ctx: ctx, e: e, tx: tx, account: account, req: req, write: write}
}

// Within limits op to the objects of one dialect, the origin (ADR 0005):
// customers, mandates, charges, refunds and disputes of another origin are
// not found by Get and not listed by List, and the customers, mandates and
// collections op creates belong to origin. "" is the origin of the default
// dialect's objects. It changes op itself, for the rest of its transaction,
// and returns it. A dialect calls it once, where its requests enter; the
// engine's own services (timers, the webhook dispatcher) work unlimited.
func (op *Op) Within(origin string) *Op {
	op.scope = &origin
	return op
}

// Remember keeps v under key for the rest of op's transaction (nil forgets
// it): a dialect's listener that derived a view of an object inside the
// transaction hands it to the request that caused the change, which then
// need not derive it again (Recall).
func (op *Op) Remember(key, v any) {
	if v == nil {
		delete(op.memo, key)
		return
	}
	if op.memo == nil {
		op.memo = map[any]any{}
	}
	op.memo[key] = v
}

// Recall returns what was remembered under key in op's transaction.
func (op *Op) Recall(key any) (any, bool) {
	v, ok := op.memo[key]
	return v, ok
}

// origin is the origin of the objects op creates: its scope, "" without one.
func (op *Op) origin() string {
	if op.scope == nil {
		return ""
	}
	return *op.scope
}

// Context returns the op's context.
func (op *Op) Context() context.Context { return op.ctx }

// AccountID returns the id of the op's account.
func (op *Op) AccountID() string { return op.account }

// Engine returns the engine that created op.
func (op *Op) Engine() *Engine { return op.e }

// Tx exposes the store transaction to the engine's own services.
func (op *Op) Tx() store.Tx { return op.tx }

// Now returns the current time for objects bound to clockID ("" for none):
// the frozen time of that test clock, else the wall clock.
func (op *Op) Now(clockID string) time.Time {
	if clockID == "" {
		return op.e.clock.Now()
	}
	if t, ok := op.pinned[clockID]; ok {
		return t
	}
	c, err := op.testClock(clockID)
	if err != nil {
		// A deleted clock freezes nothing any more.
		return op.e.clock.Now()
	}
	return time.Unix(c.FrozenTime, 0)
}

func (op *Op) testClock(id string) (*TestClock, error) {
	if c, ok := op.clocks[id]; ok {
		return c, nil
	}
	c, err := Get[TestClock](op, id)
	if err != nil {
		return nil, err
	}
	if op.clocks == nil {
		op.clocks = map[string]*TestClock{}
	}
	op.clocks[id] = c
	return c, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// missing tells whether err says a looked-up object does not exist, whether
// it comes from the store or from an engine getter.
func missing(err error) bool {
	if isNotFound(err) {
		return true
	}
	e, ok := AsError(err)
	return ok && e.Kind == KindNotFound
}

// followed passes on what a follow-up loaded: a zero value without an error
// when the object no longer exists (there is nothing to follow), any other
// error as it is. Use it as followed(op.GetPaymentIntent(id)).
func followed[P any](p P, err error) (P, error) {
	if missing(err) {
		var zero P
		return zero, nil
	}
	return p, err
}
