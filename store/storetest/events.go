package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var eventTests = []test{
	{"InsertGet", func(t *testing.T, s store.Store) {
		evs := []*store.Event{
			{Account: "acct_a", ID: "evt_1", Type: "charge.succeeded", ObjectID: "ch_1", Created: 10, PendingWebhooks: 2, Data: []byte(`{"object":"event"}`)},
			{Account: "acct_a", ID: "evt_2", Dialect: "cko", Type: "payment_captured", Created: 11, Data: []byte{0, 0xff}},
			{Account: "acct_b", ID: "evt_1", Type: "customer.created", ObjectID: "cus_1", Created: 12, Data: []byte(`{}`)},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, e := range evs {
				if err := tx.InsertEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if !(evs[0].Seq > 0 && evs[0].Seq < evs[1].Seq && evs[1].Seq < evs[2].Seq) {
			t.Fatalf("InsertEvent seqs not increasing: %d, %d, %d", evs[0].Seq, evs[1].Seq, evs[2].Seq)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, e := range evs {
				got, err := tx.GetEvent(ctx, e.Account, e.ID)
				must(t, "GetEvent", err)
				equal(t, "GetEvent "+e.Account+"/"+e.ID, got, *e)
			}
			_, err := tx.GetEvent(ctx, "acct_b", "evt_2")
			wantErr(t, "GetEvent of another account", err, store.ErrNotFound)
			_, err = tx.GetEvent(ctx, "acct_a", "evt_missing")
			wantErr(t, "GetEvent missing", err, store.ErrNotFound)
			return nil
		})
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertEvent(t.Context(), &store.Event{Account: "acct_a", ID: "evt_1", Type: "x", Created: 1, Data: []byte(`{}`)})
		})
		wantErr(t, "InsertEvent duplicate", err, store.ErrConflict)
	}},
	{"PendingWebhooks", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			must(t, "InsertEvent", tx.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_1", Type: "x", Created: 1, Data: []byte(`{}`)}))
			return tx.InsertEvent(ctx, &store.Event{Account: "acct_b", ID: "evt_1", Type: "x", Created: 1, Data: []byte(`{}`)})
		})
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.AdjustPendingWebhooks(ctx, "acct_a", "evt_1", 3)
		})
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.AdjustPendingWebhooks(ctx, "acct_a", "evt_1", -1)
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for acct, want := range map[string]int{"acct_a": 2, "acct_b": 0} {
				e, err := tx.GetEvent(ctx, acct, "evt_1")
				must(t, "GetEvent", err)
				if e.PendingWebhooks != want {
					t.Fatalf("%s pending webhooks = %d, want %d", acct, e.PendingWebhooks, want)
				}
			}
			return nil
		})
	}},
	{"ListFilters", testListEvents},
	{"ListPaging", func(t *testing.T, s store.Store) {
		var evs []*store.Event
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for i := range 15 {
				e := &store.Event{Account: "acct_a", ID: fmt.Sprintf("evt_%02d", i), Type: "charge.pending", Created: 5, Data: []byte(`{}`)}
				if err := tx.InsertEvent(ctx, e); err != nil {
					return err
				}
				evs = append(evs, e)
			}
			return nil
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			var seen []string
			var after int64
			for {
				page, err := tx.ListEvents(ctx, store.ListEventsParams{Account: "acct_a", AfterSeq: after, Limit: 4})
				must(t, "ListEvents page", err)
				if len(page) == 0 {
					break
				}
				for _, e := range page {
					seen = append(seen, e.ID)
				}
				after = page[len(page)-1].Seq
			}
			var want []string
			for i := len(evs) - 1; i >= 0; i-- {
				want = append(want, evs[i].ID)
			}
			equal(t, "events paged newest first", seen, want)
			return nil
		})
	}},
}

