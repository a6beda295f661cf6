package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

func TestTestClocks(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	const t0 = int64(1767225600) // 2026-01-01

	clk, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(t0), Name: stripe.String("monthly")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(clk.ID, "clock_") || clk.Object != "test_helpers.test_clock" || clk.FrozenTime != t0 || clk.Status != "ready" ||
		clk.Name != "monthly" || clk.Livemode || clk.DeletesAfter <= clk.Created {
		t.Errorf("created clock: %+v", clk)
	}
	got, err := sc.V1TestHelpersTestClocks.Retrieve(ctx, clk.ID, nil)
	if err != nil || got.FrozenTime != t0 || got.Name != "monthly" {
		t.Errorf("retrieve: %v %+v", err, got)
	}
	other, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if ids := clockIDs(t, a); !slices.Equal(ids, []string{other.ID, clk.ID}) {
		t.Errorf("list = %v", ids)
	}

	// A customer on the clock lives at the clock's time.
	c := mustCustomer(t, a, &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID), Email: stripe.String("tc@example.com")})
	if c.Created != t0 {
		t.Errorf("customer created = %d, want the frozen time %d", c.Created, t0)
	}
	raw := a.Do(t, "GET", "/v1/customers/"+c.ID, "", nil).JSON(t)
	if raw["test_clock"] != clk.ID {
		t.Errorf("customer test_clock = %v", raw["test_clock"])
	}
	ce := events(t, a, &stripe.EventListParams{Type: stripe.String("customer.created")})
	if len(ce) != 1 || ce[0].Created != t0 {
		t.Errorf("customer.created on the clock: %+v", ce)
	}

	// Advancing must move forward.
	_, err = sc.V1TestHelpersTestClocks.Advance(ctx, clk.ID, &stripe.TestHelpersTestClockAdvanceParams{FrozenTime: stripe.Int64(t0 - 1)})
	invalid(t, err, "", "frozen_time")
	_, err = sc.V1TestHelpersTestClocks.Advance(ctx, clk.ID, &stripe.TestHelpersTestClockAdvanceParams{FrozenTime: stripe.Int64(t0)})
	invalid(t, err, "", "frozen_time")
	_, err = sc.V1TestHelpersTestClocks.Advance(ctx, clk.ID, &stripe.TestHelpersTestClockAdvanceParams{})
	invalid(t, err, "parameter_missing", "frozen_time")
	_, err = sc.V1TestHelpersTestClocks.Advance(ctx, "clock_missing", &stripe.TestHelpersTestClockAdvanceParams{FrozenTime: stripe.Int64(t0 + 1)})
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)

	t1 := t0 + 31*86400
	adv, err := sc.V1TestHelpersTestClocks.Advance(ctx, clk.ID, &stripe.TestHelpersTestClockAdvanceParams{FrozenTime: stripe.Int64(t1)})
	if err != nil {
		t.Fatal(err)
	}
	if adv.Status != "advancing" || adv.FrozenTime != t0 || adv.StatusDetails == nil || adv.StatusDetails.Advancing == nil ||
		adv.StatusDetails.Advancing.TargetFrozenTime != t1 {
		t.Errorf("advance answered %+v (details %+v)", adv, adv.StatusDetails)
	}
	waitReady(t, a, clk.ID, t1)

	// Time moved for the customer: an update now is stamped with the new frozen time.
	if _, err := sc.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{Name: stripe.String("later")}); err != nil {
		t.Fatal(err)
	}
	ue := events(t, a, &stripe.EventListParams{Type: stripe.String("customer.updated")})
	if len(ue) != 1 || ue[0].Created != t1 {
		t.Errorf("customer.updated after the advance: created %v, want %d", ue, t1)
	}

	// Clock events.
	ce = events(t, a, &stripe.EventListParams{Type: stripe.String("test_helpers.test_clock.*")})
	var mine []string
	for _, e := range ce {
		if e.Data.Object["id"] == clk.ID {
			mine = append(mine, string(e.Type))
		}
	}
	if want := []string{"test_helpers.test_clock.ready", "test_helpers.test_clock.advancing", "test_helpers.test_clock.created"}; !slices.Equal(mine, want) {
		t.Errorf("clock events = %v, want %v", mine, want)
	}
	for _, e := range ce {
		if e.Type == "test_helpers.test_clock.ready" && e.Data.Object["frozen_time"] != float64(t1) {
			t.Errorf("ready event frozen_time = %v", e.Data.Object["frozen_time"])
		}
	}

	// Delete: the clock and its customers go.
	del, err := sc.V1TestHelpersTestClocks.Delete(ctx, clk.ID, nil)
	if err != nil || !del.Deleted || del.ID != clk.ID {
		t.Fatalf("delete: %v %+v", err, del)
	}
	_, err = sc.V1TestHelpersTestClocks.Retrieve(ctx, clk.ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	_, err = sc.V1TestHelpersTestClocks.Advance(ctx, clk.ID, &stripe.TestHelpersTestClockAdvanceParams{FrozenTime: stripe.Int64(t1 + 1)})
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	if ids := clockIDs(t, a); !slices.Equal(ids, []string{other.ID}) {
		t.Errorf("list after delete = %v, want [%s]", ids, other.ID)
	}
	gone, err := sc.V1Customers.Retrieve(ctx, c.ID, nil)
	if err != nil || !gone.Deleted {
		t.Errorf("customer of a deleted clock: %v %+v", err, gone)
	}
	if got := eventTypes(events(t, a, &stripe.EventListParams{Types: []*string{stripe.String("customer.deleted"), stripe.String("test_helpers.test_clock.deleted")}})); !slices.Equal(got, []string{"test_helpers.test_clock.deleted", "customer.deleted"}) {
		t.Errorf("delete events = %v", got)
	}
	_, err = sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID)})
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
}

