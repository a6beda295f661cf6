package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var objectTests = []test{
	{"InsertGet", func(t *testing.T, s store.Store) {
		big := bytes.Repeat([]byte{0, 1, 2, 0xff, '"', '\''}, 256<<10/6)
		objs := []*store.Object{
			{Account: "acct_a", ID: "cus_1", Type: "customer", Status: "active", Lookup: "x@example.com", Created: 10, Data: []byte(`{"name":"Zoë ✓"}`)},
			{Account: "acct_a", ID: "ch_1", Type: "charge", Kind: "sepa_debit", Customer: "cus_1", Parent: "src_1", Status: "pending",
				ClockID: "clock_1", Lookup: "ref", Created: 11, Data: big},
			// The same id in another account is another object.
			{Account: "acct_b", ID: "cus_1", Type: "customer", Created: 12, Data: []byte{0}},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, o := range objs {
				if err := tx.InsertObject(ctx, o); err != nil {
					return err
				}
				if o.Version != 1 {
					t.Fatalf("InsertObject set Version %d, want 1", o.Version)
				}
			}
			return nil
		})
		if !(objs[0].Seq > 0 && objs[0].Seq < objs[1].Seq && objs[1].Seq < objs[2].Seq) {
			t.Fatalf("InsertObject seqs not increasing: %d, %d, %d", objs[0].Seq, objs[1].Seq, objs[2].Seq)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, o := range objs {
				got, err := tx.GetObject(ctx, store.GetObjectParams{Account: o.Account, ID: o.ID})
				must(t, "GetObject", err)
				equal(t, "GetObject "+o.Account+"/"+o.ID, got, *o)
				got, err = tx.GetObject(ctx, store.GetObjectParams{Account: o.Account, ID: o.ID, Type: o.Type})
				must(t, "GetObject with type", err)
				equal(t, "GetObject with type", got, *o)
			}
			_, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1", Type: "charge"})
			wantErr(t, "GetObject of another type", err, store.ErrNotFound)
			_, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_b", ID: "ch_1"})
			wantErr(t, "GetObject of another account", err, store.ErrNotFound)
			_, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "nope"})
			wantErr(t, "GetObject missing", err, store.ErrNotFound)
			// A scope finds only objects of its kind, the empty kind included.
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1", Scope: ptrTo("sepa_debit")})
			must(t, "GetObject in its scope", err)
			equal(t, "GetObject in its scope", got, *objs[1])
			got, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1", Type: "customer", Scope: ptrTo("")})
			must(t, "GetObject in the empty scope", err)
			equal(t, "GetObject in the empty scope", got, *objs[0])
			_, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1", Scope: ptrTo("")})
			wantErr(t, "GetObject of another scope", err, store.ErrNotFound)
			_, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1", Scope: ptrTo("sepa_debit")})
			wantErr(t, "GetObject of the empty scope in another", err, store.ErrNotFound)
			return nil
		})
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1", Type: "charge", ForUpdate: true})
			must(t, "GetObject ForUpdate", err)
			equal(t, "GetObject ForUpdate", got, *objs[1])
			_, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_b", ID: "ch_1", ForUpdate: true})
			wantErr(t, "GetObject ForUpdate of another account", err, store.ErrNotFound)
			return nil
		})
	}},
	{"DuplicateConflicts", func(t *testing.T, s store.Store) {
		first := &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 1, Data: []byte(`1`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertObject(ctx, first) })
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "cus_1", Type: "charge", Created: 2, Data: []byte(`2`)})
		})
		wantErr(t, "InsertObject duplicate", err, store.ErrConflict)
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1"})
			must(t, "GetObject", err)
			equal(t, "object after a duplicate insert", got, *first)
			return nil
		})
	}},
	{"UpdateVersions", func(t *testing.T, s store.Store) {
		o := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Kind: "k", Status: "pending", Created: 7, Data: []byte(`{"v":1}`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertObject(ctx, o) })
		stale := *o
		next := *o
		next.Kind, next.Customer, next.Parent, next.Status = "k2", "cus_9", "pi_9", "succeeded"
		next.ClockID, next.Lookup, next.Data = "clock_9", "lk", []byte(`{"v":2}`)
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateObject(ctx, &next) })
		if next.Version != 2 {
			t.Fatalf("UpdateObject left Version %d, want 2", next.Version)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
			must(t, "GetObject", err)
			equal(t, "updated object", got, next)
			return nil
		})

		// A stale version conflicts and changes nothing.
		stale.Status = "failed"
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateObject(t.Context(), &stale) })
		wantErr(t, "UpdateObject with a stale version", err, store.ErrConflict)
		// Type and Created are fixed at insert: UpdateObject does not write them.
		changed := next
		changed.Type, changed.Created, changed.Status = "refund", 99, "disputed"
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateObject(ctx, &changed) })
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
			must(t, "GetObject", err)
			want := next
			want.Status, want.Version = "disputed", 3
			equal(t, "object after a stale and a fresh update", got, want)
			return nil
		})

		for _, o := range []store.Object{
			{Account: "acct_a", ID: "ch_missing", Version: 1, Data: []byte(`{}`)},
			{Account: "acct_b", ID: "ch_1", Version: 3, Data: []byte(`{}`)}, // another account's row
		} {
			err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateObject(t.Context(), &o) })
			wantErr(t, "UpdateObject "+o.Account+"/"+o.ID, err, store.ErrNotFound)
		}
	}},
	{"UpdateColumns", func(t *testing.T, s store.Store) {
		o := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Kind: "k", Customer: "cus_1", Parent: "src_1",
			Status: "pending", ClockID: "clock_1", Lookup: "md_1", Created: 7, Data: []byte(`{"v":1}`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertObject(ctx, o) })
		if got := o.Changed(o); got != 0 {
			t.Errorf("Changed of an object with itself: %b, want none", got)
		}
		// Only the status is named: the document and the status are written,
		// the customer the caller changed by mistake is not.
		next := *o
		next.Status, next.Customer, next.Data = "succeeded", "cus_other", []byte(`{"v":2}`)
		if got, want := next.Changed(o), store.ColumnStatus|store.ColumnCustomer; got != want {
			t.Errorf("Changed: %b, want %b", got, want)
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateObjectColumns(ctx, &next, store.ColumnStatus)
		})
		if next.Version != 2 {
			t.Fatalf("UpdateObjectColumns left Version %d, want 2", next.Version)
		}
		want := *o
		want.Status, want.Data, want.Version = "succeeded", []byte(`{"v":2}`), 2
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
			must(t, "GetObject", err)
			equal(t, "object after updating its status", got, want)
			for _, p := range []store.ListObjectsParams{{Status: "succeeded"}, {Customer: "cus_1"}, {Parent: "src_1"},
				{ClockID: "clock_1"}, {Lookup: "md_1"}, {Kind: "k"}} {
				p.Account, p.Type = "acct_a", "charge"
				got, err := tx.ListObjects(ctx, p)
				must(t, "ListObjects", err)
				if len(got) != 1 || got[0].ID != "ch_1" {
					t.Errorf("ListObjects %+v after the update: %d objects, want ch_1", p, len(got))
				}
			}
			for _, p := range []store.ListObjectsParams{{Status: "pending"}, {Customer: "cus_other"}} {
				p.Account, p.Type = "acct_a", "charge"
				got, err := tx.ListObjects(ctx, p)
				must(t, "ListObjects", err)
				if len(got) != 0 {
					t.Errorf("ListObjects %+v after the update: %d objects, want none", p, len(got))
				}
			}
			return nil
		})
		// No column but the document, then every column; a stale version conflicts.
		next.Customer, next.Data = "cus_1", []byte(`{"v":3}`)
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateObjectColumns(ctx, &next, 0) })
		stale := next
		stale.Version = 1
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateObjectColumns(t.Context(), &stale, 0) })
		wantErr(t, "UpdateObjectColumns with a stale version", err, store.ErrConflict)
		all := next
		all.Kind, all.Customer, all.Parent, all.Status, all.ClockID, all.Lookup = "k2", "cus_2", "pi_2", "failed", "", "md_2"
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateObjectColumns(ctx, &all, all.Changed(&next))
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
			must(t, "GetObject", err)
			equal(t, "object after updating every column", got, all)
			return nil
		})
		missing := store.Object{Account: "acct_b", ID: "ch_1", Version: 4, Data: []byte(`{}`)}
		err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateObjectColumns(t.Context(), &missing, 0) })
		wantErr(t, "UpdateObjectColumns of another account's row", err, store.ErrNotFound)
	}},
	{"UpdateTwiceInOneTx", func(t *testing.T, s store.Store) {
		o := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Created: 1, Data: []byte(`0`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			must(t, "InsertObject", tx.InsertObject(ctx, o))
			o.Data = []byte(`1`)
			must(t, "UpdateObject", tx.UpdateObject(ctx, o))
			o.Data = []byte(`2`)
			must(t, "UpdateObject", tx.UpdateObject(ctx, o))
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
			must(t, "GetObject in the same transaction", err)
			equal(t, "object read back in its transaction", got, *o)
			return nil
		})
		if o.Version != 3 {
			t.Fatalf("Version after two updates: %d, want 3", o.Version)
		}
	}},
	{"ListFilters", testListObjects},
	{"ListPaging", func(t *testing.T, s store.Store) {
		var objs []*store.Object
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for i := range 25 {
				o := &store.Object{Account: "acct_a", ID: fmt.Sprintf("cus_%02d", i), Type: "customer", Created: int64(i), Data: []byte(`{}`)}
				if err := tx.InsertObject(ctx, o); err != nil {
					return err
				}
				objs = append(objs, o)
			}
			return nil
		})
		// Walk newest first with AfterSeq, then back with BeforeSeq.
		var seen []string
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			var after int64
			for {
				page, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "customer", AfterSeq: after, Limit: 10})
				must(t, "ListObjects page", err)
				if len(page) == 0 {
					break
				}
				for _, o := range page {
					seen = append(seen, o.ID)
				}
				after = page[len(page)-1].Seq
			}
			var want []string
			for i := len(objs) - 1; i >= 0; i-- {
				want = append(want, objs[i].ID)
			}
			equal(t, "ids paged newest first", seen, want)

			page, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "customer",
				BeforeSeq: objs[4].Seq, Ascending: true, Limit: 3})
			must(t, "ListObjects previous page", err)
			equal(t, "previous page", ids(page), []string{"cus_05", "cus_06", "cus_07"})
			n, err := tx.CountObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "customer", Limit: 1})
			must(t, "CountObjects", err)
			if n != 25 {
				t.Fatalf("CountObjects ignores Limit: got %d, want 25", n)
			}
			return nil
		})
	}},
}