func testListEvents(t *testing.T, s store.Store) {
	var evs []*store.Event
	add := func(acct, id, dialect, typ, obj string, created int64) {
		evs = append(evs, &store.Event{Account: acct, ID: id, Dialect: dialect, Type: typ, ObjectID: obj, Created: created,
			Data: []byte(`{"id":"` + id + `"}`)})
	}
	add("acct_a", "evt_1", "", "customer.created", "cus_1", 100)
	add("acct_a", "evt_2", "", "charge.pending", "ch_1", 110)
	add("acct_a", "evt_3", "", "charge.succeeded", "ch_1", 120)
	add("acct_a", "evt_4", "", "charge.dispute.created", "dp_1", 130)
	add("acct_a", "evt_5", "", "chargeable.x", "src_1", 140)
	add("acct_a", "evt_6", "", "source.chargeable", "src_1", 150)
	add("acct_a", "evt_7", "cko", "payment_pending", "pay_1", 110)
	add("acct_a", "evt_8", "cko", "payment_captured", "pay_1", 160)
	add("acct_a", "evt_9", "", "café.créé", "x_1", 170)
	add("acct_a", "evt_10", "", "charge_%.odd", "ch_2", 180)
	add("acct_b", "evt_1", "", "charge.succeeded", "ch_1", 120)
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, e := range evs {
			if err := tx.InsertEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	seqOf := func(id string) int64 {
		for _, e := range evs {
			if e.Account == "acct_a" && e.ID == id {
				return e.Seq
			}
		}
		t.Fatalf("no event %s", id)
		return 0
	}
	cases := []func(p *store.ListEventsParams){
		func(p *store.ListEventsParams) {},
		func(p *store.ListEventsParams) { p.Account = "acct_b" },
		func(p *store.ListEventsParams) { p.Dialect = "cko" },
		func(p *store.ListEventsParams) { p.Dialect = "other" },
		func(p *store.ListEventsParams) { p.Type = "charge.succeeded" },
		func(p *store.ListEventsParams) { p.Type = "charge" },
		func(p *store.ListEventsParams) { p.TypePrefix = "charge." },
		func(p *store.ListEventsParams) { p.TypePrefix = "charge" },
		func(p *store.ListEventsParams) { p.TypePrefix = "charge.dispute." },
		func(p *store.ListEventsParams) { p.TypePrefix = "charge_%" }, // no LIKE wildcards
		func(p *store.ListEventsParams) { p.TypePrefix = "charge__" }, // no LIKE wildcards
		func(p *store.ListEventsParams) { p.TypePrefix = "café." },    // counts characters, not bytes
		func(p *store.ListEventsParams) { p.TypePrefix = "CHARGE." },  // case-sensitive
		func(p *store.ListEventsParams) { p.TypePrefix = "payment_" }, // dialect still applies
		func(p *store.ListEventsParams) { p.Dialect, p.TypePrefix = "cko", "payment_" },
		func(p *store.ListEventsParams) { p.Types = []string{"customer.created"} },
		func(p *store.ListEventsParams) { p.Types = []string{"customer.created", "charge.succeeded", "nope"} },
		func(p *store.ListEventsParams) {
			p.Types, p.TypePrefix = []string{"customer.created", "charge.succeeded"}, "charge."
		},
		func(p *store.ListEventsParams) {
			p.Type, p.Types = "charge.pending", []string{"charge.pending", "charge.succeeded"}
		},
		func(p *store.ListEventsParams) { p.ObjectID = "ch_1" },
		func(p *store.ListEventsParams) { p.ObjectID = "src_1" },
		func(p *store.ListEventsParams) { p.Dialect, p.ObjectID = "cko", "pay_1" },
		func(p *store.ListEventsParams) { p.CreatedGTE = ptr(130) },
		func(p *store.ListEventsParams) { p.CreatedLTE = ptr(120) },
		func(p *store.ListEventsParams) { p.CreatedGTE, p.CreatedLTE = ptr(110), ptr(140) },
		func(p *store.ListEventsParams) { p.AfterSeq = seqOf("evt_5") },
		func(p *store.ListEventsParams) { p.BeforeSeq = seqOf("evt_5") },
		func(p *store.ListEventsParams) { p.BeforeSeq, p.Ascending = seqOf("evt_2"), true },
		func(p *store.ListEventsParams) { p.AfterSeq, p.BeforeSeq = seqOf("evt_9"), seqOf("evt_2") },
		func(p *store.ListEventsParams) { p.Ascending = true },
		func(p *store.ListEventsParams) { p.Limit = 3 },
		func(p *store.ListEventsParams) { p.Limit, p.Ascending = 3, true },
		func(p *store.ListEventsParams) { p.TypePrefix, p.ObjectID, p.CreatedGTE = "charge.", "ch_1", ptr(115) },
		func(p *store.ListEventsParams) { p.TypePrefix, p.Limit, p.AfterSeq = "charge.", 1, seqOf("evt_3") },
	}
	view(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, mod := range cases {
			p := store.ListEventsParams{Account: "acct_a"}
			mod(&p)
			var want []store.Event
			for _, e := range evs {
				if matchEvent(e, p) {
					want = append(want, *e)
				}
			}
			slices.SortFunc(want, func(a, b store.Event) int { return cmpSeq(a.Seq, b.Seq, p.Ascending) })
			if p.Limit > 0 && len(want) > p.Limit {
				want = want[:p.Limit]
			}
			got, err := tx.ListEvents(ctx, p)
			must(t, "ListEvents", err)
			equal(t, fmt.Sprintf("case %d: ListEvents(%+v)", i, p), got, want)
		}
		return nil
	})
}

// matchEvent is the model of ListEvents. Dialect always applies: "" selects
// the engine's own events.
func matchEvent(e *store.Event, p store.ListEventsParams) bool {
	return e.Account == p.Account && e.Dialect == p.Dialect && (p.Type == "" || e.Type == p.Type) &&
		(p.TypePrefix == "" || strings.HasPrefix(e.Type, p.TypePrefix)) &&
		(len(p.Types) == 0 || slices.Contains(p.Types, e.Type)) && (p.ObjectID == "" || e.ObjectID == p.ObjectID) &&
		(p.CreatedGTE == nil || e.Created >= *p.CreatedGTE) && (p.CreatedLTE == nil || e.Created <= *p.CreatedLTE) &&
		(p.AfterSeq == 0 || e.Seq < p.AfterSeq) && (p.BeforeSeq == 0 || e.Seq > p.BeforeSeq)
}
