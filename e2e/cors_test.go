package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestCrossOrigin: a page on another origin may call the API as it may call
// Stripe's: preflights are answered without a key, every answer carries
// Stripe's CORS headers, and the publishable key creates payment methods and
// sources (and nothing that needs the secret key).
func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	const shop = "http://shop.example:8080"

	req, _ := http.NewRequest(http.MethodOptions, s.URL+"/v1/payment_methods", nil)
	req.Header.Set("Origin", shop)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, stripe-version")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != shop ||
		h.Get("Access-Control-Allow-Headers") != "authorization, content-type, stripe-version" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || h.Get("Access-Control-Allow-Credentials") != "true" ||
		h.Get("Access-Control-Max-Age") != "300" {
		t.Errorf("preflight: %d %v", resp.StatusCode, h)
	}

	// Without an Origin (a server), any origin is allowed. (This secret-key
	// request also provisions the account behind the publishable key.)
	if r := a.Do(t, "GET", "/v1/balance", "", nil); r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no Origin: %v", r.Header)
	}
	pk := map[string]string{"Authorization": "Bearer " + a.PublishableKey, "Origin": shop}
	pm := a.Do(t, "POST", "/v1/payment_methods", "type=sepa_debit&sepa_debit[iban]=DE89370400440532013000&billing_details[name]=Jenny+Rosen", pk)
	if pm.Status != http.StatusOK || !strings.HasPrefix(pm.JSON(t)["id"].(string), "pm_") {
		t.Fatalf("publishable payment method: %d %s", pm.Status, pm.Body)
	}
	if pm.Header.Get("Access-Control-Allow-Origin") != shop || !strings.Contains(pm.Header.Get("Access-Control-Expose-Headers"), "Request-Id") {
		t.Errorf("actual response headers: %v", pm.Header)
	}
	if r := a.Do(t, "POST", "/v1/payment_methods", "type=sepa_debit&sepa_debit[iban]=DE89370400440532013000&customer=cus_x", pk); r.Status != http.StatusBadRequest {
		t.Errorf("publishable payment method for a customer: %d %s", r.Status, r.Body)
	}
	src := a.Do(t, "POST", "/v1/sources", "type=sepa_debit&currency=eur&sepa_debit[iban]=DE89370400440532013000&owner[name]=Jenny+Rosen", pk)
	if src.Status != http.StatusOK {
		t.Errorf("publishable source: %d %s", src.Status, src.Body)
	}
	// What needs the secret key still does, with the CORS headers on the refusal too.
	r := a.Do(t, "GET", "/v1/customers", "", pk)
	if r.Status != http.StatusUnauthorized || r.Error(t)["code"] != "secret_key_required" || r.Header.Get("Access-Control-Allow-Origin") != shop {
		t.Errorf("publishable list of customers: %d %v %s", r.Status, r.Header, r.Body)
	}
}
