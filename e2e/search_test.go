package e2e

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/stripe/stripe-go/v85"
)

// TestSearch drives /v1/customers/search, /v1/charges/search and
// /v1/payment_intents/search with stripe-go: the query language, paging
// with next_page through the client's iterator, Stripe's errors for bad
// queries, and accounts sealed from each other.
func TestSearch(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	sc, ctx := a.Client, t.Context()
	clk, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(1767225600)})
	if err != nil {
		t.Fatal(err)
	}
	people := []struct{ email, name, order string }{
		{"jenny@example.com", "Jenny Rosen", "1"}, {"max@example.com", "Max Mustermann", "2"}, {"anna@example.org", "Anna Berger", "3"},
	}
	var ids []string
	for _, p := range people {
		src, err := sc.V1Sources.Create(ctx, sepaDebitParams("DE89370400440532013000", p.name))
		if err != nil {
			t.Fatal(err)
		}
		params := &stripe.CustomerCreateParams{Email: stripe.String(p.email), Name: stripe.String(p.name), Source: stripe.String(src.ID),
			TestClock: stripe.String(clk.ID)}
		params.AddMetadata("order", p.order)
		cus, err := sc.V1Customers.Create(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cus.ID)
	}
	search := func(query string, limit int64) []string {
		t.Helper()
		var got []string
		p := &stripe.CustomerSearchParams{SearchParams: stripe.SearchParams{Query: query}}
		if limit > 0 {
			p.Limit = stripe.Int64(limit)
		}
		for c, err := range sc.V1Customers.Search(ctx, p).All(ctx) {
			if err != nil {
				t.Fatalf("search %q: %v", query, err)
			}
			got = append(got, c.ID)
		}
		return got
	}
	newestFirst := []string{ids[2], ids[1], ids[0]}
	for query, want := range map[string][]string{
		`email:"jenny@example.com"`:                      {ids[0]},
		`name~"muster"`:                                  {ids[1]},
		`-email:"jenny@example.com"`:                     {ids[2], ids[1]},
		`metadata["order"]:"2"`:                          {ids[1]},
		`email~"example.com" OR name:"anna berger"`:      newestFirst,
		`email~"example.com" AND -metadata["order"]:"1"`: {ids[1]},
		`created>0`:                  newestFirst,
		`email:"nobody@example.com"`: nil,
		`created<` + strconv.FormatInt(clk.FrozenTime-1, 10): nil,
	} {
		if got := search(query, 0); !slices.Equal(got, want) {
			t.Errorf("search %q = %v, want %v", query, got, want)
		}
	}
	// Pages of one follow next_page to the end, newest first.
	if got := search(`email~"example"`, 1); !slices.Equal(got, newestFirst) {
		t.Errorf("paged search = %v, want %v", got, newestFirst)
	}
	var page struct {
		Object   string  `json:"object"`
		HasMore  bool    `json:"has_more"`
		NextPage *string `json:"next_page"`
		URL      string  `json:"url"`
		Data     []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(a.Do(t, "GET", "/v1/customers/search?limit=2&query="+url.QueryEscape(`email~"example"`), "", nil).Body, &page); err != nil {
		t.Fatal(err)
	}
	if page.Object != "search_result" || !page.HasMore || page.NextPage == nil || page.URL != "/v1/customers/search" || len(page.Data) != 2 {
		t.Errorf("first page: %+v", page)
	}

	// Charges and PaymentIntents.
	var charges []string
	for i, amount := range []int64{500, 1500, 2500} {
		p := &stripe.ChargeCreateParams{Amount: stripe.Int64(amount), Currency: stripe.String("eur"), Customer: stripe.String(ids[i])}
		p.AddMetadata("kind", map[bool]string{true: "big", false: "small"}[amount > 1000])
		ch, err := sc.V1Charges.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		charges = append(charges, ch.ID)
	}
	for query, want := range map[string][]string{
		`amount>1000 AND currency:"eur"`:              {charges[2], charges[1]},
		`customer:"` + ids[0] + `"`:                   {charges[0]},
		`status:"pending" AND metadata["kind"]:"big"`: {charges[2], charges[1]},
		`refunded:"true"`:                             nil,
		`amount>=500 AND amount<=1500`:                {charges[1], charges[0]},
	} {
		var got []string
		for ch, err := range sc.V1Charges.Search(ctx, &stripe.ChargeSearchParams{SearchParams: stripe.SearchParams{Query: query}}).All(ctx) {
			if err != nil {
				t.Fatalf("charge search %q: %v", query, err)
			}
			got = append(got, ch.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("charge search %q = %v, want %v", query, got, want)
		}
	}
	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}})
	if err != nil {
		t.Fatal(err)
	}
	var pis []string
	for p, err := range sc.V1PaymentIntents.Search(ctx, &stripe.PaymentIntentSearchParams{SearchParams: stripe.SearchParams{
		Query: `amount:1099 AND status:"requires_payment_method"`}}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		pis = append(pis, p.ID)
	}
	if !slices.Equal(pis, []string{pi.ID}) {
		t.Errorf("payment intent search = %v, want %s", pis, pi.ID)
	}

	// Bad queries answer Stripe's error and name the parameter.
	for query, want := range map[string]string{
		"asdf":                               "We were unable to parse your search query.",
		`foo:"bar"`:                          "Field `foo` is an unsupported search field for resource `customers`.",
		`email:"a" AND name:"b" OR name:"c"`: "AND and OR cannot be combined",
	} {
		err := sc.V1Customers.Search(ctx, &stripe.CustomerSearchParams{SearchParams: stripe.SearchParams{Query: query}}).Err()
		var se *stripe.Error
		if !errors.As(err, &se) || se.HTTPStatusCode != 400 || se.Param != "query" || !strings.Contains(se.Msg, want) ||
			se.DocURL == "" {
			t.Errorf("search %q: %v, want 400 on query saying %q", query, err, want)
		}
	}
	resp := a.Do(t, "GET", "/v1/customers/search?limit=1", "", nil)
	if resp.Status != 400 || !strings.Contains(string(resp.Body), "Missing required param: query.") {
		t.Errorf("no query: %d %s", resp.Status, resp.Body)
	}
	resp = a.Do(t, "GET", "/v1/customers/search?query=created%3E0&page=garbage", "", nil)
	if resp.Status != 400 || !strings.Contains(string(resp.Body), `"param":"page"`) {
		t.Errorf("bad page: %d %s", resp.Status, resp.Body)
	}

	// Another account finds none of these.
	other := s.NewAccount(t)
	if err := other.Client.V1Customers.Search(ctx, &stripe.CustomerSearchParams{SearchParams: stripe.SearchParams{Query: `email:"jenny@example.com"`}}).Err(); err != nil {
		t.Fatal(err)
	}
	for c, err := range other.Client.V1Customers.Search(ctx, &stripe.CustomerSearchParams{SearchParams: stripe.SearchParams{Query: `created>0`}}).All(ctx) {
		t.Errorf("another account found %v %v", c, err)
	}
}
