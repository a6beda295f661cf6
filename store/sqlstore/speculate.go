package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"

	"github.com/kontorpay/kontor/store"
)

// Speculative writes (ADR 0020). A driver with one writer (SQLite) runs a
// write's function first on a read snapshot, outside the writer: Speculate
// returns a Tx whose reads go to the snapshot and are remembered by key, and
// whose writes are only queued as statements, their arguments encoded and
// their documents compressed. The writer then applies the speculation: if
// no row the function read was written after the snapshot (WriteLog), it
// runs the queued statements and nothing else; otherwise, or when a queued
// statement fails, the driver rolls the attempt back and the function is
// speculated again on a newer snapshot (in the end run by the writer). The
// engine's logic, its JSON and the answer's rendering so leave the writer,
// which keeps only the statements.
//
// A function that uses what a speculation cannot give it (a claim, a held
// write, a read of a row it wrote itself) spoils it: the call does not
// return but panics with ErrSpoiled, which the driver recovers, and the
// driver runs the function in the writer instead. So the function never
// sees an answer it would not get in the writer, and does no more work.

// ErrSpoiled is the panic of a call a speculation cannot serve.
var ErrSpoiled = errors.New("sqlstore: the write cannot be speculated")

// readKey names what a read saw: one object or account, or a list of an
// account's objects of one type.
type readKey struct {
	kind        byte // 'o' object, 'l' list of a type, 'a' account
	account, id string
}

func objectRead(account, id string) readKey { return readKey{'o', account, id} }
func listRead(account, typ string) readKey  { return readKey{'l', account, typ} }
func accountRead(id string) readKey         { return readKey{'a', "", id} }

// outcomesSwept stands for every stored idempotency outcome: the sweep of
// old ones is their only change, as a stored outcome is never rewritten
// and a new one meets the table's unique key.
var outcomesSwept = readKey{kind: 'i'}

// WriteLog remembers, for the objects and accounts the writer wrote lately,
// the batch (group commit) that last wrote each; it is used by the writer's
// goroutine only, but for Committed. A batch's number is above every batch
// committed before a snapshot that could have missed it, so that a key
// written in a batch above the snapshot's Committed was perhaps not seen.
type WriteLog struct {
	batch     uint64        // the batch being written
	committed atomic.Uint64 // every batch up to it has committed or failed
	// cur and prev hold the keys written since their start batches; keys
	// older than prev are forgotten, and a snapshot before them is
	// treated as having missed everything (floor).
	cur, prev map[readKey]uint64
	curFrom   uint64
	floor     atomic.Uint64 // read by speculations, for the row cache
	rotateAt  int
	// cache holds rows as speculations read them (rowcache.go), and
	// fresh the rows the batch's speculations updated, for the cache.
	cache *rowCache
	fresh map[readKey]cachedRow
}

// logRotate is how many keys the newer half of a WriteLog holds before the
// older half is forgotten: a few seconds of writes at full speed.
const logRotate = 1 << 15

// NewWriteLog returns an empty log.
func NewWriteLog() *WriteLog {
	return &WriteLog{cur: map[readKey]uint64{}, prev: map[readKey]uint64{}, curFrom: 1, rotateAt: logRotate, cache: newRowCache(),
		fresh: map[readKey]cachedRow{}}
}

// Committed is the snapshot mark a speculation takes before its snapshot
// begins: every batch up to it is in the snapshot.
func (l *WriteLog) Committed() uint64 { return l.committed.Load() }

// Begin starts the next batch.
func (l *WriteLog) Begin() {
	l.batch++
	if len(l.cur) >= l.rotateAt {
		l.prev, l.cur = l.cur, make(map[readKey]uint64, len(l.cur))
		// Forgotten keys were written before the old cur began.
		l.floor.Store(l.curFrom - 1)
		l.curFrom = l.batch
	}
}

// Done marks the batch as over; if it committed, the rows its
// speculations updated last go into the row cache, as of the batch.
func (l *WriteLog) Done(committed bool) {
	if committed {
		for k, r := range l.fresh {
			r.mark = l.batch
			l.cache.put(k, r)
		}
	}
	clear(l.fresh)
	l.committed.Store(l.batch)
}

