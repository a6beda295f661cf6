package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

func TestCustomerLifecycle(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client

	created, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{
		Email:       stripe.String("ada@example.com"),
		Name:        stripe.String("Ada Lovelace"),
		Description: stripe.String("first customer"),
		Phone:       stripe.String("+4930123456"),
		Address: &stripe.AddressParams{City: stripe.String("Berlin"), Country: stripe.String("DE"),
			Line1: stripe.String("Unter den Linden 1"), Line2: stripe.String("Hinterhaus"),
			PostalCode: stripe.String("10117"), State: stripe.String("BE")},
		Metadata: map[string]string{"order": "42", "keep": "yes"},
		InvoiceSettings: &stripe.CustomerCreateInvoiceSettingsParams{
			Footer: stripe.String("Thank you"),
			CustomFields: []*stripe.CustomerCreateInvoiceSettingsCustomFieldParams{
				{Name: stripe.String("VAT"), Value: stripe.String("DE123456789")},
				{Name: stripe.String("PO"), Value: stripe.String("PO-7")},
			},
		},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(created.ID) < 5 || created.ID[:4] != "cus_" {
		t.Errorf("id = %q, want cus_…", created.ID)
	}
	if created.Object != "customer" || created.Livemode || created.Created == 0 {
		t.Errorf("object=%q livemode=%v created=%d", created.Object, created.Livemode, created.Created)
	}
	if created.Email != "ada@example.com" || created.Name != "Ada Lovelace" || created.Description != "first customer" || created.Phone != "+4930123456" {
		t.Errorf("scalar fields: %+v", created)
	}
	want := stripe.Address{City: "Berlin", Country: "DE", Line1: "Unter den Linden 1", Line2: "Hinterhaus", PostalCode: "10117", State: "BE"}
	if created.Address == nil || *created.Address != want {
		t.Errorf("address = %+v, want %+v", created.Address, want)
	}
	if created.Metadata["order"] != "42" || created.Metadata["keep"] != "yes" || len(created.Metadata) != 2 {
		t.Errorf("metadata = %v", created.Metadata)
	}
	inv := created.InvoiceSettings
	if inv == nil || inv.Footer != "Thank you" || len(inv.CustomFields) != 2 || inv.CustomFields[0].Name != "VAT" ||
		inv.CustomFields[0].Value != "DE123456789" || inv.CustomFields[1].Name != "PO" {
		t.Errorf("invoice_settings = %+v", inv)
	}
	if created.TestClock != nil {
		t.Errorf("test_clock = %+v, want null", created.TestClock)
	}
	if created.LastResponse == nil || created.LastResponse.RequestID == "" || created.LastResponse.RequestID[:4] != "req_" {
		t.Errorf("Request-Id missing or malformed: %+v", created.LastResponse)
	}

	got, err := sc.V1Customers.Retrieve(ctx, created.ID, nil)
	if err != nil {
		t.Fatalf("retrieve: %v", err)
	}
	if got.ID != created.ID || got.Email != created.Email || got.Created != created.Created || *got.Address != want ||
		got.InvoiceSettings.Footer != "Thank you" || len(got.InvoiceSettings.CustomFields) != 2 {
		t.Errorf("retrieved %+v, created %+v", got, created)
	}

	// An empty metadata value deletes the key; description= nulls the field.
	upd, err := sc.V1Customers.Update(ctx, created.ID, &stripe.CustomerUpdateParams{
		Metadata:    map[string]string{"order": "", "new": "1"},
		Description: stripe.String(""),
		Name:        stripe.String("Ada King"),
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if _, ok := upd.Metadata["order"]; ok || upd.Metadata["keep"] != "yes" || upd.Metadata["new"] != "1" || len(upd.Metadata) != 2 {
		t.Errorf("metadata after update = %v, want keep=yes new=1", upd.Metadata)
	}
	if upd.Description != "" || upd.Name != "Ada King" || upd.Email != "ada@example.com" {
		t.Errorf("after update: description=%q name=%q email=%q", upd.Description, upd.Name, upd.Email)
	}
	raw := a.Do(t, "GET", "/v1/customers/"+created.ID, "", nil).JSON(t)
	if v, ok := raw["description"]; !ok || v != nil {
		t.Errorf("description on the wire = %#v (present %v), want null", v, ok)
	}

	// invoice_settings fields clear with an empty value, the others stay.
	r := a.Do(t, "POST", "/v1/customers/"+created.ID, "invoice_settings[custom_fields]=", nil)
	if inv, _ := r.JSON(t)["invoice_settings"].(map[string]any); r.Status != 200 || inv["custom_fields"] != nil || inv["footer"] != "Thank you" {
		t.Errorf("clearing custom_fields: %d %s", r.Status, r.Body)
	}
	r = a.Do(t, "POST", "/v1/customers/"+created.ID, "invoice_settings[footer]=", nil)
	if inv, _ := r.JSON(t)["invoice_settings"].(map[string]any); r.Status != 200 || inv["footer"] != nil {
		t.Errorf("clearing footer: %d %s", r.Status, r.Body)
	}

	// A partial address update keeps the other lines.
	upd, err = sc.V1Customers.Update(ctx, created.ID, &stripe.CustomerUpdateParams{Address: &stripe.AddressParams{City: stripe.String("Hamburg")}})
	if err != nil {
		t.Fatalf("update address: %v", err)
	}
	if upd.Address.City != "Hamburg" || upd.Address.Line1 != "Unter den Linden 1" {
		t.Errorf("address after partial update = %+v", upd.Address)
	}

	del, err := sc.V1Customers.Delete(ctx, created.ID, nil)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if !del.Deleted || del.ID != created.ID {
		t.Errorf("delete answered %+v, want deleted:true", del)
	}
	gone, err := sc.V1Customers.Retrieve(ctx, created.ID, nil)
	if err != nil {
		t.Fatalf("retrieve deleted: %v", err)
	}
	if !gone.Deleted || gone.ID != created.ID || gone.Email != "" {
		t.Errorf("retrieve after delete = %+v, want {id, deleted:true}", gone)
	}
	_, err = sc.V1Customers.Update(ctx, created.ID, &stripe.CustomerUpdateParams{Name: stripe.String("x")})
	stripeErr(t, err, 404, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	_, err = sc.V1Customers.Delete(ctx, created.ID, nil)
	stripeErr(t, err, 404, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	if ids := customerIDs(t, a, nil); slices.Contains(ids, created.ID) {
		t.Errorf("deleted customer still listed: %v", ids)
	}
}

func TestCustomerListFilters(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	x1 := mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("x@example.com")})
	mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("y@example.com")})
	x2 := mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("x@example.com")})
	mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("X@example.com")})

	ids := customerIDs(t, a, &stripe.CustomerListParams{Email: stripe.String("x@example.com")})
	if !slices.Equal(ids, []string{x2.ID, x1.ID}) {
		t.Errorf("email filter (case-sensitive, newest first) = %v, want %v", ids, []string{x2.ID, x1.ID})
	}
	if ids := customerIDs(t, a, &stripe.CustomerListParams{Email: stripe.String("nobody@example.com")}); len(ids) != 0 {
		t.Errorf("unknown email lists %v", ids)
	}

	clk, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(1767225600)})
	if err != nil {
		t.Fatalf("create clock: %v", err)
	}
	onClock := mustCustomer(t, a, &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID)})
	ids = customerIDs(t, a, &stripe.CustomerListParams{TestClock: stripe.String(clk.ID)})
	if !slices.Equal(ids, []string{onClock.ID}) {
		t.Errorf("test_clock filter = %v, want [%s]", ids, onClock.ID)
	}
	ids = customerIDs(t, a, nil)
	if slices.Contains(ids, onClock.ID) {
		t.Errorf("a customer on a test clock is listed without the test_clock filter (Stripe leaves them out): %v", ids)
	}
	if len(ids) != 4 {
		t.Errorf("unfiltered list has %d customers, want 4", len(ids))
	}
}

