package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// testdata/kontor-before-0003.db is a SQLite database written by Kontor
// before migration 0003_payment_page (at migration 0004_smaller_rows), which
// stored the hosted payment page under Stripe's names: object type
// checkout.session, event types checkout.session.*, timer kind
// checkout.expire, the intents' key checkout_session, and those event types
// in a webhook endpoint's enabled_events. Its account's key is
// upgradeFixtureKey; it was written by these requests:
//
//	POST /v1/webhook_endpoints url=http://127.0.0.1:9/hook
//	     enabled_events=[checkout.session.completed, checkout.session.expired,
//	     checkout.session.async_payment_succeeded, charge.succeeded]
//	POST /v1/test_helpers/test_clocks frozen_time=1795000000
//	POST /v1/checkout/sessions ×3 on that clock: payment mode (client_reference_id
//	     open, and paid: one line of €12.00), setup mode (setup)
//	the hosted page of "paid" and of "setup" submitted with DE89370400440532013000
const (
	upgradeFixtureKey    = "sk_test_0003a0b1c2d3e4f5a6b7c8d9"
	upgradeFixtureSecret = "whsec_EyoaC5CL6aNb2xdnhItBAAzDvJSjakfZ"
	upgradeFixtureFrozen = 1795000000
)

// TestUpgradeKeepsPaymentPages opens that database: the migration renames
// what it stored to the engine's names, and every page, event, timer and
// subscription reads and works through the Stripe API as before.
func TestUpgradeKeepsPaymentPages(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("testdata/kontor-before-0003.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kontor.db")
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	s := kontortest.Start(t, kontortest.Options{DBPath: path})
	a := s.Account(upgradeFixtureKey)
	sc, ctx := a.Client, t.Context()

	sessions := map[string]*stripe.CheckoutSession{}
	for cs, err := range sc.V1CheckoutSessions.List(ctx, &stripe.CheckoutSessionListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		sessions[cs.ClientReferenceID] = cs
	}
	open, paid, setup := sessions["open"], sessions["paid"], sessions["setup"]
	if len(sessions) != 3 || open == nil || paid == nil || setup == nil {
		t.Fatalf("sessions after the upgrade: %v", sessions)
	}
	if open.Status != "open" || open.URL == "" || paid.Status != "complete" || paid.PaymentStatus != "unpaid" ||
		setup.Status != "complete" || setup.PaymentStatus != "no_payment_required" || paid.PaymentIntent == nil || setup.SetupIntent == nil {
		t.Fatalf("sessions after the upgrade: open %s %q, paid %s %s, setup %s %s", open.Status, open.URL,
			paid.Status, paid.PaymentStatus, setup.Status, setup.PaymentStatus)
	}
	for _, cs := range []*stripe.CheckoutSession{open, paid, setup} {
		got, err := sc.V1CheckoutSessions.Retrieve(ctx, cs.ID, nil)
		if err != nil || got.Object != "checkout.session" {
			t.Errorf("retrieve %s: %v %+v", cs.ClientReferenceID, err, got)
		}
	}

	completed := events(t, a, &stripe.EventListParams{Type: stripe.String("checkout.session.completed")})
	if ids := eventObjects(completed); !slices.Equal(ids, []string{setup.ID, paid.ID}) {
		t.Errorf("checkout.session.completed events after the upgrade: %v, want %s and %s", ids, setup.ID, paid.ID)
	}
	for _, ev := range completed {
		if ev.Type != "checkout.session.completed" || ev.Data.Object["object"] != "checkout.session" {
			t.Errorf("event %s: type %s, object %v", ev.ID, ev.Type, ev.Data.Object["object"])
		}
	}
	if got := events(t, a, &stripe.EventListParams{Type: stripe.String("checkout.session.*")}); len(got) != 2 {
		t.Errorf("checkout.session.* events after the upgrade: %v", eventTypes(got))
	}

	var we *stripe.WebhookEndpoint
	for h, err := range sc.V1WebhookEndpoints.List(ctx, &stripe.WebhookEndpointListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		we = h
	}
	want := []string{"checkout.session.completed", "checkout.session.expired", "checkout.session.async_payment_succeeded", "charge.succeeded"}
	if we == nil || !slices.Equal(we.EnabledEvents, want) {
		t.Fatalf("webhook endpoint after the upgrade: %+v", we)
	}
	// The endpoint's subscriptions still match: it hears what follows.
	hook := kontortest.NewReceiver(t)
	hook.SetSecret(upgradeFixtureSecret)
	if _, err := sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripe.WebhookEndpointUpdateParams{URL: stripe.String(hook.URL)}); err != nil {
		t.Fatal(err)
	}

	// The open page's expiry timer still fires, and the paid page hears of
	// its payment when the debit settles.
	var clockID string // the account's one test clock, which the pages are on
	for c, err := range sc.V1TestHelpersTestClocks.List(ctx, &stripe.TestHelpersTestClockListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		clockID = c.ID
	}
	advance(t, a, clockID, time.Unix(upgradeFixtureFrozen, 0).Add(10*24*time.Hour))
	expired := hook.WaitEvent(t, "checkout.session.expired", open.ID)
	if expired.Data.Object["status"] != "expired" {
		t.Errorf("checkout.session.expired: %v", expired.Data.Object)
	}
	succeeded := hook.WaitEvent(t, "checkout.session.async_payment_succeeded", paid.ID)
	if succeeded.Data.Object["payment_status"] != "paid" {
		t.Errorf("checkout.session.async_payment_succeeded: %v", succeeded.Data.Object)
	}
	hook.WaitEvent(t, "charge.succeeded", "")
	for _, d := range hook.Deliveries() {
		if !slices.Contains(want, d.Type) {
			t.Errorf("the endpoint heard %s, to which it did not subscribe", d.Type)
		}
	}
	if got, err := sc.V1CheckoutSessions.Retrieve(ctx, paid.ID, nil); err != nil || got.PaymentStatus != "paid" {
		t.Errorf("paid session after settlement: %v %+v", err, got)
	}
	all := events(t, a, &stripe.EventListParams{Type: stripe.String("checkout.session.*")})
	if got := eventTypes(all); !slices.Equal(got, []string{"checkout.session.async_payment_succeeded", "checkout.session.expired",
		"checkout.session.completed", "checkout.session.completed"}) && !slices.Equal(got, []string{"checkout.session.expired",
		"checkout.session.async_payment_succeeded", "checkout.session.completed", "checkout.session.completed"}) {
		t.Errorf("checkout.session.* events after the advance: %v", got)
	}
}

// eventObjects returns the ids of the events' objects, in order.
func eventObjects(evs []*stripe.Event) []string {
	var out []string
	for _, ev := range evs {
		id, _ := ev.Data.Object["id"].(string)
		out = append(out, id)
	}
	return out
}
