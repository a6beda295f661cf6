package engine

import (
	"bytes"
	"encoding/json"
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
		s, err := createTestSource(op)
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

// TestEmitWritten: an event emitted right after the op wrote its object
// carries the document the write stored, which is what json.Marshal writes;
// for an object the op only read, it marshals the object as it is now.
func TestEmitWritten(t *testing.T) {
	te := newTestEngine(t)
	want := map[string][]byte{} // event type -> the object it must carry
	var id string
	te.update(t, func(op *Op) error {
		s, err := createTestSource(op)
		if err != nil {
			return err
		}
		id = s.ID
		want["test.inserted"], _ = json.Marshal(s)
		if err := op.emitWritten("test.inserted", s, nil); err != nil {
			return err
		}
		s.Metadata = map[string]string{"order": "6735"}
		if err := op.save(s); err != nil {
			return err
		}
		want["test.saved"], _ = json.Marshal(s)
		return op.emitWritten("test.saved", s, nil)
	})
	te.update(t, func(op *Op) error {
		s, err := GetForUpdate[Source](op, id)
		if err != nil {
			return err
		}
		s.Metadata = map[string]string{"order": "6736"} // read, not written: the event must say so
		want["test.read"], _ = json.Marshal(s)
		return op.emitWritten("test.read", s, nil)
	})
	te.view(t, func(op *Op) error {
		rows, err := eventsAbout(op, "", id)
		if err != nil {
			return err
		}
		seen := 0
		for _, r := range rows {
			w, ok := want[r.Type]
			if !ok {
				continue
			}
			seen++
			ev, err := DecodeEvent(r)
			if err != nil {
				return err
			}
			if !bytes.Equal(ev.Object, w) {
				t.Errorf("%s carries\n%s\nwant\n%s", r.Type, ev.Object, w)
			}
		}
		if seen != len(want) {
			t.Errorf("found %d of the %d events", seen, len(want))
		}
		return nil
	})
}

// TestPeek: Peek returns the value an operation left only while the op
// holds the row that value is, and decodes the row otherwise.
func TestPeek(t *testing.T) {
	te := newTestEngine(t)
	te.update(t, func(op *Op) error {
		s, err := createTestSource(op)
		if err != nil {
			return err
		}
		if got, err := Peek[Source](op, s.ID); err != nil || got == s || got.ID != s.ID {
			t.Errorf("Peek before leave = %p %v, want a copy of %p", got, err, s)
		}
		op.leave(s)
		if got, err := Peek[Source](op, s.ID); err != nil || got != s {
			t.Errorf("Peek after leave = %p %v, want %p", got, err, s)
		}
		if _, err := Peek[Customer](op, s.ID); err == nil {
			t.Error("Peek of the source's id as a customer found it")
		}
		later, err := GetForUpdate[Source](op, s.ID)
		if err != nil {
			return err
		}
		later.Metadata = map[string]string{"order": "6735"}
		if err := op.save(later); err != nil {
			return err
		}
		got, err := Peek[Source](op, s.ID)
		if err != nil || got == s || got.Metadata["order"] != "6735" {
			t.Errorf("Peek after a later save = %+v %v, want the saved row", got, err)
		}
		return nil
	})
}

// createTestSource creates a reusable SEPA Direct Debit source in op.
func createTestSource(op *Op) (*Source, error) {
	return op.CreateSource(SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
		Owner: OwnerParams{Name: Some("Jenny Rosen")}})
}
