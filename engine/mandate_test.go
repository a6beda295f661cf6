package engine

import (
	"sync"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/sepa"
)

// sequenceBank is a network that holds every instruction, as fileBank does,
// and keeps the sequence type of each collection's last submission: a
// write's function may run more than once, and its last run is the one that
// committed.
type sequenceBank struct {
	mu  sync.Mutex
	seq map[string]bank.Sequence
}

func (b *sequenceBank) CheckAccount(string) error { return nil }

func (b *sequenceBank) Submit(d bank.Desk, in bank.Instruction) error {
	b.mu.Lock()
	b.seq[in.ID] = in.Sequence
	b.mu.Unlock()
	return d.Hold(in)
}

func (b *sequenceBank) sequence(id string) bank.Sequence {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq[id]
}

// mandateEnv is a seam environment with one multi-use mandate of another
// dialect, created at the wall clock's time.
func mandateEnv(t *testing.T) (*seamEnv, *sequenceBank, string) {
	t.Helper()
	b := &sequenceBank{seq: map[string]bank.Sequence{}}
	s := newSeamEnv(t, b)
	var id string
	s.update(func(op *Op) error {
		m, err := op.Within(otherDialect).CreateMandate(MandateParams{IBAN: "DE89370400440532013000", HolderName: "Erika Mustermann"})
		if m != nil {
			id = m.ID
		}
		return err
	})
	return s, b, id
}

// collectUnder collects a charge of the given id under the mandate.
func (s *seamEnv) collectUnder(mandate, id string) {
	s.t.Helper()
	s.update(func(op *Op) error {
		_, err := op.Within(otherDialect).CollectUnderMandate(CollectionParams{ID: id, Mandate: mandate, Amount: 500, Currency: "eur"})
		return err
	})
}

