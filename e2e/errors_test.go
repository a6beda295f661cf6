package e2e

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

func TestParameterErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	existing := mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("keep@example.com")})
	customersBefore := len(customerIDs(t, a, nil))
	eventsBefore := eventCount(t, a)

	// Unknown parameter, through stripe-go's escape hatch.
	p := &stripe.CustomerCreateParams{Email: stripe.String("a@example.com")}
	p.AddExtra("favourite_colour", "blue")
	_, err := sc.V1Customers.Create(ctx, p)
	se := invalid(t, err, "parameter_unknown", "favourite_colour")
	if !strings.Contains(se.Msg, "favourite_colour") {
		t.Errorf("message does not name the parameter: %q", se.Msg)
	}
	p = &stripe.CustomerCreateParams{}
	p.AddExtra("address[planet]", "Mars")
	_, err = sc.V1Customers.Create(ctx, p)
	invalid(t, err, "parameter_unknown", "address[planet]")

	// Wrong types.
	r := a.Do(t, "GET", "/v1/customers?limit=ten", "", nil)
	if e := r.Error(t); r.Status != 400 || e["code"] != "parameter_invalid_integer" || e["param"] != "limit" || e["type"] != "invalid_request_error" {
		t.Errorf("limit=ten: %d %v", r.Status, e)
	}
	_, err = sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{})
	invalid(t, err, "parameter_missing", "frozen_time")
	r = a.Do(t, "POST", "/v1/test_helpers/test_clocks", "frozen_time=soon", nil)
	if e := r.Error(t); r.Status != 400 || e["code"] != "parameter_invalid_integer" || e["param"] != "frozen_time" {
		t.Errorf("frozen_time=soon: %d %v", r.Status, e)
	}
	r = a.Do(t, "POST", "/v1/customers", "tax_exempt=sometimes", nil)
	if e := r.Error(t); r.Status != 400 || e["code"] != "parameter_invalid_enum" || e["param"] != "tax_exempt" {
		t.Errorf("tax_exempt=sometimes: %d %v", r.Status, e)
	}
	r = a.Do(t, "POST", "/v1/customers", "address=Berlin", nil)
	if e := r.Error(t); r.Status != 400 || e["param"] != "address" {
		t.Errorf("address=Berlin (a string for a hash): %d %v", r.Status, e)
	}
	_, err = sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Phone: stripe.String(strings.Repeat("1", 21))})
	invalid(t, err, "", "phone")

	// Missing required parameter.
	_, err = sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{EnabledEvents: []*string{stripe.String("*")}})
	invalid(t, err, "parameter_missing", "url")

	// An empty value for a field that cannot be cleared.
	_, err = sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(1767225600), Name: stripe.String("")})
	invalid(t, err, "parameter_invalid_empty", "name")
	r = a.Do(t, "POST", "/v1/customers", "tax_exempt=", nil)
	if e := r.Error(t); r.Status != 400 || e["code"] != "parameter_invalid_empty" || e["param"] != "tax_exempt" {
		t.Errorf("tax_exempt=: %d %v", r.Status, e)
	}

	// Missing objects.
	_, err = sc.V1Customers.Retrieve(ctx, "cus_doesnotexist", nil)
	se = stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	if se.Param != "id" || !strings.Contains(se.Msg, "cus_doesnotexist") {
		t.Errorf("missing customer: param=%q msg=%q", se.Param, se.Msg)
	}
	_, err = sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{TestClock: stripe.String("clock_nope")})
	se = stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	if se.Param != "test_clock" {
		t.Errorf("missing test clock: param=%q", se.Param)
	}

	// Metadata limits.
	many := map[string]string{}
	for i := range 51 {
		many["k"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	if len(many) != 51 {
		t.Fatalf("built %d keys", len(many))
	}
	_, err = sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Metadata: many})
	invalid(t, err, "", "metadata")
	fifty := map[string]string{}
	for k, v := range many {
		if len(fifty) < 50 {
			fifty[k] = v
		}
	}
	c50, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Metadata: fifty})
	if err != nil || len(c50.Metadata) != 50 {
		t.Errorf("50 metadata keys must be accepted: %v", err)
	}
	long := strings.Repeat("k", 41)
	_, err = sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Metadata: map[string]string{long: "v"}})
	invalid(t, err, "", "metadata["+long+"]")
	_, err = sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Metadata: map[string]string{"k": strings.Repeat("v", 501)}})
	invalid(t, err, "", "metadata[k]")
	_, err = sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Metadata: map[string]string{strings.Repeat("k", 40): strings.Repeat("v", 500)}})
	if err != nil {
		t.Errorf("a 40-character key with a 500-character value must be accepted: %v", err)
	}

	// An update that fails validation changes nothing.
	up := &stripe.CustomerUpdateParams{Email: stripe.String("changed@example.com")}
	up.AddExtra("bogus", "1")
	_, err = sc.V1Customers.Update(ctx, existing.ID, up)
	invalid(t, err, "parameter_unknown", "bogus")
	if got, _ := sc.V1Customers.Retrieve(ctx, existing.ID, nil); got.Email != "keep@example.com" {
		t.Errorf("a rejected update changed the email to %q", got.Email)
	}

	// Only c50 and the 40/500 customer were created; no rejected request left a customer or an event.
	if n := len(customerIDs(t, a, nil)); n != customersBefore+2 {
		t.Errorf("customers: %d, want %d (rejected requests must create nothing)", n, customersBefore+2)
	}
	if n := eventCount(t, a); n != eventsBefore+2 {
		t.Errorf("events: %d, want %d (rejected requests must emit nothing)", n, eventsBefore+2)
	}
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	s, a, ctx := e.srv, e.acct, e.ctx
	c := mustCustomer(t, a, nil)

	// Unknown URLs answer like Stripe, for any method.
	for _, m := range []string{"GET", "POST", "DELETE"} {
		r := a.Do(t, m, "/v1/widgets/w_1", "", nil)
		e := r.Error(t)
		want := "Unrecognized request URL (" + m + ": /v1/widgets/w_1)"
		if r.Status != 404 || e["type"] != "invalid_request_error" || !strings.HasPrefix(e["message"].(string), want) {
			t.Errorf("%s unknown URL: %d %v", m, r.Status, e)
		}
		if r.Header.Get("Request-Id") == "" {
			t.Errorf("%s unknown URL: no Request-Id", m)
		}
	}
	r := a.Do(t, "PUT", "/v1/customers/"+c.ID, "", nil)
	if r.Status != 404 || !strings.HasPrefix(r.Error(t)["message"].(string), "Unrecognized request URL (PUT: /v1/customers/"+c.ID+")") {
		t.Errorf("PUT on a known path: %d %s", r.Status, r.Body)
	}

	// Authentication.
	r = s.Do(t, "GET", "/v1/customers", "", nil)
	if e := r.Error(t); r.Status != 401 || e["type"] != "invalid_request_error" || !strings.Contains(e["message"].(string), "did not provide an API key") {
		t.Errorf("no key: %d %v", r.Status, e)
	}
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	for _, bad := range []string{"Bearer nonsense", "Bearer sk_live_abc", "Bearer sk_test_bad key!", "Token sk_test_abc"} {
		r = s.Do(t, "GET", "/v1/customers", "", map[string]string{"Authorization": bad})
		if e := r.Error(t); r.Status != 401 || e["type"] != "invalid_request_error" {
			t.Errorf("%q: %d %v", bad, r.Status, e)
		}
		if strings.Contains(string(r.Body), "bad key!") {
			t.Errorf("the key is echoed in full: %s", r.Body)
		}
	}
	_, err := s.NewClient("sk_live_abcdef").V1Customers.Retrieve(ctx, c.ID, nil)
	stripeErr(t, err, http.StatusUnauthorized, stripe.ErrorTypeInvalidRequest, "")
	// Basic auth with the key as user name works like Bearer.
	r = s.Do(t, "GET", "/v1/customers/"+c.ID, "", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(a.Key+":"))})
	if r.Status != 200 || r.JSON(t)["id"] != c.ID {
		t.Errorf("basic auth: %d %s", r.Status, r.Body)
	}
	// The publishable key of the same account may not list customers.
	r = s.Do(t, "GET", "/v1/customers", "", map[string]string{"Authorization": "Bearer " + a.PublishableKey})
	if e := r.Error(t); r.Status != 401 || e["code"] != "secret_key_required" {
		t.Errorf("publishable key on GET /v1/customers: %d %v", r.Status, e)
	}
	_, err = s.NewClient(a.PublishableKey).V1Customers.Retrieve(ctx, c.ID, nil)
	stripeErr(t, err, http.StatusUnauthorized, stripe.ErrorTypeInvalidRequest, "secret_key_required")
	// A publishable key never provisions an account of its own.
	r = s.Do(t, "GET", "/v1/customers", "", map[string]string{"Authorization": "Bearer pk_test_neverseenbefore123"})
	if r.Status != 401 {
		t.Errorf("unknown publishable key: %d %s", r.Status, r.Body)
	}

	// Bodies must be form-encoded.
	r = a.Do(t, "POST", "/v1/customers", `{"email":"json@example.com"}`, map[string]string{"Content-Type": "application/json"})
	if e := r.Error(t); r.Status != 400 || e["type"] != "invalid_request_error" {
		t.Errorf("JSON body: %d %v", r.Status, e)
	}
	r = a.Do(t, "POST", "/v1/customers", "email=%zz", nil)
	if r.Status != 400 {
		t.Errorf("bad percent-encoding: %d %s", r.Status, r.Body)
	}
	r = a.Do(t, "POST", "/v1/customers", "metadata[a=1", nil)
	if r.Status != 400 {
		t.Errorf("unbalanced bracket: %d %s", r.Status, r.Body)
	}
	r = a.Do(t, "POST", "/v1/customers", "name="+strings.Repeat("x", 2<<20), nil)
	if e := r.Error(t); r.Status != 400 || !strings.Contains(e["message"].(string), "larger") {
		t.Errorf("2 MiB body: %d %v", r.Status, e)
	}
	// Arrays in both forms and params in the query string of a DELETE are accepted.
	r = a.Do(t, "GET", "/v1/customers/"+c.ID+"?expand[]=test_clock", "", nil)
	if r.Status != 200 {
		t.Errorf("expand[]=: %d %s", r.Status, r.Body)
	}
	r = a.Do(t, "GET", "/v1/customers/"+c.ID+"?expand[0]=test_clock", "", nil)
	if r.Status != 200 {
		t.Errorf("expand[0]=: %d %s", r.Status, r.Body)
	}
	r = a.Do(t, "GET", "/v1/customers/"+c.ID+"?expand[1]=test_clock", "", nil)
	if r.Status != 400 {
		t.Errorf("expand[1]= without expand[0]: %d %s", r.Status, r.Body)
	}

	if n := len(customerIDs(t, a, nil)); n != 1 {
		t.Errorf("bad requests created customers: %d, want 1", n)
	}
	if n := eventCount(t, a); n != 1 {
		t.Errorf("bad requests emitted events: %d, want 1", n)
	}
}

