package engine

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/kontorpay/kontor/store"
)

// Meta is the part every stored engine object shares.
type Meta struct {
	ID      string `json:"id"`
	Created int64  `json:"created"`
	ClockID string `json:"clock_id,omitempty"`
	seq     int64
	version int64
}

// Meta returns m; every object type embeds Meta and so satisfies Object.
func (m *Meta) meta() *Meta { return m }

// Seq returns the store's ordering number of the object (0 before it is stored).
func (m *Meta) Seq() int64 { return m.seq }

// Object is implemented by every stored engine type.
type Object interface {
	meta() *Meta
	// Seq returns the store's ordering number of the object (0 before it is stored).
	Seq() int64
	// ObjectType names the type, as stored and as used in events ("customer", …).
	ObjectType() string
	// Index returns the queried columns of the object (Kind, Customer, Parent, Status, Lookup).
	Index() Index
}

// Index holds the queried columns of an object. Clock is the test clock
// the object is listed by: only customers are, so only they set it (the
// other objects of a clock keep it in their document alone, and their rows
// add no entry to the clock's index).
type Index struct {
	Kind, Customer, Parent, Status, Lookup, Clock string
}

// types maps ObjectType names to their Go types, for Decode.
var types = map[string]reflect.Type{}

func register(o Object) {
	types[o.ObjectType()] = reflect.TypeOf(o).Elem()
}

// Decode turns a stored document of the named type back into its engine object.
func Decode(objType string, data []byte) (Object, error) {
	t, ok := types[objType]
	if !ok {
		return nil, fmt.Errorf("engine: unknown object type %q", objType)
	}
	v := reflect.New(t).Interface().(Object)
	if err := unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("engine: decode %s: %w", objType, err)
	}
	return v, nil
}

// Get loads the object with id of type T from the op's account. A missing
// object, or one of another type, answers a store.ErrNotFound error.
func Get[T any, PT interface {
	*T
	Object
}](op *Op, id string) (PT, error) {
	return get[T, PT](op, id, false)
}

// GetForUpdate is Get that also locks the row for the rest of the transaction.
func GetForUpdate[T any, PT interface {
	*T
	Object
}](op *Op, id string) (PT, error) {
	return get[T, PT](op, id, op.write)
}

func get[T any, PT interface {
	*T
	Object
}](op *Op, id string, lock bool) (PT, error) {
	var zero PT = new(T)
	typ, scope := zero.ObjectType(), op.scopeOf(zero.ObjectType())
	if c, ok := op.rows[id]; ok && c.row.Type == typ && (scope == nil || c.row.Kind == *scope) && (c.locked || !lock) {
		if v, ok := c.ahead.take().(PT); ok {
			return v, nil
		}
		return fromRow[T, PT](c.row)
	}
	row, err := op.tx.GetObject(op.ctx, store.GetObjectParams{Account: op.account, ID: id, Type: typ, ForUpdate: lock, Scope: scope})
	if err != nil {
		return nil, err
	}
	op.keep(row, lock)
	return fromRow[T, PT](row)
}

// heldRow is a row as the op read or wrote it last: a later Get of the
// object decodes it instead of reading it again. locked is set for a row
// read for update or written by the op, which holds its lock.
type heldRow struct {
	row    store.Object
	locked bool
	// ahead is set for a row a timer batch read ahead (timers_ahead.go).
	ahead *aheadRow
	// written is set when the op's own insert or save wrote row: its Data
	// is json.Marshal of the object as the op wrote it (Op.emitWritten).
	written bool
	// left is the object row holds, decoded, as an operation of the op
	// left it when it returned (Op.leave), for Peek.
	left Object
}

// leave notes that the op's current operation is done with o, which is as
// the op last read or wrote it: a later Peek of it returns o instead of
// decoding its row again. Nothing may change o afterwards.
func (op *Op) leave(o Object) {
	m := o.meta()
	if h, ok := op.rows[m.ID]; ok && h.row.Type == o.ObjectType() && h.row.Version == m.version {
		h.left = o
	}
}

// Peek is Get for a caller that only reads the object (a dialect rendering
// it): it may return the very value an operation of the op left (Op.leave)
// rather than a fresh copy, so the caller must not change it.
func Peek[T any, PT interface {
	*T
	Object
}](op *Op, id string) (PT, error) {
	if h, ok := op.rows[id]; ok {
		if v, ok := h.left.(PT); ok && (op.scope == nil || op.scopeOf(h.row.Type) == nil || h.row.Kind == *op.scope) {
			return v, nil
		}
	}
	return Get[T, PT](op, id)
}

// keep holds row for the op's later reads.
func (op *Op) keep(row store.Object, locked bool) *heldRow {
	if op.rows == nil {
		op.rows = map[string]*heldRow{}
	}
	h := &heldRow{row: row, locked: locked}
	op.rows[row.ID] = h
	return h
}

func fromRow[T any, PT interface {
	*T
	Object
}](row store.Object) (PT, error) {
	v := PT(new(T))
	if err := unmarshal(row.Data, v); err != nil {
		return nil, fmt.Errorf("engine: decode %s %s: %w", row.Type, row.ID, err)
	}
	m := v.meta()
	m.seq, m.version = row.Seq, row.Version
	return v, nil
}