func TestCustomerPagination(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	var made []string // oldest first
	for i := range 25 {
		made = append(made, mustCustomer(t, a, &stripe.CustomerCreateParams{Name: stripe.String(fmt.Sprint("c", i))}).ID)
	}
	newestFirst := slices.Clone(made)
	slices.Reverse(newestFirst)

	// Default limit is 10; has_more tells there is more.
	l := sc.V1Customers.List(ctx, &stripe.CustomerListParams{ListParams: stripe.ListParams{Single: true}})
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(l.Data()); n != 10 || !l.Meta().HasMore || l.Meta().URL != "/v1/customers" {
		t.Errorf("default page: %d items, has_more=%v url=%q", n, l.Meta().HasMore, l.Meta().URL)
	}

	page := func(p stripe.ListParams) ([]string, bool) {
		t.Helper()
		p.Single = true
		l := sc.V1Customers.List(ctx, &stripe.CustomerListParams{ListParams: p})
		if err := l.Err(); err != nil {
			t.Fatalf("list %+v: %v", p, err)
		}
		var ids []string
		for _, c := range l.Data() {
			ids = append(ids, c.ID)
		}
		return ids, l.Meta().HasMore
	}
	p1, more := page(stripe.ListParams{Limit: stripe.Int64(10)})
	if !slices.Equal(p1, newestFirst[:10]) || !more {
		t.Errorf("page 1 = %v more=%v", p1, more)
	}
	p2, more := page(stripe.ListParams{Limit: stripe.Int64(10), StartingAfter: stripe.String(p1[9])})
	if !slices.Equal(p2, newestFirst[10:20]) || !more {
		t.Errorf("page 2 = %v more=%v", p2, more)
	}
	p3, more := page(stripe.ListParams{Limit: stripe.Int64(10), StartingAfter: stripe.String(p2[9])})
	if !slices.Equal(p3, newestFirst[20:]) || more {
		t.Errorf("page 3 = %v more=%v, want the last 5 and has_more=false", p3, more)
	}
	exact, more := page(stripe.ListParams{Limit: stripe.Int64(25)})
	if len(exact) != 25 || more {
		t.Errorf("limit=25 over 25 customers: %d items, has_more=%v", len(exact), more)
	}
	// ending_before walks back: the page just before p3 is p2. On the wire
	// it is newest first, like every list; stripe-go reverses a backward page
	// so that its iterator moves towards the newest.
	wire := func(q string) ([]string, bool) {
		t.Helper()
		r := a.Do(t, "GET", "/v1/customers?"+q, "", nil)
		if r.Status != 200 {
			t.Fatalf("GET /v1/customers?%s: %d %s", q, r.Status, r.Body)
		}
		m := r.JSON(t)
		var ids []string
		for _, d := range m["data"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		return ids, m["has_more"].(bool)
	}
	back, more := wire("limit=10&ending_before=" + p3[0])
	if !slices.Equal(back, p2) || !more {
		t.Errorf("ending_before %s = %v more=%v, want %v more=true", p3[0], back, more, p2)
	}
	back, more = page(stripe.ListParams{Limit: stripe.Int64(10), EndingBefore: stripe.String(p3[0])})
	if slices.Reverse(back); !slices.Equal(back, p2) || !more {
		t.Errorf("stripe-go ending_before %s = %v (reversed) more=%v, want %v more=true", p3[0], back, more, p2)
	}
	first, more := wire("limit=10&ending_before=" + newestFirst[3])
	if !slices.Equal(first, newestFirst[:3]) || more {
		t.Errorf("ending_before the 4th newest = %v more=%v, want the 3 newest and has_more=false", first, more)
	}
	// stripe-go's backward auto-pagination from the oldest sees every newer customer, oldest first.
	var fwd []string
	for c, err := range sc.V1Customers.List(ctx, &stripe.CustomerListParams{ListParams: stripe.ListParams{
		Limit: stripe.Int64(4), EndingBefore: stripe.String(made[0])}}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		fwd = append(fwd, c.ID)
	}
	if !slices.Equal(fwd, made[1:]) {
		t.Errorf("backward auto-pagination = %v, want the 24 newer customers oldest first", fwd)
	}
	// stripe-go's auto-pagination sees every customer once.
	if all := customerIDs(t, a, &stripe.CustomerListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(7)}}); !slices.Equal(all, newestFirst) {
		t.Errorf("auto-pagination = %d ids, want all 25 newest first", len(all))
	}

	for _, tc := range []struct {
		q, param string
	}{{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=abc", "limit"}} {
		r := a.Do(t, "GET", "/v1/customers?"+tc.q, "", nil)
		if e := r.Error(t); r.Status != 400 || e["param"] != tc.param || e["code"] != "parameter_invalid_integer" {
			t.Errorf("%s: %d %v", tc.q, r.Status, e)
		}
	}
	r := a.Do(t, "GET", "/v1/customers?starting_after="+p1[0]+"&ending_before="+p1[1], "", nil)
	if r.Status != 400 {
		t.Errorf("starting_after with ending_before: %d %s", r.Status, r.Body)
	}
	r = a.Do(t, "GET", "/v1/customers?starting_after=cus_nope", "", nil)
	if e := r.Error(t); r.Status != 400 || e["code"] != "resource_missing" || e["param"] != "starting_after" {
		t.Errorf("unknown cursor: %d %v", r.Status, e)
	}
}

