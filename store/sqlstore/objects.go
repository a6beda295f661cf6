package sqlstore

import (
	"context"
	"database/sql"

	"github.com/kontorpay/kontor/store"
)

const objectColumns = `seq, ` + objectRowColumns

func scanObject(s interface{ Scan(...any) error }, o *store.Object) error {
	err := s.Scan(&o.Seq, &o.Account, &o.ID, &o.Type, &o.Kind, &o.Customer, &o.Parent, &o.Status,
		&o.ClockID, &o.Lookup, &o.Created, &o.Version, &o.Data)
	if err == nil {
		o.Data, err = expand(o.Data)
	}
	return err
}

// InsertObject inserts o, setting o.Seq and o.Version; an id already used in
// the account answers store.ErrConflict.
func (t *Tx) InsertObject(ctx context.Context, o *store.Object) error {
	t.noteObject(o)
	if t.held != nil {
		return t.held.holdInsert(o)
	}
	o.Version = 1
	err := t.row(ctx, insertObject+` ON CONFLICT DO NOTHING RETURNING seq`, objectArgs(o)...).Scan(&o.Seq)
	return t.insertErr(err, conflict("%s %s", o.Type, o.ID))
}

// insertObject writes one object (objectArgs); InsertObject and its
// speculated form end it differently.
const insertObject = `INSERT INTO objects (` + objectRowColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// objectRowColumns are the columns an insert writes, in the order of appendObjectRow.
const objectRowColumns = `account, id, type, kind, customer, parent, status, clock_id, lookup, created, version, data`

func objectArgs(o *store.Object) []any {
	return appendObjectRow(make([]any, 0, 12), o, compact(o.Data))
}

// appendObjectRow appends the values of o's insert to args, with data its stored document.
func appendObjectRow(args []any, o *store.Object, data []byte) []any {
	return append(args, o.Account, o.ID, o.Type, o.Kind, o.Customer, o.Parent, o.Status, o.ClockID, o.Lookup, o.Created, o.Version, data)
}

// UpdateObject writes o over the stored row with the same account and id if
// the stored version equals o.Version, then increments o.Version. A missing
// row answers store.ErrNotFound; a stale version store.ErrConflict.
func (t *Tx) UpdateObject(ctx context.Context, o *store.Object) error {
	return t.UpdateObjectColumns(ctx, o, store.AllColumns)
}

// filterColumns are the filter columns in the order of store.Columns' bits.
var filterColumns = [...]string{"kind", "customer", "parent", "status", "clock_id", "lookup"}

// updateObjectSQL holds the UPDATE of each set of filter columns. SQLite
// rewrites the entries of every index over a column its SET list names,
// changed or not, so an update names only the columns it changes.
var updateObjectSQL = func() (q [store.AllColumns + 1]string) {
	for cols := range q {
		set := ""
		for i, c := range filterColumns {
			if cols&(1<<i) != 0 {
				set += c + " = ?, "
			}
		}
		q[cols] = `UPDATE objects SET ` + set + `version = version + 1, data = ? WHERE account = ? AND id = ? AND version = ?`
	}
	return q
}()

// UpdateObjectColumns is UpdateObject writing only the filter columns in cols.
func (t *Tx) UpdateObjectColumns(ctx context.Context, o *store.Object, cols store.Columns) error {
	t.noteObject(o)
	if t.held != nil {
		// A held update compares every column when it is written (updateObjects).
		return t.held.holdUpdate(o)
	}
	cols &= store.AllColumns
	res, err := t.exec(ctx, updateObjectSQL[cols], updateObjectArgs(o, cols)...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.err(err)
	}
	if n == 0 {
		var v int64
		if err := t.row(ctx, `SELECT version FROM objects WHERE account = ? AND id = ?`, o.Account, o.ID).Scan(&v); err != nil {
			return t.err(err)
		}
		return store.ErrConflict
	}
	o.Version++
	return nil
}

