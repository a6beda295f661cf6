package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAbsoluteURLsIgnoreHost sends every request that hands out an absolute
// URL with a forged Host header: the Stripe dialect's hosted page URLs, the
// Checkout page's way back from the Sofort page and the Checkout.com
// dialect's links all stay on the server's configured URL.
func TestAbsoluteURLsIgnoreHost(t *testing.T) {
	e := newEnv(t, payments)
	const evil = "evil.example:8080"
	res := e.acct.Do(t, "POST", "/v1/checkout/sessions", url.Values{"mode": {"payment"}, "payment_method_types[]": {"sofort"},
		"line_items[0][price_data][currency]": {"eur"}, "line_items[0][price_data][unit_amount]": {"1500"},
		"line_items[0][price_data][product_data][name]": {"Ticket"}, "line_items[0][quantity]": {"1"},
		"success_url": {"https://shop.example/paid"}}.Encode(), map[string]string{"Host": evil})
	cs := jsonObj(t, res)
	pageURL, _ := cs["url"].(string)
	if !strings.HasPrefix(pageURL, e.srv.URL+"/hosted/checkout/") {
		t.Fatalf("session url = %q, want it under %s", pageURL, e.srv.URL)
	}

	// The payer's browser posts the Checkout form with the forged Host.
	req, _ := http.NewRequest("POST", pageURL, strings.NewReader(url.Values{"payment_method": {"sofort"}, "country": {"DE"}, "name": {"Max Mustermann"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = evil
	resp, err := pageClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	next := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(next, "/hosted/authorize/") {
		t.Fatalf("submit: %d %q", resp.StatusCode, next)
	}
	back := submitSofortPage(t, e.srv.URL, e.srv.URL+next, "authorize")
	if back.status != http.StatusSeeOther || !strings.HasPrefix(back.location, e.srv.URL+"/hosted/checkout/") || strings.Contains(back.location, "evil.example") {
		t.Fatalf("way back from the Sofort page: %d %q, want it under %s", back.status, back.location, e.srv.URL)
	}

	cko := e.srv.Do(t, "POST", "/webhooks", `{"url":"https://shop.example/hooks","event_types":["payment_approved"]}`,
		map[string]string{"Host": evil, "Authorization": newCkoKey(), "Content-Type": "application/json"})
	var hook struct {
		Links map[string]struct{ Href string } `json:"_links"`
	}
	if err := json.Unmarshal(cko.Body, &hook); err != nil || cko.Status != http.StatusCreated {
		t.Fatalf("register webhook: %d %s", cko.Status, cko.Body)
	}
	if self := hook.Links["self"].Href; !strings.HasPrefix(self, e.srv.URL+"/webhooks/") {
		t.Errorf("Checkout.com link = %q, want it under %s", self, e.srv.URL)
	}
}
