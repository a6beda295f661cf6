package e2e

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// TestHostedPagesLinkAppSchemes revisits decided pages whose merchant URLs
// are app URIs: the Sofort page's "Return to the merchant" and the finished
// Checkout page's "Continue" link point at myapp://…, not at #ZgotmplZ.
func TestHostedPagesLinkAppSchemes(t *testing.T) {
	e := newEnv(t, payments)
	p := sofortParams(1099)
	p.Redirect.ReturnURL = stripe.String("myapp://done")
	s := e.createSource(p)
	res := submitSofortPage(t, e.srv.URL, s.Redirect.URL, "authorize")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "myapp://done?") {
		t.Fatalf("POST authorize: %d %q", res.status, res.location)
	}
	pg := fetchPage(t, http.MethodGet, s.Redirect.URL, nil)
	if want := `href="` + html.EscapeString(res.location) + `"`; !strings.Contains(pg.body, want) || strings.Contains(pg.body, "ZgotmplZ") {
		t.Errorf("decided Sofort page lacks %s:\n%s", want, pg.body)
	}

	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, CustomerEmail: stripe.String("app@example.com"),
		SuccessURL: stripe.String("myapp://ok?cs={CHECKOUT_SESSION_ID}"), CancelURL: stripe.String("myapp://cancel")})
	if err != nil {
		t.Fatal(err)
	}
	open := fetchPage(t, http.MethodGet, cs.URL, nil)
	if !strings.Contains(open.body, `href="myapp://cancel"`) || strings.Contains(open.body, "ZgotmplZ") {
		t.Errorf("open Checkout page lacks the cancel link:\n%s", open.body)
	}
	done := checkoutSubmit(t, cs.URL, url.Values{"payment_method": {"sepa_debit"}, "iban": {"AT611904300234573201"}, "name": {"Anna Berger"}})
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "myapp://ok?cs="+cs.ID {
		t.Fatalf("submit: %d %q", done.StatusCode, done.Header.Get("Location"))
	}
	pg = fetchPage(t, http.MethodGet, cs.URL, nil)
	if want := `href="myapp://ok?cs=` + cs.ID + `"`; !strings.Contains(pg.body, want) || strings.Contains(pg.body, "ZgotmplZ") {
		t.Errorf("completed Checkout page lacks %s:\n%s", want, pg.body)
	}
}
