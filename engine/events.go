package engine

import (
	"encoding/json"
	"slices"

	"github.com/kontorpay/kontor/store"
)

// Event is an event as the engine records it: the object as of the change
// and, for updates, the object before it. Dialects render both their way.
type Event struct {
	ID         string          `json:"-"`
	Type       string          `json:"-"`
	Created    int64           `json:"-"`
	ObjectType string          `json:"object_type"`
	Object     json.RawMessage `json:"object"`
	Previous   json.RawMessage `json:"previous,omitempty"`
	Request    RequestInfo     `json:"request"`
	// Extra carries what a dialect derived for its own events (for example an action of a payment).
	Extra json.RawMessage `json:"extra,omitempty"`
}

// EventSink is called inside the transaction for every event the engine
// records about an object of its dialect, so that the dialect can derive
// events of its own (see Op.RecordDialectEvent).
type EventSink func(op *Op, ev *Event) error

type dialectSink struct {
	dialect string
	sink    EventSink
}

// AddEventSink registers a sink for the events about objects of dialect
// (their Origin); it runs with op limited to that dialect (Within). Call it
// before serving.
func (e *Engine) AddEventSink(dialect string, s EventSink) {
	e.sinks = append(e.sinks, dialectSink{dialect, s})
}

// DecodeEvent parses a stored event.
func DecodeEvent(r store.Event) (*Event, error) {
	ev := &Event{}
	if err := unmarshal(r.Data, ev); err != nil {
		return nil, err
	}
	ev.ID, ev.Type, ev.Created = r.ID, r.Type, r.Created
	return ev, nil
}

// emit records an event of typ about o, with prev the object before the change
// (nil for creations and deletions), and queues it for every matching endpoint.
func (op *Op) emit(typ string, o Object, prev Object) error {
	var before []byte
	if prev != nil {
		var err error
		if before, err = json.Marshal(prev); err != nil {
			return err
		}
	}
	return op.emitChange(typ, o, before)
}

// emitChange is emit with the object before the change as json.Marshal
// wrote it (nil for none): a caller that has it need not clone the object.
func (op *Op) emitChange(typ string, o Object, before []byte) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return op.emitData(typ, o, data, before)
}

// emitWritten is emitChange for an o that the op's last insert or save of
// it wrote and that has not changed since: the event carries the document
// that write stored (json.Marshal's, as emitChange's) instead of marshalling
// o once more. Without such a write held it marshals o.
func (op *Op) emitWritten(typ string, o Object, before []byte) error {
	m := o.meta()
	if h, ok := op.rows[m.ID]; ok && h.written && h.row.Type == o.ObjectType() && h.row.Version == m.version {
		return op.emitData(typ, o, h.row.Data, before)
	}
	return op.emitChange(typ, o, before)
}

// emitData is emitChange with o's document data.
func (op *Op) emitData(typ string, o Object, data, before []byte) error {
	ev := &Event{Type: typ, ObjectType: o.ObjectType(), Object: data, Previous: before, Request: op.req}
	ev.Created = op.Now(o.meta().ClockID).Unix()
	ev.ID = NewID("evt_")
	if typ == eventMandateNotification {
		ev.ID = notificationEvent(o.meta().ID)
	}
	// Objects that belong to another dialect than the default one get only
	// that dialect's events, which its sink derives below.
	if originOf(o) == "" {
		// No event of the default dialect is looked up by its object, so
		// none adds an entry to the index of events by object
		// (store.Event.ObjectID): a mandate notification's event is found
		// by its id (GetMandateNotification).
		if err := op.recordEvent("", ev, "", ev.encode()); err != nil {
			return err
		}
	}
	for _, s := range op.e.sinks {
		if s.dialect != originOf(o) {
			continue
		}
		if err := op.limited(s.dialect, func() error { return s.sink(op, ev) }); err != nil {
			return err
		}
	}
	return nil
}

// RecordDialectEvent stores an event in a dialect's own vocabulary and queues
// it for that dialect's endpoints. ev.ID, ev.Type and ev.Created must be set.
func (op *Op) RecordDialectEvent(dialect string, ev *Event, objectID string) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return op.recordEvent(dialect, ev, objectID, data)
}

