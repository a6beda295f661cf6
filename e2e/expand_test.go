package e2e

import (
	"testing"

	"github.com/stripe/stripe-go/v85"
)

func TestExpand(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	clk, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{
		FrozenTime: stripe.Int64(1767225600), Name: stripe.String("expand me")})
	if err != nil {
		t.Fatal(err)
	}
	cp := &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID)}
	cp.AddExpand("test_clock")
	c, err := sc.V1Customers.Create(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	if c.TestClock == nil || c.TestClock.ID != clk.ID || c.TestClock.Name != "expand me" || c.TestClock.FrozenTime != 1767225600 {
		t.Errorf("expanded on create: %+v", c.TestClock)
	}

	// Unexpanded, test_clock is the id.
	raw := a.Do(t, "GET", "/v1/customers/"+c.ID, "", nil).JSON(t)
	if raw["test_clock"] != clk.ID {
		t.Errorf("unexpanded test_clock = %#v, want %q", raw["test_clock"], clk.ID)
	}
	rp := &stripe.CustomerRetrieveParams{}
	rp.AddExpand("test_clock")
	got, err := sc.V1Customers.Retrieve(ctx, c.ID, rp)
	if err != nil {
		t.Fatal(err)
	}
	if got.TestClock == nil || got.TestClock.Object != "test_helpers.test_clock" || got.TestClock.Status != "ready" {
		t.Errorf("expanded on retrieve: %+v", got.TestClock)
	}
	up := &stripe.CustomerUpdateParams{Name: stripe.String("x")}
	up.AddExpand("test_clock")
	upd, err := sc.V1Customers.Update(ctx, c.ID, up)
	if err != nil || upd.TestClock == nil || upd.TestClock.Name != "expand me" {
		t.Errorf("expanded on update: %v %+v", err, upd)
	}

	// Lists expand data.*.
	lp := &stripe.CustomerListParams{TestClock: stripe.String(clk.ID)}
	lp.AddExpand("data.test_clock")
	n := 0
	for cu, err := range sc.V1Customers.List(ctx, lp).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if cu.TestClock == nil || cu.TestClock.Name != "expand me" {
			t.Errorf("list item not expanded: %+v", cu.TestClock)
		}
	}
	if n != 1 {
		t.Errorf("listed %d customers on the clock, want 1", n)
	}
	// A customer without a clock: expanding a null field leaves it null.
	plain := mustCustomer(t, a, nil)
	r := a.Do(t, "GET", "/v1/customers/"+plain.ID+"?expand[]=test_clock", "", nil)
	if m := r.JSON(t); r.Status != 200 || m["test_clock"] != nil {
		t.Errorf("expanding a null test_clock: %d %v", r.Status, m["test_clock"])
	}

	// Invalid expansions.
	bad := &stripe.CustomerRetrieveParams{}
	bad.AddExpand("email")
	_, err = sc.V1Customers.Retrieve(ctx, c.ID, bad)
	invalid(t, err, "", "expand[0]")
	bad = &stripe.CustomerRetrieveParams{}
	bad.AddExpand("no_such_field")
	_, err = sc.V1Customers.Retrieve(ctx, c.ID, bad)
	invalid(t, err, "", "expand[0]")
	r = a.Do(t, "GET", "/v1/customers?expand[]=test_clock", "", nil)
	if r.Status != 400 {
		t.Errorf("expanding test_clock on a list (not data.test_clock): %d %s", r.Status, r.Body)
	}
	deep := &stripe.CustomerRetrieveParams{}
	deep.AddExpand("test_clock.a.b.c.d")
	_, err = sc.V1Customers.Retrieve(ctx, c.ID, deep)
	se := invalid(t, err, "", "expand[0]")
	if se.Msg == "" {
		t.Error("no message for a too-deep expansion")
	}
	// Four levels is the limit: test_clock.x.y.z fails for the field, not the depth.
	r = a.Do(t, "GET", "/v1/customers/"+c.ID+"?expand[]=test_clock.a.b.c", "", nil)
	if e := r.Error(t); r.Status != 400 || e["code"] == "expansion_too_deep" {
		t.Errorf("four levels: %d %v", r.Status, e)
	}
}