// Redo forgets the rows the batch's speculations updated, for the row
// cache: the batch is rolled back and run again, and Keep notes them again.
// The keys the first run wrote stay written in the batch, which can only
// make a later read stale.
func (l *WriteLog) Redo() { clear(l.fresh) }

// Keep notes the objects s updated, once the writer has applied it, for
// the row cache (Done); a later write of one in the batch forgets it again.
func (l *WriteLog) Keep(s *Speculation) {
	for _, w := range s.writes {
		if w.obj != nil && w.one {
			o := *w.obj
			o.Data = bytes.Clone(o.Data)
			l.fresh[objectRead(o.Account, o.ID)] = cachedRow{obj: o}
		}
	}
}

// Forget treats every key as written in the current batch: something
// else wrote the database (another process), and what is unknown may have changed.
func (l *WriteLog) Forget() {
	clear(l.cur)
	clear(l.prev)
	l.floor.Store(l.batch)
	l.curFrom = l.batch
}

func (l *WriteLog) wrote(k readKey) {
	l.cur[k] = l.batch
	if k.kind == 'o' || k.kind == 'a' {
		l.cache.drop(k, l.batch)
		delete(l.fresh, k)
	}
}

// changedSince reports whether k may have been written after the snapshot mark.
func (l *WriteLog) changedSince(k readKey, mark uint64) bool {
	if mark < l.floor.Load() {
		return true
	}
	if b, ok := l.cur[k]; ok {
		return b > mark
	}
	return l.prev[k] > mark
}

// noteObject records a write of o in the Tx's log, if it keeps one.
func (t *Tx) noteObject(o *store.Object) {
	if t.log != nil {
		t.log.wrote(objectRead(o.Account, o.ID))
		t.log.wrote(listRead(o.Account, o.Type))
	}
}

func (t *Tx) noteSweep() {
	if t.log != nil {
		t.log.wrote(outcomesSwept)
	}
}

func (t *Tx) noteAccount(id string) {
	if t.log != nil {
		t.log.wrote(accountRead(id))
	}
}

// LogWrites makes t record its object and account writes in l.
func (t *Tx) LogWrites(l *WriteLog) { t.log = l }

// Speculation is a write's function run on a snapshot: what it read and the
// statements it queued (see the package comment above).
type Speculation struct {
	log   *WriteLog
	mark  uint64
	first bool // the write's first speculation (specTx.exists)
	// snap is the snapshot the function runs on, until Confirm.
	snap *Tx
	// unread are the stored outcomes the function was told are missing
	// without a look (specTx.GetIdempotency).
	unread []unreadOutcome
	reads  []specRead
	writes []queued
	// seen holds the version of each object the function read.
	seen map[readKey]int64
	// mine holds the objects and lists the function wrote itself, which its
	// snapshot does not show.
	mine map[readKey]bool
	// undo restores the fields the speculation set in the caller's rows.
	undo    []undo
	spoiled bool
}

// specRead is a key a speculation read, as of mark: the snapshot's, or an
// entry's of the row cache.
type specRead struct {
	k    readKey
	mark uint64
}

// queued is one write statement of a speculation, with what it answers.
type queued struct {
	query string
	args  []any
	into  *int64        // receives the row's rowid, its seq or id
	one   bool          // the statement must change exactly one row
	obj   *store.Object // the object the statement writes, if any
	// run, when set, is run on the writer's Tx instead of query (a batch's
	// claim checked, its held rows written, its part in the writer:
	// speculate_batch.go).
	run func(context.Context, *Tx) error
	// reads says that run only reads: it changes nothing, even when it
	// fails (a claim checked again). A run without it may have changed
	// rows when it fails (Tx.Write).
	reads bool
}

type undo struct {
	p   *int64
	was int64
}

// unreadOutcome is an idempotency key a first speculation answered as
// having no stored outcome without reading it; queued tells whether the
// function then queued the key's outcome.
type unreadOutcome struct {
	account, key string
	queued       bool
}

