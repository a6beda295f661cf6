package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// dash drives the dashboard of an env's server in a real Chromium.
type dash struct {
	e   *env
	ctx context.Context
}

func newDash(t *testing.T, e *env) *dash {
	t.Helper()
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	return &dash{e: e, ctx: ctx}
}

// open navigates to a dashboard path and returns the HTTP status of the page
// the browser ends on.
func (d *dash) open(path string) int {
	d.e.t.Helper()
	resp, err := chromedp.RunResponse(d.ctx, chromedp.Navigate(d.e.srv.URL+path))
	if err != nil {
		d.e.t.Fatalf("open %s: %v", path, err)
	}
	return int(resp.Status)
}

// press clicks the element sel and returns the status of the page it leads to.
func (d *dash) press(sel chromedp.CSS) int {
	d.e.t.Helper()
	resp, err := chromedp.RunResponse(d.ctx, chromedp.Click(sel, chromedp.NodeVisible))
	if err != nil {
		d.e.t.Fatalf("press %s: %v", sel, err)
	}
	return int(resp.Status)
}

// text returns the text of the element sel.
func (d *dash) text(sel chromedp.CSS) string {
	d.e.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Text(sel))
	if err != nil {
		d.e.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// location returns the path and query the browser shows.
func (d *dash) location() string {
	d.e.t.Helper()
	loc, err := chromedp.Run(d.ctx, chromedp.Location())
	if err != nil {
		d.e.t.Fatalf("location: %v", err)
	}
	u, _ := url.Parse(loc)
	return u.RequestURI()
}

// wantText fails unless the main part of the page holds every string.
func (d *dash) wantText(what string, want ...string) string {
	d.e.t.Helper()
	got := d.text("main")
	for _, w := range want {
		if !strings.Contains(got, w) {
			d.e.t.Errorf("%s: page lacks %q:\n%s", what, w, got)
		}
	}
	return got
}

// shot saves a screenshot as NAME.png in $KONTOR_SCREENSHOTS when it is set.
func (d *dash) shot(name string) {
	d.e.t.Helper()
	dir := os.Getenv("KONTOR_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(d.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		d.e.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		d.e.t.Fatal(err)
	}
}

// signIn signs in with key and returns the status of the page it lands on.
func (d *dash) signIn(key string) int {
	d.e.t.Helper()
	if st := d.open("/dashboard/signin"); st != http.StatusOK {
		d.e.t.Fatalf("sign-in page: %d", st)
	}
	if err := chromedp.Do(d.ctx, chromedp.SendKeys(chromedp.ID("key"), key)); err != nil {
		d.e.t.Fatalf("type the key: %v", err)
	}
	return d.press(`button[type=submit]`)
}

// cookies returns the browser's cookies for the server.
func (d *dash) cookies() []*network.Cookie {
	d.e.t.Helper()
	var got []*network.Cookie
	err := chromedp.Do(d.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{d.e.srv.URL + "/dashboard/"}})
		got = r.Cookies
		return err
	}))
	if err != nil {
		d.e.t.Fatalf("cookies: %v", err)
	}
	return got
}

