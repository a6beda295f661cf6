package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kontorpay/kontor/store"
)

// Ahead is a write transaction run ahead of the writer: its function reads a
// snapshot (on a reader connection) and its writes are kept, in order, with
// their documents already compressed. The writer then only checks that what
// the function read is still so (Validate) and applies the writes (Apply),
// instead of running the function itself; a driver whose writes are
// serialised in one connection (SQLite) so keeps the function's work (its
// reads, rules and the rendering of its answer) out of that connection.
//
// What the function read is recorded as checks that the writer runs by
// primary key before applying anything: the version of every object looked
// up (0 for one not found), the ids and versions of every list, every count,
// every account. A read that an UpdateObject of the same object and version
// follows needs no check: that update fails unless the object is unchanged.
// The writes check their own outcome as they apply: an UpdateObject whose
// version moved on, an insert that meets an existing row, a CancelTimers that
// deletes another number of timers than the snapshot counted all fail.
//
// A method Ahead cannot run from a snapshot (claims of timers and
// deliveries, events, bank files, settings, API keys, and reads of a list or
// an account after the function wrote to it) stops the function: RunAhead
// reports that it must run in the writer, as every function whose checks or
// writes fail in the writer must. So the outcome is always one the function
// could have had running in the writer alone.
//
// Two things differ while the function runs ahead: the Seq and timer ID an
// insert assigns are set on the inserted record only when the writer applies
// it (they read 0 inside the function), and the function may run again, in
// the writer, after it ran ahead (store.Store says so of every function).
type Ahead struct {
	// Tx is nil: a method of store.Tx that Ahead does not define panics,
	// and a function that panics runs in the writer instead (RunAhead).
	store.Tx
	snap   *Tx
	checks []check
	writes []func(ctx context.Context, w *Tx) error
	// own holds the objects the function wrote, as a read now finds them;
	// seen the rows it read (without their documents).
	own  map[objectKey]store.Object
	seen map[objectKey]store.Object
	// ownTypes are the account and type pairs the function wrote objects of;
	// ownTimers the timers it inserted, for CancelTimers' count.
	ownTypes  map[objectKey]bool
	ownTimers []store.Timer
	ownAccts  map[string]bool
	// stopped names why the function cannot run ahead, once it cannot.
	stopped string
}

type objectKey struct{ account, id string }

// check is one read to confirm in the writer: ok reports whether it still
// reads the same. key and version name an object lookup, which a later
// update of that version covers.
type check struct {
	key     objectKey
	version int64
	covered bool
	ok      func(ctx context.Context, w *Tx) (bool, error)
}

// notAhead is the panic with which a method that cannot run ahead stops the function.
type notAhead struct{ method string }

// RunAhead runs fn on a snapshot transaction snap. It returns the recorded
// transaction and fn's own error; ok is false when fn must run in the
// writer instead (it called a method that cannot run ahead, or panicked).
// A recorded transaction with an error is still to be validated: the error
// is fn's answer only if what fn read is still so.
func RunAhead(snap *Tx, fn func(store.Tx) error) (a *Ahead, fnErr error, ok bool) {
	a = &Ahead{snap: snap}
	defer func() {
		if p := recover(); p != nil {
			a, fnErr, ok = nil, nil, false
		}
	}()
	fnErr = fn(a)
	if a.stopped != "" {
		// fn recovered from the stop itself.
		return nil, nil, false
	}
	return a, fnErr, true
}

// Ahead marks a transaction that runs ahead of the commit (store.AheadTx).
func (a *Ahead) Ahead() {}

func (a *Ahead) stop(method string) {
	a.stopped = method
	panic(notAhead{method})
}

// failed stops the function on a snapshot read that failed for another
// reason than a missing row: the writer, not the snapshot, answers it.
func (a *Ahead) failed(err error) error {
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.stop("a failed read: " + err.Error())
	}
	return err
}

// Writes reports how many writes the function made.
func (a *Ahead) Writes() int { return len(a.writes) }

