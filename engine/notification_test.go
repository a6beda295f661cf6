package engine

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// TestMandateNotificationRecords charges SEPA Direct Debit sources of each
// notification method: manual records the notification in its event, email
// as an object without an event for the merchant, none records nothing.
// GetMandateNotification reads either record.
func TestMandateNotificationRecords(t *testing.T) {
	te := newTestEngine(t)
	for method, want := range map[string]struct{ objects, events int }{
		"manual": {0, 1}, "email": {1, 0}, "none": {0, 0},
	} {
		te.update(t, func(op *Op) error {
			s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
				Owner: OwnerParams{Name: Some("Jenny Rosen")}, NotificationMethod: method})
			if err != nil {
				return err
			}
			c, err := op.CreateSourceCharge(ChargeParams{Amount: 1000, Currency: "eur", Source: s.ID})
			if err != nil {
				return err
			}
			objects, err := List[MandateNotification](op, ListParams{Parent: s.ID, Limit: 10})
			if err != nil {
				return err
			}
			ids := []string{}
			for _, n := range objects {
				ids = append(ids, n.ID)
			}
			evs, err := op.ListEvents(store.ListEventsParams{Type: "source.mandate_notification", Limit: 100})
			if err != nil {
				return err
			}
			events := 0
			for _, r := range evs {
				ev, err := DecodeEvent(r)
				if err != nil {
					return err
				}
				var n MandateNotification
				if err := json.Unmarshal(ev.Object, &n); err != nil {
					return err
				}
				if n.Source == s.ID {
					events++
					ids = append(ids, n.ID)
				}
			}
			if len(objects) != want.objects || events != want.events {
				t.Errorf("%s: %d notification objects, %d events; want %d and %d", method, len(objects), events, want.objects, want.events)
			}
			for _, id := range ids {
				n, err := op.GetMandateNotification(id)
				if err != nil {
					t.Errorf("%s: GetMandateNotification(%s): %v", method, id, err)
					continue
				}
				if n.ID != id || n.Source != s.ID || n.Charge != c.ID || n.Amount != 1000 || n.Reason != "debit_initiated" ||
					n.Status != "submitted" || n.DebitDate != c.SettleAt || n.Created == 0 {
					t.Errorf("%s: notification %+v", method, n)
				}
			}
			return nil
		})
	}
	te.update(t, func(op *Op) error {
		if _, err := op.GetMandateNotification("srcmn_nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetMandateNotification of an unknown id: %v, want store.ErrNotFound", err)
		}
		return nil
	})
}

// TestMandateNotificationEvents: a notification's event is named after the
// notification and adds no entry to the index of events by object; one
// stored before events were named so, found by its object, is still read.
func TestMandateNotificationEvents(t *testing.T) {
	te := newTestEngine(t)
	var id string
	te.update(t, func(op *Op) error {
		s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
			Owner: OwnerParams{Name: Some("Jenny Rosen")}})
		if err != nil {
			return err
		}
		_, err = op.CreateSourceCharge(ChargeParams{Amount: 1000, Currency: "eur", Source: s.ID})
		return err
	})
	te.view(t, func(op *Op) error {
		evs, err := op.ListEvents(store.ListEventsParams{Type: eventMandateNotification, Limit: 10})
		if err != nil || len(evs) != 1 {
			t.Fatalf("notification events: %d, %v", len(evs), err)
		}
		n, err := notificationIn(evs[0], "")
		if err != nil {
			return err
		}
		if n != nil {
			t.Fatal("an event carries the notification of the empty id")
		}
		ev, err := DecodeEvent(evs[0])
		if err != nil {
			return err
		}
		var m MandateNotification
		if err := json.Unmarshal(ev.Object, &m); err != nil {
			return err
		}
		id = m.ID
		if evs[0].ID != notificationEvent(id) || evs[0].ObjectID != "" {
			t.Errorf("the notification %s's event is %s about %q; want %s about no object", id, evs[0].ID, evs[0].ObjectID, notificationEvent(id))
		}
		return nil
	})
	// An event as it was stored before: an id of its own, found by its object.
	old := MandateNotification{Meta: Meta{ID: "srcmn_stored_before", Created: 1}, Source: "src_1", Amount: 700, Status: NotificationSubmitted}
	obj, _ := json.Marshal(&old)
	data, _ := json.Marshal(&Event{ObjectType: old.ObjectType(), Object: obj})
	if err := te.st.Store.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertEvent(t.Context(), &store.Event{Account: te.account, ID: "evt_unrelated", Type: eventMandateNotification,
			ObjectID: old.ID, Created: 1, Data: data})
	}); err != nil {
		t.Fatal(err)
	}
	te.view(t, func(op *Op) error {
		for _, want := range []string{id, old.ID} {
			if n, err := op.GetMandateNotification(want); err != nil || n.ID != want {
				t.Errorf("GetMandateNotification(%s): %+v, %v", want, n, err)
			}
		}
		// An event's id of the notification's shape does not make another
		// notification's event its own.
		if _, err := op.GetMandateNotification("srcmn_unrelated"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetMandateNotification of an id whose event is another's: %v", err)
		}
		return nil
	})
}
