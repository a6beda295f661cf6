package e2e

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/sepa"
	"github.com/kontorpay/kontor/web"
)

// pageClient fetches hosted pages as a browser without JavaScript would,
// but hands back redirects instead of following them.
var pageClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// hostedPage is a fetched hosted page.
type hostedPage struct {
	status   int
	header   http.Header
	body     string
	location string
}

func fetchPage(t *testing.T, method, rawURL string, form url.Values) hostedPage {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = pageClient.Get(rawURL)
	} else {
		resp, err = pageClient.PostForm(rawURL, form)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return hostedPage{status: resp.StatusCode, header: resp.Header, body: string(b), location: resp.Header.Get("Location")}
}

var (
	formAction   = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	hiddenSecret = regexp.MustCompile(`<input type="hidden" name="client_secret" value="([^"]+)">`)
)

// submitSofortPage reads the authorisation page's form and presses one of
// its buttons, as a browser would: it returns the answer to the POST.
func submitSofortPage(t *testing.T, base, pageURL, decision string) hostedPage {
	t.Helper()
	pg := fetchPage(t, http.MethodGet, pageURL, nil)
	if pg.status != http.StatusOK {
		t.Fatalf("GET page: %d %s", pg.status, pg.body)
	}
	a, s := formAction.FindStringSubmatch(pg.body), hiddenSecret.FindStringSubmatch(pg.body)
	if a == nil || s == nil {
		t.Fatalf("page has no form: %s", pg.body)
	}
	return fetchPage(t, http.MethodPost, base+html.UnescapeString(a[1]), url.Values{"client_secret": {html.UnescapeString(s[1])}, "decision": {decision}})
}

