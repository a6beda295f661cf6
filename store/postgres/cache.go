package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlstore"
)

// The object cache (ADR 0032). A write reads the same few objects again and
// again (a charge: its customer, the customer's source, the source's
// mandate), and each read is a round trip that the next one waits for. So a
// node keeps the objects its writes read and wrote, and a write's GetObject
// answers from them without a statement. The read is checked instead: a
// statement that locks the row, as the read would have (FOR UPDATE), and
// fails with serialization_failure unless the row is still at the version
// read is held back (sqlstore.Deferred) and goes in the batch of the
// transaction's next statement or its COMMIT. So the checks come before
// anything else the transaction sends after the reads, and the transaction
// is what it would have been had it read the rows just then.
//
// An entry may be out of date: another node, or this one in a transaction
// that rolled back, wrote the row. That costs a failed check, and Update
// runs the function again without the cache. It never makes a write
// wrong. A version identifies a row's contents because every update of an
// object goes through UpdateObject, which increments it, and ids are never
// used twice. Views never use the cache: they answer what the database
// holds.
//
// A function that returns an error after reads from the cache has its
// checks run before the error is returned (Store.update): an answer such as
// "the customer has no default source" must not rest on a stale row.

// objectCacheSize bounds the entries: past it the cache starts empty again.
const objectCacheSize = 8192

type objectKey struct{ account, id string }

type objectCache struct {
	mu sync.Mutex
	m  map[objectKey]store.Object
}

func newObjectCache() *objectCache { return &objectCache{m: map[objectKey]store.Object{}} }

func (c *objectCache) get(account, id string) (store.Object, bool) {
	c.mu.Lock()
	o, ok := c.m[objectKey{account, id}]
	c.mu.Unlock()
	if ok {
		o.Data = bytes.Clone(o.Data)
	}
	return o, ok
}

// put keeps the objects of a committed transaction, newest version last.
func (c *objectCache) put(objs []store.Object) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range objs {
		k := objectKey{o.Account, o.ID}
		if old, ok := c.m[k]; ok && old.Version > o.Version {
			continue
		}
		if len(c.m) >= objectCacheSize {
			clear(c.m)
		}
		c.m[k] = o
	}
}

// drop forgets the objects of a transaction whose checks failed.
func (c *objectCache) drop(keys map[objectKey]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range keys {
		delete(c.m, k)
	}
}

// stillReadSQL checks a read answered from the cache (kontor_still_read,
// migration 0010), locking the row when the read was to (the index is
// ForUpdate).
var stillReadSQL = [2]string{
	`SELECT kontor_still_read(count(*)) FROM (SELECT 1 FROM objects WHERE account = $1 AND id = $2 AND version = $3) r`,
	`SELECT kontor_still_read(count(*)) FROM (SELECT 1 FROM objects WHERE account = $1 AND id = $2 AND version = $3 FOR UPDATE) r`,
}

// stillReadLock reports whether query is a check of stillReadSQL, and
// whether it locks its row.
func stillReadLock(query string) (lock, ok bool) {
	switch query {
	case stillReadSQL[0]:
		return false, true
	case stillReadSQL[1]:
		return true, true
	}
	return false, false
}

// stillReadAll holds, for each sequence of checks held back one after the
// other (a charge's customer, source and mandate), the one statement that
// runs them all: each row's count, as its own check would take it (locked
// when the check locks), and kontor_still_read of their product, which is
// 1 only when every row is still at the version read. One statement costs
// the server one portal, one executor and one snapshot instead of one
// each. The key is the checks' locks in order ('L' locks, 'R' reads).
var stillReadAll sync.Map // locks -> its statement

func stillReadAllSQL(locks string) string {
	if q, ok := stillReadAll.Load(locks); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString("SELECT kontor_still_read(")
	for i := range len(locks) {
		if i > 0 {
			b.WriteString(" * ")
		}
		fmt.Fprintf(&b, "(SELECT count(*) FROM (SELECT 1 FROM objects WHERE account = $%d AND id = $%d AND version = $%d", 3*i+1, 3*i+2, 3*i+3)
		if locks[i] == 'L' {
			b.WriteString(" FOR UPDATE")
		}
		b.WriteString(") r)")
	}
	b.WriteString(")")
	q := b.String()
	stillReadAll.Store(locks, q)
	return q
}

// cachedTx is a write transaction whose GetObject answers from the cache
// (when use is set, the first attempt of an Update) and which keeps the
// objects it read and wrote for the cache once it commits.
type cachedTx struct {
	*sqlstore.Tx
	sql   *sql.Tx
	cache *objectCache
	use   bool
	// checked are the reads answered from the cache, checked in the
	// database's next batch, with whether the check locked the row.
	checked map[objectKey]bool
	// written are the objects the transaction wrote: the cache does not
	// have them as the transaction sees them.
	written map[objectKey]bool
	// keep are the objects read from the database or written, as they
	// will stand once the transaction commits.
	keep []keptObject
}