// Speculate returns a speculation over t, a read-only snapshot that began
// after l's mark was taken, and the Tx the function runs on; first says
// whether it is the write's first.
func Speculate(t *Tx, l *WriteLog, mark uint64, first bool) (*Speculation, store.Tx) {
	s := &Speculation{log: l, mark: mark, first: first, snap: t}
	return s, &specTx{t: t, s: s}
}

// Confirm is called once the function has returned, on its snapshot. It
// looks up each stored outcome the function was told is missing without a
// look, unless the function queued that key's outcome itself: that insert
// fails at the writer if an outcome is stored by then, and the next
// speculation looks. False means an outcome is stored, or the look failed:
// what the function decided is not the writer's answer, and the writer is
// to run it.
func (s *Speculation) Confirm(ctx context.Context) bool {
	t := s.snap
	s.snap = nil
	for _, u := range s.unread {
		if u.queued {
			continue
		}
		s.reads = append(s.reads, specRead{outcomesSwept, s.mark})
		if _, err := t.GetIdempotency(ctx, u.account, u.key); !errors.Is(err, store.ErrNotFound) {
			return false
		}
	}
	return true
}

// Spoiled reports whether the function used what a speculation cannot serve.
func (s *Speculation) Spoiled() bool { return s.spoiled }

// Undo gives the caller's rows back the versions, sequence numbers and ids
// they had before the speculation, for the function to run again.
func (s *Speculation) Undo() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		*s.undo[i].p = s.undo[i].was
	}
	s.undo = nil
}

// Apply writes what s queued, in order, if nothing it read has been written
// since its snapshot (Check, then Write). An error means s cannot stand:
// the caller rolls back what Apply wrote, calls Undo and runs the write's
// function again.
func (t *Tx) Apply(ctx context.Context, s *Speculation) error {
	if err := t.Check(s); err != nil {
		return err
	}
	_, err := t.Write(ctx, s)
	return err
}

// Check reports whether s still stands as far as its reads go: ErrConflict
// if a key it read has been written since the mark it read it at. It runs
// no statement and changes nothing, so the writer checks a speculation
// before it writes any of it.
func (t *Tx) Check(s *Speculation) error {
	if s.spoiled {
		return ErrSpoiled
	}
	for _, r := range s.reads {
		if t.log.changedSince(r.k, r.mark) {
			// The row may have come from the cache, out of date.
			t.log.cache.drop(r.k, r.mark)
			return store.ErrConflict
		}
	}
	return nil
}

// Write runs the statements s queued, in order, without checking its reads
// (Check does). It takes an insert's seq or id from its rowid, as SQLite
// returns it. On an error, partial reports whether some of s may be written
// still: it is not when nothing before the failing statement changed a row
// and the statement failed with ErrConflict (a key it inserts is taken, the
// row it updates is not at its version, a claim checked again differs): a
// single statement that meets a conflict is undone by the database itself
// and leaves the transaction as it was, and a run that only reads changed
// nothing. A run that writes (held rows, a part of the function in the
// writer) may fail after some of its statements; any other error may have
// rolled the transaction back.
func (t *Tx) Write(ctx context.Context, s *Speculation) (partial bool, err error) {
	wrote := false
	for _, w := range s.writes {
		if err := t.applyOne(ctx, s, w); err != nil {
			return wrote || (w.run != nil && !w.reads) || !errors.Is(err, store.ErrConflict), err
		}
		wrote = wrote || w.run == nil || !w.reads
	}
	return false, nil
}

func (t *Tx) applyOne(ctx context.Context, s *Speculation, w queued) error {
	if w.run != nil {
		return w.run(ctx, t)
	}
	if w.obj != nil {
		t.noteObject(w.obj)
	}
	res, err := t.exec(ctx, w.query, w.args...)
	switch {
	case err != nil:
		return err
	case w.into != nil:
		// Every table with a seq or id has it as its rowid (SQLite), which
		// comes back with the statement, without a RETURNING row.
		s.undo = append(s.undo, undo{w.into, *w.into})
		*w.into, err = res.LastInsertId()
		return t.err(err)
	case w.one:
		return affectedOne(res, store.ErrConflict)
	}
	return nil
}

