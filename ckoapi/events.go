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

// timerPaidOut fires when a captured payment's funds reach the merchant.
const timerPaidOut = "cko.payment_paid"

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
//	charge.dispute.created              payment_chargeback (once paid out)
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

// deriveEvents is the dialect's engine.EventSink: inside the transaction of
// every engine event it records the Checkout.com events of origin-cko
// objects, per the table above.
func deriveEvents(op *engine.Op, ev *engine.Event) error {
	switch ev.Type {
	case "charge.pending", "charge.succeeded", "charge.failed":
		c, ok := decodeAs[*engine.Charge](ev.ObjectType, ev.Object)
		if !ok || c.Origin != Dialect {
			return nil
		}
		p, err := loadPayment(op, c)
		if err != nil {
			return err
		}
		switch {
		case ev.Type == "charge.pending":
			return recordPayment(op, evPaymentPending, p, actionID(c.ID, actionAuthorization))
		case ev.Type == "charge.succeeded":
			if err := recordPayment(op, evPaymentCaptured, p, actionID(c.ID, actionCapture)); err != nil {
				return err
			}
			return op.Schedule(p.paidAt, c.ClockID, timerPaidOut, c.ID, nil)
		case c.Canceled:
			return recordPayment(op, evPaymentCanceled, p, actionID(c.ID, actionVoid))
		default:
			return recordPayment(op, evPaymentDeclined, p, actionID(c.ID, actionCapture))
		}
	case "refund.created", "refund.updated":
		r, ok := decodeAs[*engine.Refund](ev.ObjectType, ev.Object)
		if !ok || r.Origin != Dialect {
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
		return recordPayment(op, typ, p, r.ID)
	case "charge.dispute.created":
		d, ok := decodeAs[*engine.Dispute](ev.ObjectType, ev.Object)
		if !ok || d.Origin != Dialect {
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
		if !p.paidOut {
			return nil // announced after payment_paid, when the payout timer fires
		}
		return recordChargeback(op, p, d)
	}
	return nil
}

// paidOut is the payout timer's handler: the payment is Paid, and a
// chargeback that arrived before the payout is announced after it.
func paidOut(op *engine.Op, t *engine.Timer) error {
	c, err := engine.Get[engine.Charge](op, t.ObjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Origin != Dialect || c.Status != "succeeded" {
		return nil
	}
	p, err := loadPayment(op, c)
	if err != nil {
		return err
	}
	if err := recordPayment(op, evPaymentPaid, p, actionID(c.ID, actionCapture)); err != nil {
		return err
	}
	if p.dispute != nil && p.dispute.Created < p.paidAt.Unix() {
		return recordChargeback(op, p, p.dispute)
	}
	return nil
}

// mandateEnded records source_updated when a Checkout.com mandate ends.
func mandateEnded(op *engine.Op, m *engine.Mandate) error {
	if m.Origin != Dialect {
		return nil
	}
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

func recordPayment(op *engine.Op, typ string, p *payment, actionID string) error {
	return record(op, typ, p.charge.ClockID, p.charge.ID, extraKindPayment, objectTypePayment, p.eventData(actionID))
}

func recordChargeback(op *engine.Op, p *payment, d *engine.Dispute) error {
	data := p.eventData("")
	data.Amount, data.Reason, data.ReasonCode = d.Amount, sepa.ReasonOrUnspecified(d.ReturnReason).CkoToken, d.ReturnReason
	data.ProcessedOn = timestamp(d.Created)
	return record(op, evChargeback, p.charge.ClockID, p.charge.ID, extraKindPayment, objectTypePayment, data)
}

// record stores one Checkout.com event about objectID, dated by the
// object's clock, and queues it for the account's Checkout.com webhooks.
func record(op *engine.Op, typ, clockID, objectID, kind, objectType string, data any) error {
	body, err := json.Marshal(data)
	if err != nil {
		return err
	}
	now := op.Now(clockID)
	extra, err := json.Marshal(eventExtra{CreatedOn: now.UTC().Truncate(createdOnPrecision).Format(time.RFC3339Nano),
		Kind: kind, Object: objectID})
	if err != nil {
		return err
	}
	ev := &engine.Event{ID: newID(eventIDPrefix), Type: typ, Created: now.Unix(), ObjectType: objectType,
		Object: body, Extra: extra}
	return op.RecordDialectEvent(Dialect, ev, objectID)
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

// eventEnvelope is an event as webhooks deliver it and GET /events/{id} answers.
type eventEnvelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Version   string          `json:"version"`
	CreatedOn string          `json:"created_on"`
	Data      json.RawMessage `json:"data"`
	Links     links           `json:"_links"`
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
}

func getEvent(c *call, op *engine.Op) (int, any, error) {
	ev, _, err := op.GetEvent(Dialect, c.r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, errNotFound
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderEvent(ev, c.baseURL()), nil
}
