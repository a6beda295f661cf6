package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// events lists the account's events matching p (every page), newest first.
func events(t *testing.T, a *kontortest.Account, p *stripe.EventListParams) []*stripe.Event {
	t.Helper()
	if p == nil {
		p = &stripe.EventListParams{}
	}
	var out []*stripe.Event
	for ev, err := range a.Client.V1Events.List(t.Context(), p).All(t.Context()) {
		if err != nil {
			t.Fatalf("list events: %v", err)
		}
		out = append(out, ev)
	}
	return out
}

func eventTypes(evs []*stripe.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Type))
	}
	return out
}

func TestCustomerEvents(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client

	cp := &stripe.CustomerCreateParams{Email: stripe.String("ev@example.com"), Name: stripe.String("Eve"),
		Metadata: map[string]string{"a": "1", "b": "2"}}
	cp.SetIdempotencyKey("ev-create")
	c, err := sc.V1Customers.Create(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{
		Name: stripe.String("Eve Adams"), Metadata: map[string]string{"a": "", "c": "3"}, Phone: stripe.String("+49301")}); err != nil {
		t.Fatal(err)
	}
	// An update that changes nothing emits nothing.
	if _, err := sc.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{Name: stripe.String("Eve Adams")}); err != nil {
		t.Fatal(err)
	}
	del, err := sc.V1Customers.Delete(ctx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}

	all := events(t, a, nil)
	if got, want := eventTypes(all), []string{"customer.deleted", "customer.updated", "customer.created"}; !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v (newest first)", got, want)
	}
	deleted, updated, created := all[0], all[1], all[2]
	for _, ev := range all {
		if ev.Object != "event" || ev.Livemode || ev.Created == 0 || len(ev.ID) < 5 || ev.ID[:4] != "evt_" {
			t.Errorf("event envelope: %+v", ev)
		}
		if ev.APIVersion != stripe.APIVersion {
			t.Errorf("api_version = %q, want %q", ev.APIVersion, stripe.APIVersion)
		}
		if ev.Data == nil || ev.Data.Object["id"] != c.ID || ev.Data.Object["object"] != "customer" {
			t.Errorf("%s data.object = %v", ev.Type, ev.Data)
		}
		if ev.Request == nil || ev.Request.ID == "" {
			t.Errorf("%s has no request id", ev.Type)
		}
	}
	if created.Request.ID != c.LastResponse.RequestID || created.Request.IdempotencyKey != "ev-create" {
		t.Errorf("customer.created request = %+v, want {%s ev-create}", created.Request, c.LastResponse.RequestID)
	}
	if deleted.Request.ID != del.LastResponse.RequestID {
		t.Errorf("customer.deleted request id = %q, want %q", deleted.Request.ID, del.LastResponse.RequestID)
	}
	if created.Data.Object["name"] != "Eve" || created.Data.PreviousAttributes != nil {
		t.Errorf("customer.created data = %v / previous %v", created.Data.Object, created.Data.PreviousAttributes)
	}
	// data.object is the object as of the change, not as it is now.
	if updated.Data.Object["name"] != "Eve Adams" || updated.Data.Object["deleted"] != nil {
		t.Errorf("customer.updated data.object = %v", updated.Data.Object)
	}
	if deleted.Data.Object["deleted"] != true {
		t.Errorf("customer.deleted data.object = %v", deleted.Data.Object)
	}
	prev := updated.Data.PreviousAttributes
	wantPrev := map[string]any{"name": "Eve", "phone": nil, "metadata": map[string]any{"a": "1", "c": nil}}
	pj, _ := json.Marshal(prev)
	wj, _ := json.Marshal(wantPrev)
	if string(pj) != string(wj) {
		t.Errorf("previous_attributes = %s, want %s", pj, wj)
	}

	// Retrieve.
	got, err := sc.V1Events.Retrieve(ctx, updated.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != updated.ID || got.Type != "customer.updated" || got.Data.PreviousAttributes["name"] != "Eve" {
		t.Errorf("retrieved event: %+v", got)
	}
	_, err = sc.V1Events.Retrieve(ctx, "evt_nope", nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
}

func TestEventListFilters(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	clk, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(1600000000)})
	if err != nil {
		t.Fatal(err)
	}
	onClock := mustCustomer(t, a, &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID)})
	c := mustCustomer(t, a, nil)
	if _, err := sc.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{Name: stripe.String("n")}); err != nil {
		t.Fatal(err)
	}

	if got := eventTypes(events(t, a, &stripe.EventListParams{Type: stripe.String("customer.created")})); !slices.Equal(got, []string{"customer.created", "customer.created"}) {
		t.Errorf("type=customer.created: %v", got)
	}
	if got := eventTypes(events(t, a, &stripe.EventListParams{Type: stripe.String("customer.*")})); !slices.Equal(got, []string{"customer.updated", "customer.created", "customer.created"}) {
		t.Errorf("type=customer.*: %v", got)
	}
	if got := eventTypes(events(t, a, &stripe.EventListParams{Type: stripe.String("test_helpers.*")})); !slices.Equal(got, []string{"test_helpers.test_clock.created"}) {
		t.Errorf("type=test_helpers.*: %v", got)
	}
	got := eventTypes(events(t, a, &stripe.EventListParams{Types: []*string{stripe.String("customer.updated"), stripe.String("test_helpers.test_clock.created")}}))
	if !slices.Equal(got, []string{"customer.updated", "test_helpers.test_clock.created"}) {
		t.Errorf("types[]: %v", got)
	}
	if got := events(t, a, &stripe.EventListParams{Type: stripe.String("charge.succeeded")}); len(got) != 0 {
		t.Errorf("type=charge.succeeded: %v", eventTypes(got))
	}
	r := a.Do(t, "GET", "/v1/events?type=customer.created&types[]=customer.updated", "", nil)
	if r.Status != 400 {
		t.Errorf("type with types[]: %d %s", r.Status, r.Body)
	}
	r = a.Do(t, "GET", "/v1/events?type=*.created", "", nil)
	if r.Status != 400 {
		t.Errorf("a leading wildcard: %d %s", r.Status, r.Body)
	}

	// The clock customer's event happened at the clock's frozen time, far in the past.
	old := events(t, a, &stripe.EventListParams{CreatedRange: &stripe.RangeQueryParams{LesserThanOrEqual: 1600000000}})
	if len(old) != 1 || old[0].Type != "customer.created" || old[0].Data.Object["id"] != onClock.ID || old[0].Created != 1600000000 {
		t.Errorf("created[lte]=1600000000: %v", eventTypes(old))
	}
	recent := events(t, a, &stripe.EventListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThan: 1600000000}})
	if len(recent) != 3 {
		t.Errorf("created[gt]=1600000000: %v, want the 3 wall-clock events", eventTypes(recent))
	}
	if got := events(t, a, &stripe.EventListParams{Created: stripe.Int64(1600000000)}); len(got) != 1 {
		t.Errorf("created=1600000000: %v", eventTypes(got))
	}

	// Paging events.
	all := events(t, a, nil)
	l := sc.V1Events.List(ctx, &stripe.EventListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(2), Single: true}})
	if len(l.Data()) != 2 || !l.Meta().HasMore || l.Data()[0].ID != all[0].ID {
		t.Errorf("first page of 2: has_more=%v", l.Meta().HasMore)
	}
	l = sc.V1Events.List(ctx, &stripe.EventListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(2), Single: true, StartingAfter: stripe.String(all[1].ID)}})
	if len(l.Data()) != 2 || l.Meta().HasMore || l.Data()[0].ID != all[2].ID {
		t.Errorf("second page of 2: %d has_more=%v", len(l.Data()), l.Meta().HasMore)
	}
}