// specTx is the Tx a speculated function runs on. A write it queues answers
// what the writer's would, given that nothing the function read changes
// before the writer applies it: what the answer depends on is looked up in
// the snapshot, and a write the writer would refuse spoils the speculation.
// Through Later, the writes answer as store.Later allows instead, unchecked.
type specTx struct {
	t *Tx
	s *Speculation
}

var _ store.Tx = (*specTx)(nil)

// spoil stops the function (see ErrSpoiled); it never returns.
func (x *specTx) spoil() error {
	x.s.spoiled = true
	panic(ErrSpoiled)
}

// check spoils the speculation on a failed read: the writer may well succeed.
func (x *specTx) check(err error) error {
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return x.spoil()
	}
	return err
}

func (x *specTx) read(k readKey) { x.readAsOf(k, x.s.mark) }

func (x *specTx) readAsOf(k readKey, mark uint64) {
	x.s.reads = append(x.s.reads, specRead{k, mark})
}

func (x *specTx) saw(o store.Object) {
	if x.s.seen == nil {
		x.s.seen = map[readKey]int64{}
	}
	x.s.seen[objectRead(o.Account, o.ID)] = o.Version
}

// mine reports whether the function wrote k itself.
func (x *specTx) mine(k readKey) bool { return x.s.mine[k] }

func (x *specTx) set(p *int64, v int64) {
	x.s.undo = append(x.s.undo, undo{p, *p})
	*p = v
}

func (x *specTx) queue(w queued) error {
	if w.obj != nil {
		x.own(w.obj)
	}
	x.s.writes = append(x.s.writes, w)
	return nil
}

// own notes that the function wrote o, which its snapshot does not show.
func (x *specTx) own(o *store.Object) {
	if x.s.mine == nil {
		x.s.mine = map[readKey]bool{}
	}
	x.s.mine[objectRead(o.Account, o.ID)] = true
	x.s.mine[listRead(o.Account, o.Type)] = true
}

// exists tells whether the snapshot has a row for query: the id an insert
// takes. A write's first speculation does not look and answers no. Ids are
// fresh as a rule, and one that is taken fails the insert at the writer,
// which makes the speculation stale: the next one looks, and answers the
// conflict. So a speculation that stands always had the right answer.
func (x *specTx) exists(ctx context.Context, query string, args ...any) bool {
	if x.s.first {
		return false
	}
	var one int
	err := x.check(x.t.err(x.t.row(ctx, query, args...).Scan(&one)))
	return err == nil
}

func (x *specTx) GetAccount(ctx context.Context, id string) (store.Account, error) {
	k := accountRead(id)
	if a, mark, ok := x.cachedAccount(k); ok {
		x.readAsOf(k, mark)
		return a, nil
	}
	x.read(k)
	a, err := x.t.GetAccount(ctx, id)
	if err == nil {
		x.s.log.cache.put(k, cachedRow{acct: a, mark: x.s.mark})
		a.Settings = bytes.Clone(a.Settings)
	}
	return a, x.check(err)
}

func (x *specTx) GetObject(ctx context.Context, p store.GetObjectParams) (store.Object, error) {
	k := objectRead(p.Account, p.ID)
	if x.mine(k) {
		return store.Object{}, x.spoil()
	}
	if o, mark, err, ok := x.cachedObject(k, p); ok {
		x.readAsOf(k, mark)
		if err == nil {
			x.saw(o)
		}
		return o, err
	}
	x.read(k)
	o, err := x.t.GetObject(ctx, p)
	if err == nil {
		x.saw(o)
		x.s.log.cache.put(k, cachedRow{obj: o, mark: x.s.mark})
		o.Data = bytes.Clone(o.Data)
	}
	return o, x.check(err)
}

// readIDs notes the reads of the account's objects among ids.
func (x *specTx) readIDs(account string, ids []string) {
	for _, id := range ids {
		k := objectRead(account, id)
		if x.mine(k) {
			_ = x.spoil()
		}
		x.read(k)
	}
}