// encode returns ev's stored form, byte for byte what json.Marshal(ev)
// writes, for an ev whose Object and Previous json.Marshal wrote (as emit's
// are): they are compact and escaped as encoding/json leaves them, so they
// are copied as they are instead of being checked and compacted again,
// which cost more than all the rest of a charge's event.
func (ev *Event) encode() []byte {
	b := make([]byte, 0, len(ev.Object)+len(ev.Previous)+len(ev.Extra)+160)
	b = appendQuoted(append(b, `{"object_type":`...), ev.ObjectType)
	b = appendRaw(append(b, `,"object":`...), ev.Object)
	if len(ev.Previous) > 0 {
		b = append(append(b, `,"previous":`...), ev.Previous...)
	}
	b = appendQuoted(append(b, `,"request":{"ID":`...), ev.Request.ID)
	b = append(appendQuoted(append(b, `,"IdempotencyKey":`...), ev.Request.IdempotencyKey), '}')
	if len(ev.Extra) > 0 {
		b = append(append(b, `,"extra":`...), ev.Extra...)
	}
	return append(b, '}')
}

func (op *Op) recordEvent(dialect string, ev *Event, objectID string, data []byte) error {
	hooks, err := op.endpoints()
	if err != nil {
		return err
	}
	var matched []*WebhookEndpoint
	for _, h := range hooks {
		if h.Dialect == dialect && h.Matches(ev.Type) {
			matched = append(matched, h)
		}
	}
	row := &store.Event{Account: op.account, ID: ev.ID, Dialect: dialect, Type: ev.Type, ObjectID: objectID,
		Created: ev.Created, PendingWebhooks: len(matched), Data: data}
	// Nothing here needs the row back: it may go with the commit (store.Later).
	if err := store.Later(op.tx).InsertEvent(op.ctx, row); err != nil {
		return err
	}
	nowMS := op.e.clock.Now().UnixMilli()
	for _, h := range matched {
		d := &store.Delivery{ID: NewID("whdel_"), Account: op.account, EventID: ev.ID, EndpointID: h.ID,
			Status: "pending", NextAttemptAt: nowMS, Created: op.e.clock.Now().Unix()}
		if err := op.tx.InsertDelivery(op.ctx, d); err != nil {
			return err
		}
		op.wake.deliveries = true
	}
	return nil
}

// endpoints returns the account's webhook endpoints. A write takes them
// from its account's generation when a write of the same generation listed
// them (accountState), and lists them otherwise.
func (op *Op) endpoints() ([]*WebhookEndpoint, error) {
	if op.hooksOK {
		return op.hooks, nil
	}
	if op.write {
		if _, err := op.Account(); err != nil && !isNotFound(err) {
			return nil, err
		}
		if op.state != nil && op.state.hooks != nil {
			op.hooks, op.hooksOK = op.state.hooks, true
			return op.hooks, nil
		}
	}
	hooks, err := List[WebhookEndpoint](op, ListParams{Limit: 10000})
	if err != nil {
		return nil, err
	}
	op.hooks, op.hooksOK = hooks, true
	if st := op.state; st != nil {
		// The endpoints as of the generation st holds: the op changed none
		// (endpointsChanged drops st). A new state, as states are shared.
		next := &accountState{gen: st.gen, a: st.a, hooks: hooks}
		if hooks == nil {
			next.hooks = []*WebhookEndpoint{}
		}
		op.e.states.CompareAndSwap(op.account, st, next)
		op.state = next
	}
	return hooks, nil
}

// GetEvent returns one event of the account in the dialect's vocabulary.
func (op *Op) GetEvent(dialect, id string) (*Event, store.Event, error) {
	r, err := op.tx.GetEvent(op.ctx, op.account, id)
	if err != nil {
		return nil, r, err
	}
	if r.Dialect != dialect {
		return nil, r, store.ErrNotFound
	}
	ev, err := DecodeEvent(r)
	return ev, r, err
}

// ListEvents lists the account's events; Account is filled in.
func (op *Op) ListEvents(p store.ListEventsParams) ([]store.Event, error) {
	p.Account = op.account
	return op.tx.ListEvents(op.ctx, p)
}

// EventSeq returns the Seq of an event for cursors.
func (op *Op) EventSeq(dialect, id string) (int64, error) {
	_, r, err := op.GetEvent(dialect, id)
	return r.Seq, err
}

// Matches reports whether the endpoint wants events of type typ.
func (h *WebhookEndpoint) Matches(typ string) bool {
	if h.Status != EndpointEnabled {
		return false
	}
	return slices.Contains(h.EnabledEvents, "*") || slices.Contains(h.EnabledEvents, typ)
}

// originOf returns the dialect an object belongs to ("" for the default one).
func originOf(o Object) string {
	switch v := o.(type) {
	case *Charge:
		return v.Origin
	case *Refund:
		return v.Origin
	case *Dispute:
		return v.Origin
	case *Mandate:
		return v.Origin
	case *Customer:
		return v.Origin
	}
	return ""
}
