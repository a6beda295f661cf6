package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// TestBalanceTransactionDocumentAsEncodingJSON checks a balance
// transaction's own encoder against json.Marshal, for transactions whose
// every field is filled at random (no clock, no fee details, no
// description, no exchange rate a third of the time; strings with escapes,
// HTML characters and text outside ASCII).
func TestBalanceTransactionDocumentAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 1000 {
		var b BalanceTransaction
		fill(r, reflect.ValueOf(&b).Elem(), 0)
		want, err := json.Marshal(&b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := document(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("balance transaction %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestPaymentListedByItsCharge settles three charges and refunds one: a
// charge's payment is stored under no parent, and a list of balance
// transactions by source still finds it, once, through the charge (also a
// payment stored before, with its parent), within the list's cursors and
// type; a refund's movement is found by its parent as before.
func TestPaymentListedByItsCharge(t *testing.T) {
	ctx := context.Background()
	cc := newClockCharges(t, 1, 3)
	cc.advance(t)
	e, account := cc.e, cc.account
	var old, refund string
	err := e.Update(ctx, account, RequestInfo{}, func(op *Op) error {
		// A payment stored before keeps its entry by parent.
		c, err := op.GetCharge(cc.charges[1])
		if err != nil {
			return err
		}
		old = *c.BalanceTransaction
		row, err := op.tx.GetObject(ctx, store.GetObjectParams{Account: account, ID: old})
		if err != nil {
			return err
		}
		row.Parent = c.ID
		if err := op.tx.UpdateObjectColumns(ctx, &row, store.AllColumns); err != nil {
			return err
		}
		r, err := op.CreateRefund(RefundParams{Charge: cc.charges[2]})
		if err != nil {
			return err
		}
		refund = r.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.View(ctx, account, func(op *Op) error {
		for i, id := range cc.charges {
			c, err := op.GetCharge(id)
			if err != nil {
				return err
			}
			if c.Status != ChargeSucceeded || c.BalanceTransaction == nil {
				t.Fatalf("charge %s is %s with balance transaction %v", id, c.Status, c.BalanceTransaction)
			}
			bt := *c.BalanceTransaction
			row, err := op.tx.GetObject(ctx, store.GetObjectParams{Account: account, ID: bt})
			if err != nil {
				return err
			}
			if want := map[bool]string{true: id}[bt == old]; row.Parent != want {
				t.Errorf("the payment %s of charge %s is stored under parent %q, want %q", bt, id, row.Parent, want)
			}
			for _, c := range []struct {
				f    BalanceTransactionFilter
				page ListParams
				want []string
			}{
				{BalanceTransactionFilter{Source: id}, ListParams{Limit: 10}, []string{bt}},
				{BalanceTransactionFilter{Source: id, Type: "payment"}, ListParams{Limit: 10, Ascending: true}, []string{bt}},
				{BalanceTransactionFilter{Source: id, Type: "payment_refund"}, ListParams{Limit: 10}, nil},
				{BalanceTransactionFilter{Source: id}, ListParams{Limit: 10, AfterSeq: row.Seq}, nil},
				{BalanceTransactionFilter{Source: id}, ListParams{Limit: 10, BeforeSeq: row.Seq, Ascending: true}, nil},
				{BalanceTransactionFilter{Source: id}, ListParams{Limit: 10, AfterSeq: row.Seq + 1}, []string{bt}},
			} {
				got, err := ListWhere[BalanceTransaction](op, c.f, c.page)
				if err != nil {
					return err
				}
				var ids []string
				for _, b := range got {
					ids = append(ids, b.ID)
				}
				if !slices.Equal(ids, c.want) {
					t.Errorf("charge %d: balance transactions of %+v, %+v: %v, want %v", i, c.f, c.page, ids, c.want)
				}
			}
		}
		r, err := Get[Refund](op, refund)
		if err != nil {
			return err
		}
		if r.BalanceTransaction == nil {
			t.Fatal("the refund has no balance transaction")
		}
		got, err := ListWhere[BalanceTransaction](op, BalanceTransactionFilter{Source: refund}, ListParams{Limit: 10})
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].ID != *r.BalanceTransaction {
			t.Errorf("balance transactions of refund %s: %v, want %s", refund, got, *r.BalanceTransaction)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