func (x *specTx) GetObjects(ctx context.Context, account string, ids []string) ([]store.Object, error) {
	x.readIDs(account, ids)
	os, err := x.t.GetObjects(ctx, account, ids)
	for _, o := range os {
		x.saw(o)
	}
	return os, x.check(err)
}

func (x *specTx) ObjectVersions(ctx context.Context, account string, ids []string) (map[string]int64, error) {
	x.readIDs(account, ids)
	vs, err := x.t.ObjectVersions(ctx, account, ids)
	for id, v := range vs {
		x.saw(store.Object{Account: account, ID: id, Version: v})
	}
	return vs, x.check(err)
}

func (x *specTx) ListObjects(ctx context.Context, p store.ListObjectsParams) ([]store.Object, error) {
	k := listRead(p.Account, p.Type)
	if x.mine(k) {
		return nil, x.spoil()
	}
	x.read(k)
	os, err := x.t.ListObjects(ctx, p)
	for _, o := range os {
		x.saw(o)
	}
	return os, x.check(err)
}

func (x *specTx) CountObjects(ctx context.Context, p store.ListObjectsParams) (int64, error) {
	k := listRead(p.Account, p.Type)
	if x.mine(k) {
		return 0, x.spoil()
	}
	x.read(k)
	n, err := x.t.CountObjects(ctx, p)
	return n, x.check(err)
}

// The queued writes are each its method's statement without ON CONFLICT DO
// NOTHING, so that a conflict that arises after the snapshot fails it, and
// with it the speculation; the writer's own run of the function then meets
// the conflict as it would have.

func (x *specTx) InsertObject(ctx context.Context, o *store.Object) error {
	if err := x.checkInsert(ctx, o); err != nil {
		return err
	}
	x.set(&o.Version, 1)
	return x.queue(queued{query: insertObject, args: objectArgs(o), into: &o.Seq, obj: o})
}

// checkInsert answers what the writer's insert of o would, but for the
// write itself: a taken id is a conflict.
func (x *specTx) checkInsert(ctx context.Context, o *store.Object) error {
	k := objectRead(o.Account, o.ID)
	if x.mine(k) {
		return x.spoil()
	}
	if x.exists(ctx, `SELECT 1 FROM objects WHERE account = ? AND id = ?`, o.Account, o.ID) {
		// Objects are not deleted: the writer would find it too.
		x.read(k)
		return conflict("%s %s", o.Type, o.ID)
	}
	return nil
}

func (x *specTx) UpdateObject(ctx context.Context, o *store.Object) error {
	return x.UpdateObjectColumns(ctx, o, store.AllColumns)
}

func (x *specTx) UpdateObjectColumns(ctx context.Context, o *store.Object, cols store.Columns) error {
	if err := x.checkUpdate(ctx, o); err != nil {
		return err
	}
	return specLater{x}.UpdateObjectColumns(ctx, o, cols)
}

// checkUpdate answers what the writer's update of o would, but for the
// write itself: ErrConflict for a version passed; a version it cannot
// tell spoils the speculation.
func (x *specTx) checkUpdate(ctx context.Context, o *store.Object) error {
	k := objectRead(o.Account, o.ID)
	if !x.mine(k) {
		v, ok := x.s.seen[k]
		if !ok {
			x.read(k)
			if err := x.check(x.t.err(x.t.row(ctx, `SELECT version FROM objects WHERE account = ? AND id = ?`, o.Account, o.ID).Scan(&v))); err != nil {
				return x.spoil()
			}
		}
		if v > o.Version {
			// Versions only grow: the writer would find it stale too.
			return store.ErrConflict
		}
		if v != o.Version {
			return x.spoil()
		}
	}
	return nil
}

func (x *specTx) InsertEvent(ctx context.Context, e *store.Event) error {
	if err := x.checkEvent(ctx, e); err != nil {
		return err
	}
	return specLater{x}.InsertEvent(ctx, e)
}