var _ store.Tx = (*cachedTx)(nil)

func (t *cachedTx) GetObject(ctx context.Context, p store.GetObjectParams) (store.Object, error) {
	if k := (objectKey{p.Account, p.ID}); t.use && !t.written[k] {
		if o, ok := t.cache.get(p.Account, p.ID); ok && p.Finds(o) {
			if locked, ok := t.checked[k]; !ok || (p.ForUpdate && !locked) {
				lock := 0
				if p.ForUpdate {
					lock = 1
				}
				if _, err := t.sql.ExecContext(ctx, stillReadSQL[lock], sqlstore.Deferred{}, o.Account, o.ID, o.Version); err != nil {
					return store.Object{}, translate(err)
				}
				if t.checked == nil {
					t.checked = map[objectKey]bool{}
				}
				t.checked[k] = p.ForUpdate
			}
			t.kept(o, nil)
			return o, nil
		}
	}
	o, err := t.Tx.GetObject(ctx, p)
	if err == nil {
		t.kept(o, nil)
	}
	return o, err
}

// keptObject is an object as it will stand once the transaction commits;
// seq, when set, is where the seq of an insert held back arrives.
type keptObject struct {
	o   store.Object
	seq *int64
}

// kept notes o, as it will stand once the transaction commits.
func (t *cachedTx) kept(o store.Object, seq *int64) {
	o.Data = bytes.Clone(o.Data)
	t.keep = append(t.keep, keptObject{o, seq})
}

// committed returns the objects kept, once the transaction has committed.
func (t *cachedTx) committed() []store.Object {
	objs := make([]store.Object, 0, len(t.keep))
	for _, k := range t.keep {
		if k.seq != nil {
			k.o.Seq = *k.seq
		}
		if k.o.Seq != 0 {
			objs = append(objs, k.o)
		}
	}
	return objs
}

// wrote notes an object the transaction wrote, at its new version; an
// update's row does not carry its seq, which comes from the object's read.
func (t *cachedTx) wrote(o *store.Object) {
	t.markWritten(o)
	w := *o
	if w.Seq == 0 {
		for i := len(t.keep) - 1; i >= 0; i-- {
			if k := t.keep[i].o; k.Account == w.Account && k.ID == w.ID {
				w.Seq = k.Seq
				break
			}
		}
	}
	t.kept(w, nil)
}

// markWritten notes that the transaction wrote o: its later reads of o
// go to the database.
func (t *cachedTx) markWritten(o *store.Object) {
	if t.written == nil {
		t.written = map[objectKey]bool{}
	}
	t.written[objectKey{o.Account, o.ID}] = true
}

func (t *cachedTx) InsertObject(ctx context.Context, o *store.Object) error {
	if err := t.Tx.InsertObject(ctx, o); err != nil {
		return err
	}
	t.wrote(o)
	return nil
}

func (t *cachedTx) UpdateObject(ctx context.Context, o *store.Object) error {
	return t.UpdateObjectColumns(ctx, o, store.AllColumns)
}

func (t *cachedTx) UpdateObjectColumns(ctx context.Context, o *store.Object, cols store.Columns) error {
	if err := t.Tx.UpdateObjectColumns(ctx, o, cols); err != nil {
		return err
	}
	t.wrote(o)
	return nil
}

// Later is the transaction's store.Later, whose object updates are noted too.
func (t *cachedTx) Later() store.Tx { return laterCachedTx{t, t.Tx.Later()} }

type laterCachedTx struct {
	*cachedTx
	later store.Tx
}

func (l laterCachedTx) Later() store.Tx { return l }

func (l laterCachedTx) InsertObject(ctx context.Context, o *store.Object) error {
	if err := l.later.InsertObject(ctx, o); err != nil {
		return err
	}
	l.markWritten(o)
	l.kept(*o, &o.Seq)
	return nil
}

func (l laterCachedTx) InsertEvent(ctx context.Context, e *store.Event) error {
	return l.later.InsertEvent(ctx, e)
}

func (l laterCachedTx) InsertTimer(ctx context.Context, tm *store.Timer) error {
	return l.later.InsertTimer(ctx, tm)
}

func (l laterCachedTx) PutIdempotency(ctx context.Context, r store.Idempotency) error {
	return l.later.PutIdempotency(ctx, r)
}

func (l laterCachedTx) UpdateObject(ctx context.Context, o *store.Object) error {
	return l.UpdateObjectColumns(ctx, o, store.AllColumns)
}

func (l laterCachedTx) UpdateObjectColumns(ctx context.Context, o *store.Object, cols store.Columns) error {
	if err := l.later.UpdateObjectColumns(ctx, o, cols); err != nil {
		return err
	}
	l.wrote(o)
	return nil
}
