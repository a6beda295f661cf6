package engine

import (
	"testing"

	"github.com/kontorpay/kontor/store"
)

// TestMandateNotificationRecords charges SEPA Direct Debit sources of each
// notification method: manual and email record the notification (email
// without an event for the merchant), none records nothing.
func TestMandateNotificationRecords(t *testing.T) {
	te := newTestEngine(t)
	for method, want := range map[string]struct{ records, events int }{
		"manual": {1, 1}, "email": {1, 0}, "none": {0, 0},
	} {
		te.update(t, func(op *Op) error {
			s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
				Owner: OwnerParams{Name: Some("Jenny Rosen")}, NotificationMethod: method})
			if err != nil {
				return err
			}
			if _, err := op.CreateSourceCharge(ChargeParams{Amount: 1000, Currency: "eur", Source: s.ID}); err != nil {
				return err
			}
			records, err := List[MandateNotification](op, ListParams{Parent: s.ID, Limit: 10})
			if err != nil {
				return err
			}
			events := 0
			for _, n := range records {
				evs, err := op.ListEvents(store.ListEventsParams{Type: "source.mandate_notification", ObjectID: n.ID, Limit: 10})
				if err != nil {
					return err
				}
				events += len(evs)
			}
			if len(records) != want.records || events != want.events {
				t.Errorf("%s: %d notifications recorded, %d events; want %d and %d", method, len(records), events, want.records, want.events)
			}
			for _, n := range records {
				if n.Charge == "" || n.Amount != 1000 || n.Reason != "debit_initiated" || n.Status != "submitted" {
					t.Errorf("%s: notification %+v", method, n)
				}
			}
			return nil
		})
	}
}
