package engine

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// accountCountingStore counts the account reads of the transactions it runs.
type accountCountingStore struct {
	store.Store
	reads atomic.Int64
}

func (s *accountCountingStore) View(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.View(ctx, func(tx store.Tx) error { return fn(accountCountingTx{tx, s}) })
}

type accountCountingTx struct {
	store.Tx
	s *accountCountingStore
}

func (t accountCountingTx) GetAccount(ctx context.Context, id string) (store.Account, error) {
	t.s.reads.Add(1)
	return t.Tx.GetAccount(ctx, id)
}

// TestAccountCache changes an account's settings on one node of two that
// share a store. Reads on the other node answer from its cache until then;
// once the change is answered, the next read on either node has the new
// settings, and so do writes.
func TestAccountCache(t *testing.T) {
	te := newTestEngine(t)
	counting := &accountCountingStore{Store: te.st}
	other, err := New(context.Background(), Config{Store: counting, Clock: te.wall})
	if err != nil {
		t.Fatal(err)
	}
	version := func(e *Engine, write bool) string {
		t.Helper()
		var v string
		fn := func(op *Op) error {
			a, err := op.Account()
			if err != nil {
				return err
			}
			v = a.Settings.APIVersion
			return nil
		}
		if write {
			err = e.Update(context.Background(), te.account, RequestInfo{}, fn)
		} else {
			err = e.View(context.Background(), te.account, fn)
		}
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const reads = 20
	for range reads {
		if a, b := version(te.Engine, false), version(other, false); a != "" || b != "" {
			t.Fatalf("api versions before the change: %q, %q; want none", a, b)
		}
	}
	// Twenty reads in a row take far less than accountCacheTTL: most come from the cache.
	if n := counting.reads.Load(); n < 1 || n > reads/2 {
		t.Errorf("%d reads read the account %d times, want once or a few times", reads, n)
	}
	te.update(t, func(op *Op) error {
		a, err := op.Account()
		if err != nil {
			return err
		}
		s := a.Settings
		s.APIVersion = "2020-08-27"
		_, err = op.UpdateAccountSettings(s)
		return err
	})
	// The other node had the old settings cached a moment ago.
	if got := version(other, false); got != "2020-08-27" {
		t.Errorf("the other node reads %q after the change was answered, want 2020-08-27", got)
	}
	if got := version(te.Engine, false); got != "2020-08-27" {
		t.Errorf("the changing node reads %q, want 2020-08-27", got)
	}
	if got := version(other, true); got != "2020-08-27" {
		t.Errorf("the other node writes with %q, want 2020-08-27", got)
	}
	// Another account's reads, on a node whose cache holds the first one, see their own.
	b, err := te.CreateAccount(context.Background(), "Other Account")
	if err != nil {
		t.Fatal(err)
	}
	var got *Account
	if err := other.View(context.Background(), b.Account.ID, func(op *Op) error { got, err = op.Account(); return err }); err != nil {
		t.Fatal(err)
	}
	if got.ID != b.Account.ID || got.Settings.APIVersion != "" {
		t.Errorf("the second account reads account %s with version %q", got.ID, got.Settings.APIVersion)
	}
}

// TestWritesSeeEndpointsAtOnce runs writes on two nodes that share a store:
// an endpoint created, disabled or deleted on one node gets (or stops
// getting) the events the other node records in its next write, though
// writes keep the endpoints they listed while the account's generation
// stays; an endpoint whose creation rolled back gets nothing.
func TestWritesSeeEndpointsAtOnce(t *testing.T) {
	te := newTestEngine(t)
	other, err := New(context.Background(), Config{Store: te.st, Clock: te.wall})
	if err != nil {
		t.Fatal(err)
	}
	// deliveries records an event in a write on e and returns the
	// endpoints it is queued for.
	deliveries := func(e *Engine) []string {
		t.Helper()
		var got []string
		err := e.Update(context.Background(), te.account, RequestInfo{}, func(op *Op) error {
			ev := &Event{ID: NewID("evt_"), Type: "customer.created", Created: op.Now("").Unix(), ObjectType: "customer", Object: []byte(`{}`)}
			if err := op.RecordDialectEvent("", ev, "cus_1"); err != nil {
				return err
			}
			ds, err := op.Tx().ListDeliveries(op.Context(), store.ListDeliveriesParams{Account: te.account, EventID: ev.ID, Limit: 10})
			for _, d := range ds {
				got = append(got, d.EndpointID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	create := func(e *Engine, events ...string) string {
		t.Helper()
		var id string
		err := e.Update(context.Background(), te.account, RequestInfo{}, func(op *Op) error {
			h, _, err := op.CreateWebhookEndpoint(WebhookEndpointParams{URL: Some("https://example.com/hook"), EnabledEvents: Some(events)})
			if h != nil {
				id = h.ID
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	for _, e := range []*Engine{te.Engine, other} {
		if got := deliveries(e); len(got) != 0 {
			t.Fatalf("deliveries without endpoints: %v", got)
		}
	}
	first := create(te.Engine, "*")
	if got := deliveries(other); !slices.Equal(got, []string{first}) {
		t.Errorf("the other node's event after an endpoint was created: deliveries to %v, want %s", got, first)
	}
	// An endpoint not subscribed to the event, created on the other node.
	create(other, "charge.succeeded")
	if got := deliveries(te.Engine); !slices.Equal(got, []string{first}) {
		t.Errorf("after a second endpoint for another event: deliveries to %v, want %s", got, first)
	}
	te.update(t, func(op *Op) error {
		_, err := op.UpdateWebhookEndpoint(first, WebhookEndpointParams{Disabled: Some(true)})
		return err
	})
	if got := deliveries(other); len(got) != 0 {
		t.Errorf("after the endpoint was disabled on the other node: deliveries to %v, want none", got)
	}
	te.update(t, func(op *Op) error {
		_, err := op.UpdateWebhookEndpoint(first, WebhookEndpointParams{Disabled: Some(false)})
		return err
	})
	if got := deliveries(other); !slices.Equal(got, []string{first}) {
		t.Errorf("after the endpoint was enabled again: deliveries to %v, want %s", got, first)
	}
	// A creation that rolls back leaves nothing behind, on either node;
	// an event recorded in the creating write itself reaches the new endpoint.
	errBack := errors.New("roll back")
	var ghost string
	err = other.Update(context.Background(), te.account, RequestInfo{}, func(op *Op) error {
		h, _, err := op.CreateWebhookEndpoint(WebhookEndpointParams{URL: Some("https://example.com/ghost"), EnabledEvents: Some([]string{"*"})})
		if err != nil {
			return err
		}
		ghost = h.ID
		ev := &Event{ID: NewID("evt_"), Type: "customer.created", Created: op.Now("").Unix(), ObjectType: "customer", Object: []byte(`{}`)}
		if err := op.RecordDialectEvent("", ev, "cus_1"); err != nil {
			return err
		}
		ds, err := op.Tx().ListDeliveries(op.Context(), store.ListDeliveriesParams{Account: te.account, EventID: ev.ID, Limit: 10})
		if err != nil {
			return err
		}
		if len(ds) != 2 {
			t.Errorf("an event in the write that created an endpoint: %d deliveries, want 2", len(ds))
		}
		return errBack
	})
	if !errors.Is(err, errBack) {
		t.Fatalf("the rolled back write: %v", err)
	}
	for _, e := range []*Engine{other, te.Engine} {
		if got := deliveries(e); !slices.Equal(got, []string{first}) {
			t.Errorf("after a creation of %s rolled back: deliveries to %v, want %s", ghost, got, first)
		}
	}
	te.update(t, func(op *Op) error {
		_, err := op.DeleteWebhookEndpoint("", first)
		return err
	})
	if got := deliveries(other); len(got) != 0 {
		t.Errorf("after the endpoint was deleted: deliveries to %v, want none", got)
	}
}
