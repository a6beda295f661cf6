// Package store defines the narrow storage interface the engine writes through,
// the records it stores and the errors every driver translates its own into.
//
// A driver stores opaque object documents next to a few real columns that the
// list endpoints query (account, type, kind, customer, parent, status, clock,
// lookup, created). It knows nothing of payments: every rule lives in the engine.
package store

import (
	"context"
	"errors"
)

// Errors every driver returns in place of its own.
var (
	// ErrNotFound is returned when a looked-up row does not exist in the account.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a write collides with a row that already exists
	// (a unique violation) or with a concurrent change (a stale version).
	ErrConflict = errors.New("store: conflict")
	// ErrRetry is returned by a driver when the transaction lost a serialization
	// race; Update retries such transactions itself and callers rarely see it.
	ErrRetry = errors.New("store: retry transaction")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store: closed")
)

// Store opens transactions. Update runs fn in a read-write transaction and
// returns only after the transaction is durably committed (or has failed);
// drivers may run several callers' functions inside one commit (group commit),
// each isolated by a savepoint, so an error from one fn rolls back that fn only.
// fn may be called more than once when the driver retries a transaction, so it
// must not have side effects outside tx. A driver may also run fn first on a
// read snapshot and then only apply what it wrote (SQLite, ADR 0020): a call
// of tx may then stop that run (it does not return) and fn runs again, and
// the Seq of an inserted row is set by the time Update returns, not by the
// insert. View runs fn in a read-only snapshot.
type Store interface {
	Update(ctx context.Context, fn func(tx Tx) error) error
	View(ctx context.Context, fn func(tx Tx) error) error
	// Driver names the driver ("sqlite", "postgres") for logs and the banner.
	Driver() string
	Close() error
}

// Later returns tx for writes whose outcome the caller needs only when the
// transaction commits. On the Tx it returns, InsertObject, InsertEvent,
// InsertTimer, PutIdempotency, UpdateObject and UpdateObjectColumns may be
// sent to the database later, with the transaction's next statement or its
// commit, so that they cost no round trip of their own: such a call may return before
// the row is written, and then a failure of the write (a conflict included;
// a held update of a missing row answers ErrConflict, not ErrNotFound) is
// not returned by it but fails the transaction: a later call of the
// transaction, or Update, returns it.
// The Seq or ID the call sets is set by the time Update returns. Statements
// still run in the order they were called: a later read sees the row. A
// driver that writes at once returns tx itself.
func Later(tx Tx) Tx {
	if l, ok := tx.(interface{ Later() Tx }); ok {
		return l.Later()
	}
	return tx
}

