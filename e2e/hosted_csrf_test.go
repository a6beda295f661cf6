package e2e

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// postAs posts form to pageURL with the headers a browser would add.
func postAs(t *testing.T, pageURL string, form url.Values, header map[string]string) hostedPage {
	t.Helper()
	req, _ := http.NewRequest("POST", pageURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := pageClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return hostedPage{status: resp.StatusCode, header: resp.Header, body: string(b), location: resp.Header.Get("Location")}
}

// TestHostedFormsRefuseCrossSitePosts posts the Sofort and Checkout forms
// as another site's page would make the payer's browser post them: each is
// refused with 403 and decides nothing; the same post from the page itself
// goes through.
func TestHostedFormsRefuseCrossSitePosts(t *testing.T) {
	e := newEnv(t, payments)
	crossSite := []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.example"},
		{"Origin": "https://evil.example"}, // a browser without Sec-Fetch-Site
	}
	s := e.createSource(sofortParams(1099))
	decide := url.Values{"client_secret": {s.ClientSecret}, "decision": {"authorize"}}
	for _, h := range crossSite {
		pg := postAs(t, s.Redirect.URL, decide, h)
		if pg.status != http.StatusForbidden || !strings.Contains(html.UnescapeString(pg.body), "sent from another site") {
			t.Errorf("Sofort post with %v: %d %s", h, pg.status, pg.body)
		}
	}
	if got := e.source(s.ID); got.Status != stripe.SourceStatusPending {
		t.Fatalf("a refused post decided the source: %s", got.Status)
	}
	if pg := postAs(t, s.Redirect.URL, decide, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "null"}); pg.status != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d %s", pg.status, pg.body)
	}
	e.waitSource(s.ID, stripe.SourceStatusChargeable)

	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, CustomerEmail: stripe.String("csrf@example.com"),
		SuccessURL: stripe.String("https://shop.example/ok")})
	if err != nil {
		t.Fatal(err)
	}
	pay := url.Values{"payment_method": {"sepa_debit"}, "iban": {"AT611904300234573201"}, "name": {"Anna Berger"}}
	for _, h := range crossSite {
		if pg := postAs(t, cs.URL, pay, h); pg.status != http.StatusForbidden {
			t.Errorf("Checkout post with %v: %d", h, pg.status)
		}
	}
	if got, _ := e.sc.V1CheckoutSessions.Retrieve(e.ctx, cs.ID, nil); got.Status != "open" {
		t.Fatalf("a refused post completed the session: %s", got.Status)
	}
	u, _ := url.Parse(e.srv.URL)
	if pg := postAs(t, cs.URL, pay, map[string]string{"Origin": "http://" + u.Host}); pg.status != http.StatusSeeOther {
		t.Fatalf("same-origin Checkout post: %d %s", pg.status, pg.body)
	}
}
