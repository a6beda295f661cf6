package ckoapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/sepa"
	"github.com/kontorpay/kontor/store"
)

// Dialect is the name under which the dialect's events and webhook
// endpoints are stored.
const Dialect = "cko"

// timerPaidOut fires when a captured payment's funds reach the merchant;
// timerChargeback when its chargeback is announced (chargebackAt).
const (
	timerPaidOut    = "cko.payment_paid"
	timerChargeback = "cko.payment_chargeback"
)

// Event types the dialect derives from the engine's events:
//
//	engine event (origin cko)           Checkout.com event
//	charge.pending                      payment_pending
//	charge.succeeded                    payment_captured
//	(payout timer)                      payment_paid
//	charge.failed, canceled             payment_canceled
//	charge.failed                       payment_declined
//	refund.created                      payment_refund_pending
//	refund.updated → succeeded          payment_refunded
//	refund.updated → failed             payment_refund_declined
//	charge.dispute.created              payment_chargeback (its timer, after payment_paid)
//	mandate ended (cancel, lapse, use)  source_updated
const (
	evPaymentPending   = "payment_pending"
	evPaymentCaptured  = "payment_captured"
	evPaymentPaid      = "payment_paid"
	evPaymentCanceled  = "payment_canceled"
	evPaymentDeclined  = "payment_declined"
	evRefundPending    = "payment_refund_pending"
	evRefunded         = "payment_refunded"
	evRefundDeclined   = "payment_refund_declined"
	evChargeback       = "payment_chargeback"
	evSourceUpdated    = "source_updated"
	eventVersion       = "2.0"
	objectTypePayment  = "cko.payment"
	objectTypeSource   = "cko.source"
	extraKindPayment   = "payment"
	extraKindSource    = "source"
	eventIDPrefix      = "evt_"
	createdOnPrecision = time.Millisecond
)

// eventExtra is what the dialect stores beside an event's data to render
// its envelope later: when it happened and what its links point at.
type eventExtra struct {
	CreatedOn string `json:"created_on"`
	Kind      string `json:"kind"` // payment or source
	Object    string `json:"object"`
}

// lastPayment is the key under which deriveEvents remembers the payment it
// derived at the transaction's latest engine event, for the request that
// caused it (paymentOf).
type lastPayment struct{}

// paymentOf returns the payment of c: the one the event sink derived at
// the transaction's latest event when it is c's, else a fresh derivation.
func paymentOf(op *engine.Op, c *engine.Charge) (*payment, error) {
	if v, ok := op.Recall(lastPayment{}); ok {
		if p := v.(*payment); p.charge.ID == c.ID {
			return p, nil
		}
	}
	return loadPayment(op, c)
}

// deriveEvents is the dialect's engine.EventSink: inside the transaction of
// every engine event about the dialect's objects (the engine calls it for
// those only, with the op limited to the dialect) it records the
// Checkout.com events, per the table above.
func deriveEvents(op *engine.Op, ev *engine.Event) error {
	// A payment derived at an earlier event may be stale now.
	op.Remember(lastPayment{}, nil)
	switch ev.Type {
	case "charge.pending", "charge.succeeded", "charge.failed":
		c, ok := decodeAs[*engine.Charge](ev.ObjectType, ev.Object)
		if !ok {
			return nil
		}
		p, err := loadPayment(op, c)
		if err != nil {
			return err
		}
		op.Remember(lastPayment{}, p)
		switch {
		case ev.Type == "charge.pending":
			return recordPayment(op, evPaymentPending, p, actionID(c.ID, actionAuthorization), time.Time{})
		case ev.Type == "charge.succeeded":
			if err := recordPayment(op, evPaymentCaptured, p, actionID(c.ID, actionCapture), time.Time{}); err != nil {
				return err
			}
			return op.Schedule(p.paidAt, c.ClockID, timerPaidOut, c.ID, nil)
		case c.Canceled:
			return recordPayment(op, evPaymentCanceled, p, actionID(c.ID, actionVoid), time.Time{})
		default:
			return recordPayment(op, evPaymentDeclined, p, actionID(c.ID, actionCapture), time.Time{})
		}
	case "refund.created", "refund.updated":
		r, ok := decodeAs[*engine.Refund](ev.ObjectType, ev.Object)
		if !ok {
			return nil
		}
		typ := evRefundPending
		if ev.Type == "refund.updated" {
			prev, _ := decodeAs[*engine.Refund](ev.ObjectType, ev.Previous)
			switch {
			case prev != nil && prev.Status == r.Status:
				return nil
			case r.Status == "succeeded":
				typ = evRefunded
			case r.Status == "failed":
				typ = evRefundDeclined
			default:
				return nil
			}
		}
		c, err := engine.Get[engine.Charge](op, r.Charge)
		if err != nil {
			return err
		}
		p, err := loadPayment(op, c)
		if err != nil {
			return err
		}
		var at time.Time // the refund's own time, or the bank's answer to it
		if typ != evRefundPending {
			at = op.Now(c.ClockID)
		}
		return recordPayment(op, typ, p, r.ID, at)
	case "charge.dispute.created":
		d, ok := decodeAs[*engine.Dispute](ev.ObjectType, ev.Object)
		if !ok {
			return nil
		}
		c, err := engine.Get[engine.Charge](op, d.Charge)
		if err != nil {
			return err
		}
		p, err := loadPayment(op, c)
		if err != nil {
			return err
		}
		// Due already and after the recorded payout (or with none to
		// come): announced at once; otherwise its timer fires after the
		// payout's, timers firing in the order they are due.
		if p.dispute != nil && !op.Now(c.ClockID).Before(p.chargebackAt) {
			_, paysOut := op.PaidOutAt(c)
			paid, err := hasEvent(op, c.ID, evPaymentPaid)
			if err != nil {
				return err
			}
			if paid || !paysOut {
				return announceChargeback(op, p)
			}
		}
		return op.Schedule(p.chargebackAt, c.ClockID, timerChargeback, c.ID, nil)
	}
	return nil
}