// TestTenantIsolation checks that another account's id answers exactly like
// an id that does not exist, for reads, writes and deletes.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, envOptions{})
	s, a, ctx := e.srv, e.acct, e.ctx
	b := s.NewAccount(t)
	mine := mustCustomer(t, a, &stripe.CustomerCreateParams{Email: stripe.String("mine@example.com")})
	missing := "cus_" + strings.Repeat("Z", len(mine.ID)-4)

	normalise := func(r *kontortest.Response, id string) map[string]any {
		e := r.Error(t)
		e["message"] = strings.ReplaceAll(e["message"].(string), id, "ID")
		return e
	}
	for _, tc := range []struct{ method, body string }{{"GET", ""}, {"POST", "name=x"}, {"DELETE", ""}} {
		other := b.Do(t, tc.method, "/v1/customers/"+mine.ID, tc.body, nil)
		none := b.Do(t, tc.method, "/v1/customers/"+missing, tc.body, nil)
		if other.Status != 404 || none.Status != 404 {
			t.Errorf("%s: other account %d, missing %d", tc.method, other.Status, none.Status)
		}
		oe, ne := normalise(other, mine.ID), normalise(none, missing)
		if len(oe) != len(ne) {
			t.Errorf("%s: error shapes differ: %v vs %v", tc.method, oe, ne)
		}
		for k, v := range ne {
			if oe[k] != v {
				t.Errorf("%s: %s = %v for another account's id, %v for a missing id", tc.method, k, oe[k], v)
			}
		}
	}
	// b's lists do not show a's customer; a's customer is untouched.
	if ids := customerIDs(t, b, nil); len(ids) != 0 {
		t.Errorf("account b lists %v", ids)
	}
	got, err := a.Client.V1Customers.Retrieve(ctx, mine.ID, nil)
	if err != nil || got.Deleted || got.Name != "" {
		t.Errorf("a's customer after b's attempts: %+v %v", got, err)
	}
	// Events and cursors are sealed too.
	evs := a.Client.V1Events.List(ctx, &stripe.EventListParams{ListParams: stripe.ListParams{Single: true}})
	if len(evs.Data()) == 0 {
		t.Fatal("a has no events")
	}
	_, err = b.Client.V1Events.Retrieve(ctx, evs.Data()[0].ID, nil)
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	r := b.Do(t, "GET", "/v1/customers?starting_after="+mine.ID, "", nil)
	if r.Status != 400 {
		t.Errorf("b paging after a's customer: %d %s", r.Status, r.Body)
	}
	_, err = b.Client.V1Customers.Create(ctx, &stripe.CustomerCreateParams{TestClock: stripe.String("clock_x")})
	stripeErr(t, err, http.StatusBadRequest, "", stripe.ErrorCodeResourceMissing)
}

func TestStrictKeys(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{StrictKeys: true})
	_, err := s.NewClient(kontortest.NewKey()).V1Customers.Create(t.Context(), nil)
	se := stripeErr(t, err, http.StatusUnauthorized, stripe.ErrorTypeInvalidRequest, "")
	if !strings.Contains(se.Msg, "Invalid API Key") {
		t.Errorf("message %q", se.Msg)
	}
	na, err := s.Srv.Engine().CreateAccount(t.Context(), "Acme GmbH")
	if err != nil {
		t.Fatal(err)
	}
	sc := s.NewClient(na.SecretKey)
	if _, err := sc.V1Customers.Create(t.Context(), nil); err != nil {
		t.Errorf("a created account's key: %v", err)
	}
	acct, err := sc.V1Accounts.Retrieve(t.Context(), nil)
	if err != nil || acct.ID != na.Account.ID || acct.BusinessProfile == nil || acct.BusinessProfile.Name != "Acme GmbH" {
		t.Errorf("account: %v %+v", err, acct)
	}
	if na.PublishableKey != "pk_"+strings.TrimPrefix(na.SecretKey, "sk_") {
		t.Errorf("publishable key %q is not the secret key's twin", na.PublishableKey)
	}
}
