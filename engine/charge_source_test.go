package engine

import (
	"errors"
	"reflect"

	"github.com/kontorpay/kontor/store"
	"testing"
)

// TestChargeWithSource reads a charge for rendering, twice: the first read
// finds its source by the charge, the second asks for both rows in one call,
// and both give the same charge and source. A charge of another account is
// not found through the first account's memory of it.
func TestChargeWithSource(t *testing.T) {
	te := newTestEngine(t)
	var chargeID, sourceID string
	te.update(t, func(op *Op) error {
		s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
			Owner: OwnerParams{Name: Some("Jenny Rosen")}})
		if err != nil {
			return err
		}
		c, err := op.CreateSourceCharge(ChargeParams{Amount: 1000, Currency: "eur", Source: s.ID})
		if err != nil {
			return err
		}
		chargeID, sourceID = c.ID, s.ID
		return nil
	})
	type read struct {
		charge      *Charge
		source      *Source
		get, getAll int64
	}
	render := func() read {
		t.Helper()
		var r read
		get, getAll := te.st.getObject.Load(), te.st.getObjects.Load()
		te.view(t, func(op *Op) error {
			c, err := GetChargeWithSource(op, chargeID)
			if err != nil {
				return err
			}
			s, err := Peek[Source](op, c.Source)
			r.charge, r.source = c, s
			return err
		})
		r.get, r.getAll = te.st.getObject.Load()-get, te.st.getObjects.Load()-getAll
		return r
	}
	cold, warm := render(), render()
	if cold.get != 2 || cold.getAll != 0 {
		t.Errorf("the first read: %d reads of one object and %d of several; want 2 and 0", cold.get, cold.getAll)
	}
	if warm.get != 0 || warm.getAll != 1 {
		t.Errorf("the second read: %d reads of one object and %d of several; want 0 and 1", warm.get, warm.getAll)
	}
	if warm.source.ID != sourceID || !reflect.DeepEqual(cold.charge, warm.charge) || !reflect.DeepEqual(cold.source, warm.source) {
		t.Errorf("the two reads differ:\n%+v %+v\n%+v %+v", cold.charge, cold.source, warm.charge, warm.source)
	}

	other, err := te.CreateAccount(t.Context(), "Other")
	if err != nil {
		t.Fatal(err)
	}
	err = te.View(t.Context(), other.Account.ID, func(op *Op) error {
		_, err := GetChargeWithSource(op, chargeID)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another account's read of the charge: %v; want not found", err)
	}
}
