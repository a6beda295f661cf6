package stripejs_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestScript: /v3/, /v3 and /v3/stripe.js answer the script with the
// server's public URL in it, as JavaScript.
func TestScript(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	for _, path := range []string{"/v3/", "/v3", "/v3/stripe.js"} {
		resp, body := get(t, s.URL+path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d %v", path, resp.StatusCode, resp.Header)
		}
		if !strings.Contains(body, `var API = "`+s.URL+`";`) || strings.Contains(body, "__KONTOR_API__") || !strings.Contains(body, "window.Stripe = Stripe") {
			t.Errorf("%s: the script does not call %s:\n%.300s", path, s.URL, body)
		}
	}
	if resp, _ := get(t, s.URL+"/v3/other.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/v3/other.js: %d", resp.StatusCode)
	}
}

// TestRedirectToCheckout: GET /v3/checkout/{id}?key=pk_… sends the payer to
// the session's hosted page; without a publishable key, with an unknown
// one, for an unknown session or another account's, it answers a page
// saying so.
func TestRedirectToCheckout(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	other := s.NewAccount(t)
	cs, err := a.Client.V1CheckoutSessions.Create(t.Context(), &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String("https://shop.example/ok")})
	if err != nil {
		t.Fatal(err)
	}
	// The other account's first secret-key request provisions its publishable key too.
	if _, err := other.Client.V1Customers.Create(t.Context(), &stripe.CustomerCreateParams{}); err != nil {
		t.Fatal(err)
	}
	at := func(id, key string) string {
		return s.URL + "/v3/checkout/" + id + "?" + url.Values{"key": {key}}.Encode()
	}
	if resp, _ := get(t, at(cs.ID, a.PublishableKey)); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != cs.URL {
		t.Fatalf("redirect: %d %s, want %s", resp.StatusCode, resp.Header.Get("Location"), cs.URL)
	}
	for _, c := range []struct {
		name, id, key string
		status        int
	}{
		{"no key", cs.ID, "", http.StatusBadRequest},
		{"a secret key", cs.ID, a.Key, http.StatusBadRequest},
		{"an unknown publishable key", cs.ID, "pk_test_nope", http.StatusUnauthorized},
		{"an unknown session", "cs_test_nope", a.PublishableKey, http.StatusNotFound},
		{"another account's session", cs.ID, other.PublishableKey, http.StatusNotFound},
	} {
		resp, body := get(t, at(c.id, c.key))
		if resp.StatusCode != c.status || resp.Header.Get("Location") != "" || !strings.Contains(body, `<h1 id="problem">`) {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
		}
		if c.key != "" && strings.Contains(body, c.key) {
			t.Errorf("%s: the page repeats the key", c.name)
		}
	}
}