// checkEvent answers what the writer's insert of e would, but for the write.
func (x *specTx) checkEvent(ctx context.Context, e *store.Event) error {
	if x.exists(ctx, `SELECT 1 FROM events WHERE account = ? AND id = ?`, e.Account, e.ID) {
		// Events are not deleted: the writer would find it too.
		return conflict("event %s", e.ID)
	}
	return nil
}

func (x *specTx) InsertTimer(ctx context.Context, tm *store.Timer) error {
	return specLater{x}.InsertTimer(ctx, tm)
}

func (x *specTx) PutIdempotency(ctx context.Context, r store.Idempotency) error {
	if x.exists(ctx, `SELECT 1 FROM idempotency WHERE account = ? AND key = ?`, r.Account, r.Key) {
		// Old outcomes are swept: the writer decides.
		return x.spoil()
	}
	return specLater{x}.PutIdempotency(ctx, r)
}

func (x *specTx) InsertDelivery(ctx context.Context, d *store.Delivery) error {
	if err := x.checkDelivery(ctx, d); err != nil {
		return err
	}
	return x.queue(queued{query: insertDelivery, args: deliveryArgs(d)})
}

// checkDelivery answers what the writer's insert of d would, but for the write.
func (x *specTx) checkDelivery(ctx context.Context, d *store.Delivery) error {
	if x.exists(ctx, `SELECT 1 FROM deliveries WHERE id = ?`, d.ID) {
		// Deliveries are not deleted: the writer would find it too.
		return conflict("delivery %s", d.ID)
	}
	return nil
}

// Later returns the speculation's Tx for store.Later's writes.
func (x *specTx) Later() store.Tx { return specLater{x} }

// specLater is a speculation's Tx for the writes of store.Later: they are
// queued unchecked, and whatever fails of them fails the speculation at the
// writer, which then runs the function itself, where they fail as they may.
type specLater struct{ *specTx }

func (l specLater) Later() store.Tx { return l }

func (l specLater) UpdateObject(ctx context.Context, o *store.Object) error {
	return l.UpdateObjectColumns(ctx, o, store.AllColumns)
}

func (l specLater) UpdateObjectColumns(ctx context.Context, o *store.Object, cols store.Columns) error {
	cols &= store.AllColumns
	w := queued{query: updateObjectSQL[cols], args: updateObjectArgs(o, cols), one: true, obj: o}
	l.set(&o.Version, o.Version+1)
	return l.queue(w)
}

func (l specLater) InsertEvent(ctx context.Context, e *store.Event) error {
	return l.queue(queued{query: insertEvent, args: eventArgs(e), into: &e.Seq})
}

func (l specLater) InsertTimer(ctx context.Context, tm *store.Timer) error {
	return l.queue(queued{query: insertTimerRow, args: timerArgs(tm), into: &tm.ID})
}

// PutIdempotency queues the outcome's insert before the statements queued
// so far, so that the writer runs it first: if an outcome is stored by then
// (the function was told there is none without a look, or another write
// stored one after the snapshot), it fails before the writer has run the
// others for nothing, and as the speculation's first statement it leaves
// nothing to undo (Tx.Write). The outcome has no seq: running it first
// changes no other row's.
func (l specLater) PutIdempotency(ctx context.Context, r store.Idempotency) error {
	for i, u := range l.s.unread {
		if u.account == r.Account && u.key == r.Key {
			l.s.unread[i].queued = true
		}
	}
	l.s.writes = append([]queued{{query: insertIdempotency, args: idempotencyArgs(r)}}, l.s.writes...)
	return nil
}

// What a speculation does not serve: the function runs in the writer.

