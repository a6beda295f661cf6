package engine

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/sepa"
	"github.com/kontorpay/kontor/store/sqlite"
)

// fileBank is a network that answers nothing at once: it holds every
// instruction for the next outbound file, as a bank reached through ISO
// 20022 files does. Its answers come later, through ApplyBankReport.
type fileBank struct{ submitted []bank.Instruction }

func (b *fileBank) CheckAccount(string) error { return nil }

func (b *fileBank) Submit(d bank.Desk, in bank.Instruction) error {
	b.submitted = append(b.submitted, in)
	return d.Hold(in)
}

type seamEnv struct {
	t    *testing.T
	ctx  context.Context
	e    *Engine
	acct string
	wall *clock.Manual
}

func newSeamEnv(t *testing.T, network bank.Network) *seamEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	wall := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e, err := New(ctx, Config{Store: st, Clock: wall, Bank: network})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := e.CreateAccount(ctx, "Seam Test")
	if err != nil {
		t.Fatal(err)
	}
	return &seamEnv{t: t, ctx: ctx, e: e, acct: acct.Account.ID, wall: wall}
}

func (s *seamEnv) update(fn func(op *Op) error) {
	s.t.Helper()
	if err := s.e.Update(s.ctx, s.acct, RequestInfo{}, fn); err != nil {
		s.t.Fatal(err)
	}
}

// otherDialect owns the objects the tests create as a dialect other than
// the default one would.
const otherDialect = "other"

// collect creates a mandate for iban and collects amount under it.
func (s *seamEnv) collect(iban string, amount int64) *Charge {
	s.t.Helper()
	var c *Charge
	s.update(func(op *Op) error {
		m, err := op.Within(otherDialect).CreateMandate(MandateParams{IBAN: sepa.IBAN(iban), HolderName: "Erika Mustermann",
			FirstName: "Erika", LastName: "Mustermann", Email: "erika@example.com", Descriptor: "Thanks"})
		if err != nil {
			return err
		}
		c, err = op.CollectUnderMandate(CollectionParams{ID: NewID("py_"), Mandate: m.ID, Amount: amount, Currency: "eur"})
		return err
	})
	return c
}

