package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
	"github.com/kontorpay/kontor/e2e/kontortest"
)

// importFile posts a bank file's XML to /v1/bank_files/import.
func (e *env) importFile(xml []byte, contentType string) *kontortest.Response {
	e.t.Helper()
	return e.acct.Do(e.t, http.MethodPost, "/v1/bank_files/import", string(xml), map[string]string{"Content-Type": contentType})
}

// TestBankFileSettingsAndImport walks an account from the simulator to
// ISO 20022 files: every missing or invalid setting is named, a bank's
// notification is imported, counted and kept, the same message again and bad
// files change nothing.
func TestBankFileSettingsAndImport(t *testing.T) {
	e := newEnv(t, envOptions{})
	acct := jsonObj(t, e.get("/v1/account"))
	if acct["bank_connection"] != "simulator" || acct["bank_account"] != nil {
		t.Fatalf("a new account: bank_connection %v, bank_account %v", acct["bank_connection"], acct["bank_account"])
	}
	notification := testbank.Notification("2019", "BANK-CAMT054-1", time.Date(2026, 4, 2, 16, 0, 0, 0, time.UTC), "DE89370400440532013000", []testbank.Entry{
		{Credit: true, Amount: 1099, BookingDate: "2026-04-02", EndToEndID: "py-unknown", Counterparty: "Jenny Rosen", CounterpartyIBAN: "DE25100100101234567893"},
		{Credit: false, Amount: 2000, BookingDate: "2026-04-02", EndToEndID: "py-other", ReturnReason: "MD06"},
		{Credit: true, Amount: 5000, BookingDate: "2026-04-02", Remittance: "SRC REF"},
		{Credit: true, Amount: 10, BookingDate: "2026-04-03", Pending: true},
	})
	xml := "application/xml"

	// Files need the iso20022 connection, then the collection account.
	apiErr(t, e.importFile(notification, xml), http.StatusBadRequest, "bank_connection_simulator", "bank_connection")
	apiErr(t, e.post("/v1/account", url.Values{"bank_connection": {"bank"}}), http.StatusBadRequest, "parameter_invalid_enum", "bank_connection")
	jsonObj(t, e.post("/v1/account", url.Values{"bank_connection": {"iso20022"}}))
	apiErr(t, e.importFile(notification, xml), http.StatusBadRequest, "parameter_missing", "bank_account[iban]")
	apiErr(t, e.post("/v1/account", url.Values{"bank_account[iban]": {"BE41539007547035"}}), http.StatusBadRequest, "invalid_bank_account_iban", "bank_account[iban]")
	apiErr(t, e.post("/v1/account", url.Values{"bank_account[iban]": {"DE89370400440532013000"}, "bank_account[bic]": {"COBADEFFX01"}}),
		http.StatusBadRequest, "invalid_bic", "bank_account[bic]")
	if a := jsonObj(t, e.get("/v1/account")); a["bank_account"] != nil {
		t.Fatalf("a refused setting was kept: %v", a["bank_account"])
	}
	jsonObj(t, e.post("/v1/account", url.Values{"bank_account[iban]": {"de89 3704 0044 0532 0130 00"}, "bank_account[bic]": {"cobadeffxxx"}}))
	apiErr(t, e.importFile(notification, xml), http.StatusBadRequest, "parameter_missing", "bank_account[name]")
	acct = jsonObj(t, e.post("/v1/account", url.Values{"bank_account[name]": {"Kontor Test GmbH"}}))
	ba, _ := acct["bank_account"].(map[string]any)
	if acct["bank_connection"] != "iso20022" || ba["last4"] != "3000" || ba["bic"] != "COBADEFFXXX" || ba["name"] != "Kontor Test GmbH" || ba["country"] != "DE" {
		t.Errorf("account after the settings: %v", rawJSON(acct))
	}
	if strings.Contains(string(e.get("/v1/account").Body), "0532013000") {
		t.Error("GET /v1/account shows the full IBAN")
	}

	// A notification: nothing was exported, so every booked entry is unmatched.
	f := jsonObj(t, e.importFile(notification, xml+"; charset=utf-8"))
	sum, _ := f["summary"].(map[string]any)
	if f["object"] != "bank_file" || !strings.HasPrefix(f["id"].(string), "bkf_") || f["direction"] != "inbound" || f["type"] != "camt.054.001.08" ||
		f["message_id"] != "BANK-CAMT054-1" || f["status"] != "processed" || f["number_of_transactions"] != float64(4) || f["control_sum"] != float64(8109) ||
		sum["applied"] != float64(0) || sum["ignored"] != float64(1) || sum["unmatched"] != float64(3) {
		t.Errorf("imported file %s", rawJSON(f))
	}
	id := f["id"].(string)

	// The same message again, and bad files of every kind, change nothing.
	msg := apiErr(t, e.importFile(notification, xml), http.StatusBadRequest, "bank_file_invalid", "")["message"].(string)
	if !strings.Contains(msg, "BANK-CAMT054-1") || !strings.Contains(msg, id) {
		t.Errorf("duplicate import: %s", msg)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"malformed", string(notification[:200]), "not well-formed"},
		{"not ISO 20022", "<invoice/>", "root element is invoice"},
		{"an export", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"><CstmrDrctDbtInitn/></Document>`, "not a bank report"},
		{"schema", strings.Replace(string(notification), "<MsgId>BANK-CAMT054-1</MsgId>", "", 1), "GrpHdr/MsgId: missing"},
	} {
		e := apiErr(t, e.importFile([]byte(tc.body), xml), http.StatusBadRequest, "bank_file_invalid", "")
		if m, _ := e["message"].(string); !strings.Contains(m, tc.want) {
			t.Errorf("%s: message %q, want %q", tc.name, m, tc.want)
		}
	}
	apiErr(t, e.importFile(notification, "application/x-www-form-urlencoded"), http.StatusBadRequest, "invalid_content_type", "")
	apiErr(t, e.importFile(nil, xml), http.StatusBadRequest, "bank_file_invalid", "")

	// Listing, filters, the file and its content.
	count := func(q string) int {
		l := jsonObj(t, e.get("/v1/bank_files"+q))
		data, _ := l["data"].([]any)
		return len(data)
	}
	if n := count(""); n != 1 {
		t.Errorf("%d bank files after one import and refusals, want 1", n)
	}
	if count("?direction=inbound") != 1 || count("?direction=outbound") != 0 || count("?type=camt.054.001.08") != 1 || count("?type=pain.002.001.10") != 0 {
		t.Error("bank file filters")
	}
	apiErr(t, e.get("/v1/bank_files?direction=sideways"), http.StatusBadRequest, "parameter_invalid_enum", "direction")
	if g := jsonObj(t, e.get("/v1/bank_files/"+id)); g["id"] != id || g["message_id"] != "BANK-CAMT054-1" {
		t.Errorf("GET bank file %s", rawJSON(g))
	}
	c := e.get("/v1/bank_files/" + id + "/content")
	if c.Status != http.StatusOK || c.Header.Get("Content-Type") != "application/xml" || string(c.Body) != string(notification) {
		t.Errorf("content: %d %s, %d bytes", c.Status, c.Header.Get("Content-Type"), len(c.Body))
	}
	apiErr(t, e.get("/v1/bank_files/bkf_missing"), http.StatusNotFound, "resource_missing", "id")

	// Another account sees none of it.
	other := e.srv.NewAccount(t)
	apiErr(t, other.Do(t, http.MethodGet, "/v1/bank_files/"+id, "", nil), http.StatusNotFound, "resource_missing", "id")
	apiErr(t, other.Do(t, http.MethodGet, "/v1/bank_files/"+id+"/content", "", nil), http.StatusNotFound, "resource_missing", "id")
}