// TestDashboardSignInAndBrowse signs in with a secret key in Chromium, reads
// the charges and customers lists and details, finds objects by id and a
// customer by e-mail, checks the session cookie's flags and signs out.
func TestDashboardSignInAndBrowse(t *testing.T) {
	e := newEnv(t, payments)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("jenny.rosen@example.com"), Name: stripe.String("Jenny <Rosen>")})
	src := e.chargeableSofort(1099, "", "")
	ch := e.charge(src.ID, "", 1099)
	e.waitCharge(ch.ID, stripe.ChargeStatusSucceeded)
	sepa := e.sepaDebit("DE89370400440532013000", "")
	d := newDash(t, e)

	// Signed out, every page leads to the sign-in form.
	if st := d.open("/dashboard/charges"); st != http.StatusOK || d.location() != "/dashboard/signin" {
		t.Fatalf("signed out: %d at %s", st, d.location())
	}
	d.shot("dashboard-signin")
	if st := d.signIn(e.acct.PublishableKey); st != http.StatusUnauthorized {
		t.Errorf("a publishable key signs in: %d", st)
	}
	d.wantText("publishable key refused", "secret key")
	if st := d.signIn(e.acct.Key); st != http.StatusOK || d.location() != "/dashboard/" {
		t.Fatalf("sign in: %d at %s", st, d.location())
	}
	d.wantText("home", "Latest charges", ch.ID, "€10.99")
	d.shot("dashboard-home")

	// The session cookie holds no key and is HttpOnly, SameSite=Strict, on /dashboard.
	var session *network.Cookie
	for _, c := range d.cookies() {
		if strings.Contains(c.Value, e.acct.Key) || strings.Contains(c.Value, strings.TrimPrefix(e.acct.Key, "sk_test_")) {
			t.Errorf("cookie %s holds the key", c.Name)
		}
		if c.Name == "kontor_dashboard" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("no session cookie: %+v", d.cookies())
	}
	if !session.HTTPOnly || session.SameSite != network.CookieSameSiteStrict || session.Path != "/dashboard" || len(session.Value) < 40 {
		t.Errorf("session cookie: httpOnly %v sameSite %q path %q value length %d", session.HTTPOnly, session.SameSite, session.Path, len(session.Value))
	}

	// Lists and details.
	d.open("/dashboard/charges")
	d.wantText("charges list", "Charges", ch.ID, "€10.99", "succeeded")
	d.shot("dashboard-charges")
	if st := d.press(`table.list tbody tr:first-child td:first-child a`); st != http.StatusOK || d.location() != "/dashboard/charges/"+ch.ID {
		t.Fatalf("charge link: %d at %s", st, d.location())
	}
	d.wantText("charge page", "Charge "+ch.ID, "amount", "€10.99", src.ID, "Refunds", "Balance transactions", "payment_method_details.type")
	if js, err := chromedp.Run(d.ctx, chromedp.TextContent(chromedp.CSS("details.json pre"))); err != nil || !strings.Contains(js, `"id": "`+ch.ID+`"`) {
		t.Errorf("the charge's JSON: %v\n%s", err, js)
	}
	d.shot("dashboard-charge")
	d.open("/dashboard/customers")
	d.wantText("customers list", cus.ID, "jenny.rosen@example.com", "Jenny <Rosen>")
	d.open("/dashboard/customers/" + cus.ID)
	d.wantText("customer page", "Customer "+cus.ID, "jenny.rosen@example.com", "Jenny <Rosen>", "Payment methods", "Sources")
	d.shot("dashboard-customer")

	// A source shows the IBAN's last four characters only.
	d.open("/dashboard/sources/" + sepa.ID)
	page := d.wantText("SEPA source", "Source "+sepa.ID, "sepa_debit.last4", "3000")
	if strings.Contains(page, "DE89370400440532013000") || strings.Contains(page, "370400440532013000") {
		t.Errorf("a full IBAN on the source page:\n%s", page)
	}
	d.open("/dashboard/sources")
	d.wantText("sources list", sepa.ID, src.ID, "sepa_debit", "sofort")

	// Find by id and by e-mail.
	d.open("/dashboard/find?q=" + ch.ID)
	if d.location() != "/dashboard/charges/"+ch.ID {
		t.Errorf("find a charge lands on %s", d.location())
	}
	if err := chromedp.Do(d.ctx, chromedp.SendKeys(chromedp.ID("find-q"), "jenny.rosen@example.com")); err != nil {
		t.Fatal(err)
	}
	d.press(`form.find button`)
	if !strings.HasPrefix(d.location(), "/dashboard/customers?email=") {
		t.Errorf("find by e-mail lands on %s", d.location())
	}
	d.wantText("find by e-mail", cus.ID)

	// Another account's ids are not found, exactly like made-up ones.
	other := e.srv.NewAccount(t)
	theirs := mustCustomer(t, other, &stripe.CustomerCreateParams{Email: stripe.String("other@example.com")})
	notFound := func(path, id string) string {
		t.Helper()
		if st := d.open(path); st != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, st)
		}
		return strings.ReplaceAll(d.text("main"), id, "ID")
	}
	made := "cus_" + strings.Repeat("x", len(theirs.ID)-4)
	if a, b := notFound("/dashboard/customers/"+theirs.ID, theirs.ID), notFound("/dashboard/customers/"+made, made); a != b || !strings.Contains(a, "Not found") {
		t.Errorf("another account's customer:\n%s\nA made-up one:\n%s", a, b)
	}
	d.shot("dashboard-not-found")
	if a, b := notFound("/dashboard/find?q="+theirs.ID, theirs.ID), notFound("/dashboard/find?q="+made, made); a != b {
		t.Errorf("find another account's customer:\n%s\nA made-up one:\n%s", a, b)
	}
	d.open("/dashboard/customers?email=other%40example.com")
	if page := d.text("main"); strings.Contains(page, theirs.ID) {
		t.Errorf("another account's customer in the e-mail search:\n%s", page)
	}

	// Sign out ends the session on the server, not only in the browser.
	sid := session.Value
	if st := d.press(`form.signout button`); st != http.StatusOK || d.location() != "/dashboard/signin" {
		t.Errorf("sign out: %d at %s", st, d.location())
	}
	d.open("/dashboard/charges")
	if d.location() != "/dashboard/signin" {
		t.Errorf("after sign-out /dashboard/charges shows %s", d.location())
	}
	if st, loc := plainGet(t, e.srv.URL+"/dashboard/charges", sid); st != http.StatusSeeOther || loc != "/dashboard/signin" {
		t.Errorf("the old session cookie still works: %d %s", st, loc)
	}
}