func (s *seamEnv) charge(id string) *Charge {
	s.t.Helper()
	var c *Charge
	if err := s.e.View(s.ctx, s.acct, func(op *Op) error {
		var err error
		c, err = Get[Charge](op, id)
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	return c
}

func (s *seamEnv) apply(r bank.Report) error {
	return s.e.Update(s.ctx, s.acct, RequestInfo{}, func(op *Op) error { return op.ApplyBankReport(r) })
}

// TestBankSeamHeldInstructions drives a network that answers by file:
// nothing settles by timer; held instructions are listed and released once;
// each report moves the charge exactly as the reason table says.
func TestBankSeamHeldInstructions(t *testing.T) {
	fb := &fileBank{}
	s := newSeamEnv(t, fb)
	ok := s.collect("DE89370400440532013000", 5600)
	poor := s.collect("DE89370400440532013000", 700)
	if len(fb.submitted) != 2 || fb.submitted[0].ID != ok.ID || fb.submitted[0].Kind != bank.Collection ||
		fb.submitted[0].IBAN != "DE89370400440532013000" || fb.submitted[0].Amount != 5600 || fb.submitted[0].Mandate == "" {
		t.Fatalf("submitted %+v", fb.submitted)
	}
	due := fb.submitted[0].Due

	// Nothing settles while the bank has not answered, however long it takes.
	s.wall.Advance(30 * 24 * time.Hour)
	if _, _, err := s.e.FireDueTimers(s.ctx); err != nil {
		t.Fatal(err)
	}
	if c := s.charge(ok.ID); c.Status != "pending" {
		t.Fatalf("charge %s without an answer", c.Status)
	}

	s.update(func(op *Op) error {
		early, err := op.HeldInstructions(due.Add(-time.Second))
		if err != nil || len(early) != 0 {
			t.Errorf("held before the due date: %d, %v", len(early), err)
		}
		held, err := op.HeldInstructions(due)
		if err != nil {
			return err
		}
		if len(held) != 2 || held[0].Instruction.ID != ok.ID || held[1].Instruction.ID != poor.ID {
			t.Fatalf("held %+v", held)
		}
		if err := op.ReleaseInstructions([]string{held[0].ID, held[1].ID}, "bkf_1"); err != nil {
			return err
		}
		if err := op.ReleaseInstructions([]string{held[0].ID}, "bkf_2"); err == nil {
			t.Error("an instruction was released twice")
		}
		again, err := op.HeldInstructions(due)
		if err != nil || len(again) != 0 {
			t.Errorf("held after release: %d, %v", len(again), err)
		}
		return nil
	})

	if err := s.apply(bank.Report{Instruction: ok.ID, Kind: bank.Collection, Status: bank.Accepted}); err != nil {
		t.Fatal(err)
	}
	if err := s.apply(bank.Report{Instruction: ok.ID, Kind: bank.Collection, Status: bank.Booked}); err != nil {
		t.Fatal(err)
	}
	if c := s.charge(ok.ID); c.Status != "succeeded" || c.BalanceTransaction == nil {
		t.Fatalf("booked: %s", c.Status)
	}
	// A return after settlement is a dispute with the return's reason.
	if err := s.apply(bank.Report{Instruction: ok.ID, Kind: bank.Collection, Status: bank.Returned, Reason: "MD06"}); err != nil {
		t.Fatal(err)
	}
	c := s.charge(ok.ID)
	if !c.Disputed || c.Dispute == "" {
		t.Fatalf("returned after settlement: disputed %v", c.Disputed)
	}
	s.update(func(op *Op) error {
		d, err := Get[Dispute](op, c.Dispute)
		if err != nil {
			return err
		}
		if d.ReturnReason != "MD06" || d.Reason != "general" || d.Amount != 5600 {
			t.Errorf("dispute %+v", d)
		}
		return nil
	})
	// A second return changes nothing.
	if err := s.apply(bank.Report{Instruction: ok.ID, Kind: bank.Collection, Status: bank.Returned, Reason: "AM04"}); err != nil {
		t.Fatal(err)
	}
	if again := s.charge(ok.ID); again.Dispute != c.Dispute {
		t.Errorf("a second return opened dispute %s", again.Dispute)
	}

	// A rejection fails the charge with the reason's failure code.
	if err := s.apply(bank.Report{Instruction: poor.ID, Kind: bank.Collection, Status: bank.Rejected, Reason: "AM04"}); err != nil {
		t.Fatal(err)
	}
	if c := s.charge(poor.ID); c.Status != "failed" || deref(c.FailureCode) != "insufficient_funds" || c.FailureReason != "AM04" || c.Canceled {
		t.Errorf("rejected: %s %s %s", c.Status, deref(c.FailureCode), c.FailureReason)
	}
	// A booking after the failure changes nothing.
	if err := s.apply(bank.Report{Instruction: poor.ID, Kind: bank.Collection, Status: bank.Booked}); err != nil {
		t.Fatal(err)
	}
	if c := s.charge(poor.ID); c.Status != "failed" {
		t.Errorf("booked after failing: %s", c.Status)
	}

	if err := s.apply(bank.Report{Instruction: "py_nope", Kind: bank.Collection, Status: bank.Booked}); !errors.Is(err, ErrUnmatched) {
		t.Errorf("unknown instruction: %v", err)
	}
}

// TestBankSeamSimulator checks that the simulator answers through timers
// on the instruction's clock, into the same path.
func TestBankSeamSimulator(t *testing.T) {
	s := newSeamEnv(t, nil)
	cases := []struct {
		iban, status, code, reason string
		canceled, disputed         bool
	}{
		{"DE25100100101234567893", "succeeded", "", "", false, false},
		{"DE52100100101234567892", "failed", "debit_canceled", "CUST", true, false},
		{"DE62370400440532013001", "failed", "account_closed", "AC04", false, false},
		{"DE68100100101234567895", "succeeded", "", "", false, true},
		{"DE79100100101234567891", "pending", "", "", false, false},
	}
	var ids []string
	for _, c := range cases {
		ids = append(ids, s.collect(c.iban, 1000).ID)
	}
	s.wall.Advance(time.Minute)
	if _, _, err := s.e.FireDueTimers(s.ctx); err != nil {
		t.Fatal(err)
	}
	for i, want := range cases {
		c := s.charge(ids[i])
		if string(c.Status) != want.status || deref(c.FailureCode) != want.code || c.FailureReason != want.reason ||
			c.Canceled != want.canceled || c.Disputed != want.disputed {
			t.Errorf("%s: %s %q %q canceled %v disputed %v", want.iban, c.Status, deref(c.FailureCode), c.FailureReason, c.Canceled, c.Disputed)
		}
	}
}

// TestOneCollectionRule: every collection under a mandate is a SEPA amount in euros.
func TestOneCollectionRule(t *testing.T) {
	s := newSeamEnv(t, &fileBank{})
	err := s.e.Update(s.ctx, s.acct, RequestInfo{}, func(op *Op) error {
		m, err := op.Within(otherDialect).CreateMandate(MandateParams{IBAN: "DE89370400440532013000", HolderName: "Erika Mustermann"})
		if err != nil {
			return err
		}
		for _, tc := range []struct {
			amount   int64
			currency string
			code     string
		}{{0, "eur", "invalid_amount"}, {100000000000, "eur", "invalid_amount"}, {100, "usd", "invalid_currency"}} {
			_, err := op.CollectUnderMandate(CollectionParams{ID: NewID("py_"), Mandate: m.ID, Amount: tc.amount, Currency: tc.currency})
			if e, ok := AsError(err); !ok || e.Code != tc.code {
				t.Errorf("%d %s: %v, want %s", tc.amount, tc.currency, err, tc.code)
			}
			d := debit{ID: NewID("py_"), Amount: tc.amount, Currency: tc.currency}
			if _, err := op.collectUnderMandate(d, m); err == nil {
				t.Errorf("%d %s collected", tc.amount, tc.currency)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
