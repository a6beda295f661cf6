package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stripe/stripe-go/v85"
)

// TestSeed000SofortSetupFutureSEPADebit is seed 000 ("Use Sofort to set up
// future SEPA Direct Debit payments") end to end, exactly as the guide
// writes it: a Customer, a Checkout Session in setup mode with
// payment_method_types [sofort], the payer choosing Sofort on the hosted
// page and authorising the test payment in a headless browser, then the
// merchant retrieving the SetupIntent with expand[]=latest_attempt, reading
// payment_method_details.sofort.generated_sepa_debit and charging it with an
// off-session PaymentIntent.
func TestSeed000SofortSetupFutureSEPADebit(t *testing.T) {
	e := newEnv(t, payments)
	ctx := checkoutBrowser(t)
	shop := newShop(t)
	sc := e.sc

	// Create or retrieve a Customer.
	cus, err := sc.V1Customers.Create(e.ctx, &stripe.CustomerCreateParams{Email: stripe.String("jenny.rosen@example.com"), Name: stripe.String("Jenny Rosen")})
	if err != nil {
		t.Fatal(err)
	}

	// Set up future payments: a Checkout Session in setup mode with sofort.
	cs, err := sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModeSetup)),
		PaymentMethodTypes: []*string{stripe.String("sofort")},
		Customer:           stripe.String(cus.ID),
		Currency:           stripe.String("eur"),
		SuccessURL:         stripe.String(shop.URL + "/success?session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:          stripe.String(shop.URL + "/cancel"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cs.ID, "cs_test_") || cs.Mode != "setup" || cs.Status != "open" || cs.PaymentStatus != "no_payment_required" ||
		cs.Customer == nil || cs.Customer.ID != cus.ID || !slices.Equal(cs.PaymentMethodTypes, []string{"sofort"}) || cs.Currency != "eur" ||
		!strings.HasPrefix(cs.URL, e.srv.URL+"/hosted/checkout/") || cs.SetupIntent != nil {
		t.Fatalf("session: %+v", cs)
	}

	// Test your integration: select Sofort and press the button, then
	// authorise the test payment.
	browse(t, ctx, "open the Checkout page", chromedp.Navigate(cs.URL))
	text := pageText(t, ctx)
	for _, want := range []string{"Kontor Test Business", "Set up future payments", "Sofort", "Your bank's country", "SEPA Direct Debit mandate", "Cancel and return"} {
		if !strings.Contains(text, want) {
			t.Errorf("Checkout page lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "IBAN") {
		t.Errorf("a Sofort-only page asks for an IBAN")
	}
	browse(t, ctx, "fill in the form",
		chromedp.Click(chromedp.ID("payment_method")),
		chromedp.SendKeys(chromedp.ID("country"), "Austria"),
		chromedp.SendKeys(chromedp.ID("name"), "Jenny Rosen"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.Search(`//button[normalize-space()="Authorize test payment"]`)))
	text = pageText(t, ctx)
	for _, want := range []string{"€ 1.00", "refunded", "Austria (AT)"} {
		if !strings.Contains(text, want) {
			t.Errorf("authorisation page lacks %q:\n%s", want, text)
		}
	}
	browse(t, ctx, "authorise", chromedp.Click(chromedp.Search(`//button[normalize-space()="Authorize test payment"]`)),
		chromedp.WaitVisible(chromedp.ID("landed")))
	if got := shop.landed(); got == nil || got.Path != "/success" || got.Query().Get("session_id") != cs.ID {
		t.Fatalf("landed on %v, want /success?session_id=%s", got, cs.ID)
	}

	// The webhooks tell the merchant the set-up is done.
	done := e.event("checkout.session.completed", cs.ID)
	siID, _ := done.Data.Object["setup_intent"].(string)
	if done.Data.Object["status"] != "complete" || !strings.HasPrefix(siID, "seti_") {
		t.Fatalf("checkout.session.completed: %v", done.Data.Object)
	}
	e.event("setup_intent.succeeded", siID)

	// Charge the SEPA Direct Debit PaymentMethod later: retrieve the
	// SetupIntent, expanding latest_attempt, and find generated_sepa_debit
	// inside payment_method_details.
	params := &stripe.SetupIntentRetrieveParams{}
	params.AddExpand("latest_attempt")
	si, err := sc.V1SetupIntents.Retrieve(e.ctx, siID, params)
	if err != nil {
		t.Fatal(err)
	}
	if si.Status != "succeeded" || si.Customer == nil || si.Customer.ID != cus.ID || si.LatestAttempt == nil ||
		si.LatestAttempt.PaymentMethodDetails == nil || si.LatestAttempt.PaymentMethodDetails.Sofort == nil {
		t.Fatalf("SetupIntent: %+v", si)
	}
	sofort := si.LatestAttempt.PaymentMethodDetails.Sofort
	if sofort.GeneratedSEPADebit == nil || !strings.HasPrefix(sofort.GeneratedSEPADebit.ID, "pm_") || sofort.IBANLast4 == "" || sofort.VerifiedName != "Jenny Rosen" {
		t.Fatalf("payment_method_details.sofort: %+v", sofort)
	}
	sepaDebitPaymentMethod := sofort.GeneratedSEPADebit.ID

	// Create a PaymentIntent with the SEPA Direct Debit and Customer IDs.
	pi, err := sc.V1PaymentIntents.Create(e.ctx, &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(1099),
		Currency:           stripe.String(string(stripe.CurrencyEUR)),
		Customer:           stripe.String(cus.ID),
		PaymentMethod:      stripe.String(sepaDebitPaymentMethod),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")},
		Confirm:            stripe.Bool(true),
		OffSession:         stripe.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusProcessing {
		t.Fatalf("off-session SEPA Direct Debit PaymentIntent: %s", pi.Status)
	}
	e.event("payment_intent.processing", pi.ID)
	e.event("payment_intent.succeeded", pi.ID)
	pi = piWait(t, e.acct, pi.ID, "succeeded", "latest_charge")
	if pi.AmountReceived != 1099 || pi.LatestCharge.PaymentMethodDetails.SEPADebit == nil ||
		pi.LatestCharge.PaymentMethodDetails.SEPADebit.Mandate != stripeID(si.Mandate) {
		t.Errorf("charge: %+v", pi.LatestCharge.PaymentMethodDetails)
	}

	// What the page collected: the generated method is the customer's, made
	// from the Austrian bank the payer chose, and the session is complete.
	gpm, err := sc.V1PaymentMethods.Retrieve(e.ctx, sepaDebitPaymentMethod, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gpm.SEPADebit.Country != "AT" || gpm.Customer == nil || gpm.Customer.ID != cus.ID || gpm.BillingDetails.Email != "jenny.rosen@example.com" {
		t.Errorf("generated payment method: %+v %+v", gpm.SEPADebit, gpm.BillingDetails)
	}
	cs, err = sc.V1CheckoutSessions.Retrieve(e.ctx, cs.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != "complete" || cs.URL != "" || cs.SetupIntent == nil || cs.SetupIntent.ID != siID || cs.CustomerDetails == nil ||
		cs.CustomerDetails.Name != "Jenny Rosen" {
		t.Errorf("completed session: %+v", cs)
	}
}

// stripeID returns the id of an expandable Mandate reference ("" for none).
func stripeID(m *stripe.Mandate) string {
	if m == nil {
		return ""
	}
	return m.ID
}

// TestCheckoutPaymentSEPADebitInBrowser pays a payment-mode session by SEPA
// Direct Debit on the hosted page: a bad IBAN is refused on the page with a
// clear message and changes nothing, a good one completes the session, and
// the debit's success follows as checkout.session.async_payment_succeeded.
func TestCheckoutPaymentSEPADebitInBrowser(t *testing.T) {
	e := newEnv(t, payments)
	ctx := checkoutBrowser(t)
	shop := newShop(t)
	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"), PaymentMethodTypes: []*string{stripe.String("sepa_debit"), stripe.String("sofort")},
		CustomerEmail: stripe.String("buyer@example.com"), ClientReferenceID: stripe.String("order-77"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{
			{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{Currency: stripe.String("eur"), UnitAmount: stripe.Int64(1250),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Coffee beans"), Description: stripe.String("1 kg")}},
				Quantity: stripe.Int64(2)},
			{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{Currency: stripe.String("eur"), UnitAmount: stripe.Int64(499),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Filter papers")}},
				Quantity: stripe.Int64(1)},
		},
		SuccessURL: stripe.String(shop.URL + "/thanks?cs={CHECKOUT_SESSION_ID}"), CancelURL: stripe.String(shop.URL + "/basket"),
		Metadata: map[string]string{"basket": "77"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cs.AmountTotal != 2999 || cs.AmountSubtotal != 2999 || cs.Currency != "eur" || cs.PaymentStatus != "unpaid" || cs.CustomerEmail != "buyer@example.com" {
		t.Fatalf("session: %+v", cs)
	}

	browse(t, ctx, "open the Checkout page", chromedp.Navigate(cs.URL))
	text := pageText(t, ctx)
	for _, want := range []string{"Pay € 29.99", "Coffee beans", "Filter papers", "SEPA Direct Debit", "Sofort", "IBAN", "you authorise (A) Kontor Test Business"} {
		if !strings.Contains(text, want) {
			t.Errorf("Checkout page lacks %q:\n%s", want, text)
		}
	}
	// A wrong check digit: the page says so, next to the field, and keeps what was typed.
	browse(t, ctx, "submit a bad IBAN",
		chromedp.Click(chromedp.ID("payment_method")),
		chromedp.SendKeys(chromedp.ID("iban"), "DE89 3704 0044 0532 0130 01"),
		chromedp.SendKeys(chromedp.ID("name"), "Jenny Rosen"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("iban-error")))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("iban-error")))
	if err != nil || !strings.Contains(msg, "IBAN") {
		t.Errorf("IBAN error message %q (%v)", msg, err)
	}
	kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("iban")))
	name, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name")))
	if kept != "DE89 3704 0044 0532 0130 01" || name != "Jenny Rosen" {
		t.Errorf("the form lost what was typed: %q %q", kept, name)
	}
	if s, _ := e.sc.V1CheckoutSessions.Retrieve(e.ctx, cs.ID, nil); s.Status != "open" || s.PaymentIntent != nil {
		t.Errorf("a refused IBAN changed the session: %s %+v", s.Status, s.PaymentIntent)
	}
	for pm, err := range e.sc.V1PaymentMethods.List(e.ctx, nil).All(e.ctx) {
		t.Errorf("a refused IBAN created payment method %v (%v)", pm.ID, err)
	}

	browse(t, ctx, "submit a good IBAN",
		// Scripts are off, so the field is cleared with the keyboard.
		chromedp.SendKeys(chromedp.ID("iban"), kb.End+strings.Repeat(kb.Backspace, len(kept))+"DE89370400440532013000"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("landed")))
	if got := shop.landed(); got == nil || got.Path != "/thanks" || got.Query().Get("cs") != cs.ID {
		t.Fatalf("landed on %v", got)
	}
	done := e.event("checkout.session.completed", cs.ID)
	if done.Data.Object["payment_status"] != "unpaid" || done.Data.Object["client_reference_id"] != "order-77" {
		t.Errorf("checkout.session.completed: %v", done.Data.Object)
	}
	paid := e.event("checkout.session.async_payment_succeeded", cs.ID)
	if paid.Data.Object["payment_status"] != "paid" {
		t.Errorf("async_payment_succeeded: payment_status %v", paid.Data.Object["payment_status"])
	}
	p := &stripe.CheckoutSessionRetrieveParams{}
	p.AddExpand("payment_intent")
	p.AddExpand("line_items")
	cs, err = e.sc.V1CheckoutSessions.Retrieve(e.ctx, cs.ID, p)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != "complete" || cs.PaymentStatus != "paid" || cs.PaymentIntent == nil || cs.PaymentIntent.Status != "succeeded" ||
		cs.PaymentIntent.Amount != 2999 || cs.CustomerDetails == nil || cs.CustomerDetails.Email != "buyer@example.com" {
		t.Errorf("paid session: %+v", cs)
	}
	if cs.LineItems == nil || len(cs.LineItems.Data) != 2 || cs.LineItems.Data[0].Description != "Coffee beans" || cs.LineItems.Data[0].AmountTotal != 2500 ||
		cs.LineItems.Data[0].Quantity != 2 || cs.LineItems.Data[0].Price == nil || cs.LineItems.Data[0].Price.UnitAmount != 1250 {
		t.Errorf("line_items: %+v", cs.LineItems)
	}
	var sessions []string
	for s, err := range e.sc.V1CheckoutSessions.List(e.ctx, &stripe.CheckoutSessionListParams{PaymentIntent: stripe.String(cs.PaymentIntent.ID)}).All(e.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s.ID)
	}
	if !slices.Equal(sessions, []string{cs.ID}) {
		t.Errorf("list by payment_intent = %v", sessions)
	}
	// Back on the page, the payer is told the checkout is complete.
	browse(t, ctx, "reopen the page", chromedp.Navigate(e.srv.URL+"/hosted/checkout/"+accountID(t, e.acct)+"/"+cs.ID))
	if text := pageText(t, ctx); !strings.Contains(text, "This checkout is complete") {
		t.Errorf("completed page: %s", text)
	}
}

// TestCheckoutSofortPaymentFailsThenSucceeds fails the Sofort authorisation
// of a payment-mode session: the payer comes back to the page with the
// problem named, tries again and pays.
func TestCheckoutSofortPaymentFailsThenSucceeds(t *testing.T) {
	e := newEnv(t, payments)
	ctx := checkoutBrowser(t)
	shop := newShop(t)
	clk, cus := clockCustomer(t, e.acct)
	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"), PaymentMethodTypes: []*string{stripe.String("sofort")}, Customer: stripe.String(cus.ID),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
			Currency: stripe.String("eur"), UnitAmount: stripe.Int64(4500),
			ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Concert ticket")}}, Quantity: stripe.Int64(1)}},
		SuccessURL: stripe.String(shop.URL + "/paid"),
	})
	if err != nil {
		t.Fatal(err)
	}
	authorize := `//button[normalize-space()="Authorize test payment"]`
	fail := `//button[normalize-space()="Fail test payment"]`
	browse(t, ctx, "choose Sofort and fail the payment",
		chromedp.Navigate(cs.URL),
		chromedp.SendKeys(chromedp.ID("name"), "Max Mustermann"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.Search(fail)),
		chromedp.Click(chromedp.Search(fail)),
		chromedp.WaitVisible(chromedp.ID("problems")))
	if text := pageText(t, ctx); !strings.Contains(text, "did not authorise") || !strings.Contains(text, "Pay € 45.00") {
		t.Errorf("back on the page after the failure:\n%s", text)
	}
	s, _ := e.sc.V1CheckoutSessions.Retrieve(e.ctx, cs.ID, nil)
	if s.Status != "open" || s.PaymentIntent == nil {
		t.Fatalf("session after the failure: %+v", s)
	}
	first := s.PaymentIntent.ID
	if pi, _ := e.sc.V1PaymentIntents.Retrieve(e.ctx, first, nil); pi.Status != "requires_payment_method" {
		t.Errorf("failed intent: %s", pi.Status)
	}

	browse(t, ctx, "try again and authorise",
		chromedp.SendKeys(chromedp.ID("name"), "Max Mustermann"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.Search(authorize)),
		chromedp.Click(chromedp.Search(authorize)),
		chromedp.WaitVisible(chromedp.ID("landed")))
	if got := shop.landed(); got == nil || got.Path != "/paid" {
		t.Fatalf("landed on %v", got)
	}
	done := e.event("checkout.session.completed", cs.ID)
	piID, _ := done.Data.Object["payment_intent"].(string)
	if piID == "" || piID == first {
		t.Errorf("completed with payment_intent %q", piID)
	}
	// Sofort settles after three minutes of the sandbox: the clock moves them.
	advance(t, e.acct, clk, time.Unix(intentsT0+180, 0))
	e.event("checkout.session.async_payment_succeeded", cs.ID)
	piWait(t, e.acct, piID, "succeeded")
}

// TestCheckoutSessionsAPI covers the Checkout Session endpoints without a
// browser: validation, retrieve, list, line items, expire and its event.
func TestCheckoutSessionsAPI(t *testing.T) {
	e := newEnv(t, payments)
	sc, ctx := e.sc, e.ctx
	before := eventCount(t, e.acct)
	ok := func() *stripe.CheckoutSessionCreateParams {
		return &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"), Currency: stripe.String("eur"),
			PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String("https://shop.example/ok")}
	}
	p := ok()
	p.SuccessURL = nil
	_, err := sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "parameter_missing", "success_url")
	p = ok()
	p.Mode = stripe.String("subscription")
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "parameter_invalid_enum", "mode")
	p = ok()
	p.PaymentMethodTypes = []*string{stripe.String("card")}
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "payment_intent_invalid_parameter", "payment_method_types[0]")
	p = ok()
	p.Mode = stripe.String("payment")
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "parameter_missing", "line_items")
	p = ok()
	p.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{{Price: stripe.String("price_123"), Quantity: stripe.Int64(1)}}
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "resource_missing")
	p = ok()
	p.Mode, p.Currency = stripe.String("payment"), nil
	p.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
		Currency: stripe.String("usd"), UnitAmount: stripe.Int64(1000),
		ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Thing")}}, Quantity: stripe.Int64(1)}}
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "parameter_invalid_enum", "line_items[0][price_data][currency]")
	p = ok()
	p.Customer, p.CustomerEmail = stripe.String(mustCustomer(t, e.acct, nil).ID), stripe.String("x@example.com")
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "parameters_exclusive", "customer_email")
	p = ok()
	p.ExpiresAt = stripe.Int64(time.Now().Add(10 * time.Minute).Unix())
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "parameter_invalid_integer", "expires_at")
	p = ok()
	p.SuccessURL = stripe.String("javascript:alert(1)")
	_, err = sc.V1CheckoutSessions.Create(ctx, p)
	invalid(t, err, "url_invalid", "success_url")
	if got := eventCount(t, e.acct); got != before+1 { // the customer above
		t.Errorf("refused sessions recorded events: %d, want %d", got, before+1)
	}

	resp := e.acct.Do(t, "POST", "/v1/checkout/sessions", "mode=setup&currency=eur&allowed_payment_method_types[0]=sofort&success_url=https%3A%2F%2Fshop.example%2Fok&metadata[k]=v&client_reference_id=ref-1&locale=de", nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("allowed_payment_method_types: %d %s", resp.Status, resp.Body)
	}
	sess := resp.JSON(t)
	id, _ := sess["id"].(string)
	exp, _ := sess["expires_at"].(float64)
	created, _ := sess["created"].(float64)
	if types, _ := sess["payment_method_types"].([]any); len(types) != 1 || types[0] != "sofort" || exp-created != 86400 || sess["locale"] != "de" {
		t.Errorf("session: %v", sess)
	}
	got, err := sc.V1CheckoutSessions.Retrieve(ctx, id, nil)
	if err != nil || got.ClientReferenceID != "ref-1" || got.Metadata["k"] != "v" || got.URL == "" {
		t.Fatalf("retrieve: %v %+v", err, got)
	}
	var open []string
	for s, err := range sc.V1CheckoutSessions.List(ctx, &stripe.CheckoutSessionListParams{Status: stripe.String("open")}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, s.ID)
	}
	if !slices.Equal(open, []string{id}) {
		t.Errorf("open sessions = %v", open)
	}
	exp2, err := sc.V1CheckoutSessions.Expire(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if exp2.Status != "expired" || exp2.URL != "" {
		t.Errorf("expired: %s %q", exp2.Status, exp2.URL)
	}
	e.event("checkout.session.expired", id)
	_, err = sc.V1CheckoutSessions.Expire(ctx, id, nil)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, "checkout_session_not_open")
	// The expired page says so; a made-up session does not exist.
	hosted := e.srv.URL + "/hosted/checkout/" + accountID(t, e.acct) + "/"
	if r, err := http.Get(hosted + id); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("expired page: %v %v", err, r)
	} else {
		r.Body.Close()
	}
	if r, err := http.Get(hosted + "cs_test_missing"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown session page: %v %v", err, r)
	} else {
		r.Body.Close()
	}

	// A session expires by itself at expires_at (here on a test clock).
	clk, cus := clockCustomer(t, e.acct)
	p = ok()
	p.Customer = stripe.String(cus.ID)
	p.ExpiresAt = stripe.Int64(intentsT0 + 3600)
	s, err := sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if s.ExpiresAt != intentsT0+3600 || s.Created != intentsT0 {
		t.Errorf("clocked session: created %d expires %d", s.Created, s.ExpiresAt)
	}
	advance(t, e.acct, clk, time.Unix(intentsT0+3600, 0))
	e.event("checkout.session.expired", s.ID)
	if s, _ = sc.V1CheckoutSessions.Retrieve(ctx, s.ID, nil); s.Status != "expired" {
		t.Errorf("after expires_at: %s", s.Status)
	}

	// Line items of a payment-mode session, one page at a time.
	p = ok()
	p.Mode, p.Currency = stripe.String("payment"), nil
	for _, n := range []string{"A", "B", "C"} {
		p.LineItems = append(p.LineItems, &stripe.CheckoutSessionCreateLineItemParams{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
			Currency: stripe.String("eur"), UnitAmount: stripe.Int64(100),
			ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(n)}}, Quantity: stripe.Int64(1)})
	}
	pay, err := sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for li, err := range sc.V1CheckoutSessions.ListLineItems(ctx, &stripe.CheckoutSessionListLineItemsParams{Session: stripe.String(pay.ID),
		ListParams: stripe.ListParams{Limit: stripe.Int64(2)}}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, li.Description)
	}
	if !slices.Equal(names, []string{"A", "B", "C"}) {
		t.Errorf("line items = %v", names)
	}
}
