package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// TestAPIVersions: an unknown Stripe-Version is refused as Stripe refuses
// it; every answer names the version it was rendered in (the request's, else
// the account's default); objects and webhook payloads take the shape of
// the requested (or the endpoint's) version.
func TestAPIVersions(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	sc, ctx := a.Client, t.Context()
	get := func(path, version string) (*kontortest.Response, map[string]any) {
		t.Helper()
		h := map[string]string{}
		if version != "" {
			h["Stripe-Version"] = version
		}
		resp := a.Do(t, "GET", path, "", h)
		return resp, resp.JSON(t)
	}

	for _, bad := range []string{"garbage", "1999-99-99", "2022-11-16", "2026-03-25.basil"} {
		resp, body := get("/v1/balance", bad)
		e, _ := body["error"].(map[string]any)
		if resp.Status != http.StatusBadRequest || e["type"] != "invalid_request_error" || e["message"] != "Invalid Stripe API version: "+bad {
			t.Errorf("Stripe-Version %q: %d %s", bad, resp.Status, resp.Body)
		}
	}
	if resp, _ := get("/v1/balance", ""); resp.Header.Get("Stripe-Version") != "2026-03-25.dahlia" {
		t.Errorf("default version header %q", resp.Header.Get("Stripe-Version"))
	}
	if resp, _ := get("/v1/balance", "2026-10-28.endive"); resp.Header.Get("Stripe-Version") != "2026-10-28.endive" {
		t.Errorf("requested version header %q", resp.Header.Get("Stripe-Version"))
	}

	// A charge with a refund, a customer with a source, a PaymentIntent with its charge.
	src, err := sc.V1Sources.Create(ctx, sepaDebitParams("DE89370400440532013000", "Jenny Rosen"))
	if err != nil {
		t.Fatal(err)
	}
	cus, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Source: stripe.String(src.ID)})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sc.V1Charges.Create(ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(2000), Currency: stripe.String("eur"), Customer: stripe.String(cus.ID)})
	if err != nil {
		t.Fatal(err)
	}
	re, err := sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID), Amount: stripe.Int64(500)})
	if err != nil {
		t.Fatal(err)
	}
	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, PaymentMethod: stripe.String("pm_success_de"), Confirm: stripe.Bool(true),
		MandateData: &stripe.PaymentIntentCreateMandateDataParams{CustomerAcceptance: &stripe.PaymentIntentCreateMandateDataCustomerAcceptanceParams{
			Type: stripe.String("offline"), Offline: &stripe.PaymentIntentCreateMandateDataCustomerAcceptanceOfflineParams{}}}})
	if err != nil {
		t.Fatal(err)
	}

	listIDs := func(v any) []string {
		l, _ := v.(map[string]any)
		data, _ := l["data"].([]any)
		var ids []string
		for _, d := range data {
			m, _ := d.(map[string]any)
			id, _ := m["id"].(string)
			ids = append(ids, id)
		}
		return ids
	}
	// charge.refunds is embedded before 2022-11-15.
	if _, c := get("/v1/charges/"+ch.ID, "2022-08-01"); strings.Join(listIDs(c["refunds"]), ",") != re.ID {
		t.Errorf("2022-08-01 charge.refunds = %v", c["refunds"])
	}
	if _, c := get("/v1/charges/"+ch.ID, "2022-11-15"); c["refunds"] != nil {
		t.Errorf("2022-11-15 charge has refunds: %v", c["refunds"])
	}
	// customer.sources is embedded before 2020-08-27.
	if _, c := get("/v1/customers/"+cus.ID, "2020-03-02"); strings.Join(listIDs(c["sources"]), ",") != src.ID {
		t.Errorf("2020-03-02 customer.sources = %v", c["sources"])
	}
	if _, c := get("/v1/customers/"+cus.ID, "2020-08-27"); c["sources"] != nil {
		t.Errorf("2020-08-27 customer has sources: %v", c["sources"])
	}
	// payment_intent.charges instead of latest_charge before 2022-11-15.
	_, old := get("/v1/payment_intents/"+pi.ID, "2022-08-01")
	_, cur := get("/v1/payment_intents/"+pi.ID, "")
	if _, has := old["latest_charge"]; has || len(listIDs(old["charges"])) != 1 || listIDs(old["charges"])[0] != cur["latest_charge"] {
		t.Errorf("2022-08-01 payment intent: charges %v latest_charge %v (today's latest_charge %v)", old["charges"], old["latest_charge"], cur["latest_charge"])
	}
	if _, has := cur["charges"]; has {
		t.Errorf("today's payment intent has charges")
	}

	// The account's default version answers requests that name none.
	if resp := a.Do(t, "POST", "/v1/account", "api_version=2022-08-01", nil); resp.Status != http.StatusOK {
		t.Fatalf("set the account's version: %d %s", resp.Status, resp.Body)
	}
	resp, c := get("/v1/charges/"+ch.ID, "")
	if resp.Header.Get("Stripe-Version") != "2022-08-01" || len(listIDs(c["refunds"])) != 1 {
		t.Errorf("account default: header %q refunds %v", resp.Header.Get("Stripe-Version"), c["refunds"])
	}
	if resp := a.Do(t, "POST", "/v1/account", "api_version=2022-13-01", nil); resp.Status != http.StatusBadRequest ||
		resp.Error(t)["param"] != "api_version" {
		t.Errorf("unknown account version: %d %s", resp.Status, resp.Body)
	}
	if resp := a.Do(t, "POST", "/v1/webhook_endpoints", "url=https://example.com/h&enabled_events[]=*&api_version=garbage", nil); resp.Status != http.StatusBadRequest ||
		resp.Error(t)["param"] != "api_version" {
		t.Errorf("unknown endpoint version: %d %s", resp.Status, resp.Body)
	}
	if resp := a.Do(t, "POST", "/v1/account", "api_version=2026-03-25.dahlia", nil); resp.Status != http.StatusOK {
		t.Fatalf("set the account's version back: %d %s", resp.Status, resp.Body)
	}

	// Webhook payloads follow the endpoint's version.
	oldHook, newHook := kontortest.NewReceiver(t), kontortest.NewReceiver(t)
	oldEP, err := sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String(oldHook.URL),
		EnabledEvents: []*string{stripe.String("charge.updated")}, APIVersion: stripe.String("2022-08-01")})
	if err != nil {
		t.Fatal(err)
	}
	newEP, err := sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{URL: stripe.String(newHook.URL),
		EnabledEvents: []*string{stripe.String("charge.updated")}})
	if err != nil {
		t.Fatal(err)
	}
	up := &stripe.ChargeUpdateParams{}
	up.AddMetadata("order", "6735")
	if _, err := sc.V1Charges.Update(ctx, ch.ID, up); err != nil {
		t.Fatal(err)
	}
	payload := func(r *kontortest.Receiver, secret string) map[string]any {
		t.Helper()
		d := r.Wait(t, "charge.updated "+ch.ID, func(d kontortest.Delivery) bool {
			return strings.Contains(string(d.Payload), `"charge.updated"`) && strings.Contains(string(d.Payload), ch.ID)
		})
		if _, err := webhook.ConstructEventWithOptions(d.Payload, d.Signature, secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}); err != nil {
			t.Errorf("signature: %v", err)
		}
		var ev map[string]any
		json.Unmarshal(d.Payload, &ev)
		return ev
	}
	evOld, evNew := payload(oldHook, oldEP.Secret), payload(newHook, newEP.Secret)
	objOld, _ := evOld["data"].(map[string]any)["object"].(map[string]any)
	objNew, _ := evNew["data"].(map[string]any)["object"].(map[string]any)
	if evOld["api_version"] != "2022-08-01" || len(listIDs(objOld["refunds"])) != 1 {
		t.Errorf("2022-08-01 endpoint: api_version %v refunds %v", evOld["api_version"], objOld["refunds"])
	}
	if evNew["api_version"] != "2026-03-25.dahlia" || objNew["refunds"] != nil {
		t.Errorf("default endpoint: api_version %v refunds %v", evNew["api_version"], objNew["refunds"])
	}
}
