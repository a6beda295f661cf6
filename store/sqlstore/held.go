package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kontorpay/kontor/store"
)

// Held writes (store.Tx.HoldWrites): between HoldWrites and DropWrites,
// InsertObject, UpdateObject, InsertEvent and InsertDelivery only queue
// their row; the queue is written in multi-row statements by FlushWrites,
// and before any other statement of the Tx runs (exec, query and row flush
// first), so that every read of the transaction sees the held rows. A fired
// batch of timers holds its writes: one statement per table and up to
// heldChunk rows instead of one statement per row.
//
// A held document is compressed beside the writer: the queue hands it to a
// goroutine of its own (its packer) as it is queued, and FlushWrites
// compresses those the packer has not taken yet itself, so that it waits at
// most for the one the packer is compressing.

// heldChunk is the most rows one statement writes. Smaller chunks are
// powers of two, so that a table has few statement texts to prepare.
const heldChunk = 64

// held is the queue of a Tx that holds its writes.
type held struct {
	inserts    []*heldInsert
	updates    []*heldUpdate
	events     []*heldEvent
	deliveries []store.Delivery
	// objects finds a queued insert or update by account and id.
	objects map[objectKey]heldObject
	// docs are the queue's documents, packs hands them to its packer, and
	// packing is done when the packer has stopped.
	docs    []*heldDoc
	packs   chan *heldDoc
	packing sync.WaitGroup
}

// heldPacks is how many documents wait for a queue's packer at most; the
// writer compresses those that do not fit.
const heldPacks = 256

// heldDoc is a document to store and, once packed, its stored form.
type heldDoc struct {
	raw, out []byte
	state    atomic.Uint32
}

// A document's state: queued, taken by the packer or the writer to
// compress or drop, and packed (out is set).
const (
	docQueued = iota
	docTaken
	docPacked
)

// pack compresses d unless it is taken.
func (d *heldDoc) pack() {
	if d.state.CompareAndSwap(docQueued, docTaken) {
		d.out = compact(d.raw)
		d.state.Store(docPacked)
	}
}

// doc queues the document raw for compression.
func (h *held) doc(raw []byte) *heldDoc {
	d := &heldDoc{raw: raw}
	h.docs = append(h.docs, d)
	if h.packs == nil {
		h.packs = make(chan *heldDoc, heldPacks)
		h.packing.Add(1)
		go func(packs <-chan *heldDoc) {
			defer h.packing.Done()
			for d := range packs {
				d.pack()
			}
		}(h.packs)
	}
	select {
	case h.packs <- d:
	default: // packed at the flush
	}
	return d
}

// packAll compresses every document the packer has not and stops it.
func (h *held) packAll() {
	h.stopPacker()
	for _, d := range h.docs {
		d.pack()
	}
	h.packing.Wait()
}

// drop stops the packer and leaves the documents it has not taken.
func (h *held) drop() {
	h.stopPacker()
	for _, d := range h.docs {
		d.state.CompareAndSwap(docQueued, docTaken)
	}
}

func (h *held) stopPacker() {
	if h.packs != nil {
		close(h.packs)
		h.packs = nil
	}
}

// objectKey is an object's (or an event's) account and id.
type objectKey struct{ account, id string }

// heldObject is a queued insert (ins) or update (upd) of an object.
type heldObject struct {
	ins *heldInsert
	upd *heldUpdate
}

// heldInsert is an object to insert, its document, and the caller's row,
// whose Seq is set when it is written.
type heldInsert struct {
	o   store.Object
	doc *heldDoc
	dst *store.Object
}

// heldEvent is an event to insert, its document, and the caller's row,
// whose Seq is set when it is written.
type heldEvent struct {
	e   store.Event
	doc *heldDoc
	dst *store.Event
}

// heldUpdate is an update of a stored row at version from.
type heldUpdate struct {
	o    store.Object // o.Version is the version written
	doc  *heldDoc
	from int64
}

// newHeld returns an empty queue of held writes.
func newHeld() *held { return &held{objects: map[objectKey]heldObject{}} }

func (h *held) empty() bool {
	return len(h.inserts)+len(h.updates)+len(h.events)+len(h.deliveries) == 0
}

// HoldWrites starts holding writes (see store.Tx).
func (t *Tx) HoldWrites() {
	if t.held == nil {
		t.held = newHeld()
	}
}