func TestCustomerCreatedFilters(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	// Customers on test clocks have chosen creation times, so the filters can be checked exactly.
	var ids []string
	for _, ft := range []int64{1700000000, 1700000100, 1700000200} {
		clk, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(ft)})
		if err != nil {
			t.Fatal(err)
		}
		c := mustCustomer(t, a, &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID)})
		if c.Created != ft {
			t.Errorf("customer on a clock frozen at %d has created=%d", ft, c.Created)
		}
		ids = append(ids, c.ID)
	}
	// The clock customers are listed by test_clock only, so filter the raw list per clock-less account view.
	list := func(q string) []string {
		t.Helper()
		var out []string
		for _, id := range ids {
			c, err := sc.V1Customers.Retrieve(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := a.Do(t, "GET", "/v1/customers?limit=100&test_clock="+c.TestClock.ID+"&"+q, "", nil)
			if r.Status != 200 {
				t.Fatalf("list %s: %d %s", q, r.Status, r.Body)
			}
			for _, d := range r.JSON(t)["data"].([]any) {
				out = append(out, d.(map[string]any)["id"].(string))
			}
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"created=1700000100", ids[1:2]},
		{"created[gt]=1700000100", ids[2:]},
		{"created[gte]=1700000100", ids[1:]},
		{"created[lt]=1700000100", ids[:1]},
		{"created[lte]=1700000100", ids[:2]},
		{"created[gt]=1700000000&created[lt]=1700000200", ids[1:2]},
	} {
		if got := list(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.q, got, tc.want)
		}
	}

	// Through stripe-go's typed range parameters, on customers without a clock.
	plain := mustCustomer(t, a, nil)
	got := customerIDs(t, a, &stripe.CustomerListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: plain.Created}})
	if !slices.Contains(got, plain.ID) {
		t.Errorf("created[gte]=%d misses %s: %v", plain.Created, plain.ID, got)
	}
	got = customerIDs(t, a, &stripe.CustomerListParams{CreatedRange: &stripe.RangeQueryParams{LesserThan: plain.Created}})
	if slices.Contains(got, plain.ID) {
		t.Errorf("created[lt]=%d lists %s", plain.Created, plain.ID)
	}
	r := a.Do(t, "GET", "/v1/customers?created[after]=1", "", nil)
	if e := r.Error(t); r.Status != 400 || e["param"] != "created[after]" {
		t.Errorf("created[after]: %d %v", r.Status, e)
	}
}
