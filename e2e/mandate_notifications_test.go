package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// TestMandateNotificationMethod charges SEPA Direct Debit sources whose
// mandate[notification_method] differs: manual (and none given) announces
// each debit to the merchant by source.mandate_notification; email
// (Stripe tells the payer) and none announce nothing to the merchant. The
// method can be changed on the source.
func TestMandateNotificationMethod(t *testing.T) {
	e := newEnv(t, envOptions{})
	source := func(method string) string {
		form := url.Values{"type": {"sepa_debit"}, "currency": {"eur"}, "sepa_debit[iban]": {"DE89370400440532013000"},
			"owner[name]": {"Jenny Rosen"}}
		if method != "" {
			form.Set("mandate[notification_method]", method)
		}
		return jsonObj(t, e.post("/v1/sources", form))["id"].(string)
	}
	notified := func(src string) int {
		n := 0
		for _, ev := range events(t, e.acct, &stripe.EventListParams{Type: stripe.String("source.mandate_notification")}) {
			if s, _ := ev.Data.Object["source"].(map[string]any); s["id"] == src {
				n++
			}
		}
		return n
	}
	charge := func(src string) {
		cus := jsonObj(t, e.post("/v1/customers", url.Values{"source": {src}}))["id"].(string)
		jsonObj(t, e.post("/v1/charges", url.Values{"amount": {"1000"}, "currency": {"eur"}, "customer": {cus}, "source": {src}}))
	}
	for _, c := range []struct {
		method string
		events int
	}{{"", 1}, {"manual", 1}, {"email", 0}, {"stripe_email", 0}, {"none", 0}, {"deprecated_none", 0}} {
		src := source(c.method)
		charge(src)
		if got := notified(src); got != c.events {
			t.Errorf("notification_method %q: %d source.mandate_notification events, want %d", c.method, got, c.events)
		}
	}

	// Switching a source to email ends the merchant's notifications; back to manual resumes them.
	src := source("manual")
	jsonObj(t, e.post("/v1/sources/"+src, url.Values{"mandate[notification_method]": {"email"}}))
	charge(src)
	if got := notified(src); got != 0 {
		t.Errorf("after switching to email: %d events", got)
	}
	jsonObj(t, e.post("/v1/sources/"+src, url.Values{"mandate[notification_method]": {"manual"}}))
	jsonObj(t, e.post("/v1/charges", url.Values{"amount": {"1000"}, "currency": {"eur"}, "customer": {customerOf(t, e, src)}, "source": {src}}))
	if got := notified(src); got != 1 {
		t.Errorf("after switching back to manual: %d events, want 1", got)
	}

	apiErr(t, e.post("/v1/sources", url.Values{"type": {"sepa_debit"}, "currency": {"eur"}, "sepa_debit[iban]": {"DE89370400440532013000"},
		"owner[name]": {"Jenny Rosen"}, "mandate[notification_method]": {"sms"}}), http.StatusBadRequest, "parameter_invalid_enum", "mandate[notification_method]")
	sct := e.creditTransfer("jenny@example.com", "")
	apiErr(t, e.post("/v1/sources/"+sct.ID, url.Values{"mandate[notification_method]": {"email"}}), http.StatusBadRequest, "parameter_unknown", "mandate[notification_method]")
}

// customerOf returns the id of the customer a source is attached to.
func customerOf(t *testing.T, e *env, src string) string {
	t.Helper()
	cus, _ := jsonObj(t, e.get("/v1/sources/"+src))["customer"].(string)
	if cus == "" {
		t.Fatalf("source %s has no customer", src)
	}
	return cus
}