// GetAny loads an object of any type by id, for expansion and events.
func (op *Op) GetAny(id string) (Object, error) {
	row, err := op.tx.GetObject(op.ctx, store.GetObjectParams{Account: op.account, ID: id})
	if err != nil {
		return nil, err
	}
	if op.scopeOf(row.Type) != nil && row.Kind != *op.scope {
		return nil, store.ErrNotFound
	}
	o, err := Decode(row.Type, row.Data)
	if err != nil {
		return nil, err
	}
	m := o.meta()
	m.seq, m.version = row.Seq, row.Version
	return o, nil
}

// owned are the object types a dialect owns: their Index Kind is their
// Origin, which an Op's scope (Within) filters by.
var owned = map[string]bool{"customer": true, "mandate": true, "charge": true, "refund": true, "dispute": true}

// limited runs fn with op limited to the objects of origin (Within) and
// restores op's scope afterwards.
func (op *Op) limited(origin string, fn func() error) error {
	scope := op.scope
	defer func() { op.scope = scope }()
	op.scope = &origin
	return fn()
}

// scopeOf returns the origin op's reads of objType are limited to, or nil.
func (op *Op) scopeOf(objType string) *string {
	if !owned[objType] {
		return nil
	}
	return op.scope
}

// ListParams pages a list of one object type (limit, cursors, order,
// created bounds); see store.ListObjectsParams. Its column fields are the
// engine's own mapping of a Filter: callers select with ListWhere.
type ListParams = store.ListObjectsParams

// List returns objects of type T matching p (Account and Type are filled in).
func List[T any, PT interface {
	*T
	Object
}](op *Op, p ListParams) ([]PT, error) {
	var zero PT = new(T)
	p.Account, p.Type, p.Scope = op.account, zero.ObjectType(), op.scopeOf(zero.ObjectType())
	rows, err := op.tx.ListObjects(op.ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]PT, 0, len(rows))
	for _, r := range rows {
		v, err := fromRow[T, PT](r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SeqOf returns the Seq of the object id of type objType, for cursors; a missing
// object answers store.ErrNotFound.
func (op *Op) SeqOf(objType, id string) (int64, error) {
	row, err := op.tx.GetObject(op.ctx, store.GetObjectParams{Account: op.account, ID: id, Type: objType, Scope: op.scopeOf(objType)})
	if err != nil {
		return 0, err
	}
	return row.Seq, nil
}

// appender is an Object that writes its own document, byte for byte what
// json.Marshal would write of it, more cheaply.
type appender interface {
	appendJSON(b []byte) []byte
}

// document returns o's stored form: json.Marshal's, or o's own (appender).
func document(o Object) ([]byte, error) {
	if a, ok := o.(appender); ok {
		return a.appendJSON(make([]byte, 0, 512)), nil
	}
	return json.Marshal(o)
}

// asStored returns o's document as the op holds it from the store at o's
// version (the object as stored before the op changes it), or, when the op
// holds no such row, json.Marshal's of o: an event's previous attributes
// need no second encoding of an object the op read.
func (op *Op) asStored(o Object) ([]byte, error) {
	m := o.meta()
	if h, ok := op.rows[m.ID]; ok && h.row.Type == o.ObjectType() && h.row.Version == m.version && len(h.row.Data) > 0 {
		return h.row.Data, nil
	}
	return json.Marshal(o)
}

func (op *Op) row(o Object) (*store.Object, error) {
	data, err := document(o)
	if err != nil {
		return nil, err
	}
	m := o.meta()
	ix := o.Index()
	return &store.Object{Account: op.account, ID: m.ID, Type: o.ObjectType(), Kind: ix.Kind, Customer: ix.Customer,
		Parent: ix.Parent, Status: ix.Status, ClockID: ix.Clock, Lookup: ix.Lookup, Created: m.Created,
		Seq: m.seq, Version: m.version, Data: data}, nil
}

// insert stores a new object.
func (op *Op) insert(o Object) error {
	r, err := op.row(o)
	if err != nil {
		return err
	}
	// Nothing here needs the answer: an id the engine made is not in use, and
	// the seq is set by the time the transaction commits (store.Later).
	if err := store.Later(op.tx).InsertObject(op.ctx, r); err != nil {
		return err
	}
	m := o.meta()
	m.seq, m.version = r.Seq, r.Version
	op.keep(*r, true).written = true
	return op.changed(o)
}

// changed notes that the op wrote o: a webhook endpoint changes what the
// account's generation stands for (Op.endpoints).
func (op *Op) changed(o Object) error {
	if _, ok := o.(*WebhookEndpoint); ok {
		return op.endpointsChanged()
	}
	return nil
}

// save writes a changed object back.
func (op *Op) save(o Object) error {
	r, err := op.row(o)
	if err != nil {
		return err
	}
	// The row held at the version being replaced is what the store holds:
	// only the filter columns that differ from it need writing.
	cols := store.AllColumns
	if h, ok := op.rows[r.ID]; ok && h.row.Version == r.Version && h.row.Type == r.Type {
		cols = r.Changed(&h.row)
		h.ahead.written()
	}
	// Nothing here needs the answer: the update may go with the next
	// statement (store.Later).
	if err := store.Later(op.tx).UpdateObjectColumns(op.ctx, r, cols); err != nil {
		return err
	}
	o.meta().version = r.Version
	op.keep(*r, true).written = true
	return op.changed(o)
}

// clone returns a deep copy of o through its JSON form (for previous attributes).
func clone[T any](o *T) *T {
	data, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	c := new(T)
	if err := unmarshal(data, c); err != nil {
		panic(err)
	}
	return c
}
