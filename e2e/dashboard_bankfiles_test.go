package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
	"github.com/kontorpay/kontor/e2e/kontortest"
)

// connectBank gives an account the iso20022 bank connection and its
// collection account, so that it exchanges bank files.
func connectBank(t *testing.T, a *kontortest.Account) {
	t.Helper()
	form := url.Values{"bank_connection": {"iso20022"}, "bank_account[iban]": {"DE89370400440532013000"},
		"bank_account[bic]": {"COBADEFFXXX"}, "bank_account[name]": {"Kontor Test GmbH"}}
	if r := a.Do(t, http.MethodPost, "/v1/account", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != http.StatusOK {
		t.Fatalf("bank settings: %d %s", r.Status, r.Body)
	}
}

// importNotification imports a camt.054 with one credit from iban and
// returns the bank file's id.
func importNotification(t *testing.T, a *kontortest.Account, msgID, iban string) (string, []byte) {
	t.Helper()
	xml := testbank.Notification("2019", msgID, time.Date(2026, 4, 2, 16, 0, 0, 0, time.UTC), "DE89370400440532013000", []testbank.Entry{
		{Credit: true, Amount: 1099, BookingDate: "2026-04-02", EndToEndID: "py-unknown", Counterparty: "Jenny Rosen", CounterpartyIBAN: iban},
		{Credit: true, Amount: 10, BookingDate: "2026-04-03", Pending: true},
	})
	r := a.Do(t, http.MethodPost, "/v1/bank_files/import", string(xml), map[string]string{"Content-Type": "application/xml"})
	if r.Status != http.StatusOK {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	return jsonObj(t, r)["id"].(string), xml
}

// sessionGet fetches a dashboard URL with the browser's session cookie.
func (d *dash) sessionGet(path string) (*http.Response, []byte) {
	d.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.e.srv.URL+path, nil)
	for _, c := range d.cookies() {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		d.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestDashboardBankFiles lists an imported bank file in Chromium, opens its
// page (counts, the content with IBANs masked), finds it by id, filters by
// direction and downloads the XML exactly as imported; another account's
// file is not found, to see or to download.
func TestDashboardBankFiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	connectBank(t, e.acct)
	const payer = "DE25100100101234567893"
	id, xml := importNotification(t, e.acct, "BANK-CAMT054-DASH", payer)
	other := e.srv.NewAccount(t)
	connectBank(t, other)
	theirs, _ := importNotification(t, other, "BANK-CAMT054-OTHER", payer)

	d := newDash(t, e)
	if st := d.signIn(e.acct.Key); st != http.StatusOK {
		t.Fatalf("sign in: %d", st)
	}
	if st := d.open("/dashboard/bank_files"); st != http.StatusOK {
		t.Fatalf("bank files list: %d", st)
	}
	list := d.wantText("bank files list", id, "inbound", "camt.054.001.08", "BANK-CAMT054-DASH", "11.09", "processed")
	if strings.Contains(list, theirs) {
		t.Errorf("another account's bank file in the list:\n%s", list)
	}
	d.shot("dashboard-bank-files")
	if st := d.press(chromedp.CSS(`table.list a[href="/dashboard/bank_files/` + id + `"]`)); st != http.StatusOK {
		t.Fatalf("bank file page: %d", st)
	}
	page := d.wantText("bank file page", "Bank file "+id, "number_of_transactions", "summary.unmatched", "Download the XML")
	if strings.Contains(page, payer) {
		t.Errorf("the bank file page shows a full IBAN:\n%s", page)
	}
	if err := chromedp.Do(d.ctx, chromedp.Click(`section[aria-labelledby=file-h] summary`, chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	content := d.text(`section[aria-labelledby=file-h] pre`)
	if !strings.Contains(content, "BANK-CAMT054-DASH") || !strings.Contains(content, "DE••••••••••••••••7893") || strings.Contains(content, payer) {
		t.Errorf("the content shown:\n%s", content)
	}
	d.shot("dashboard-bank-file")
	attr, err := chromedp.Run(d.ctx, chromedp.AttributeValue(chromedp.ID("download"), "href"))
	href := attr.Value
	if err != nil || href != "/dashboard/bank_files/"+id+"/content" {
		t.Fatalf("download link %q (%v)", href, err)
	}
	resp, body := d.sessionGet(href)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, xml) || resp.Header.Get("Content-Type") != "application/xml; charset=utf-8" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="`+id+`.xml"` {
		t.Errorf("download: %d %v, %d bytes, the same as imported: %v", resp.StatusCode, resp.Header, len(body), bytes.Equal(body, xml))
	}

	d.open("/dashboard/find?q=" + id)
	if loc := d.location(); loc != "/dashboard/bank_files/"+id {
		t.Errorf("find %s lands on %s", id, loc)
	}
	d.open("/dashboard/bank_files?direction=outbound")
	if page := d.text("main"); strings.Contains(page, id) {
		t.Errorf("an inbound file among the outbound ones:\n%s", page)
	}

	// Another account's file: the same Not found as a made-up id.
	for _, path := range []string{"/dashboard/bank_files/" + theirs, "/dashboard/find?q=" + theirs, "/dashboard/bank_files/bkf_nope"} {
		if st := d.open(path); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, st)
		}
	}
	for _, path := range []string{"/dashboard/bank_files/" + theirs + "/content", "/dashboard/bank_files/bkf_nope/content"} {
		if resp, body := d.sessionGet(path); resp.StatusCode != http.StatusNotFound || bytes.Contains(body, []byte("BANK-CAMT054-OTHER")) {
			t.Errorf("download %s: %d", path, resp.StatusCode)
		}
	}
	// Signed out, the download leads to the sign-in form.
	if st, loc := plainGet(t, e.srv.URL+"/dashboard/bank_files/"+id+"/content", "nope"); st != http.StatusSeeOther || loc != "/dashboard/signin" {
		t.Errorf("download without a session: %d %s", st, loc)
	}
}
