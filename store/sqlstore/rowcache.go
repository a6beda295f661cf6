package sqlstore

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/kontorpay/kontor/store"
)

// The row cache (ADR 0020) keeps objects and accounts as speculations read
// them from committed snapshots, so that the next speculation that reads one
// needs no statement: a charge reads its account, customer and source again
// and again, and they rarely change. An entry is the row as of a mark, the
// snapshot it was read from; a speculation that takes it reads the row as of
// that mark, and the writer checks the read against the write log from that
// mark, as any other. So an entry that is out of date cannot make a write
// wrong, only stale: the writer drops an entry when it writes its row, and
// one that a stale read used (it may have come back from an older snapshot
// after the write dropped it). Entries older than what the log remembers
// are of no use and go.

// rowCacheSize bounds the entries: past it the cache starts empty again.
const rowCacheSize = 8192

type rowCache struct {
	mu   sync.Mutex
	m    map[readKey]cachedRow
	hits atomic.Int64
}

// cachedRow is an object or an account as of mark.
type cachedRow struct {
	obj  store.Object
	acct store.Account
	mark uint64
}

func newRowCache() *rowCache { return &rowCache{m: map[readKey]cachedRow{}} }

// get returns k's entry if it is still of use to a log whose floor is floor.
func (c *rowCache) get(k readKey, floor uint64) (cachedRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[k]
	if ok && r.mark < floor {
		delete(c.m, k)
		ok = false
	}
	if ok {
		c.hits.Add(1)
	}
	return r, ok
}

// put keeps r for k unless a newer entry is there.
func (c *rowCache) put(k readKey, r cachedRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok && old.mark >= r.mark {
		return
	}
	if len(c.m) >= rowCacheSize {
		clear(c.m)
	}
	c.m[k] = r
}

// drop forgets k's entry if it is as of mark or older.
func (c *rowCache) drop(k readKey, mark uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.m[k]; ok && r.mark <= mark {
		delete(c.m, k)
	}
}

// Hits counts the reads the cache answered.
func (l *WriteLog) Hits() int64 { return l.cache.hits.Load() }

// cachedObject answers a read of p from the cache: ok reports a hit, and
// then the object, or store.ErrNotFound if it is not of p's type or scope,
// as of the entry's mark.
func (x *specTx) cachedObject(k readKey, p store.GetObjectParams) (o store.Object, mark uint64, err error, ok bool) {
	r, ok := x.s.log.cache.get(k, x.s.log.floor.Load())
	if !ok {
		return store.Object{}, 0, nil, false
	}
	if !p.Finds(r.obj) {
		return store.Object{}, r.mark, store.ErrNotFound, true
	}
	o = r.obj
	o.Data = bytes.Clone(o.Data)
	return o, r.mark, nil, true
}

func (x *specTx) cachedAccount(k readKey) (store.Account, uint64, bool) {
	r, ok := x.s.log.cache.get(k, x.s.log.floor.Load())
	if !ok {
		return store.Account{}, 0, false
	}
	a := r.acct
	a.Settings = bytes.Clone(a.Settings)
	return a, r.mark, true
}
