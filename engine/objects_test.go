package engine

import (
	"errors"
	"testing"
)

// TestOpReadsAnObjectOnce reads objects again within one op: an object the
// op wrote, or read for update, comes from the op without a store read; one
// it read without a lock is read (and locked) again for an update.
func TestOpReadsAnObjectOnce(t *testing.T) {
	te := newTestEngine(t)
	defer te.st.failReads.Store(false)
	var id string
	te.update(t, func(op *Op) error {
		s, err := op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
			Owner: OwnerParams{Name: Some("Jenny Rosen")}})
		if err != nil {
			return err
		}
		id = s.ID
		te.st.failReads.Store(true)
		defer te.st.failReads.Store(false)
		for _, get := range []func(*Op, string) (*Source, error){Get[Source], GetForUpdate[Source]} {
			got, err := get(op, s.ID)
			if err != nil || got.ID != s.ID || got.Status != s.Status || got.Seq() != s.Seq() {
				t.Errorf("reading the source the op wrote: %+v, %v", got, err)
			}
		}
		if _, err := Get[Customer](op, s.ID); !errors.Is(err, errDisk) {
			t.Errorf("reading the source's id as a customer: %v, want a store read", err)
		}
		return nil
	})
	te.update(t, func(op *Op) error {
		if _, err := Get[Source](op, id); err != nil {
			return err
		}
		te.st.failReads.Store(true)
		defer te.st.failReads.Store(false)
		if _, err := Get[Source](op, id); err != nil {
			t.Errorf("reading the source again: %v", err)
		}
		if _, err := GetForUpdate[Source](op, id); !errors.Is(err, errDisk) {
			t.Errorf("reading the source for update after a read without a lock: %v, want a store read", err)
		}
		return nil
	})
}
