package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// checkoutSubmit posts the hosted Checkout form as a browser without
// JavaScript would and returns the response (redirects not followed).
func checkoutSubmit(t *testing.T, pageURL string, form url.Values) *http.Response {
	t.Helper()
	resp, err := noRedirects.PostForm(pageURL, form)
	if err != nil {
		t.Fatalf("POST Checkout page: %v", err)
	}
	resp.Body.Close()
	return resp
}

// TestCheckoutSetupSEPADebitForm sets SEPA Direct Debit up on the hosted
// page (over plain HTTP): the session completes at once with a succeeded
// SetupIntent and a multi-use mandate.
func TestCheckoutSetupSEPADebitForm(t *testing.T) {
	e := newEnv(t, payments)
	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, CustomerEmail: stripe.String("new@example.com"),
		SuccessURL: stripe.String("https://shop.example/ok?cs={CHECKOUT_SESSION_ID}")})
	if err != nil {
		t.Fatal(err)
	}
	resp := checkoutSubmit(t, cs.URL, url.Values{"payment_method": {"sepa_debit"}, "iban": {"AT61 1904 3002 3457 3201"}, "name": {"Anna Berger"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://shop.example/ok?cs="+cs.ID {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	done := e.event("checkout.session.completed", cs.ID)
	siID, _ := done.Data.Object["setup_intent"].(string)
	p := &stripe.SetupIntentRetrieveParams{}
	p.AddExpand("mandate")
	si, err := e.sc.V1SetupIntents.Retrieve(e.ctx, siID, p)
	if err != nil {
		t.Fatal(err)
	}
	if si.Status != "succeeded" || si.Mandate == nil || si.Mandate.Type != "multi_use" || si.Customer == nil {
		t.Fatalf("SetupIntent: %+v", si)
	}
	// Setup mode without a customer creates one, with the session's e-mail.
	cus, err := e.sc.V1Customers.Retrieve(e.ctx, si.Customer.ID, nil)
	if err != nil || cus.Email != "new@example.com" || cus.Name != "Anna Berger" {
		t.Errorf("customer: %v %+v", err, cus)
	}
	if got := e.eventsOf(cs.ID); len(got) != 1 {
		t.Errorf("session events = %v, want one checkout.session.completed", got)
	}
	// Submitting again changes nothing: the page says the checkout is complete.
	resp = checkoutSubmit(t, cs.URL, url.Values{"payment_method": {"sepa_debit"}, "iban": {"AT611904300234573201"}, "name": {"Anna Berger"}})
	if resp.StatusCode == http.StatusSeeOther {
		t.Errorf("a second submission was accepted")
	}
}

// TestCheckoutPaymentFailsAsync pays a payment-mode session from the
// failing test IBAN: the session completes, then the debit fails and
// checkout.session.async_payment_failed follows.
func TestCheckoutPaymentFailsAsync(t *testing.T) {
	e := newEnv(t, payments)
	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("payment"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String("https://shop.example/ok"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
			Currency: stripe.String("eur"), UnitAmount: stripe.Int64(990),
			ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Book")}}, Quantity: stripe.Int64(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	// Missing name and a malformed IBAN are both named at once; nothing changes.
	pageResp, err := http.PostForm(cs.URL, url.Values{"payment_method": {"sepa_debit"}, "iban": {"DE89"}, "email": {"not an address"}})
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, pageResp)
	if pageResp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="iban-error"`) || !strings.Contains(body, `id="name-error"`) ||
		!strings.Contains(body, `id="email-error"`) || !strings.Contains(body, `value="DE89"`) {
		t.Errorf("form errors: %d\n%s", pageResp.StatusCode, body)
	}
	if s, _ := e.sc.V1CheckoutSessions.Retrieve(e.ctx, cs.ID, nil); s.PaymentIntent != nil {
		t.Errorf("refused form created %s", s.PaymentIntent.ID)
	}
	resp := checkoutSubmit(t, cs.URL, url.Values{"payment_method": {"sepa_debit"}, "iban": {"DE62370400440532013001"}, "name": {"Jenny Rosen"},
		"email": {"jenny@example.com"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	e.event("checkout.session.completed", cs.ID)
	failed := e.event("checkout.session.async_payment_failed", cs.ID)
	if failed.Data.Object["payment_status"] != "unpaid" {
		t.Errorf("payment_status %v", failed.Data.Object["payment_status"])
	}
	piID, _ := failed.Data.Object["payment_intent"].(string)
	pi := piWait(t, e.acct, piID, "requires_payment_method")
	if pi.LastPaymentError == nil || pi.LastPaymentError.Code != "account_closed" {
		t.Errorf("last_payment_error %+v", pi.LastPaymentError)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