// TestSofortAuthorizationPage drives the hosted Sofort page with plain HTTP.
func TestSofortAuthorizationPage(t *testing.T) {
	e := newEnv(t, payments)
	const ret = "https://shop.example/return?order=42&source=stale&client_secret=old&livemode=true"
	p := sofortParams(1099)
	p.Redirect.ReturnURL = stripe.String(ret)
	p.StatementDescriptor = stripe.String("ORDER AT11990")
	s := e.createSource(p)

	pg := fetchPage(t, http.MethodGet, s.Redirect.URL, nil)
	if pg.status != http.StatusOK || !strings.HasPrefix(pg.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET page: %d %s", pg.status, pg.header.Get("Content-Type"))
	}
	for _, want := range []string{"€ 10.99", "ORDER AT11990", "Germany (DE)", html.EscapeString(ret),
		`<html lang="en">`, "<main", "<h1>", `method="post"`,
		`>Authorize test payment</button>`, `>Fail test payment</button>`} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(pg.body, "<button"); n != 2 {
		t.Errorf("page has %d buttons, want 2", n)
	}
	if strings.Contains(pg.body, "<script") {
		t.Errorf("page uses JavaScript")
	}
	for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := pg.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := pg.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "form-action") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	css := fetchPage(t, http.MethodGet, e.srv.URL+"/hosted/static/kontor.css", nil)
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", css.status, css.header.Get("Content-Type"))
	}

	// Authorize: 303 to the return URL with source, livemode and
	// client_secret replacing the same-named parameters; others stay.
	res := submitSofortPage(t, e.srv.URL, s.Redirect.URL, "authorize")
	if res.status != http.StatusSeeOther {
		t.Fatalf("POST authorize: %d %s", res.status, res.body)
	}
	loc, err := url.Parse(res.location)
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if loc.Scheme != "https" || loc.Host != "shop.example" || loc.Path != "/return" || q.Get("order") != "42" ||
		q.Get("source") != s.ID || q.Get("livemode") != "false" || q.Get("client_secret") != s.ClientSecret ||
		len(q["source"]) != 1 || len(q["client_secret"]) != 1 || len(q["livemode"]) != 1 {
		t.Errorf("Location = %s", res.location)
	}
	ev := e.event("source.chargeable", s.ID)
	if ev.Request != nil && ev.Request.ID != "" {
		t.Errorf("an event caused by the payer's page carries an API request id: %+v", ev.Request)
	}
	got := e.source(s.ID)
	if got.Status != "chargeable" || got.Redirect.Status != "succeeded" || got.Sofort.IBANLast4 == "" {
		t.Errorf("after authorize: %s", rawJSON(got))
	}
	// A second submission, of either button, changes nothing but still redirects.
	for _, d := range []string{"authorize", "fail"} {
		res2 := fetchPage(t, http.MethodPost, s.Redirect.URL, url.Values{"client_secret": {s.ClientSecret}, "decision": {d}})
		if res2.status != http.StatusSeeOther || res2.location != res.location {
			t.Errorf("second %s: %d %s", d, res2.status, res2.location)
		}
	}
	if st := e.source(s.ID).Status; st != "chargeable" {
		t.Errorf("after second submissions: %s", st)
	}
	e.wantEvents(s.ID, "source.chargeable")
	// The page now tells what happened and links back, without buttons.
	done := fetchPage(t, http.MethodGet, s.Redirect.URL, nil)
	if done.status != http.StatusOK || strings.Contains(done.body, "<button") || !strings.Contains(done.body, "You authorized this test payment") ||
		!strings.Contains(done.body, html.EscapeString(res.location)) {
		t.Errorf("page after authorisation: %d %s", done.status, done.body)
	}

	// Fail: the source fails with redirect.failure_reason and the payer returns too.
	f := e.createSource(sofortParams(500))
	res = submitSofortPage(t, e.srv.URL, f.Redirect.URL, "fail")
	if res.status != http.StatusSeeOther {
		t.Fatalf("POST fail: %d %s", res.status, res.body)
	}
	loc, _ = url.Parse(res.location)
	if loc.Query().Get("source") != f.ID || loc.Query().Get("order") != "42" || loc.Query().Get("client_secret") != f.ClientSecret {
		t.Errorf("Location after fail = %s", res.location)
	}
	e.event("source.failed", f.ID)
	got = e.source(f.ID)
	if got.Status != "failed" || got.Redirect.Status != "failed" || got.Redirect.FailureReason != "user_abort" {
		t.Errorf("after fail: %s", rawJSON(got.Redirect))
	}
	if res2 := fetchPage(t, http.MethodPost, f.Redirect.URL, url.Values{"client_secret": {f.ClientSecret}, "decision": {"authorize"}}); res2.status != http.StatusSeeOther {
		t.Errorf("second submission after fail: %d", res2.status)
	}
	if st := e.source(f.ID).Status; st != "failed" {
		t.Errorf("a failed source was authorised by a second submission: %s", st)
	}

	// An app URI return URL works the same way.
	app := sofortParams(100)
	app.Redirect.ReturnURL = stripe.String("myapp://checkout/done")
	a := e.createSource(app)
	res = submitSofortPage(t, e.srv.URL, a.Redirect.URL, "authorize")
	loc, _ = url.Parse(res.location)
	if res.status != http.StatusSeeOther || loc.Scheme != "myapp" || loc.Host != "checkout" || loc.Query().Get("source") != a.ID {
		t.Errorf("app URI: %d %s", res.status, res.location)
	}

	// A wrong or missing client secret, an unknown source and another
	// account answer 404 and change nothing.
	victim := e.createSource(sofortParams(700))
	bad := strings.Replace(victim.Redirect.URL, victim.ClientSecret, "src_client_secret_wrong", 1)
	other := e.srv.NewAccount(t)
	mustCustomer(t, other, nil)
	otherAcct := jsonObj(t, other.Do(t, http.MethodGet, "/v1/account", "", nil))["id"].(string)
	myAcct := jsonObj(t, e.get("/v1/account"))["id"].(string)
	for name, u := range map[string]string{
		"wrong secret":   bad,
		"no secret":      strings.Split(victim.Redirect.URL, "?")[0],
		"unknown source": strings.Replace(victim.Redirect.URL, victim.ID, "src_nope", 1),
		"other account":  strings.Replace(victim.Redirect.URL, myAcct, otherAcct, 1),
		"unknown prefix": strings.Replace(victim.Redirect.URL, victim.ID, "xx_"+victim.ID, 1),
	} {
		if pg := fetchPage(t, http.MethodGet, u, nil); pg.status != http.StatusNotFound || !strings.Contains(pg.body, "<h1>") {
			t.Errorf("GET %s: %d", name, pg.status)
		}
		if pg := fetchPage(t, http.MethodPost, u, url.Values{"decision": {"authorize"}}); pg.status != http.StatusNotFound {
			t.Errorf("POST %s: %d", name, pg.status)
		}
	}
	if pg := fetchPage(t, http.MethodPost, victim.Redirect.URL, url.Values{"client_secret": {"src_client_secret_wrong"}, "decision": {"authorize"}}); pg.status != http.StatusNotFound {
		t.Errorf("POST with a wrong secret in the form: %d", pg.status)
	}
	if pg := fetchPage(t, http.MethodPost, victim.Redirect.URL, url.Values{"client_secret": {victim.ClientSecret}, "decision": {"maybe"}}); pg.status != http.StatusBadRequest {
		t.Errorf("POST with an unknown decision: %d", pg.status)
	}
	if st := e.source(victim.ID).Status; st != "pending" {
		t.Errorf("rejected submissions changed the source: %s", st)
	}
	e.wantEvents(victim.ID)
	if pg := fetchPage(t, http.MethodGet, e.srv.URL+"/hosted/nothing-here", nil); pg.status != http.StatusNotFound {
		t.Errorf("unknown hosted path: %d", pg.status)
	}
	// A SEPA Direct Debit source has no authorisation page.
	sd := e.sepaDebit("DE89370400440532013000", "")
	if pg := fetchPage(t, http.MethodGet, web.AuthorizeURL(e.srv.URL, myAcct, sd.ID, sd.ClientSecret), nil); pg.status != http.StatusNotFound {
		t.Errorf("authorisation page of a sepa_debit source: %d", pg.status)
	}
}