// mandate returns the stored mandate and its version.
func (s *seamEnv) mandate(id string) (*Mandate, int64) {
	s.t.Helper()
	var m *Mandate
	if err := s.e.View(s.ctx, s.acct, func(op *Op) error {
		var err error
		m, err = Get[Mandate](op, id)
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	return m, m.version
}

// TestMandateRecordsOneCollectionADay: a mandate is saved at its first
// collection and at the first collection of each later day; a second
// collection on the same day leaves it as it is and is RCUR.
func TestMandateRecordsOneCollectionADay(t *testing.T) {
	s, b, id := mandateEnv(t)
	_, created := s.mandate(id)

	first := s.wall.Now()
	s.collectUnder(id, "py_day1_a")
	m, v1 := s.mandate(id)
	if v1 == created || m.Collections != 1 || m.LastCollection != first.Unix() {
		t.Fatalf("after the first collection: version %d (was %d), %d collections, last %d; want saved, 1, %d",
			v1, created, m.Collections, m.LastCollection, first.Unix())
	}
	if got := b.sequence("py_day1_a"); got != bank.SequenceFirst {
		t.Errorf("first collection: %s, want FRST", got)
	}

	s.wall.Advance(14 * time.Hour) // 23:00, the same day
	s.collectUnder(id, "py_day1_b")
	if m, v := s.mandate(id); v != v1 || m.Collections != 1 || m.LastCollection != first.Unix() {
		t.Errorf("after a second collection on the same day: version %d (was %d), %d collections, last %d; want unchanged",
			v, v1, m.Collections, m.LastCollection)
	}
	if got := b.sequence("py_day1_b"); got != bank.SequenceRecurring {
		t.Errorf("second collection on the first day: %s, want RCUR", got)
	}

	s.wall.Advance(90 * time.Minute) // 00:30 the next day
	next := s.wall.Now()
	s.collectUnder(id, "py_day2")
	if m, v := s.mandate(id); v == v1 || m.Collections != 2 || m.LastCollection != next.Unix() {
		t.Errorf("after the next day's collection: version %d (was %d), %d collections, last %d; want saved, 2, %d",
			v, v1, m.Collections, m.LastCollection, next.Unix())
	}
	if got := b.sequence("py_day2"); got != bank.SequenceRecurring {
		t.Errorf("the next day's collection: %s, want RCUR", got)
	}
}

// TestMandateLapsesAfterTheDaysLastCollection: after collections at 09:00
// and 23:00 of one day, of which the mandate records the first, it lapses
// no earlier than 36 months after the 23:00 one: at the end of that day.
func TestMandateLapsesAfterTheDaysLastCollection(t *testing.T) {
	s, _, id := mandateEnv(t)
	s.collectUnder(id, "py_morning")
	s.wall.Advance(14 * time.Hour)
	last := s.wall.Now()
	s.collectUnder(id, "py_evening")
	if m, _ := s.mandate(id); m.LastCollection == last.Unix() {
		t.Fatal("the evening's collection was recorded; the test needs it unrecorded")
	}
	fire := func() {
		t.Helper()
		if _, _, err := s.e.FireDueTimers(s.ctx); err != nil {
			t.Fatal(err)
		}
	}
	lapse := sepa.MandateLapse(last)
	end := time.Date(lapse.Year(), lapse.Month(), lapse.Day()+1, 0, 0, 0, 0, lapse.Location())
	// The timer armed at creation fires 36 months after it, on the morning
	// of that day; then 36 months after the evening's collection; then just
	// before the end of the day.
	for _, at := range []time.Time{lapse.Add(-14 * time.Hour), lapse, end.Add(-time.Second)} {
		s.wall.Advance(at.Sub(s.wall.Now()))
		fire()
		if m, _ := s.mandate(id); !m.Active() {
			t.Fatalf("lapsed at %s, before the end of the day 36 months after the last collection (%s)", at, last)
		}
	}
	s.wall.Advance(end.Sub(s.wall.Now()))
	fire()
	if m, _ := s.mandate(id); m.Active() || m.EndReason != "lapsed" {
		t.Fatalf("at %s: %s (%s), want inactive, lapsed", end, m.Status, m.EndReason)
	}
}

// TestMandateConcurrentFirstCollections: two first collections under one
// mandate at once are FRST and RCUR, never both FRST. The first one's
// function reads the mandate, then the second collection runs and commits
// whole before the first one's function goes on: the first one's save of
// the mandate conflicts, and its next run is the mandate's second
// collection of the day.
func TestMandateConcurrentFirstCollections(t *testing.T) {
	s, b, id := mandateEnv(t)
	nested := false
	s.update(func(op *Op) error {
		op.Within(otherDialect)
		if _, err := Get[Mandate](op, id); err != nil {
			return err
		}
		if !nested {
			nested = true
			s.collectUnder(id, "py_inner")
		}
		_, err := op.CollectUnderMandate(CollectionParams{ID: "py_outer", Mandate: id, Amount: 500, Currency: "eur"})
		return err
	})
	if got := b.sequence("py_inner"); got != bank.SequenceFirst {
		t.Errorf("the collection that committed first: %s, want FRST", got)
	}
	if got := b.sequence("py_outer"); got != bank.SequenceRecurring {
		t.Errorf("the collection that ran again: %s, want RCUR", got)
	}
	if m, _ := s.mandate(id); m.Collections != 1 {
		t.Errorf("%d collections recorded on the first day, want 1", m.Collections)
	}
}

// TestMandateLapseAfterAnyTimeOfTheDay: the lapse counted from a recorded
// collection comes no earlier than 36 months after any collection later
// that day, and within a day of it, on month ends, leap days and a change
// of summer time included.
func TestMandateLapseAfterAnyTimeOfTheDay(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	for _, first := range []time.Time{
		time.Date(2028, 2, 28, 0, 30, 0, 0, time.UTC), time.Date(2028, 2, 29, 8, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 31, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 3, 28, 0, 15, 0, 0, berlin), time.Date(2026, 10, 25, 1, 0, 0, 0, berlin),
	} {
		m := &Mandate{LastCollection: first.Unix()}
		lapse := m.lapseAfter(first.Location())
		for at := first; at.Before(dayEnd(first)); at = at.Add(7 * time.Minute) {
			if want := sepa.MandateLapse(at); lapse.Before(want) || lapse.Sub(want) > 25*time.Hour {
				t.Errorf("recorded %s, collected %s: lapse %s, want from %s to a day after", first, at, lapse, want)
				break
			}
		}
	}
}
