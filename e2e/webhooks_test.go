package e2e

import (
	"context"
	"encoding/json"
	"github.com/kontorpay/kontor/clock"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/engine"
)

// endpoint registers a webhook endpoint for the receiver and gives it the secret.
func endpoint(t *testing.T, a *kontortest.Account, rcv *kontortest.Receiver, events ...string) *stripe.WebhookEndpoint {
	t.Helper()
	var ev []*string
	for _, e := range events {
		ev = append(ev, stripe.String(e))
	}
	we, err := a.Client.V1WebhookEndpoints.Create(t.Context(), &stripe.WebhookEndpointCreateParams{URL: stripe.String(rcv.URL), EnabledEvents: ev})
	if err != nil {
		t.Fatalf("create webhook endpoint: %v", err)
	}
	rcv.SetSecret(we.Secret)
	return we
}

func TestWebhookEndpointsCRUD(t *testing.T) {
	e := newEnv(t, envOptions{})
	s, a, ctx := e.srv, e.acct, e.ctx
	sc := a.Client

	we, err := sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL:           stripe.String("https://example.com/hooks"),
		EnabledEvents: []*string{stripe.String("customer.created"), stripe.String("customer.deleted")},
		Description:   stripe.String("orders"),
		Metadata:      map[string]string{"team": "billing"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(we.ID, "we_") || !strings.HasPrefix(we.Secret, "whsec_") || len(we.Secret) < 30 {
		t.Errorf("id %q secret %q", we.ID, we.Secret)
	}
	if we.Object != "webhook_endpoint" || we.Status != "enabled" || we.URL != "https://example.com/hooks" || we.Description != "orders" ||
		we.Metadata["team"] != "billing" || !slices.Equal(we.EnabledEvents, []string{"customer.created", "customer.deleted"}) || we.Livemode {
		t.Errorf("created endpoint: %+v", we)
	}

	// The secret is shown on create only.
	got, err := sc.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != "" || got.ID != we.ID || got.URL != we.URL {
		t.Errorf("retrieved endpoint: %+v", got)
	}
	if strings.Contains(string(got.LastResponse.RawJSON), we.Secret) {
		t.Errorf("retrieve leaks the secret")
	}

	star, err := sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL: stripe.String("http://127.0.0.1:9/all"), EnabledEvents: []*string{stripe.String("*")}})
	if err != nil {
		t.Fatalf("enabled_events=[*]: %v", err)
	}
	if !slices.Equal(star.EnabledEvents, []string{"*"}) {
		t.Errorf("enabled_events = %v", star.EnabledEvents)
	}

	var listed []string
	for e, err := range sc.V1WebhookEndpoints.List(ctx, nil).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Secret != "" {
			t.Errorf("list leaks the secret of %s", e.ID)
		}
		listed = append(listed, e.ID)
	}
	if !slices.Equal(listed, []string{star.ID, we.ID}) {
		t.Errorf("list = %v, want [%s %s]", listed, star.ID, we.ID)
	}

	upd, err := sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripe.WebhookEndpointUpdateParams{
		URL: stripe.String("https://example.com/v2"), EnabledEvents: []*string{stripe.String("customer.updated")},
		Disabled: stripe.Bool(true), Description: stripe.String(""), Metadata: map[string]string{"team": ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.URL != "https://example.com/v2" || upd.Status != "disabled" || !slices.Equal(upd.EnabledEvents, []string{"customer.updated"}) ||
		upd.Description != "" || len(upd.Metadata) != 0 || upd.Secret != "" {
		t.Errorf("updated endpoint: %+v", upd)
	}
	// A disabled endpoint is still listed.
	l := sc.V1WebhookEndpoints.List(ctx, &stripe.WebhookEndpointListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(1), Single: true}})
	if len(l.Data()) != 1 || !l.Meta().HasMore {
		t.Errorf("list limit=1: %d items, has_more=%v", len(l.Data()), l.Meta().HasMore)
	}
	if ids := webhookIDs(t, a); !slices.Contains(ids, we.ID) {
		t.Errorf("disabled endpoint not listed: %v", ids)
	}
	upd, err = sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripe.WebhookEndpointUpdateParams{Disabled: stripe.Bool(false)})
	if err != nil || upd.Status != "enabled" {
		t.Errorf("re-enable: %v %+v", err, upd)
	}

	// Bad input.
	_, err = sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String("https://example.com"),
		EnabledEvents: []*string{stripe.String("customer.created"), stripe.String("customer.exploded")}})
	se := invalid(t, err, "", "enabled_events[1]")
	if !strings.Contains(se.Msg, "customer.exploded") {
		t.Errorf("message does not name the event: %q", se.Msg)
	}
	_, err = sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String("ftp://example.com"), EnabledEvents: []*string{stripe.String("*")}})
	invalid(t, err, "", "url")
	_, err = sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String("https://example.com")})
	invalid(t, err, "parameter_missing", "enabled_events")
	_, err = sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripe.WebhookEndpointUpdateParams{EnabledEvents: []*string{stripe.String("nope")}})
	invalid(t, err, "", "enabled_events[0]")
	if ids := webhookIDs(t, a); len(ids) != 2 {
		t.Errorf("rejected creates registered endpoints: %v", ids)
	}

	del, err := sc.V1WebhookEndpoints.Delete(ctx, we.ID, nil)
	if err != nil || !del.Deleted || del.ID != we.ID {
		t.Fatalf("delete: %v %+v", err, del)
	}
	_, err = sc.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	_, err = sc.V1WebhookEndpoints.Delete(ctx, we.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	if ids := webhookIDs(t, a); !slices.Equal(ids, []string{star.ID}) {
		t.Errorf("after delete: %v", ids)
	}

	// Another dialect's endpoint in the same account is not a Stripe endpoint.
	var cko *engine.WebhookEndpoint
	err = s.Srv.Engine().Update(ctx, accountID(t, a), engine.RequestInfo{}, func(op *engine.Op) error {
		var err error
		cko, _, err = op.CreateWebhookEndpoint(engine.WebhookEndpointParams{Dialect: "cko", IDPrefix: "wh_",
			URL: engine.Some("https://example.com/cko"), EnabledEvents: engine.Some([]string{"*"})})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids := webhookIDs(t, a); !slices.Equal(ids, []string{star.ID}) {
		t.Errorf("with a cko endpoint %s, the Stripe list = %v, want [%s]", cko.ID, ids, star.ID)
	}
	_, err = sc.V1WebhookEndpoints.Retrieve(ctx, cko.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
}

func webhookIDs(t *testing.T, a *kontortest.Account) []string {
	t.Helper()
	var ids []string
	for e, err := range a.Client.V1WebhookEndpoints.List(t.Context(), nil).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

var sigHeader = regexp.MustCompile(`^t=\d{10},v1=[0-9a-f]{64}$`)

func TestWebhookDelivery(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	all := kontortest.NewReceiver(t)
	endpoint(t, a, all, "*")
	onlyUpdates := kontortest.NewReceiver(t)
	upEP := endpoint(t, a, onlyUpdates, "customer.updated")

	c := mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("hook@example.com")})
	ev := all.WaitEvent(t, "customer.created", c.ID)
	if ev.APIVersion != "2026-03-25.dahlia" || ev.Data.Object["email"] != "hook@example.com" || ev.Request == nil || ev.Request.ID != c.LastResponse.RequestID {
		t.Errorf("delivered event: %+v", ev)
	}
	for _, d := range all.Deliveries() {
		if !sigHeader.MatchString(d.Signature) {
			t.Errorf("Stripe-Signature %q", d.Signature)
		}
		if d.Err != nil {
			t.Errorf("delivery failed verification: %v", d.Err)
		}
	}
	// The delivered event is the one the API serves.
	api, err := sc.V1Events.Retrieve(ctx, ev.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if api.Type != ev.Type || api.Created != ev.Created || string(api.Data.Raw) == "" {
		t.Errorf("API event %+v vs delivered %+v", api, ev)
	}
	var a1, d1 map[string]any
	json.Unmarshal(api.Data.Raw, &a1)
	json.Unmarshal(ev.Data.Raw, &d1)
	if a1["id"] != d1["id"] || a1["email"] != d1["email"] {
		t.Errorf("data.object differs: %v vs %v", a1, d1)
	}
	// pending_webhooks counts down to zero once delivered.
	kontortest.Eventually(t, "pending_webhooks of customer.created to reach 0", func() bool {
		e, err := sc.V1Events.Retrieve(ctx, ev.ID, nil)
		return err == nil && e.PendingWebhooks == 0
	})

	// Only subscribed types reach an endpoint, and a disabled endpoint gets nothing.
	if _, err := sc.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{Name: stripe.String("one")}); err != nil {
		t.Fatal(err)
	}
	onlyUpdates.WaitEvent(t, "customer.updated", c.ID)
	if _, err := sc.V1WebhookEndpoints.Update(ctx, upEP.ID, &stripe.WebhookEndpointUpdateParams{Disabled: stripe.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{Name: stripe.String("while disabled")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.V1WebhookEndpoints.Update(ctx, upEP.ID, &stripe.WebhookEndpointUpdateParams{Disabled: stripe.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{Name: stripe.String("after")}); err != nil {
		t.Fatal(err)
	}
	onlyUpdates.Wait(t, "customer.updated (after)", func(d kontortest.Delivery) bool {
		return d.Err == nil && d.Event.Data.Object["name"] == "after"
	})
	for _, d := range onlyUpdates.Deliveries() {
		if d.Event.Type != "customer.updated" {
			t.Errorf("endpoint for customer.updated got %s", d.Event.Type)
		}
		if d.Event.Data.Object["name"] == "while disabled" {
			t.Errorf("a disabled endpoint got an event")
		}
	}
	all.Wait(t, "customer.updated (after) on *", func(d kontortest.Delivery) bool {
		return d.Err == nil && d.Event.Data.Object["name"] == "after"
	})
	var names []any
	for _, d := range all.Deliveries() {
		if d.Event.Type == "customer.updated" {
			names = append(names, d.Event.Data.Object["name"])
		}
	}
	if len(names) != 3 {
		t.Errorf("the * endpoint got customer.updated for %v, want 3 deliveries", names)
	}

	// An endpoint pinned to another release train gets events ConstructEvent rejects by default.
	old := kontortest.NewReceiver(t)
	oe, err := sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String(old.URL),
		EnabledEvents: []*string{stripe.String("customer.deleted")}, APIVersion: stripe.String("2025-09-30.clover")})
	if err != nil {
		t.Fatal(err)
	}
	old.SetSecret(oe.Secret)
	if oe.APIVersion != "2025-09-30.clover" {
		t.Errorf("endpoint api_version = %q", oe.APIVersion)
	}
	if _, err := sc.V1Customers.Delete(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	d := old.Wait(t, "customer.deleted on the clover endpoint", func(kontortest.Delivery) bool { return true })
	var body map[string]any
	json.Unmarshal(d.Payload, &body)
	if body["api_version"] != "2025-09-30.clover" || d.Err == nil {
		t.Errorf("pinned endpoint: api_version %v, verification error %v", body["api_version"], d.Err)
	}
}

// accountID returns the account id behind the key.
func accountID(t *testing.T, a *kontortest.Account) string {
	t.Helper()
	acct, err := a.Client.V1Accounts.Retrieve(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return acct.ID
}

func TestWebhookRetry(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{WebhookRetries: []time.Duration{300 * time.Millisecond, 300 * time.Millisecond}})
	a := s.NewAccount(t)
	rcv := kontortest.NewReceiver(t)
	endpoint(t, a, rcv, "customer.created")
	rcv.Fail(1)

	c := mustCustomer(t, a, nil)
	ev := rcv.WaitEvent(t, "customer.created", c.ID)
	ds := rcv.Deliveries()
	if len(ds) != 2 || ds[0].Status != 500 || ds[1].Status != 200 || ds[0].Event.ID != ev.ID || ds[1].Event.ID != ev.ID {
		t.Fatalf("deliveries: %+v", ds)
	}
	if gap := ds[1].At.Sub(ds[0].At); gap < 250*time.Millisecond {
		t.Errorf("retried after %s, before the 300ms backoff", gap)
	}
	// Each attempt is recorded with its status.
	acct := accountID(t, a)
	kontortest.Eventually(t, "two recorded attempts", func() bool { return len(s.DeliveryAttempts(t, acct, ev.ID)) == 2 })
	as := s.DeliveryAttempts(t, acct, ev.ID)
	if as[0].StatusCode != 500 || as[0].Error == "" || as[1].StatusCode != 200 || as[1].Error != "" {
		t.Errorf("attempts: %+v", as)
	}

	// A receiver that never recovers is given up on after the schedule, and the event stops pending.
	rcv.Fail(100)
	c2 := mustCustomer(t, a, nil)
	var ev2 string
	kontortest.Eventually(t, "three failed attempts for the second customer", func() bool {
		n := 0
		for _, d := range rcv.Deliveries() {
			if d.Event.Data != nil && d.Event.Data.Object["id"] == c2.ID {
				ev2 = d.Event.ID
				n++
			}
		}
		return n == 3
	})
	kontortest.Eventually(t, "the abandoned delivery to stop pending", func() bool {
		e, err := a.Client.V1Events.Retrieve(t.Context(), ev2, nil)
		return err == nil && e.PendingWebhooks == 0
	})
	if n := len(s.DeliveryAttempts(t, acct, ev2)); n != 3 {
		t.Errorf("%d attempts for a schedule of two retries, want 3", n)
	}
}

// TestWebhookSandboxRetrySchedule checks the default schedule: the first
// retry comes within 30 seconds.
func TestWebhookSandboxRetrySchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the sandbox's first retry (about 10 s)")
	}
	e := newEnv(t, envOptions{})
	a := e.acct
	rcv := kontortest.NewReceiver(t)
	endpoint(t, a, rcv, "customer.created")
	rcv.Fail(1)
	c := mustCustomer(t, a, nil)
	rcv.WaitEvent(t, "customer.created", c.ID)
	ds := rcv.Deliveries()
	if len(ds) != 2 {
		t.Fatalf("deliveries: %+v", ds)
	}
	if gap := ds[1].At.Sub(ds[0].At); gap > 30*time.Second || gap < time.Second {
		t.Errorf("first sandbox retry after %s, want within 30 s (and not immediately)", gap)
	}
}

// TestWebhookSurvivesRestart stops the server while a delivery is pending
// and checks that a new server on the same database delivers it.
func TestWebhookSurvivesRestart(t *testing.T) {
	t.Parallel()
	retries := []time.Duration{2 * time.Second, 200 * time.Millisecond, 200 * time.Millisecond}
	s1 := kontortest.Start(t, kontortest.Options{WebhookRetries: retries})
	a := s1.NewAccount(t)
	rcv := kontortest.NewReceiver(t)
	endpoint(t, a, rcv, "customer.created")
	acct := accountID(t, a)
	rcv.Down()

	c := mustCustomer(t, a, nil)
	first := rcv.Wait(t, "the first, failing attempt", func(d kontortest.Delivery) bool { return d.Status == http.StatusServiceUnavailable })
	kontortest.Eventually(t, "the failed attempt to be recorded", func() bool { return len(s1.DeliveryAttempts(t, acct, first.Event.ID)) == 1 })
	s1.Stop()

	rcv.Up()
	s2 := kontortest.Start(t, kontortest.Options{DBPath: s1.DBPath, WebhookRetries: retries})
	ev := rcv.WaitEvent(t, "customer.created", c.ID)
	if ev.ID != first.Event.ID {
		t.Errorf("delivered %s after the restart, want %s", ev.ID, first.Event.ID)
	}
	// The account, its key and the webhook secret survived the restart too.
	a2 := s2.NewClient(a.Key)
	got, err := a2.V1Customers.Retrieve(context.Background(), c.ID, nil)
	if err != nil || got.ID != c.ID {
		t.Fatalf("customer after restart: %v", err)
	}
	kontortest.Eventually(t, "pending_webhooks to reach 0 after the restart", func() bool {
		e, err := a2.V1Events.Retrieve(t.Context(), ev.ID, nil)
		return err == nil && e.PendingWebhooks == 0
	})
	if n := len(s2.DeliveryAttempts(t, acct, ev.ID)); n != 2 {
		t.Errorf("%d attempts recorded, want 2 (one before, one after the restart)", n)
	}
}

// TestSlowReceiverDoesNotBlockAPI holds a delivery open far longer than the
// test runs (the receiver never answers until released, and the delivery
// timeout is ten minutes) and makes 40 API calls meanwhile: they complete
// while the delivery is still in flight, so the API never waits for a receiver.
func TestSlowReceiverDoesNotBlockAPI(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{WebhookTimeout: 10 * time.Minute})
	a, ctx := s.NewAccount(t), t.Context()
	rcv := kontortest.NewReceiver(t)
	endpoint(t, a, rcv, "customer.created")
	release := rcv.Hold(t)

	first := mustCustomer(t, a, nil)
	rcv.WaitHeld(t, 1)
	ids := []string{first.ID}
	for range 20 {
		ids = append(ids, mustCustomer(t, a, nil).ID)
		if _, err := a.Client.V1Customers.Retrieve(ctx, first.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := rcv.Deliveries(); len(got) != 0 {
		t.Fatalf("%d deliveries completed while the receiver held every request; want none", len(got))
	}
	release()
	for _, id := range ids {
		rcv.WaitEvent(t, "customer.created", id)
	}
}

// TestWebhookInFlightAtShutdown stops the server while a delivery is in
// flight: the new server must retry it at once, not after the lease the
// stopped one held (at least once: the receiver may see it twice). The wall
// clock is frozen, so a lease that was not given up would never end and
// the delivery would never come.
func TestWebhookInFlightAtShutdown(t *testing.T) {
	t.Parallel()
	frozen := clock.NewManual(time.Now())
	s1 := kontortest.Start(t, kontortest.Options{Clock: frozen})
	a := s1.NewAccount(t)
	rcv := kontortest.NewReceiver(t)
	endpoint(t, a, rcv, "customer.created")
	release := rcv.Hold(t)
	c := mustCustomer(t, a, nil)
	rcv.WaitHeld(t, 1)
	s1.Stop()
	release()

	kontortest.Start(t, kontortest.Options{DBPath: s1.DBPath, Clock: frozen})
	rcv.WaitEvent(t, "customer.created", c.ID)
}