// TestSofortPageDefaultDescriptor: without its own descriptor the page shows the account's.
func TestSofortPageDefaultDescriptor(t *testing.T) {
	e := newEnv(t, payments)
	e.setAccount(url.Values{"statement_descriptor": {"ROCKET RIDES"}})
	p := sofortParams(123456)
	p.Params.Extra = nil
	p.AddExtra("sofort[country]", "AT")
	s := e.createSource(p)
	pg := fetchPage(t, http.MethodGet, s.Redirect.URL, nil)
	for _, want := range []string{"€ 1234.56", "ROCKET RIDES", "Austria (AT)"} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestMandatePage covers sepa_debit.mandate_url: the mandate the customer
// accepted, with the creditor, its identifier, the reference, the masked
// IBAN, the date and the authorisation text.
func TestMandatePage(t *testing.T) {
	e := newEnv(t, payments)
	cid, err := sepa.NewCreditorID("DE", "ZZZ", "01234567890")
	if err != nil {
		t.Fatal(err)
	}
	e.setAccount(url.Values{"business_name": {"Rocket Rides GmbH"}, "creditor_id": {string(cid)}})
	clk := e.testClock(t0)
	p := sepaDebitParams("DE89370400440532013000", "Jenny Rosen")
	p.AddExtra("test_clock", clk.ID)
	s := e.createSource(p)
	if !strings.HasPrefix(s.SEPADebit.MandateURL, e.srv.URL+"/hosted/") {
		t.Fatalf("mandate_url = %q", s.SEPADebit.MandateURL)
	}
	pg := fetchPage(t, http.MethodGet, s.SEPADebit.MandateURL, nil)
	if pg.status != http.StatusOK {
		t.Fatalf("GET mandate page: %d %s", pg.status, pg.body)
	}
	body := html.UnescapeString(pg.body)
	for _, want := range []string{"Rocket Rides GmbH", string(cid), s.SEPADebit.MandateReference, "Jenny Rosen",
		"DE•• •••• •••• 3000", "2 March 2026", web.MandateText("Rocket Rides GmbH"),
		"you authorise (A) Rocket Rides GmbH and its payment service provider to send instructions to your bank to debit your account",
		"eight weeks starting from the date on which your account was debited", "statement that you can obtain from your bank"} {
		if !strings.Contains(body, want) {
			t.Errorf("mandate page lacks %q", want)
		}
	}
	for _, leak := range []string{"DE89370400440532013000", "370400440532013000", "DE89 3704"} {
		if strings.Contains(body, leak) {
			t.Errorf("mandate page shows the full IBAN (%q)", leak)
		}
	}
	if strings.Contains(pg.body, "<script") {
		t.Errorf("mandate page uses JavaScript")
	}
	bad := strings.Replace(s.SEPADebit.MandateURL, s.ClientSecret, "src_client_secret_wrong", 1)
	if pg := fetchPage(t, http.MethodGet, bad, nil); pg.status != http.StatusNotFound {
		t.Errorf("wrong secret: %d", pg.status)
	}
	so := e.sofort(1099, "", "")
	acct := jsonObj(t, e.get("/v1/account"))["id"].(string)
	if pg := fetchPage(t, http.MethodGet, web.MandateURL(e.srv.URL, acct, so.ID, so.ClientSecret), nil); pg.status != http.StatusNotFound {
		t.Errorf("mandate page of a sofort source: %d", pg.status)
	}
	// The mandate keeps the creditor it was accepted for.
	e.setAccount(url.Values{"business_name": {"Another Name AG"}})
	if body := fetchPage(t, http.MethodGet, s.SEPADebit.MandateURL, nil).body; !strings.Contains(body, "Rocket Rides GmbH") {
		t.Errorf("the mandate page changed with the account's name")
	}
}