// DropWrites forgets the held writes and stops holding.
func (t *Tx) DropWrites() {
	if t.held != nil {
		t.held.drop()
	}
	t.held = nil
}

// FlushWrites writes what is held, in the order of the tables' sequences:
// objects inserted, objects updated, events, deliveries. Holding goes on.
func (t *Tx) FlushWrites(ctx context.Context) error {
	h := t.held
	if h == nil || h.empty() {
		return nil
	}
	t.held = nil // the statements below run unheld
	defer func() { t.held = newHeld() }()
	h.packAll()
	if err := inChunks(ctx, h.inserts, t.insertObjects); err != nil {
		return err
	}
	if err := inChunks(ctx, h.updates, t.updateObjects); err != nil {
		return err
	}
	if err := inChunks(ctx, h.events, t.insertEvents); err != nil {
		return err
	}
	return inChunks(ctx, h.deliveries, t.insertDeliveries)
}

// inChunks hands rows to write in chunks of chunk's sizes.
func inChunks[T any](ctx context.Context, rows []T, write func(context.Context, []T) error) error {
	for len(rows) > 0 {
		n := chunk(len(rows))
		if err := write(ctx, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// flushHeld writes what is held before another statement runs.
func (t *Tx) flushHeld(ctx context.Context) error {
	if t.held == nil {
		return nil
	}
	return t.FlushWrites(ctx)
}

// chunk is how many of n rows the next statement writes.
func chunk(n int) int {
	if n >= heldChunk {
		return heldChunk
	}
	c := 1
	for c*2 <= n {
		c *= 2
	}
	return c
}

// holdInsert queues an insert of o; an id already queued is a conflict at once.
func (h *held) holdInsert(o *store.Object) error {
	k := objectKey{o.Account, o.ID}
	if _, ok := h.objects[k]; ok {
		return conflict("%s %s", o.Type, o.ID)
	}
	o.Version = 1
	in := &heldInsert{o: *o, dst: o, doc: h.doc(o.Data)}
	h.inserts = append(h.inserts, in)
	h.objects[k] = heldObject{ins: in}
	return nil
}

// holdUpdate queues an update of o at o.Version and increments o.Version. A
// second update of the same object merges into the queued write; one from
// a version other than the queued one is stale.
func (h *held) holdUpdate(o *store.Object) error {
	k := objectKey{o.Account, o.ID}
	if q, ok := h.objects[k]; ok {
		var cur *store.Object
		var doc **heldDoc
		if q.ins != nil {
			cur, doc = &q.ins.o, &q.ins.doc
		} else {
			cur, doc = &q.upd.o, &q.upd.doc
		}
		if cur.Version != o.Version {
			return store.ErrConflict
		}
		v := cur.Version + 1
		*cur = *o
		cur.Version = v
		(*doc).state.CompareAndSwap(docQueued, docTaken) // replaced
		*doc = h.doc(o.Data)
		o.Version = v
		return nil
	}
	u := &heldUpdate{o: *o, from: o.Version, doc: h.doc(o.Data)}
	u.o.Version = o.Version + 1
	h.updates = append(h.updates, u)
	h.objects[k] = heldObject{upd: u}
	o.Version++
	return nil
}

// holdEvent queues an insert of e.
func (h *held) holdEvent(e *store.Event) {
	he := &heldEvent{e: *e, dst: e, doc: h.doc(e.Data)}
	h.events = append(h.events, he)
}

// holdDelivery queues an insert of d.
func (h *held) holdDelivery(d *store.Delivery) { h.deliveries = append(h.deliveries, *d) }

// values returns n rows of cols placeholders for a VALUES list. PostgreSQL
// types a VALUES list's parameters as text unless told: its first row then
// casts each column to types[i] ("" for none).
func (t *Tx) values(n int, types []string) string {
	var b strings.Builder
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c, ty := range types {
			if c > 0 {
				b.WriteString(", ")
			}
			if r == 0 && ty != "" && t.d.Numbered {
				b.WriteString("CAST(? AS " + ty + ")")
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// orIgnore is the conflict clause of a held write's statement. In SQLite
// (the dialect with ? placeholders) OR IGNORE skips a row that would break
// any constraint (a taken id; a NOT NULL column, which the statement's row
// count then reports as a conflict too) instead of aborting the statement,
// so that SQLite opens no statement journal for it: without OR IGNORE a
// multi-row write that may abort copies every page it touches into the
// savepoint's sub-journal again, though the transaction's savepoint holds
// it already. PostgreSQL's ON CONFLICT DO NOTHING is all it needs.
func (t *Tx) orIgnore() string {
	if t.d.Numbered {
		return ""
	}
	return " OR IGNORE"
}

// placeholders returns n comma-separated placeholders.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// untyped is types for a VALUES list whose columns need no cast.
func untyped(n int) []string { return make([]string, n) }

func (t *Tx) insertObjects(ctx context.Context, ins []*heldInsert) error {
	args := make([]any, 0, 12*len(ins))
	rows := make([]heldRow, len(ins))
	for i, in := range ins {
		o := &in.o
		args = appendObjectRow(args, o, in.doc.out)
		rows[i] = heldRow{objectKey{o.Account, o.ID}, &in.dst.Seq}
	}
	return t.insertRows(ctx, "objects", `INSERT`+t.orIgnore()+` INTO objects (`+objectRowColumns+`)
		VALUES `+t.values(len(ins), untyped(12)), args, rows)
}

// heldRow is a held insert's account and id, and the caller's seq to set.
type heldRow struct {
	k   objectKey
	seq *int64
}

// insertRows runs insert, a multi-row INSERT … VALUES of rows in their
// order, with ON CONFLICT DO NOTHING, and sets the seq of each row; a row
// not inserted (its id taken) is a conflict.
//
// In SQLite the statement returns nothing: the writer is the database's
// only one, and one statement gives its rows consecutive seqs in the order
// of its VALUES (each new rowid is one past the largest in the table), so
// that once every row is in, the last one's seq, the connection's last
// insert rowid, tells them all. RETURNING would make SQLite keep the rows
// it returns in a table of their own and hand each back through the
// driver. PostgreSQL returns each row's seq by its key.
func (t *Tx) insertRows(ctx context.Context, what, insert string, args []any, rows []heldRow) error {
	if !t.d.Numbered {
		res, err := t.exec(ctx, insert+` ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return t.err(err)
		}
		if int(n) != len(rows) {
			return conflict("one of %d %s", len(rows), what)
		}
		last, err := res.LastInsertId()
		if err != nil {
			return t.err(err)
		}
		for i, r := range rows {
			*r.seq = last - int64(len(rows)-1-i)
		}
		return nil
	}
	seqs := make(map[objectKey]*int64, len(rows))
	for _, r := range rows {
		seqs[r.k] = r.seq
	}
	rs, err := t.query(ctx, insert+` ON CONFLICT DO NOTHING RETURNING account, id, seq`, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	n := 0
	for rs.Next() {
		var k objectKey
		var seq int64
		if err := rs.Scan(&k.account, &k.id, &seq); err != nil {
			return t.err(err)
		}
		if p := seqs[k]; p != nil {
			*p = seq
			n++
		}
	}
	if err := rs.Err(); err != nil {
		return t.err(err)
	}
	if n != len(rows) {
		return conflict("one of %d %s", len(rows), what)
	}
	return nil
}

// objectUpdateTypes are the columns of an update's VALUES row: account, id,
// the version it updates, the version it writes, status, data, then the
// indexed columns kind, customer, parent, clock_id, lookup.
var objectUpdateTypes = []string{"TEXT", "TEXT", "BIGINT", "BIGINT", "TEXT", "BYTEA", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT"}

// updateObjects writes updates at their versions, in two statements: the
// first writes the rows whose indexed columns are unchanged, without
// touching any index; the second (only when some are left) the others,
// all columns. A row at neither version is a conflict.
func (t *Tx) updateObjects(ctx context.Context, us []*heldUpdate) error {
	args := make([]any, 0, 11*len(us))
	for _, u := range us {
		o := u.o
		args = append(args, o.Account, o.ID, u.from, o.Version, o.Status, u.doc.out, o.Kind, o.Customer, o.Parent, o.ClockID, o.Lookup)
	}
	vals := t.values(len(us), objectUpdateTypes)
	res, err := t.exec(ctx, `UPDATE`+t.orIgnore()+` objects SET status = v.column5, version = v.column4, data = v.column6
		FROM (VALUES `+vals+`) AS v
		WHERE objects.account = v.column1 AND objects.id = v.column2 AND objects.version = v.column3
		AND objects.kind = v.column7 AND objects.customer = v.column8 AND objects.parent = v.column9
		AND objects.clock_id = v.column10 AND objects.lookup = v.column11`, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.err(err)
	}
	if int(n) < len(us) {
		res, err := t.exec(ctx, `UPDATE`+t.orIgnore()+` objects SET status = v.column5, version = v.column4, data = v.column6,
			kind = v.column7, customer = v.column8, parent = v.column9, clock_id = v.column10, lookup = v.column11
			FROM (VALUES `+vals+`) AS v
			WHERE objects.account = v.column1 AND objects.id = v.column2 AND objects.version = v.column3`, args...)
		if err != nil {
			return err
		}
		m, err := res.RowsAffected()
		if err != nil {
			return t.err(err)
		}
		n += m
	}
	if int(n) != len(us) {
		return fmt.Errorf("%w: one of %d objects changed since it was read", store.ErrConflict, len(us))
	}
	return nil
}

func (t *Tx) insertEvents(ctx context.Context, es []*heldEvent) error {
	args := make([]any, 0, 8*len(es))
	rows := make([]heldRow, len(es))
	for i, he := range es {
		e := &he.e
		args = appendEventRow(args, e, he.doc.out)
		rows[i] = heldRow{objectKey{e.Account, e.ID}, &he.dst.Seq}
	}
	return t.insertRows(ctx, "events", `INSERT`+t.orIgnore()+` INTO events (`+eventRowColumns+`)
		VALUES `+t.values(len(es), untyped(8)), args, rows)
}

func (t *Tx) insertDeliveries(ctx context.Context, ds []store.Delivery) error {
	args := make([]any, 0, 9*len(ds))
	for i := range ds {
		args = appendDeliveryRow(args, &ds[i])
	}
	res, err := t.exec(ctx, `INSERT`+t.orIgnore()+` INTO deliveries (`+deliveryColumns+`) VALUES `+t.values(len(ds), untyped(9))+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.err(err)
	}
	if int(n) != len(ds) {
		return conflict("one of %d deliveries", len(ds))
	}
	return nil
}

// GetObjects returns the account's objects among ids, in no particular order.
func (t *Tx) GetObjects(ctx context.Context, account string, ids []string) ([]store.Object, error) {
	var out []store.Object
	err := inChunks(ctx, ids, func(ctx context.Context, ids []string) error {
		query, args := `SELECT `+objectColumns+` FROM objects WHERE account = ? AND id IN (`+placeholders(len(ids))+`)`, accountAndIDs(account, ids)
		if t.d.ExactLookups && len(ids) <= maxExactLookups {
			query, args = exactLookups(account, ids)
		}
		rows, err := t.query(ctx, query, args...)
		if err != nil {
			return err
		}
		got, err := t.collectObjects(rows)
		out = append(out, got...)
		return err
	})
	return out, err
}

// maxExactLookups bounds the ids of a GetObjects written as exact lookups
// (Dialect.ExactLookups): past it, one IN list.
const maxExactLookups = 8

// exactLookups is a query of the account's objects among ids, each by the
// whole of the unique key, and its arguments.
func exactLookups(account string, ids []string) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue // an IN list finds it once
		}
		if len(args) > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(`SELECT ` + objectColumns + ` FROM objects WHERE account = ? AND id = ?`)
		args = append(args, account, id)
	}
	return b.String(), args
}

// ObjectVersions returns the versions of the account's objects among ids, by id.
func (t *Tx) ObjectVersions(ctx context.Context, account string, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	err := inChunks(ctx, ids, func(ctx context.Context, ids []string) error {
		args := accountAndIDs(account, ids)
		rows, err := t.query(ctx, `SELECT id, version FROM objects WHERE account = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var v int64
			if err := rows.Scan(&id, &v); err != nil {
				return t.err(err)
			}
			out[id] = v
		}
		return t.err(rows.Err())
	})
	return out, err
}

// accountAndIDs is the arguments of a query on the account's objects among ids.
func accountAndIDs(account string, ids []string) []any {
	args := make([]any, 0, 1+len(ids))
	args = append(args, account)
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}