// Validate runs the checks in the writer's transaction w, before Apply; it
// reports false when a read is no longer what the function saw.
func (a *Ahead) Validate(ctx context.Context, w *Tx) (bool, error) {
	for _, c := range a.checks {
		if c.covered {
			continue
		}
		ok, err := c.ok(ctx, w)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// Apply makes the function's writes in w, in the order it made them. An
// error means the writes do not hold as the function saw them: roll them
// back and run the function in the writer.
func (a *Ahead) Apply(ctx context.Context, w *Tx) error {
	for _, f := range a.writes {
		if err := f(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

func (a *Ahead) read(c check) { a.checks = append(a.checks, c) }

// readObject records that the lookup p found version v (0: none).
func (a *Ahead) readObject(p store.GetObjectParams, v int64) {
	a.read(check{key: objectKey{p.Account, p.ID}, version: v, ok: func(ctx context.Context, w *Tx) (bool, error) {
		now, err := w.objectVersion(ctx, p)
		return now == v, err
	}})
}

// cover marks the lookups of the object at version v as checked by an update that expects v.
func (a *Ahead) cover(k objectKey, v int64) {
	for i := range a.checks {
		if c := &a.checks[i]; c.key == k && c.version == v {
			c.covered = true
		}
	}
}

func (a *Ahead) write(f func(ctx context.Context, w *Tx) error) { a.writes = append(a.writes, f) }

func (a *Ahead) keepObject(o store.Object) {
	if a.own == nil {
		a.own, a.ownTypes = map[objectKey]store.Object{}, map[objectKey]bool{}
	}
	a.own[objectKey{o.Account, o.ID}] = o
	a.ownTypes[objectKey{o.Account, o.Type}] = true
}

// Accounts.

func (a *Ahead) InsertAccount(ctx context.Context, acct store.Account) error {
	a.stop("InsertAccount")
	return nil
}

func (a *Ahead) GetAccount(ctx context.Context, id string) (store.Account, error) {
	if a.ownAccts[id] {
		a.stop("GetAccount after UpdateAccount")
	}
	got, err := a.snap.GetAccount(ctx, id)
	a.failed(err)
	found := err == nil
	a.read(check{ok: func(ctx context.Context, w *Tx) (bool, error) {
		now, err := w.GetAccount(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return !found, nil
		}
		return found && now.Name == got.Name && now.Created == got.Created && bytes.Equal(now.Settings, got.Settings), err
	}})
	return got, err
}

func (a *Ahead) UpdateAccount(ctx context.Context, acct store.Account) error {
	if _, err := a.GetAccount(ctx, acct.ID); err != nil {
		return err
	}
	if a.ownAccts == nil {
		a.ownAccts = map[string]bool{}
	}
	a.ownAccts[acct.ID] = true
	acct.Settings = slices.Clone(acct.Settings)
	a.write(func(ctx context.Context, w *Tx) error { return w.UpdateAccount(ctx, acct) })
	return nil
}

func (a *Ahead) ListAccounts(ctx context.Context) ([]store.Account, error) {
	a.stop("ListAccounts")
	return nil, nil
}

func (a *Ahead) InsertAPIKey(ctx context.Context, k store.APIKey) error {
	a.stop("InsertAPIKey")
	return nil
}

func (a *Ahead) GetAPIKey(ctx context.Context, hash string) (store.APIKey, error) {
	a.stop("GetAPIKey")
	return store.APIKey{}, nil
}

func (a *Ahead) ListAPIKeys(ctx context.Context, account string) ([]store.APIKey, error) {
	a.stop("ListAPIKeys")
	return nil, nil
}

// Objects.

func (a *Ahead) InsertObject(ctx context.Context, o *store.Object) error {
	k := objectKey{o.Account, o.ID}
	if _, ok := a.own[k]; ok {
		a.stop("InsertObject of an object written before")
	}
	o.Version, o.Seq = 1, 0
	rec := *o
	data := compact(o.Data)
	a.keepObject(rec)
	a.write(func(ctx context.Context, w *Tx) error {
		if err := w.insertObject(ctx, &rec, data); err != nil {
			return err
		}
		o.Seq = rec.Seq
		return nil
	})
	return nil
}

func (a *Ahead) UpdateObject(ctx context.Context, o *store.Object) error {
	k := objectKey{o.Account, o.ID}
	cur, mine := a.own[k]
	if !mine {
		// The row's type, seq and created never change; the update keeps them.
		var read bool
		if cur, read = a.seen[k]; !read {
			row, err := a.snap.GetObject(ctx, store.GetObjectParams{Account: o.Account, ID: o.ID})
			a.failed(err)
			cur = row
		}
	}
	if cur.Version != o.Version {
		// The update fails as it would in the writer, if the object is
		// still missing or still at another version there.
		if !mine {
			a.readObject(store.GetObjectParams{Account: o.Account, ID: o.ID}, cur.Version)
		}
		if cur.Version == 0 {
			return store.ErrNotFound
		}
		return store.ErrConflict
	}
	rec := *o
	data := compact(o.Data)
	expect := o.Version
	a.cover(k, expect)
	next := rec
	next.Type, next.Seq, next.Created, next.Version = cur.Type, cur.Seq, cur.Created, expect+1
	a.keepObject(next)
	a.write(func(ctx context.Context, w *Tx) error { return w.updateObject(ctx, &rec, data) })
	o.Version++
	return nil
}

func (a *Ahead) GetObject(ctx context.Context, p store.GetObjectParams) (store.Object, error) {
	if o, ok := a.own[objectKey{p.Account, p.ID}]; ok {
		if (p.Type != "" && o.Type != p.Type) || (p.Scope != nil && o.Kind != *p.Scope) {
			return store.Object{}, store.ErrNotFound
		}
		return o, nil
	}
	o, err := a.snap.GetObject(ctx, p)
	a.failed(err)
	switch {
	case err == nil:
		a.readObject(p, o.Version)
		if a.seen == nil {
			a.seen = map[objectKey]store.Object{}
		}
		row := o
		row.Data = nil
		a.seen[objectKey{p.Account, p.ID}] = row
	case errors.Is(err, store.ErrNotFound):
		a.readObject(p, 0)
	}
	return o, err
}

func (a *Ahead) listed(p store.ListObjectsParams) {
	if a.ownTypes[objectKey{p.Account, p.Type}] {
		a.stop("a list of objects written before")
	}
}

func (a *Ahead) ListObjects(ctx context.Context, p store.ListObjectsParams) ([]store.Object, error) {
	a.listed(p)
	got, err := a.snap.ListObjects(ctx, p)
	if a.failed(err) != nil {
		return got, err
	}
	seen := make([]objectVersion, len(got))
	for i, o := range got {
		seen[i] = objectVersion{o.ID, o.Version}
	}
	a.read(check{ok: func(ctx context.Context, w *Tx) (bool, error) {
		now, err := w.listVersions(ctx, p)
		return slices.Equal(now, seen), err
	}})
	return got, nil
}

func (a *Ahead) CountObjects(ctx context.Context, p store.ListObjectsParams) (int64, error) {
	a.listed(p)
	n, err := a.snap.CountObjects(ctx, p)
	if a.failed(err) != nil {
		return n, err
	}
	a.read(check{ok: func(ctx context.Context, w *Tx) (bool, error) {
		now, err := w.CountObjects(ctx, p)
		return now == n, err
	}})
	return n, nil
}

// Events and deliveries.

func (a *Ahead) InsertEvent(ctx context.Context, e *store.Event) error {
	rec := *e
	data := compact(e.Data)
	e.Seq = 0
	a.write(func(ctx context.Context, w *Tx) error {
		if err := w.insertEvent(ctx, &rec, data); err != nil {
			return err
		}
		e.Seq = rec.Seq
		return nil
	})
	return nil
}

func (a *Ahead) GetEvent(ctx context.Context, account, id string) (store.Event, error) {
	a.stop("GetEvent")
	return store.Event{}, nil
}

func (a *Ahead) ListEvents(ctx context.Context, p store.ListEventsParams) ([]store.Event, error) {
	a.stop("ListEvents")
	return nil, nil
}

func (a *Ahead) InsertDelivery(ctx context.Context, d *store.Delivery) error {
	rec := *d
	a.write(func(ctx context.Context, w *Tx) error { return w.InsertDelivery(ctx, &rec) })
	return nil
}

func (a *Ahead) ClaimDeliveries(ctx context.Context, p store.ClaimDeliveriesParams) ([]store.Delivery, error) {
	a.stop("ClaimDeliveries")
	return nil, nil
}

func (a *Ahead) UpdateDelivery(ctx context.Context, d *store.Delivery) error {
	a.stop("UpdateDelivery")
	return nil
}

func (a *Ahead) ListDeliveries(ctx context.Context, p store.ListDeliveriesParams) ([]store.Delivery, error) {
	a.stop("ListDeliveries")
	return nil, nil
}

func (a *Ahead) InsertDeliveryAttempt(ctx context.Context, at store.DeliveryAttempt) error {
	a.stop("InsertDeliveryAttempt")
	return nil
}

func (a *Ahead) ListDeliveryAttempts(ctx context.Context, deliveryID string) ([]store.DeliveryAttempt, error) {
	a.stop("ListDeliveryAttempts")
	return nil, nil
}

func (a *Ahead) AdjustPendingWebhooks(ctx context.Context, account, eventID string, delta int) error {
	a.stop("AdjustPendingWebhooks")
	return nil
}

// Timers.

func (a *Ahead) InsertTimer(ctx context.Context, tm *store.Timer) error {
	rec := *tm
	rec.Payload = slices.Clone(tm.Payload)
	tm.ID = 0
	a.ownTimers = append(a.ownTimers, rec)
	a.write(func(ctx context.Context, w *Tx) error {
		if err := w.InsertTimer(ctx, &rec); err != nil {
			return err
		}
		tm.ID = rec.ID
		return nil
	})
	return nil
}

func (a *Ahead) ClaimDueTimers(ctx context.Context, p store.ClaimTimersParams) ([]store.Timer, error) {
	a.stop("ClaimDueTimers")
	return nil, nil
}

func (a *Ahead) UpdateTimer(ctx context.Context, tm *store.Timer) error {
	a.stop("UpdateTimer")
	return nil
}

func (a *Ahead) DeleteTimer(ctx context.Context, id int64) error {
	a.stop("DeleteTimer")
	return nil
}

func (a *Ahead) NextTimerDue(ctx context.Context, clockID string) (int64, bool, error) {
	a.stop("NextTimerDue")
	return 0, false, nil
}

func (a *Ahead) CountTimersDue(ctx context.Context, clockID string, dueLTE int64) (int64, error) {
	a.stop("CountTimersDue")
	return 0, nil
}

// CancelTimers counts the object's timers in the snapshot and among the
// function's own; the delete in the writer must remove as many.
func (a *Ahead) CancelTimers(ctx context.Context, p store.CancelTimersParams) (int64, error) {
	var w where
	w.add("account = ?", p.Account)
	w.add("object_id = ?", p.ObjectID)
	w.eq("kind", p.Kind)
	var n int64
	err := a.snap.row(ctx, `SELECT COUNT(*) FROM timers`+w.String(), w.args...).Scan(&n)
	if a.failed(a.snap.err(err)) != nil {
		return 0, err
	}
	kept := a.ownTimers[:0]
	for _, tm := range a.ownTimers {
		if tm.Account == p.Account && tm.ObjectID == p.ObjectID && (p.Kind == "" || tm.Kind == p.Kind) {
			n++
			continue
		}
		kept = append(kept, tm)
	}
	a.ownTimers = kept
	a.write(func(ctx context.Context, w *Tx) error {
		got, err := w.CancelTimers(ctx, p)
		if err == nil && got != n {
			err = fmt.Errorf("%w: %d timers of %s to cancel, %d seen ahead", store.ErrConflict, got, p.ObjectID, n)
		}
		return err
	})
	return n, nil
}

// Idempotency.

func (a *Ahead) GetIdempotency(ctx context.Context, account, key string) (store.Idempotency, error) {
	a.stop("GetIdempotency")
	return store.Idempotency{}, nil
}

func (a *Ahead) PutIdempotency(ctx context.Context, r store.Idempotency) error {
	body := compact(r.Body)
	a.write(func(ctx context.Context, w *Tx) error { return w.putIdempotency(ctx, r, body) })
	return nil
}

func (a *Ahead) DeleteIdempotencyBefore(ctx context.Context, createdBefore int64) (int64, error) {
	a.stop("DeleteIdempotencyBefore")
	return 0, nil
}

// Bank files and settings.

func (a *Ahead) InsertBankFile(ctx context.Context, f *store.BankFile) error {
	a.stop("InsertBankFile")
	return nil
}

func (a *Ahead) GetBankFile(ctx context.Context, account, id string) (store.BankFile, error) {
	a.stop("GetBankFile")
	return store.BankFile{}, nil
}

func (a *Ahead) GetBankFileByMessage(ctx context.Context, account, direction, messageID string) (store.BankFile, error) {
	a.stop("GetBankFileByMessage")
	return store.BankFile{}, nil
}

func (a *Ahead) ListBankFiles(ctx context.Context, p store.ListBankFilesParams) ([]store.BankFile, error) {
	a.stop("ListBankFiles")
	return nil, nil
}

func (a *Ahead) GetSetting(ctx context.Context, name string) ([]byte, error) {
	a.stop("GetSetting")
	return nil, nil
}

func (a *Ahead) PutSetting(ctx context.Context, name string, value []byte) error {
	a.stop("PutSetting")
	return nil
}

var _ store.AheadTx = (*Ahead)(nil)
