package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// Helpers of the PaymentMethod-era tests (PaymentIntents, SetupIntents,
// Checkout). Their names start with what they act on to keep clear of the
// Sources tests' helpers.

// intentsT0 is the frozen time test clocks of these tests start at (2026-03-02, a Monday).
const intentsT0 = int64(1772409600)

// onlineAcceptance is mandate_data for a customer who accepted the mandate online.
func onlineAcceptance() *stripe.PaymentIntentCreateMandateDataParams {
	return &stripe.PaymentIntentCreateMandateDataParams{CustomerAcceptance: &stripe.PaymentIntentCreateMandateDataCustomerAcceptanceParams{
		Type: stripe.String("online"),
		Online: &stripe.PaymentIntentCreateMandateDataCustomerAcceptanceOnlineParams{
			IPAddress: stripe.String("203.0.113.7"), UserAgent: stripe.String("Mozilla/5.0 (kontor e2e)")},
	}}
}

// sepaPI creates and confirms a SEPA Direct Debit PaymentIntent of 10.99 EUR
// paid from iban with an online mandate, for customer ("" for none).
func sepaPI(t *testing.T, a *kontortest.Account, customer, iban string) *stripe.PaymentIntent {
	t.Helper()
	p := &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(1099), Currency: stripe.String("eur"), Confirm: stripe.Bool(true),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")},
		PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{Type: stripe.String("sepa_debit"),
			SEPADebit: &stripe.PaymentMethodSEPADebitParams{IBAN: stripe.String(iban)},
			BillingDetails: &stripe.PaymentIntentCreatePaymentMethodDataBillingDetailsParams{
				Name: stripe.String("Jenny Rosen"), Email: stripe.String("jenny@example.com")}},
		MandateData: onlineAcceptance(),
	}
	if customer != "" {
		p.Customer = stripe.String(customer)
	}
	pi, err := a.Client.V1PaymentIntents.Create(t.Context(), p)
	if err != nil {
		t.Fatalf("create SEPA Direct Debit PaymentIntent from %s: %v", iban, err)
	}
	return pi
}

// piWait polls the PaymentIntent until its status is status and returns it.
func piWait(t *testing.T, a *kontortest.Account, id, status string, expand ...string) *stripe.PaymentIntent {
	t.Helper()
	var pi *stripe.PaymentIntent
	kontortest.Eventually(t, "PaymentIntent "+id+" to be "+status, func() bool {
		p := &stripe.PaymentIntentRetrieveParams{}
		for _, e := range expand {
			p.AddExpand(e)
		}
		var err error
		if pi, err = a.Client.V1PaymentIntents.Retrieve(t.Context(), id, p); err != nil {
			t.Fatalf("retrieve %s: %v", id, err)
		}
		return string(pi.Status) == status
	})
	return pi
}

// clockCustomer creates a test clock at intentsT0 and a customer bound to it.
func clockCustomer(t *testing.T, a *kontortest.Account) (clockID string, c *stripe.Customer) {
	t.Helper()
	clk, err := a.Client.V1TestHelpersTestClocks.Create(t.Context(), &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(intentsT0)})
	if err != nil {
		t.Fatalf("create test clock: %v", err)
	}
	return clk.ID, mustCustomer(t, a, &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID),
		Email: stripe.String("clocked@example.com"), Name: stripe.String("Clocked Customer")})
}

// noRedirects is an HTTP client that hands back redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// sofortDecide answers the hosted Sofort authorisation page at pageURL
// without a browser, by submitting its form as a browser would: approve
// presses "Authorize test payment", otherwise "Fail test payment". It
// returns the URL the page redirects the payer to.
func sofortDecide(t *testing.T, pageURL string, approve bool) *url.URL {
	t.Helper()
	resp, err := http.Get(pageURL)
	if err != nil {
		t.Fatalf("GET authorisation page: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET authorisation page: %d", resp.StatusCode)
	}
	decision := "fail"
	if approve {
		decision = "authorize"
	}
	resp, err = noRedirects.PostForm(pageURL, url.Values{"decision": {decision}})
	if err != nil {
		t.Fatalf("POST authorisation page: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST authorisation page: %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("redirect Location: %v", err)
	}
	return loc
}

// hasPrefixes reports whether s starts with one of the prefixes.
func hasPrefixes(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