// hasEvent reports whether a Checkout.com event of typ about objectID was
// recorded. It reads the object's events (a payment has a handful) and looks
// for the type itself: a query on both the object and the type is answered
// from the type index, walking every event of that type in the account.
func hasEvent(op *engine.Op, objectID, typ string) (bool, error) {
	p := store.ListEventsParams{Dialect: Dialect, ObjectID: objectID, Limit: 100}
	for {
		rows, err := op.ListEvents(p)
		if err != nil {
			return false, err
		}
		for _, r := range rows {
			if r.Type == typ {
				return true, nil
			}
		}
		if len(rows) < p.Limit {
			return false, nil
		}
		p.AfterSeq = rows[len(rows)-1].Seq
	}
}

// paidOut is the payout timer's handler: the payment is Paid.
func paidOut(op *engine.Op, t *engine.Timer) error {
	c, err := engine.Get[engine.Charge](op.Within(Dialect), t.ObjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Status != "succeeded" {
		return nil
	}
	p, err := loadPayment(op, c)
	if err != nil {
		return err
	}
	return recordPayment(op, evPaymentPaid, p, actionID(c.ID, actionCapture), p.paidAt)
}

// chargedBack is the chargeback timer's handler: payment_chargeback, with
// the Chargeback action's id, amount and time, its token and reason code.
func chargedBack(op *engine.Op, t *engine.Timer) error {
	c, err := engine.Get[engine.Charge](op.Within(Dialect), t.ObjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p, err := loadPayment(op, c)
	if err != nil || p.dispute == nil {
		return err
	}
	return announceChargeback(op, p)
}

// announceChargeback records payment_chargeback.
func announceChargeback(op *engine.Op, p *payment) error {
	c := p.charge
	data := p.eventData(actionID(c.ID, actionChargeback), time.Time{})
	data.Reason, data.ReasonCode = sepa.ReasonOrUnspecified(p.dispute.ReturnReason).CkoToken, p.dispute.ReturnReason
	return record(op, evChargeback, c.ClockID, c.ID, extraKindPayment, objectTypePayment, data)
}

// mandateEnded records source_updated when a Checkout.com mandate ends.
func mandateEnded(op *engine.Op, m *engine.Mandate) error {
	data := sourceEventData{ID: m.ID, Type: "sepa", MandateReference: m.Reference, MandateState: mandateState(m),
		MandateType: mandateType(m), Customer: &customerJSON{ID: m.Customer}}
	if ref := m.Metadata["reference"]; ref != "" {
		data.Reference = ref
	}
	return record(op, evSourceUpdated, m.ClockID, m.ID, extraKindSource, objectTypeSource, data)
}

// sourceEventData is the data of a source_updated event.
type sourceEventData struct {
	ID               string        `json:"id"`
	Type             string        `json:"type"`
	Reference        string        `json:"reference,omitempty"`
	MandateReference string        `json:"mandate_reference"`
	MandateState     string        `json:"mandate_state"`
	MandateType      string        `json:"mandate_type"`
	Customer         *customerJSON `json:"customer,omitempty"`
}

func recordPayment(op *engine.Op, typ string, p *payment, actionID string, at time.Time) error {
	return record(op, typ, p.charge.ClockID, p.charge.ID, extraKindPayment, objectTypePayment, p.eventData(actionID, at))
}

// record stores one Checkout.com event about objectID, dated by the
// object's clock, and queues it for the account's Checkout.com webhooks.
// An object's events are dated strictly in the order they are recorded: an
// event recorded in the same millisecond as the one before it (two steps
// in one transaction) is dated a millisecond later.
func record(op *engine.Op, typ, clockID, objectID, kind, objectType string, data any) error {
	body, err := json.Marshal(data)
	if err != nil {
		return err
	}
	now := op.Now(clockID).UTC().Truncate(createdOnPrecision)
	last, err := lastCreatedOn(op, objectID)
	if err != nil {
		return err
	}
	if !now.After(last) && !last.IsZero() {
		now = last.Add(createdOnPrecision)
	}
	extra, err := json.Marshal(eventExtra{CreatedOn: now.Format(time.RFC3339Nano), Kind: kind, Object: objectID})
	if err != nil {
		return err
	}
	ev := &engine.Event{ID: newID(eventIDPrefix), Type: typ, Created: now.Unix(), ObjectType: objectType,
		Object: body, Extra: extra}
	return op.RecordDialectEvent(Dialect, ev, objectID)
}

// lastCreatedOn returns the created_on of the newest Checkout.com event
// about objectID, or the zero time.
func lastCreatedOn(op *engine.Op, objectID string) (time.Time, error) {
	rows, err := op.ListEvents(store.ListEventsParams{Dialect: Dialect, ObjectID: objectID, Limit: 1})
	if err != nil || len(rows) == 0 {
		return time.Time{}, err
	}
	ev, err := engine.DecodeEvent(rows[0])
	if err != nil {
		return time.Time{}, err
	}
	return createdOn(ev), nil
}

// createdOn returns when a stored Checkout.com event happened, to the millisecond.
func createdOn(ev *engine.Event) time.Time {
	var x eventExtra
	json.Unmarshal(ev.Extra, &x)
	if t, err := time.Parse(time.RFC3339Nano, x.CreatedOn); err == nil {
		return t
	}
	return time.Unix(ev.Created, 0).UTC()
}

// decodeAs decodes a stored engine object of the expected Go type.
func decodeAs[T engine.Object](objType string, data []byte) (T, bool) {
	var zero T
	if len(data) == 0 {
		return zero, false
	}
	o, err := engine.Decode(objType, data)
	if err != nil {
		return zero, false
	}
	t, ok := o.(T)
	return t, ok
}

// eventEnvelope is an event as webhooks deliver it and GET /events/{id}
// answers (which adds its notifications and the retry link).
type eventEnvelope struct {
	ID            string                `json:"id"`
	Type          string                `json:"type"`
	Version       string                `json:"version"`
	CreatedOn     string                `json:"created_on"`
	Data          json.RawMessage       `json:"data"`
	Notifications []notificationSummary `json:"notifications,omitempty"`
	Links         links                 `json:"_links"`
}

// renderEvent renders a stored Checkout.com event with links under base.
func renderEvent(ev *engine.Event, base string) eventEnvelope {
	var x eventExtra
	json.Unmarshal(ev.Extra, &x)
	if x.CreatedOn == "" {
		x.CreatedOn = timestamp(ev.Created)
	}
	l := links{"self": {base + "/events/" + ev.ID}}
	switch x.Kind {
	case extraKindPayment:
		l["payment"] = link{base + "/payments/" + x.Object}
	case extraKindSource:
		l["source"] = link{base + "/sources/" + x.Object}
	}
	return eventEnvelope{ID: ev.ID, Type: ev.Type, Version: eventVersion, CreatedOn: x.CreatedOn, Data: ev.Object, Links: l}
}

func (a *API) eventRoutes() {
	a.handle("GET /events/{id}", route{h: getEvent})
	a.eventsAPIRoutes()
}

// getEvent answers the event as delivered, with its notifications and the
// link that retries them.
func getEvent(c *call, op *engine.Op) (int, any, error) {
	ev, err := pathEvent(c, op)
	if err != nil {
		return 0, nil, err
	}
	base := c.baseURL()
	out := renderEvent(ev, base)
	if out.Notifications, err = notifications(op, c.account, base, ev.ID); err != nil {
		return 0, nil, err
	}
	out.Links["webhooks-retry"] = eventLinks(base, ev.ID)["webhooks-retry"]
	return http.StatusOK, out, nil
}