func (x *specTx) InsertAccount(context.Context, store.Account) error { return x.spoil() }
func (x *specTx) UpdateAccount(context.Context, store.Account) error { return x.spoil() }
func (x *specTx) TouchAccount(context.Context, string) error         { return x.spoil() }
func (x *specTx) ListAccounts(context.Context) ([]store.Account, error) {
	return nil, x.spoil()
}
func (x *specTx) InsertAPIKey(context.Context, store.APIKey) error { return x.spoil() }
func (x *specTx) GetAPIKey(context.Context, string) (store.APIKey, error) {
	return store.APIKey{}, x.spoil()
}
func (x *specTx) ListAPIKeys(context.Context, string) ([]store.APIKey, error) {
	return nil, x.spoil()
}
func (x *specTx) GetEvent(context.Context, string, string) (store.Event, error) {
	return store.Event{}, x.spoil()
}
func (x *specTx) ListEvents(context.Context, store.ListEventsParams) ([]store.Event, error) {
	return nil, x.spoil()
}
func (x *specTx) ClaimDeliveries(context.Context, store.ClaimDeliveriesParams) ([]store.Delivery, error) {
	return nil, x.spoil()
}
func (x *specTx) UpdateDelivery(context.Context, *store.Delivery) error { return x.spoil() }
func (x *specTx) UpdateLeasedDelivery(context.Context, *store.Delivery, int64) (bool, error) {
	return false, x.spoil()
}
func (x *specTx) ListDeliveries(context.Context, store.ListDeliveriesParams) ([]store.Delivery, error) {
	return nil, x.spoil()
}
func (x *specTx) InsertDeliveryAttempt(context.Context, store.DeliveryAttempt) error {
	return x.spoil()
}
func (x *specTx) ListDeliveryAttempts(context.Context, string) ([]store.DeliveryAttempt, error) {
	return nil, x.spoil()
}
func (x *specTx) AdjustPendingWebhooks(context.Context, string, string, int) error {
	return x.spoil()
}
func (x *specTx) ClaimDueTimers(context.Context, store.ClaimTimersParams) ([]store.Timer, error) {
	return nil, x.spoil()
}
func (x *specTx) UpdateTimer(context.Context, *store.Timer) error { return x.spoil() }
func (x *specTx) DeleteTimer(context.Context, int64) error        { return x.spoil() }
func (x *specTx) DeleteTimers(context.Context, []int64) (int64, error) {
	return 0, x.spoil()
}
func (x *specTx) NextTimerDue(context.Context, string) (int64, bool, error) {
	return 0, false, x.spoil()
}
func (x *specTx) CountTimersDue(context.Context, string, int64) (int64, error) {
	return 0, x.spoil()
}
func (x *specTx) CancelTimers(context.Context, store.CancelTimersParams) (int64, error) {
	return 0, x.spoil()
}

// GetIdempotency answers a write's first speculation without a look that
// the key has no stored outcome: keys are fresh as a rule (a retry is the
// exception), and the function then queues the key's outcome, whose insert
// fails at the writer if one is stored; the next speculation looks. An
// answer that no queued outcome covers is looked up once the function is
// done (Confirm).
func (x *specTx) GetIdempotency(ctx context.Context, account, key string) (store.Idempotency, error) {
	if x.s.first {
		x.s.unread = append(x.s.unread, unreadOutcome{account: account, key: key})
		return store.Idempotency{}, store.ErrNotFound
	}
	x.read(outcomesSwept)
	r, err := x.t.GetIdempotency(ctx, account, key)
	return r, x.check(err)
}
func (x *specTx) DeleteIdempotencyBefore(context.Context, int64) (int64, error) {
	return 0, x.spoil()
}
func (x *specTx) InsertBankFile(context.Context, *store.BankFile) error { return x.spoil() }
func (x *specTx) GetBankFile(context.Context, string, string) (store.BankFile, error) {
	return store.BankFile{}, x.spoil()
}
func (x *specTx) GetBankFileByMessage(context.Context, string, string, string) (store.BankFile, error) {
	return store.BankFile{}, x.spoil()
}
func (x *specTx) ListBankFiles(context.Context, store.ListBankFilesParams) ([]store.BankFile, error) {
	return nil, x.spoil()
}
func (x *specTx) HoldWrites()                       { _ = x.spoil() }
func (x *specTx) FlushWrites(context.Context) error { return x.spoil() }
func (x *specTx) DropWrites()                       {}
func (x *specTx) GetSetting(context.Context, string) ([]byte, error) {
	return nil, x.spoil()
}
func (x *specTx) PutSetting(context.Context, string, []byte) error { return x.spoil() }