// plainGet fetches a dashboard page with a session cookie, without
// following redirects, and returns the status and Location.
func plainGet(t *testing.T, u, session string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(u)
	jar.SetCookies(base, []*http.Cookie{{Name: "kontor_dashboard", Value: session, Path: "/dashboard"}})
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestDashboardResendAndAdvance presses Resend on an event (a real receiver
// gets the same event twice) and advances a test clock from its page (a
// SEPA Direct Debit charge on the clock settles), and checks that forms
// posted without their CSRF token are refused and change nothing.
func TestDashboardResendAndAdvance(t *testing.T) {
	e := newEnv(t, payments)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("resend@example.com")})
	ev := e.hook.WaitEvent(t, "customer.created", cus.ID)
	d := newDash(t, e)
	if st := d.signIn(e.acct.Key); st != http.StatusOK {
		t.Fatalf("sign in: %d", st)
	}

	// The event's page lists its delivery; Resend delivers it once more.
	kontortest.Eventually(t, "the delivery's attempt recorded", func() bool {
		d.open("/dashboard/events/" + ev.ID)
		return strings.Contains(d.text("main"), "200 OK")
	})
	d.wantText("event page", "Event "+ev.ID, "customer.created", "Webhook deliveries", e.hook.URL, "succeeded", "200 OK")
	d.shot("dashboard-event")
	if st := d.press(`form[action$="/resend"] button`); st != http.StatusOK || !strings.HasPrefix(d.location(), "/dashboard/events/"+ev.ID+"?done=resent") {
		t.Fatalf("resend: %d at %s", st, d.location())
	}
	d.wantText("after resend", "queued for delivery again")
	n := 0
	again := e.hook.Wait(t, "the event delivered a second time", func(dl kontortest.Delivery) bool {
		if dl.Err == nil && dl.Event.ID == ev.ID {
			n++
		}
		return n == 2
	})
	if again.Status != http.StatusOK || string(again.Event.Type) != "customer.created" {
		t.Errorf("second delivery: %d %s", again.Status, again.Event.Type)
	}

	// The endpoint's page lists both deliveries; a delivery's page its attempts.
	we := e.endpointID()
	var rows int
	kontortest.Eventually(t, "both deliveries recorded as succeeded", func() bool {
		d.open("/dashboard/webhook_endpoints/" + we)
		rows = strings.Count(d.text("main"), ev.ID)
		return rows == 2 && !strings.Contains(d.text("main"), "pending")
	})
	d.shot("dashboard-endpoint")
	d.press(`table.list tbody tr:first-child td:first-child a`)
	d.wantText("delivery page", "Delivery whdel_", ev.ID, "customer.created", "Attempts", "200 OK", " ms")
	d.shot("dashboard-delivery")

	// A receiver's answer is kept as an excerpt and shown as text, masked.
	talk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `<b>thanks</b> sk_test_leak42`)
	}))
	t.Cleanup(talk.Close)
	we2, err := e.sc.V1WebhookEndpoints.Create(e.ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String(talk.URL),
		EnabledEvents: []*string{stripe.String("customer.updated")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sc.V1Customers.Update(e.ctx, cus.ID, &stripe.CustomerUpdateParams{Name: stripe.String("Resent")}); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, "the second endpoint's delivery recorded", func() bool {
		d.open("/dashboard/webhook_endpoints/" + we2.ID)
		return strings.Contains(d.text("main"), "202 Accepted")
	})
	d.press(`table.list tbody tr:first-child td:first-child a`)
	page := d.wantText("delivery with an answer", "customer.updated", "202 Accepted", "<b>thanks</b> sk_test_••••••••")
	if strings.Contains(page, "leak42") {
		t.Errorf("a secret key in the response excerpt:\n%s", page)
	}
	d.shot("dashboard-delivery-excerpt")

	// Advance a test clock from its page: the charge on it settles.
	clk := e.testClock(t0)
	src := e.sepaDebit("DE89370400440532013000", clk.ID)
	ch := e.charge(src.ID, "", 1500)
	if ch.Status != stripe.ChargeStatusPending {
		t.Fatalf("charge on the clock: %s", ch.Status)
	}
	d.open("/dashboard/test_clocks/" + clk.ID)
	d.wantText("clock page", "Advance the clock", "ready", "2026-03-02 10:00:00 UTC")
	d.shot("dashboard-clock")

	// Without the CSRF token the form is refused and the clock stays put.
	if _, err := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove()), true`)); err != nil {
		t.Fatal(err)
	}
	if st := d.press(`form.steps button[value="86400"]`); st != http.StatusForbidden {
		t.Errorf("advance without the CSRF token: %d", st)
	}
	d.wantText("refused", "security token")
	if c, err := e.sc.V1TestHelpersTestClocks.Retrieve(e.ctx, clk.ID, nil); err != nil || c.FrozenTime != t0.Unix() || c.Status != "ready" {
		t.Errorf("the refused advance moved the clock: %v %+v", err, c)
	}

	d.open("/dashboard/test_clocks/" + clk.ID)
	if st := d.press(`form.steps button[value="86400"]`); st != http.StatusOK || !strings.Contains(d.location(), "done=advancing") {
		t.Fatalf("advance: %d at %s", st, d.location())
	}
	settled := e.waitCharge(ch.ID, stripe.ChargeStatusSucceeded)
	if settled.Created != t0.Unix() {
		t.Errorf("charge created %d", settled.Created)
	}
	kontortest.Eventually(t, "the clock ready a day later", func() bool {
		d.open("/dashboard/test_clocks/" + clk.ID)
		page = d.text("main")
		return strings.Contains(page, "2026-03-03 10:00:00 UTC") && strings.Contains(page, "ready")
	})
	// The page says how many timers the advance fired: all of those due.
	progress := regexp.MustCompile(`^Latest advance, to 2026-03-03 10:00:00 UTC: ([0-9]+) of ([0-9]+) timers fired\.$`).FindStringSubmatch(d.text("#advance-progress"))
	if progress == nil || progress[1] != progress[2] || progress[1] == "0" {
		t.Errorf("the clock page's progress: %q", d.text("#advance-progress"))
	}
	d.shot("dashboard-clock-advanced")
	d.open("/dashboard/charges/" + ch.ID)
	d.wantText("settled charge", "succeeded", "€15.00")

	// The sign-in form refuses a post without its token too.
	d.press(`form.signout button`)
	d.open("/dashboard/signin")
	if err := chromedp.Do(d.ctx, chromedp.SendKeys(chromedp.ID("key"), e.acct.Key)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`document.querySelector('input[name=csrf_token]').remove(), true`)); err != nil {
		t.Fatal(err)
	}
	if st := d.press(`button[type=submit]`); st != http.StatusForbidden {
		t.Errorf("sign-in without the CSRF token: %d", st)
	}
	d.open("/dashboard/")
	if d.location() != "/dashboard/signin" {
		t.Errorf("a refused sign-in signed in: %s", d.location())
	}
}

// endpointID returns the id of the env's webhook endpoint.
func (e *env) endpointID() string {
	e.t.Helper()
	for we, err := range e.sc.V1WebhookEndpoints.List(e.ctx, &stripe.WebhookEndpointListParams{}).All(e.ctx) {
		if err != nil {
			e.t.Fatal(err)
		}
		return we.ID
	}
	e.t.Fatal("no webhook endpoint")
	return ""
}

// TestDashboardEveryList makes an object of every kind the dashboard shows,
// then opens each list in Chromium, finds the object in it and opens its page.
func TestDashboardEveryList(t *testing.T) {
	o := payments
	o.Cko = true // the key serves both dialects
	e := newEnv(t, o)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("every@example.com")})
	pi := sepaPI(t, e.acct, cus.ID, "DE89370400440532013000")
	pi = piWait(t, e.acct, pi.ID, "processing", "latest_charge")
	pm, err := e.sc.V1PaymentMethods.Retrieve(e.ctx, pi.PaymentMethod.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	piCharge, err := e.sc.V1Charges.Retrieve(e.ctx, pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	mandate := piCharge.PaymentMethodDetails.SEPADebit.Mandate
	si, err := e.sc.V1SetupIntents.Create(e.ctx, &stripe.SetupIntentCreateParams{Customer: stripe.String(cus.ID),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := e.sc.V1CheckoutSessions.Create(e.ctx, &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"), PaymentMethodTypes: []*string{stripe.String("sofort")}, Customer: stripe.String(cus.ID),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
			Currency: stripe.String("eur"), UnitAmount: stripe.Int64(1250),
			ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Coffee beans")}}, Quantity: stripe.Int64(1)}},
		SuccessURL: stripe.String("https://shop.example/thanks"), CancelURL: stripe.String("https://shop.example/basket")})
	if err != nil {
		t.Fatal(err)
	}
	src := e.chargeableSofort(2000, "", "")
	ch := e.waitCharge(e.charge(src.ID, cus.ID, 2000).ID, stripe.ChargeStatusSucceeded)
	re, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID), Amount: stripe.Int64(500)})
	if err != nil {
		t.Fatal(err)
	}
	disputed := e.waitCharge(e.charge(e.sepaDebit("DE89370400440532013000", "").ID, "", 3000).ID, stripe.ChargeStatusSucceeded)
	if r := e.post("/v1/test_helpers/charges/"+disputed.ID+"/dispute", nil); r.Status != http.StatusOK {
		t.Fatalf("dispute: %d %s", r.Status, r.Body)
	}
	dp := jsonObj(t, e.get("/v1/disputes?charge="+disputed.ID))["data"].([]any)[0].(map[string]any)["id"].(string)
	clk := e.testClock(t0)
	c := newCko(e.srv, e.acct.Key)
	ckoReceiver := kontortest.NewCkoReceiver(t, e.acct.Key)
	ckoHook := c.register(t, ckoReceiver)
	created := c.do(t, "POST", "/sources", sourceBody(ibanPaid, "single"), nil).want(t, http.StatusCreated).obj(t)
	ckoSource, ckoCustomer := created["id"].(string), created["customer"].(map[string]any)["id"].(string)
	pay := c.pay(t, ckoSource, 4200)
	ckoEvent := ckoReceiver.WaitAccepted(t, "payment_pending", pay).Cko.ID
	ev := e.event("customer.created", cus.ID)

	d := newDash(t, e)
	if st := d.signIn(e.acct.Key); st != http.StatusOK {
		t.Fatalf("sign in: %d", st)
	}
	for kind, id := range map[string]string{
		"charges": ch.ID, "refunds": re.ID, "disputes": dp, "payment_intents": pi.ID, "setup_intents": si.ID,
		"checkout_sessions": cs.ID, "customers": cus.ID, "payment_methods": pm.ID, "sources": src.ID, "mandates": mandate,
		"balance_transactions": ch.BalanceTransaction.ID, "cko_payments": pay, "cko_mandates": ckoSource, "cko_webhooks": ckoHook, "events": ev.ID,
		"webhook_endpoints": e.endpointID(), "test_clocks": clk.ID, "cko_events": ckoEvent,
		"cko_customers": ckoCustomer,
	} {
		if st := d.open("/dashboard/" + kind); st != http.StatusOK {
			t.Errorf("%s list: %d", kind, st)
			continue
		}
		if list := d.text("main"); !strings.Contains(list, id) {
			t.Errorf("%s list lacks %s:\n%s", kind, id, list)
			continue
		}
		if st := d.press(chromedp.CSS(`table.list a[href="/dashboard/` + kind + `/` + id + `"]`)); st != http.StatusOK {
			t.Errorf("%s %s page: %d", kind, id, st)
		}
		if h1 := d.text("h1"); !strings.HasSuffix(h1, id) {
			t.Errorf("%s page heading %q", kind, h1)
		}
		if kind == "cko_payments" || kind == "mandates" || kind == "cko_mandates" || kind == "cko_events" {
			d.shot("dashboard-" + kind)
		}
		d.open("/dashboard/find?q=" + url.QueryEscape(id))
		if loc := d.location(); loc != "/dashboard/"+kind+"/"+id {
			t.Errorf("find %s lands on %s", id, loc)
		}
	}
	d.open("/dashboard/cko_payments/" + pay)
	d.wantText("Checkout.com payment", "€42.00", "Actions", "Authorization", "Capture")
	kontortest.Eventually(t, "the Checkout.com webhook's deliveries", func() bool {
		d.open("/dashboard/cko_webhooks/" + ckoHook)
		return strings.Contains(d.text("main"), "payment_captured")
	})
	d.shot("dashboard-cko-webhook")
	d.open("/dashboard/cko_events/" + ckoEvent)
	d.wantText("Checkout.com event", "payment_pending", pay, "Webhook deliveries")
	if st := d.open("/dashboard/events/" + ckoEvent); st != http.StatusNotFound {
		t.Errorf("a Checkout.com event as a Stripe event: %d", st)
	}
	d.open("/dashboard/cko_customers/" + ckoCustomer)
	d.wantText("Checkout.com customer", "sophie.bonneville@ckomail.com")
	d.open("/dashboard/cko_mandates/" + ckoSource)
	if page := d.wantText("Checkout.com mandate", "masked_account_iban", "7893"); strings.Contains(page, ibanPaid) {
		t.Errorf("a full IBAN on the mandate page:\n%s", page)
	}
}