// TestTestClockAdvanceWebhooks follows an advance through webhooks, as an integration would.
func TestTestClockAdvanceWebhooks(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	rcv := kontortest.NewReceiver(t)
	endpoint(t, a, rcv, "test_helpers.test_clock.created", "test_helpers.test_clock.advancing", "test_helpers.test_clock.ready")
	clk, err := a.Client.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(1767225600)})
	if err != nil {
		t.Fatal(err)
	}
	rcv.WaitEvent(t, "test_helpers.test_clock.created", clk.ID)
	// Advance several times in a row, each after the previous is ready.
	for i := int64(1); i <= 3; i++ {
		target := 1767225600 + i*3600
		if _, err := a.Client.V1TestHelpersTestClocks.Advance(ctx, clk.ID, &stripe.TestHelpersTestClockAdvanceParams{FrozenTime: stripe.Int64(target)}); err != nil {
			t.Fatalf("advance %d: %v", i, err)
		}
		ev := rcv.Wait(t, "test_clock.ready", func(d kontortest.Delivery) bool {
			return d.Err == nil && d.Event.Type == "test_helpers.test_clock.ready" && d.Event.Data.Object["frozen_time"] == float64(target)
		}).Event
		if ev.Data.Object["status"] != "ready" {
			t.Errorf("ready event status = %v", ev.Data.Object["status"])
		}
	}
	n := 0
	for _, d := range rcv.Deliveries() {
		if d.Event.Type == "test_helpers.test_clock.advancing" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d advancing deliveries, want 3", n)
	}
}

func clockIDs(t *testing.T, a *kontortest.Account) []string {
	t.Helper()
	var ids []string
	for c, err := range a.Client.V1TestHelpersTestClocks.List(t.Context(), nil).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

func TestAccount(t *testing.T) {
	e := newEnv(t, envOptions{})
	s, a, ctx := e.srv, e.acct, e.ctx
	acct, err := a.Client.V1Accounts.Retrieve(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(acct.ID, "acct_") || acct.Object != "account" || acct.Country != "DE" || acct.DefaultCurrency != "eur" ||
		!acct.ChargesEnabled || !acct.DetailsSubmitted {
		t.Errorf("account: %+v", acct)
	}
	if acct.Settings == nil || acct.Settings.SEPADebitPayments == nil || acct.Settings.SEPADebitPayments.CreditorID != "DE98ZZZ09999999999" {
		t.Errorf("settings.sepa_debit_payments: %+v", acct.Settings)
	}
	if acct.Capabilities == nil || acct.Capabilities.SEPADebitPayments != "active" {
		t.Errorf("capabilities: %+v", acct.Capabilities)
	}
	m := a.Do(t, "GET", "/v1/account", "", nil).JSON(t)
	if m["livemode"] != nil && m["livemode"] != false {
		t.Errorf("livemode = %v", m["livemode"])
	}
	// The same key answers the same account; another key another one.
	again, _ := a.Client.V1Accounts.Retrieve(ctx, nil)
	if again.ID != acct.ID {
		t.Errorf("the same key gave %s then %s", acct.ID, again.ID)
	}
	other, err := s.NewAccount(t).Client.V1Accounts.Retrieve(ctx, nil)
	if err != nil || other.ID == acct.ID {
		t.Errorf("a new key shares the account %s: %v", acct.ID, err)
	}
}