// testListObjects compares ListObjects and CountObjects with a model for every filter field.
func testListObjects(t *testing.T, s store.Store) {
	var objs []*store.Object
	add := func(acct, id, typ, kind, cus, parent, status, clock, lookup string, created int64) {
		objs = append(objs, &store.Object{Account: acct, ID: id, Type: typ, Kind: kind, Customer: cus, Parent: parent,
			Status: status, ClockID: clock, Lookup: lookup, Created: created, Data: []byte(`{"id":"` + id + `"}`)})
	}
	add("acct_a", "cus_1", "customer", "", "", "", "", "", "a@x.test", 100)
	add("acct_a", "cus_2", "customer", "", "", "", "", "clock_1", "b@x.test", 100)
	add("acct_a", "cus_3", "customer", "", "", "", "", "clock_1", "a@x.test", 200)
	add("acct_a", "ch_1", "charge", "sepa_debit", "cus_1", "pi_1", "pending", "", "", 100)
	add("acct_a", "ch_2", "charge", "sofort", "cus_1", "pi_2", "succeeded", "", "", 150)
	add("acct_a", "ch_3", "charge", "sepa_debit", "cus_2", "pi_2", "succeeded", "clock_1", "", 200)
	add("acct_a", "ch_4", "charge", "sepa_debit", "", "", "failed", "", "ref_1", 250)
	add("acct_a", "ch_5", "charge", "sepa_debit", "cus_1", "pi_1", "succeeded", "", "", 300)
	add("acct_b", "ch_1", "charge", "sepa_debit", "cus_1", "pi_1", "pending", "", "", 100)
	add("acct_b", "ch_9", "charge", "sofort", "cus_1", "pi_2", "succeeded", "clock_1", "ref_1", 150)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, o := range objs {
			if err := tx.InsertObject(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	seqOf := func(acct, id string) int64 {
		for _, o := range objs {
			if o.Account == acct && o.ID == id {
				return o.Seq
			}
		}
		t.Fatalf("no object %s/%s", acct, id)
		return 0
	}
	base := store.ListObjectsParams{Account: "acct_a", Type: "charge"}
	cases := []func(p *store.ListObjectsParams){
		func(p *store.ListObjectsParams) {},
		func(p *store.ListObjectsParams) { p.Type = "customer" },
		func(p *store.ListObjectsParams) { p.Type = "refund" },
		func(p *store.ListObjectsParams) { p.Account = "acct_b" },
		func(p *store.ListObjectsParams) { p.Account = "acct_none" },
		func(p *store.ListObjectsParams) { p.Kind = "sepa_debit" },
		func(p *store.ListObjectsParams) { p.Scope = ptrTo("sofort") },
		func(p *store.ListObjectsParams) { p.Type, p.Scope = "customer", ptrTo("") },
		func(p *store.ListObjectsParams) { p.Type, p.Scope, p.Kind = "customer", ptrTo(""), "x" },
		func(p *store.ListObjectsParams) { p.Scope = ptrTo("") },
		func(p *store.ListObjectsParams) { p.Customer = "cus_1" },
		func(p *store.ListObjectsParams) { p.Parent = "pi_2" },
		func(p *store.ListObjectsParams) { p.Status = "succeeded" },
		func(p *store.ListObjectsParams) { p.ClockID = "clock_1" },
		func(p *store.ListObjectsParams) { p.Lookup = "ref_1" },
		func(p *store.ListObjectsParams) { p.Type, p.Lookup = "customer", "a@x.test" },
		func(p *store.ListObjectsParams) { p.Type, p.ClockID = "customer", "clock_1" },
		func(p *store.ListObjectsParams) { p.CreatedGTE = ptr(150) },
		func(p *store.ListObjectsParams) { p.CreatedLTE = ptr(150) },
		func(p *store.ListObjectsParams) { p.CreatedGTE, p.CreatedLTE = ptr(150), ptr(250) },
		func(p *store.ListObjectsParams) { p.CreatedGTE, p.CreatedLTE = ptr(0), ptr(0) },
		func(p *store.ListObjectsParams) { p.AfterSeq = seqOf("acct_a", "ch_4") },
		func(p *store.ListObjectsParams) { p.BeforeSeq = seqOf("acct_a", "ch_2") },
		func(p *store.ListObjectsParams) { p.BeforeSeq, p.Ascending = seqOf("acct_a", "ch_2"), true },
		func(p *store.ListObjectsParams) {
			p.AfterSeq, p.BeforeSeq = seqOf("acct_a", "ch_5"), seqOf("acct_a", "ch_1")
		},
		func(p *store.ListObjectsParams) { p.Ascending = true },
		func(p *store.ListObjectsParams) { p.Limit = 2 },
		func(p *store.ListObjectsParams) { p.Limit, p.Ascending = 2, true },
		func(p *store.ListObjectsParams) { p.Kind, p.Customer, p.Status = "sepa_debit", "cus_1", "succeeded" },
		func(p *store.ListObjectsParams) { p.Customer, p.Parent, p.CreatedLTE = "cus_1", "pi_1", ptr(100) },
		func(p *store.ListObjectsParams) {
			p.Status, p.Limit, p.AfterSeq = "succeeded", 1, seqOf("acct_a", "ch_5")
		},
	}
	view(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, mod := range cases {
			p := base
			mod(&p)
			var want []store.Object
			for _, o := range objs {
				if matchObject(o, p) {
					want = append(want, *o)
				}
			}
			n := int64(len(want))
			slices.SortFunc(want, func(a, b store.Object) int { return cmpSeq(a.Seq, b.Seq, p.Ascending) })
			if p.Limit > 0 && len(want) > p.Limit {
				want = want[:p.Limit]
			}
			got, err := tx.ListObjects(ctx, p)
			must(t, "ListObjects", err)
			equal(t, fmt.Sprintf("case %d: ListObjects(%+v)", i, p), got, want)
			count, err := tx.CountObjects(ctx, p)
			must(t, "CountObjects", err)
			if count != n {
				t.Fatalf("case %d: CountObjects(%+v) = %d, want %d", i, p, count, n)
			}
		}
		return nil
	})
}

func matchObject(o *store.Object, p store.ListObjectsParams) bool {
	eq := func(filter, v string) bool { return filter == "" || filter == v }
	return o.Account == p.Account && o.Type == p.Type && eq(p.Kind, o.Kind) && eq(p.Customer, o.Customer) &&
		eq(p.Parent, o.Parent) && eq(p.Status, o.Status) && eq(p.ClockID, o.ClockID) && eq(p.Lookup, o.Lookup) &&
		(p.CreatedGTE == nil || o.Created >= *p.CreatedGTE) && (p.CreatedLTE == nil || o.Created <= *p.CreatedLTE) &&
		(p.AfterSeq == 0 || o.Seq < p.AfterSeq) && (p.BeforeSeq == 0 || o.Seq > p.BeforeSeq) &&
		(p.Scope == nil || *p.Scope == o.Kind)
}

func cmpSeq(a, b int64, ascending bool) int {
	if !ascending {
		a, b = b, a
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ids(objs []store.Object) []string {
	out := []string{}
	for _, o := range objs {
		out = append(out, o.ID)
	}
	return out
}