// Tx is one transaction. Every method that takes an account scopes its query
// to that account: another account's row answers ErrNotFound.
type Tx interface {
	// Accounts and keys.
	InsertAccount(ctx context.Context, a Account) error
	GetAccount(ctx context.Context, id string) (Account, error)
	UpdateAccount(ctx context.Context, a Account) error
	// TouchAccount gives the account a new Generation without changing it:
	// the caller changed something that is derived along with the account
	// (its webhook endpoints). An unknown id answers ErrNotFound.
	TouchAccount(ctx context.Context, id string) error
	ListAccounts(ctx context.Context) ([]Account, error)
	InsertAPIKey(ctx context.Context, k APIKey) error
	GetAPIKey(ctx context.Context, hash string) (APIKey, error)
	ListAPIKeys(ctx context.Context, account string) ([]APIKey, error)

	// Objects. InsertObject sets o.Version at once and o.Seq by the time
	// Update returns; an id used in the account answers ErrConflict.
	InsertObject(ctx context.Context, o *Object) error
	UpdateObject(ctx context.Context, o *Object) error
	// UpdateObjectColumns is UpdateObject that writes, besides the document
	// and the version, only the filter columns in cols: the caller knows the
	// others are stored as o has them (see Object.Changed). A database then
	// leaves the index entries of the columns it does not write alone.
	UpdateObjectColumns(ctx context.Context, o *Object, cols Columns) error
	GetObject(ctx context.Context, p GetObjectParams) (Object, error)
	// GetObjects returns the account's objects among ids (of any type), in no particular order.
	GetObjects(ctx context.Context, account string, ids []string) ([]Object, error)
	// ObjectVersions returns the versions of the account's objects among
	// ids, by id; an id without an object is left out.
	ObjectVersions(ctx context.Context, account string, ids []string) (map[string]int64, error)
	ListObjects(ctx context.Context, p ListObjectsParams) ([]Object, error)
	CountObjects(ctx context.Context, p ListObjectsParams) (int64, error)

	// Events and their webhook deliveries.
	InsertEvent(ctx context.Context, e *Event) error
	GetEvent(ctx context.Context, account, id string) (Event, error)
	ListEvents(ctx context.Context, p ListEventsParams) ([]Event, error)
	InsertDelivery(ctx context.Context, d *Delivery) error
	ClaimDeliveries(ctx context.Context, p ClaimDeliveriesParams) ([]Delivery, error)
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// UpdateLeasedDelivery writes d like UpdateDelivery, but only while the
	// delivery is still pending under the lease it was claimed with (lease,
	// its LeaseUntil then); held reports whether it was.
	UpdateLeasedDelivery(ctx context.Context, d *Delivery, lease int64) (held bool, err error)
	ListDeliveries(ctx context.Context, p ListDeliveriesParams) ([]Delivery, error)
	InsertDeliveryAttempt(ctx context.Context, a DeliveryAttempt) error
	ListDeliveryAttempts(ctx context.Context, deliveryID string) ([]DeliveryAttempt, error)
	AdjustPendingWebhooks(ctx context.Context, account, eventID string, delta int) error

	// Timers.
	InsertTimer(ctx context.Context, t *Timer) error
	ClaimDueTimers(ctx context.Context, p ClaimTimersParams) ([]Timer, error)
	UpdateTimer(ctx context.Context, t *Timer) error
	DeleteTimer(ctx context.Context, id int64) error
	// DeleteTimers removes the timers of ids that are still there and returns how many.
	DeleteTimers(ctx context.Context, ids []int64) (int64, error)
	NextTimerDue(ctx context.Context, clockID string) (int64, bool, error)
	CountTimersDue(ctx context.Context, clockID string, dueLTE int64) (int64, error)
	CancelTimers(ctx context.Context, p CancelTimersParams) (int64, error)

	// Idempotency records. GetIdempotency's ErrNotFound holds for a
	// transaction that commits, not necessarily when it is answered: a store
	// may answer it without a look while a key is likely fresh, as long as
	// the transaction then fails with ErrConflict if an outcome for the key
	// is stored before it commits (ADR 0025). PutIdempotency of a key that
	// has an outcome answers ErrConflict, at once or at the commit.
	GetIdempotency(ctx context.Context, account, key string) (Idempotency, error)
	PutIdempotency(ctx context.Context, r Idempotency) error
	DeleteIdempotencyBefore(ctx context.Context, createdBefore int64) (int64, error)

	// Bank files.
	InsertBankFile(ctx context.Context, f *BankFile) error
	GetBankFile(ctx context.Context, account, id string) (BankFile, error)
	GetBankFileByMessage(ctx context.Context, account, direction, messageID string) (BankFile, error)
	ListBankFiles(ctx context.Context, p ListBankFilesParams) ([]BankFile, error)

	// Held writes. After HoldWrites, InsertObject, UpdateObject, InsertEvent
	// and InsertDelivery may only queue their row; the queue is written, in
	// multi-row statements, by FlushWrites and before any other method runs
	// a statement, so every read of the transaction sees it. A queued row's
	// unique or version conflict is reported by the call that writes it,
	// and the Seq of a queued insert is set then. DropWrites forgets what
	// is queued and stops holding: call it before fn returns, flushed or not.
	HoldWrites()
	FlushWrites(ctx context.Context) error
	DropWrites()

	// Settings: small server-wide values (encryption and fingerprint keys).
	GetSetting(ctx context.Context, name string) ([]byte, error)
	PutSetting(ctx context.Context, name string, value []byte) error
}