// updateObjectArgs are the arguments of updateObjectSQL[cols] for o.
func updateObjectArgs(o *store.Object, cols store.Columns) []any {
	args := make([]any, 0, len(filterColumns)+4)
	for i, v := range [...]string{o.Kind, o.Customer, o.Parent, o.Status, o.ClockID, o.Lookup} {
		if cols&(1<<i) != 0 {
			args = append(args, v)
		}
	}
	return append(args, compact(o.Data), o.Account, o.ID, o.Version)
}

// GetObject returns one object of the account, or store.ErrNotFound.
func (t *Tx) GetObject(ctx context.Context, p store.GetObjectParams) (store.Object, error) {
	shape := 0
	args := make([]any, 2, 4)
	args[0], args[1] = p.Account, p.ID
	if p.Type != "" {
		shape |= getByType
		args = append(args, p.Type)
	}
	if p.Scope != nil {
		shape |= getInScope
		args = append(args, *p.Scope)
	}
	if p.ForUpdate && t.d.RowLocks {
		shape |= getForUpdate
	}
	var o store.Object
	err := scanObject(t.row(ctx, getObjectSQL[shape], args...), &o)
	return o, t.err(err)
}

// The shapes of GetObject's query: which conditions it has beyond the
// account and id, and whether it locks the row.
const (
	getByType = 1 << iota
	getInScope
	getForUpdate
)

// getObjectSQL holds GetObject's query of each shape, written once rather
// than for every read.
// The conditions come from where's, with placeholder values.
var getObjectSQL = func() (q [8]string) {
	for shape := range q {
		var w where
		w.add("account = ?")
		w.add("id = ?")
		if shape&getByType != 0 {
			w.eq("type", "?")
		}
		if shape&getInScope != 0 {
			w.scope(new(string))
		}
		q[shape] = `SELECT ` + objectColumns + ` FROM objects` + w.String()
		if shape&getForUpdate != 0 {
			q[shape] += ` FOR UPDATE`
		}
	}
	return q
}()

func objectFilter(p store.ListObjectsParams) *where {
	w := &where{}
	w.add("account = ?", p.Account)
	w.add("type = ?", p.Type)
	w.eq("kind", p.Kind)
	w.scope(p.Scope)
	w.eq("status", p.Status)
	// Each of these columns has a partial index (WHERE column <> ''), which
	// a planner uses only when the query says so itself.
	for _, c := range [...]struct{ col, v string }{{"customer", p.Customer}, {"parent", p.Parent}, {"clock_id", p.ClockID}, {"lookup", p.Lookup}} {
		if c.v != "" {
			w.add(c.col+" = ? AND "+c.col+" <> ''", c.v)
		}
	}
	w.window(p.CreatedGTE, p.CreatedLTE, p.AfterSeq, p.BeforeSeq)
	return w
}

// ListObjects returns up to p.Limit objects matching p, newest first unless p.Ascending.
func (t *Tx) ListObjects(ctx context.Context, p store.ListObjectsParams) ([]store.Object, error) {
	w := objectFilter(p)
	order := " ORDER BY seq DESC"
	if p.Ascending {
		order = " ORDER BY seq ASC"
	}
	rows, err := t.query(ctx, `SELECT `+objectColumns+` FROM objects`+w.String()+order+` LIMIT ?`,
		append(w.args, limitOf(p.Limit))...)
	if err != nil {
		return nil, err
	}
	return t.collectObjects(rows)
}

func (t *Tx) collectObjects(rows *sql.Rows) ([]store.Object, error) {
	defer rows.Close()
	var out []store.Object
	for rows.Next() {
		var o store.Object
		if err := scanObject(rows, &o); err != nil {
			return nil, t.err(err)
		}
		out = append(out, o)
	}
	return out, t.err(rows.Err())
}

// CountObjects counts the objects matching p (Limit and order are ignored).
func (t *Tx) CountObjects(ctx context.Context, p store.ListObjectsParams) (int64, error) {
	w := objectFilter(p)
	var n int64
	err := t.row(ctx, `SELECT COUNT(*) FROM objects`+w.String(), w.args...).Scan(&n)
	return n, t.err(err)
}
