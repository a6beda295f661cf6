package engine

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/kontorpay/kontor/store"
)

// MandateNotification tells a SEPA Direct Debit payer that a debit is coming,
// with the mandate reference, amount and creditor identifier.
type MandateNotification struct {
	Meta
	Source             string             `json:"source"`
	Charge             string             `json:"charge"`
	Amount             int64              `json:"amount"`
	Reason             string             `json:"reason"`
	Status             NotificationStatus `json:"status"`
	CreditorIdentifier string             `json:"creditor_identifier"`
	Last4              string             `json:"last4"`
	MandateReference   string             `json:"mandate_reference"`
	DebitDate          int64              `json:"debit_date"`
}

func init() { register(&MandateNotification{}) }

// ObjectType implements Object.
func (*MandateNotification) ObjectType() string { return "source_mandate_notification" }

// Index implements Object.
func (n *MandateNotification) Index() Index { return Index{Parent: n.Source, Status: string(n.Status)} }

// notifyMandateDebit records the pre-notification of a debit on a SEPA
// Direct Debit source, as its mandate's notification method says: manual
// (also when none was given) announces it to the merchant, who tells the
// payer, by source.mandate_notification; email (stripe_email) is the
// notification sent to the payer, recorded without a merchant event; none
// (deprecated_none) sends nothing. A notification never changes, so it is
// kept once: in its event when it has one, otherwise as an object
// (GetMandateNotification reads either).
func (op *Op) notifyMandateDebit(s *Source, c *Charge) error {
	method := s.SepaDebit.NotificationMethod
	if method == "none" || method == "deprecated_none" {
		return nil
	}
	acct, err := op.Account()
	if err != nil {
		return err
	}
	n := &MandateNotification{Meta: Meta{ID: NewID("srcmn_"), Created: op.Now(c.ClockID).Unix(), ClockID: c.ClockID},
		Source: s.ID, Charge: c.ID, Amount: c.Amount, Reason: "debit_initiated", Status: NotificationSubmitted,
		CreditorIdentifier: acct.Settings.CreditorID, Last4: s.SepaDebit.Account.Last4,
		MandateReference: s.SepaDebit.MandateReference, DebitDate: c.SettleAt}
	if method == "email" || method == "stripe_email" {
		return op.insert(n)
	}
	return op.emit(eventMandateNotification, n, nil)
}

const eventMandateNotification = "source.mandate_notification"

// notificationEvent returns the id of the source.mandate_notification
// event of the notification id: the notification's id with the event's
// prefix (an id's characters after its prefix are unique by themselves).
func notificationEvent(id string) string { return "evt_" + strings.TrimPrefix(id, "srcmn_") }

// GetMandateNotification returns a mandate notification of the op's scope:
// the object kept for one without an event, or the one its
// source.mandate_notification event carries; store.ErrNotFound when there
// is neither.
func (op *Op) GetMandateNotification(id string) (*MandateNotification, error) {
	n, err := Get[MandateNotification](op, id)
	if !errors.Is(err, store.ErrNotFound) {
		return n, err
	}
	r, err := op.tx.GetEvent(op.ctx, op.account, notificationEvent(id))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if n, err := notificationIn(r, id); n != nil || err != nil {
		return n, err
	}
	// A notification's event made before events were named after their
	// notification is found by the object it is about.
	evs, err := op.ListEvents(store.ListEventsParams{ObjectID: id, Limit: 10})
	if err != nil {
		return nil, err
	}
	for _, r := range evs {
		if n, err := notificationIn(r, id); n != nil || err != nil {
			return n, err
		}
	}
	return nil, store.ErrNotFound
}

// notificationIn returns the notification id that the event r carries, or
// nil when r is not that notification's event of the default dialect.
func notificationIn(r store.Event, id string) (*MandateNotification, error) {
	if r.Type != eventMandateNotification || r.Dialect != "" {
		return nil, nil
	}
	ev, err := DecodeEvent(r)
	if err != nil {
		return nil, err
	}
	n := &MandateNotification{}
	if err := json.Unmarshal(ev.Object, n); err != nil || n.ID != id {
		return nil, err
	}
	return n, nil
}
