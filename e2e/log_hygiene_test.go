package e2e

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestLogsHoldNoSecrets runs flows that carry full IBANs, secret keys and
// webhook secrets through both dialects with debug logging on, and checks
// that none of them reaches the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var logs kontortest.Buffer
	s := kontortest.Start(t, kontortest.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	a := s.NewAccount(t)
	rcv := kontortest.NewReceiver(t)

	ibans := []string{"DE89370400440532013000", "AT611904300234573201", "NL39RABO0300065264", "DE25100100101234567893"}
	do := func(a *kontortest.Account, method, path, body string, h map[string]string) okResponse {
		return okResponse{a.Do(t, method, path, body, h)}
	}
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	we := do(a, "POST", "/v1/webhook_endpoints", form("url", rcv.URL, "enabled_events[]", "*"), nil).ok(t)
	whsec, _ := we["secret"].(string)
	rcv.SetSecret(whsec)
	src := do(a, "POST", "/v1/sources", form("type", "sepa_debit", "currency", "eur", "owner[name]", "Jenny Rosen",
		"sepa_debit[iban]", ibans[0]), nil).ok(t)
	do(a, "POST", "/v1/customers", form("email", "jenny@example.com", "source", src["id"].(string)), nil).ok(t)
	do(a, "POST", "/v1/payment_methods", form("type", "sepa_debit", "sepa_debit[iban]", ibans[1],
		"billing_details[name]", "Jenny Rosen"), nil).ok(t)
	sct := do(a, "POST", "/v1/sources", form("type", "sepa_credit_transfer", "currency", "eur", "owner[name]", "Jenny Rosen",
		"owner[email]", "jenny@example.com", "receiver[refund_attributes_method]", "manual"), nil).ok(t)
	do(a, "POST", "/v1/sources/"+sct["id"].(string), form("sepa_credit_transfer[refund_iban]", ibans[2],
		"sepa_credit_transfer[refund_account_holder_name]", "Jenny Rosen"), nil).ok(t)
	// An invalid IBAN in a failing request must not be logged either.
	do(a, "POST", "/v1/payment_methods", form("type", "sepa_debit", "sepa_debit[iban]", "DE00370400440532013099"), nil)

	cko := newCkoKey()
	s.Do(t, "POST", "/sources", `{"type":"sepa","source_data":{"first_name":"Sophie","last_name":"Bonneville","account_iban":"`+ibans[3]+
		`","bic":"PBNKDEFFXXX","billing_descriptor":"Thanks","mandate_type":"recurring"},"billing_address":{"address_line1":"101 Avenue de Gaulle","city":"Paris","zip":"75013","country":"FR"}}`,
		map[string]string{"Authorization": cko, "Content-Type": "application/json"})
	// A rejected key is echoed only redacted.
	wrong := "sk_test_" + strings.Repeat("Z", 30) + "WRONG"
	do(a, "GET", "/v1/customers", "", map[string]string{"Authorization": "Bearer " + wrong})

	kontortest.Eventually(t, "the customer.created webhook", func() bool { return len(rcv.Deliveries()) > 0 })
	out := logs.String()
	if !strings.Contains(out, `"request"`) {
		t.Fatalf("the log recorded no requests; the check would prove nothing:\n%s", out)
	}
	secrets := append([]string{a.Key, cko, whsec, wrong, "DE00370400440532013099"}, ibans...)
	for _, sec := range secrets {
		if sec != "" && strings.Contains(out, sec) {
			t.Errorf("the log contains %q", sec)
		}
	}
}

// okResponse asserts a 2xx before decoding.
type okResponse struct{ *kontortest.Response }

func (r okResponse) ok(t *testing.T) map[string]any {
	t.Helper()
	if r.Status/100 != 2 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	return r.JSON(t)
}
