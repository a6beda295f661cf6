package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// shopPage is a merchant's payment page on its own origin, loading Kontor's
// Stripe.js from /v3/ in place of js.stripe.com. Each shop.* function is one
// thing a shop does with Stripe.js; the test calls them as the shop's own
// buttons would.
var shopPage = template.Must(template.New("shop").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kontor test shop</title>
<script src="{{.Kontor}}/v3/"></script></head>
<body><h1>Kontor test shop</h1>
<form id="pay" onsubmit="return false">
<label>Name <input id="name" value="Jenny Rosen"></label>
<label>E-mail <input id="email" value="jenny.rosen@example.com"></label>
<label for="iban-element">IBAN</label><div id="iban-element"></div>
<p id="iban-state" role="status"></p>
</form>
<script>
var stripe = Stripe({{.Key}});
var elements = stripe.elements();
var iban = elements.create('iban', {supportedCountries: ['SEPA'], placeholderCountry: 'DE'});
iban.mount('#iban-element');
var changes = [];
iban.on('change', function (e) {
  changes.push(e);
  document.getElementById('iban-state').textContent = e.complete ? 'complete' : (e.error ? e.error.message : '');
});
function billing() {
  return {name: document.getElementById('name').value, email: document.getElementById('email').value};
}
function returnURL() { return location.origin + '/return'; }
window.shop = {
  lastChange: function () { return changes[changes.length - 1] || null; },
  sameElement: function () { return elements.getElement('iban') === iban; },
  createPaymentMethod: function () {
    return stripe.createPaymentMethod({type: 'sepa_debit', sepa_debit: iban, billing_details: billing()});
  },
  createPaymentMethodLegacy: function () {
    return stripe.createPaymentMethod('sepa_debit', iban, {billing_details: billing()});
  },
  createSource: function () {
    return stripe.createSource(iban, {type: 'sepa_debit', currency: 'eur', owner: billing(), mandate: {notification_method: 'none'}});
  },
  retrieveSource: function (id, secret) { return stripe.retrieveSource({id: id, client_secret: secret}); },
  confirmSepaDebitPayment: function (secret) {
    return stripe.confirmSepaDebitPayment(secret, {payment_method: {sepa_debit: iban, billing_details: billing()}});
  },
  confirmSepaDebitSetup: function (secret) {
    return stripe.confirmSepaDebitSetup(secret, {payment_method: {sepa_debit: iban, billing_details: billing()}});
  },
  confirmSofortPayment: function (secret, handleActions) {
    return stripe.confirmSofortPayment(secret, {payment_method: {sofort: {country: 'DE'}, billing_details: billing()}, return_url: returnURL()},
      {handleActions: handleActions});
  },
  confirmSofortSetup: function (secret, handleActions) {
    return stripe.confirmSofortSetup(secret, {payment_method: {sofort: {country: 'DE'}, billing_details: billing()}, return_url: returnURL()},
      {handleActions: handleActions});
  },
  redirectToCheckout: function (id) { stripe.redirectToCheckout({sessionId: id}); return true; },
  throws: function (f) {
    try { f(); return null; } catch (e) { return {name: e.name, message: e.message}; }
  },
};
</script></body></html>
`))

// jsCall evaluates a shop function in the page, waits for its promise and
// returns the result as JSON-decoded values.
func jsCall(t *testing.T, ctx context.Context, expr string) map[string]any {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s answered %s: %v", expr, raw, err)
	}
	return out
}

// jsError returns the error of a Stripe.js result, failing if it has none.
func jsError(t *testing.T, what string, res map[string]any) map[string]any {
	t.Helper()
	e, ok := res["error"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no error in %v", what, res)
	}
	if len(res) != 1 {
		t.Errorf("%s: an error result with more than the error: %v", what, res)
	}
	return e
}

// jsObject returns the named object of a Stripe.js result, failing on an error.
func jsObject(t *testing.T, what, name string, res map[string]any) map[string]any {
	t.Helper()
	o, ok := res[name].(map[string]any)
	if !ok {
		t.Fatalf("%s: no %s in %v", what, name, res)
	}
	return o
}

// TestStripeJSInChromium loads Kontor's Stripe.js from a shop on another
// origin in real Chromium and uses every function of it: the iban Element,
// payment methods and sources, SEPA Direct Debit and Sofort confirmations of
// PaymentIntents and SetupIntents (Sofort through the bank's page and back),
// redirectToCheckout, and the errors Stripe.js gives for a bad IBAN, wrong
// client secrets and wrong use.
func TestStripeJSInChromium(t *testing.T) {
	e := newEnv(t, payments)
	sh := newShop(t)
	var page bytes.Buffer
	if err := shopPage.Execute(&page, struct{ Kontor, Key string }{e.srv.URL, e.acct.PublishableKey}); err != nil {
		t.Fatal(err)
	}
	sh.servePage("/pay", page.Bytes())
	ctx := browser(t)
	open := func(u string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(`#iban-element input`)); err != nil {
			t.Fatalf("open the shop: %v", err)
		}
	}
	typeIBAN := func(iban string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`iban.clear(), true`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SendKeys(`#iban-element input`, iban)); err != nil {
			t.Fatalf("type the IBAN: %v", err)
		}
	}
	open(sh.URL + "/pay")

	// Wrong use throws IntegrationError, as Stripe.js does.
	for expr, want := range map[string]string{
		`shop.throws(function () { Stripe('sk_test_123'); })`:                              "secret key",
		`shop.throws(function () { stripe.confirmSepaDebitPayment('pi_123'); })`:           "clientSecret",
		`shop.throws(function () { stripe.createSource({currency: 'eur'}); })`:             "type",
		`shop.throws(function () { elements.create('card'); })`:                            "iban Element only",
		`shop.throws(function () { stripe.redirectToCheckout({}); })`:                      "sessionId",
		`shop.throws(function () { stripe.retrieveSource({id: 'src_1'}); })`:               "client_secret",
		`shop.throws(function () { elements.create('iban'); })`:                            "one Element",
		`shop.throws(function () { stripe.confirmSofortSetup('pi_1_secret_2', {}); })`:     "clientSecret",
		`shop.throws(function () { stripe.elements().create('iban').mount('#nowhere'); })`: "#nowhere",
	} {
		res, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](expr))
		if err != nil || res["name"] != "IntegrationError" || !strings.Contains(fmt.Sprint(res["message"]), want) {
			t.Errorf("%s: %v %v, want an IntegrationError about %q", expr, res, err, want)
		}
	}
	if same, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`shop.sameElement()`)); !same {
		t.Error("elements.getElement('iban') is not the Element created")
	}

	// The iban Element checks what is typed; an incomplete or wrong IBAN
	// never reaches the server.
	typeIBAN("DE89 3704 0044")
	if ch := jsCall(t, ctx, `shop.lastChange()`); ch["complete"] != false || ch["empty"] != false || ch["country"] != "DE" ||
		ch["error"].(map[string]any)["code"] != "incomplete_iban" {
		t.Errorf("change event of an incomplete IBAN: %v", ch)
	}
	if e := jsError(t, "incomplete IBAN", jsCall(t, ctx, `shop.createPaymentMethod()`)); e["type"] != "validation_error" || e["code"] != "incomplete_iban" {
		t.Errorf("incomplete IBAN: %v", e)
	}
	typeIBAN("DE89 3704 0044 0532 0130 01")
	if e := jsError(t, "wrong check digits", jsCall(t, ctx, `shop.createSource()`)); e["code"] != "invalid_iban" || e["message"] != "Your IBAN is invalid." {
		t.Errorf("wrong check digits: %v", e)
	}
	for pm, err := range e.sc.V1PaymentMethods.List(e.ctx, &stripe.PaymentMethodListParams{Type: stripe.String("sepa_debit")}).All(e.ctx) {
		t.Errorf("a refused IBAN reached the server: %v %v", pm.ID, err)
	}
	typeIBAN("DE89 3704 0044 0532 0130 00")
	if ch := jsCall(t, ctx, `shop.lastChange()`); ch["complete"] != true || ch["error"] != nil || ch["elementType"] != "iban" {
		t.Errorf("change event of a good IBAN: %v", ch)
	}
	if state, _ := chromedp.Run(ctx, chromedp.Text(`#iban-state`)); state != "complete" {
		t.Errorf("the shop's IBAN state says %q", state)
	}
	(&dash{e: e, ctx: ctx}).shot("stripejs-shop")

	// createPaymentMethod, both signatures.
	pmObj := jsObject(t, "createPaymentMethod", "paymentMethod", jsCall(t, ctx, `shop.createPaymentMethod()`))
	pm, err := e.sc.V1PaymentMethods.Retrieve(e.ctx, fmt.Sprint(pmObj["id"]), nil)
	if err != nil || pm.Type != "sepa_debit" || pm.SEPADebit.Last4 != "3000" || pm.BillingDetails.Name != "Jenny Rosen" || pm.BillingDetails.Email != "jenny.rosen@example.com" {
		t.Fatalf("payment method %v: %+v", err, pm)
	}
	if legacy := jsObject(t, "createPaymentMethod(type, element, data)", "paymentMethod", jsCall(t, ctx, `shop.createPaymentMethodLegacy()`)); legacy["type"] != "sepa_debit" || legacy["id"] == pmObj["id"] {
		t.Errorf("legacy createPaymentMethod: %v", legacy)
	}

	// createSource and retrieveSource with its client secret; a wrong secret is the API's error.
	srcObj := jsObject(t, "createSource", "source", jsCall(t, ctx, `shop.createSource()`))
	if srcObj["type"] != "sepa_debit" || srcObj["status"] != "chargeable" || !strings.HasPrefix(fmt.Sprint(srcObj["client_secret"]), "src_client_secret_") {
		t.Errorf("source: %v", srcObj)
	}
	got := jsObject(t, "retrieveSource", "source", jsCall(t, ctx, fmt.Sprintf(`shop.retrieveSource(%q, %q)`, srcObj["id"], srcObj["client_secret"])))
	if got["id"] != srcObj["id"] || got["owner"].(map[string]any)["name"] != "Jenny Rosen" {
		t.Errorf("retrieved source: %v", got)
	}
	if e := jsError(t, "retrieveSource with a wrong secret", jsCall(t, ctx, fmt.Sprintf(`shop.retrieveSource(%q, "src_client_secret_wrong")`, srcObj["id"]))); e["type"] != "invalid_request_error" || e["code"] != "resource_missing" {
		t.Errorf("retrieveSource with a wrong secret: %v", e)
	}

	// confirmSepaDebitPayment: a new payment method from the Element, the
	// mandate accepted online from this browser.
	pi, err := e.sc.V1PaymentIntents.Create(e.ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}})
	if err != nil {
		t.Fatal(err)
	}
	if e := jsError(t, "confirm with a wrong client secret", jsCall(t, ctx, fmt.Sprintf(`shop.confirmSepaDebitPayment(%q)`, pi.ID+"_secret_wrong"))); e["code"] != "resource_missing" || e["param"] != "intent" {
		t.Errorf("confirm with a wrong client secret: %v", e)
	}
	piObj := jsObject(t, "confirmSepaDebitPayment", "paymentIntent", jsCall(t, ctx, fmt.Sprintf(`shop.confirmSepaDebitPayment(%q)`, pi.ClientSecret)))
	if piObj["id"] != pi.ID || piObj["status"] != "processing" {
		t.Errorf("confirmed payment intent: %v", piObj)
	}
	pi = piWait(t, e.acct, pi.ID, "processing", "latest_charge")
	ch, err := e.sc.V1Charges.Retrieve(e.ctx, pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	mandate, err := e.sc.V1Mandates.Retrieve(e.ctx, ch.PaymentMethodDetails.SEPADebit.Mandate, nil)
	if err != nil || mandate.CustomerAcceptance.Type != "online" || !strings.Contains(mandate.CustomerAcceptance.Online.UserAgent, "Chrome") ||
		mandate.CustomerAcceptance.Online.IPAddress != "127.0.0.1" {
		t.Errorf("the mandate accepted from the browser: %v %+v", err, mandate)
	}
	if e := jsError(t, "confirm twice", jsCall(t, ctx, fmt.Sprintf(`shop.confirmSepaDebitPayment(%q)`, pi.ClientSecret))); e["type"] != "invalid_request_error" || e["code"] != "payment_intent_unexpected_state" {
		t.Errorf("confirming a processing payment intent again: %v", e)
	}

	// confirmSepaDebitSetup.
	si, err := e.sc.V1SetupIntents.Create(e.ctx, &stripe.SetupIntentCreateParams{PaymentMethodTypes: []*string{stripe.String("sepa_debit")}})
	if err != nil {
		t.Fatal(err)
	}
	siObj := jsObject(t, "confirmSepaDebitSetup", "setupIntent", jsCall(t, ctx, fmt.Sprintf(`shop.confirmSepaDebitSetup(%q)`, si.ClientSecret)))
	if siObj["id"] != si.ID || siObj["status"] != "succeeded" {
		t.Errorf("confirmed setup intent: %v", siObj)
	}
	if si, err = e.sc.V1SetupIntents.Retrieve(e.ctx, si.ID, nil); err != nil || si.Status != "succeeded" || si.Mandate == nil {
		t.Errorf("setup intent after confirmSepaDebitSetup: %v %+v", err, si)
	}

	// confirmSofortSetup and confirmSofortPayment without handling the
	// redirect answer the intent waiting for it.
	sofortSI, err := e.sc.V1SetupIntents.Create(e.ctx, &stripe.SetupIntentCreateParams{PaymentMethodTypes: []*string{stripe.String("sofort")}})
	if err != nil {
		t.Fatal(err)
	}
	waiting := jsObject(t, "confirmSofortSetup", "setupIntent", jsCall(t, ctx, fmt.Sprintf(`shop.confirmSofortSetup(%q, false)`, sofortSI.ClientSecret)))
	next, _ := waiting["next_action"].(map[string]any)
	if waiting["status"] != "requires_action" || next["type"] != "redirect_to_url" {
		t.Errorf("confirmSofortSetup with handleActions false: %v", waiting)
	}
	newPI := func(method string) *stripe.PaymentIntent {
		t.Helper()
		pi, err := e.sc.V1PaymentIntents.Create(e.ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(2500), Currency: stripe.String("eur"),
			PaymentMethodTypes: []*string{stripe.String(method)}})
		if err != nil {
			t.Fatal(err)
		}
		return pi
	}
	sofortPI := newPI("sofort")
	waiting = jsObject(t, "confirmSofortPayment", "paymentIntent", jsCall(t, ctx, fmt.Sprintf(`shop.confirmSofortPayment(%q, false)`, sofortPI.ClientSecret)))
	if next, _ := waiting["next_action"].(map[string]any); waiting["status"] != "requires_action" || next["type"] != "redirect_to_url" {
		t.Errorf("confirmSofortPayment with handleActions false: %v", waiting)
	}

	// confirmSofortPayment handling the redirect: the payer authorises on the
	// bank's page and comes back to the shop.
	sofortPI = newPI("sofort")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`shop.confirmSofortPayment(%q, true), true`, sofortPI.ClientSecret))); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, "the bank's page", func() bool {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		return err == nil && strings.HasPrefix(loc, e.srv.URL+"/hosted/")
	})
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.Search(`//button[normalize-space()="Authorize test payment"]`)),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Authorize test payment"]`)), chromedp.WaitVisible(`#landed`)); err != nil {
		t.Fatalf("authorise the Sofort payment on the bank's page: %v", err)
	}
	if l := sh.landed(); l == nil || l.Path != "/return" || l.Query().Get("payment_intent") != sofortPI.ID || l.Query().Get("redirect_status") != "succeeded" ||
		l.Query().Get("payment_intent_client_secret") != sofortPI.ClientSecret {
		t.Errorf("back at the shop at %v", l)
	}
	piWait(t, e.acct, sofortPI.ID, "processing")
	open(sh.URL + "/pay")
	back := jsObject(t, "retrievePaymentIntent", "paymentIntent", jsCall(t, ctx, fmt.Sprintf(`stripe.retrievePaymentIntent(%q)`, sofortPI.ClientSecret)))
	if back["id"] != sofortPI.ID || back["status"] != "processing" {
		t.Errorf("retrievePaymentIntent after the bank's page: %v", back)
	}
	if back := jsObject(t, "retrieveSetupIntent", "setupIntent", jsCall(t, ctx, fmt.Sprintf(`stripe.retrieveSetupIntent(%q)`, si.ClientSecret))); back["status"] != "succeeded" {
		t.Errorf("retrieveSetupIntent: %v", back)
	}

	// redirectToCheckout opens the session's hosted page; an unknown
	// session lands on Kontor's page saying so.
	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String(sh.URL + "/return")})
	if err != nil {
		t.Fatal(err)
	}
	checkout := func(id string) (int, string) {
		t.Helper()
		open(sh.URL + "/pay")
		redirect := chromedp.Evaluate[bool](fmt.Sprintf(`shop.redirectToCheckout(%q)`, id))
		resp, err := chromedp.RunResponse(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := redirect(ctx, tg)
			return chromedp.Void{}, err
		})
		if err != nil {
			t.Fatalf("redirectToCheckout(%s): %v", id, err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		return int(resp.Status), loc
	}
	if st, loc := checkout(cs.ID); st != http.StatusOK || loc != cs.URL {
		t.Errorf("redirectToCheckout lands on %s (%d), want %s", loc, st, cs.URL)
	}
	if title, _ := chromedp.Run(ctx, chromedp.Title()); !strings.Contains(title, "Set up future payments") {
		t.Errorf("the Checkout page's title: %q", title)
	}
	other := e.srv.NewAccount(t)
	theirs, err := other.Client.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String(sh.URL + "/return")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cs_test_nope", theirs.ID} {
		if st, _ := checkout(id); st != http.StatusNotFound {
			t.Errorf("redirectToCheckout(%s): %d, want Kontor's 404 page", id, st)
		}
		if text, _ := chromedp.Run(ctx, chromedp.Text(`#problem`)); text != "Something went wrong" {
			t.Errorf("redirectToCheckout(%s) page says %q", id, text)
		}
	}
}
