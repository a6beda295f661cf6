package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// TestDeleteCustomerDetaches deletes a customer with two sources and a
// payment method attached: as Stripe does, the sources are detached
// (consumed, customer.source.deleted, no customer left on them) and the
// payment method is detached (payment_method.detached, its mandate
// inactive) before customer.deleted; none of them can be charged after.
func TestDeleteCustomerDetaches(t *testing.T) {
	e := newEnv(t, envOptions{})
	first := e.sepaDebit("DE89370400440532013000", "")
	second := e.sepaDebit("AT611904300234573201", "")
	cus := jsonObj(t, e.post("/v1/customers", url.Values{"source": {first.ID}}))["id"].(string)
	jsonObj(t, e.post("/v1/customers/"+cus+"/sources", url.Values{"source": {second.ID}}))
	si := jsonObj(t, e.post("/v1/setup_intents", url.Values{"customer": {cus}, "confirm": {"true"}, "payment_method_types[]": {"sepa_debit"},
		"payment_method_data[type]": {"sepa_debit"}, "payment_method_data[sepa_debit][iban]": {"DE89370400440532013000"},
		"payment_method_data[billing_details][name]": {"Jenny Rosen"}, "mandate_data[customer_acceptance][type]": {"offline"}}))
	pm, _ := si["payment_method"].(string)
	mandate, _ := si["mandate"].(string)
	if si["status"] != "succeeded" || pm == "" || mandate == "" {
		t.Fatalf("SetupIntent: %v", si)
	}

	del := jsonObj(t, e.acct.Do(t, "DELETE", "/v1/customers/"+cus, "", nil))
	if del["deleted"] != true {
		t.Fatalf("delete: %v", del)
	}
	for _, id := range []string{first.ID, second.ID} {
		s := jsonObj(t, e.get("/v1/sources/"+id))
		if s["customer"] != nil || s["status"] != "consumed" {
			t.Errorf("source %s after its customer was deleted: customer %v, status %v", id, s["customer"], s["status"])
		}
		if got := e.eventsOf(id); !slices.Contains(got, "customer.source.deleted") {
			t.Errorf("source %s events = %v, want customer.source.deleted", id, got)
		}
		apiErr(t, e.post("/v1/charges", url.Values{"amount": {"1000"}, "currency": {"eur"}, "source": {id}}),
			http.StatusBadRequest, "invalid_source_usage", "source")
	}
	if got := jsonObj(t, e.get("/v1/payment_methods/"+pm)); got["customer"] != nil {
		t.Errorf("payment method customer = %v after the customer was deleted", got["customer"])
	}
	if got := e.eventsOf(pm); !slices.Contains(got, "payment_method.detached") {
		t.Errorf("payment method events = %v, want payment_method.detached", got)
	}
	if m := jsonObj(t, e.get("/v1/mandates/"+mandate)); m["status"] != "inactive" {
		t.Errorf("mandate status = %v, want inactive", m["status"])
	}
	// customer.deleted comes last, and no customer.updated for the default source.
	evs := eventTypes(events(t, e.acct, &stripe.EventListParams{}))
	if evs[0] != "customer.deleted" {
		t.Errorf("latest events = %v, want customer.deleted first", evs[:4])
	}
	for _, typ := range evs[:4] {
		if typ == "customer.updated" {
			t.Errorf("deleting the customer announced customer.updated: %v", evs[:4])
		}
	}
}
