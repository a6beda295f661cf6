package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestCkoSandboxEndpoints drives the Events, payments-by-reference,
// customers and disputes endpoints on a test clock: what they list, how
// they page and filter, their bad requests, and that another account sees
// none of it.
func TestCkoSandboxEndpoints(t *testing.T) {
	e := newEnv(t, envOptions{Cko: true})
	s, c := e.srv, e.cko()
	other := newCko(s, newCkoKey())
	rcv := kontortest.NewCkoReceiver(t, c.key)
	hook := c.register(t, rcv)
	t0 := time.Date(2032, 6, 1, 8, 0, 0, 0, time.UTC)
	clock := testClock(t, s, c.key, t0)
	src := c.source(t, ibanCBFunds, "recurring", map[string]any{"test_clock": clock, "customer": map[string]any{"email": "ada@example.com"}})
	pay := c.do(t, "POST", "/payments", map[string]any{"source": map[string]any{"type": "id", "id": src}, "amount": 4200,
		"currency": "EUR", "reference": "ORDER-77"}, nil).want(t, http.StatusAccepted).obj(t)["id"].(string)

	// Before the bank returns the debit there is no dispute.
	if got := c.do(t, "GET", "/disputes", nil, nil).want(t, http.StatusOK).obj(t); got["total_count"] != float64(0) {
		t.Errorf("disputes before the chargeback = %v", got)
	}
	advance(t, e.acct, clock, t0.AddDate(0, 0, 20))
	rcv.WaitAccepted(t, "payment_chargeback", pay)

	t.Run("events", func(t *testing.T) {
		all := c.do(t, "GET", "/events?payment_id="+pay, nil, nil).want(t, http.StatusOK).obj(t)
		data := all["data"].([]any)
		if all["total_count"] != float64(4) || len(data) != 4 || all["limit"] != float64(10) || all["skip"] != float64(0) {
			t.Fatalf("events = %v", all)
		}
		newest := data[0].(map[string]any)
		if newest["type"] != "payment_chargeback" || !strings.HasPrefix(newest["created_on"].(string), "2032-06-01T08:00:") {
			t.Errorf("newest event = %v, want the chargeback on the clock's day", newest)
		}
		// from/to bound created_on: only the chargeback is after the payout's second.
		paid := data[1].(map[string]any)
		on, _ := time.Parse(time.RFC3339Nano, paid["created_on"].(string))
		after := c.do(t, "GET", "/events?payment_id="+pay+"&from="+on.Add(time.Second).Truncate(time.Second).Format(time.RFC3339), nil, nil).
			want(t, http.StatusOK).obj(t)
		if after["total_count"] != float64(1) || after["data"].([]any)[0].(map[string]any)["type"] != "payment_chargeback" {
			t.Errorf("events from after the payout = %v", after)
		}
		if r := c.do(t, "GET", "/events?to="+t0.Add(-time.Hour).Format(time.RFC3339), nil, nil).want(t, http.StatusNoContent); len(r.Body) != 0 {
			t.Errorf("no events: %q", r.Body)
		}
		c.do(t, "GET", "/events?limit=0", nil, nil).wantCodes(t, http.StatusUnprocessableEntity, "paging_limit_invalid")
		c.do(t, "GET", "/events?limit=101&skip=-1", nil, nil).wantCodes(t, http.StatusUnprocessableEntity, "paging_limit_invalid", "paging_skip_invalid")
		c.do(t, "GET", "/events?from=2032-06-02T00:00:00Z&to=2032-06-01T00:00:00Z", nil, nil).wantCodes(t, http.StatusUnprocessableEntity, "paging_to_invalid")
		types := c.do(t, "GET", "/event-types?version=2.0", nil, nil).want(t, http.StatusOK).arr(t)
		if len(types) != 1 || types[0]["version"] != "2.0" {
			t.Errorf("event types = %v", types)
		}
		if old := c.do(t, "GET", "/event-types?version=1.0", nil, nil).want(t, http.StatusOK).arr(t); len(old) != 0 {
			t.Errorf("version 1.0 types = %v", old)
		}

		// A notification is the delivery; a retry adds one, for this registration only.
		id := newest["id"].(string)
		// The delivery is recorded as succeeded once the receiver's answer is in.
		var ntfs []any
		kontortest.Eventually(t, "the notification's success", func() bool {
			ntfs = c.do(t, "GET", "/events/"+id, nil, nil).want(t, http.StatusOK).obj(t)["notifications"].([]any)
			return len(ntfs) == 1 && ntfs[0].(map[string]any)["success"] == true
		})
		if ntfs[0].(map[string]any)["url"] != rcv.URL {
			t.Fatalf("notifications = %v", ntfs)
		}
		ntf := ntfs[0].(map[string]any)["id"].(string)
		n := c.do(t, "GET", "/events/"+id+"/notifications/"+ntf, nil, nil).want(t, http.StatusOK).obj(t)
		if n["content_type"] != "json" || len(n["attempts"].([]any)) != 1 {
			t.Errorf("notification = %v", n)
		}
		if r := c.do(t, "POST", "/events/"+id+"/webhooks/"+hook+"/retry", "", nil).want(t, http.StatusAccepted); len(r.Body) != 0 {
			t.Errorf("retry body %q", r.Body)
		}
		kontortest.Eventually(t, "the retried delivery", func() bool {
			n := 0
			for _, d := range rcv.Deliveries() {
				if d.Cko.ID == id {
					n++
				}
			}
			return n == 2
		})
		ntfs = c.do(t, "GET", "/events/"+id, nil, nil).want(t, http.StatusOK).obj(t)["notifications"].([]any)
		if len(ntfs) != 2 {
			t.Fatalf("notifications after a retry = %v", ntfs)
		}
		kontortest.Eventually(t, "the manual attempt", func() bool {
			n := c.do(t, "GET", "/events/"+id+"/notifications/"+ntfs[1].(map[string]any)["id"].(string), nil, nil).want(t, http.StatusOK).obj(t)
			at := n["attempts"].([]any)
			return len(at) == 1 && at[0].(map[string]any)["send_mode"] == "manual"
		})
		// Another account sees none of it.
		other.do(t, "GET", "/events/"+id, nil, nil).want(t, http.StatusNotFound)
		other.do(t, "GET", "/events/"+id+"/notifications/"+ntf, nil, nil).want(t, http.StatusNotFound)
		other.do(t, "POST", "/events/"+id+"/webhooks/retry", "", nil).want(t, http.StatusNotFound)
		other.do(t, "POST", "/events/"+id+"/webhooks/"+hook+"/retry", "", nil).want(t, http.StatusNotFound)
		other.do(t, "GET", "/events?payment_id="+pay, nil, nil).want(t, http.StatusNoContent)
		// Its own registration is no registration of this account's events.
		ownHook := other.register(t, kontortest.NewCkoReceiver(t, other.key))
		c.do(t, "POST", "/events/"+id+"/webhooks/"+ownHook+"/retry", "", nil).want(t, http.StatusNotFound)
	})

	t.Run("payments by reference", func(t *testing.T) {
		list := c.do(t, "GET", "/payments?reference=ORDER-77", nil, nil).want(t, http.StatusOK).obj(t)
		if list["total_count"] != float64(1) || list["data"].([]any)[0].(map[string]any)["id"] != pay {
			t.Errorf("payments = %v", list)
		}
		c.do(t, "GET", "/payments", nil, nil).wantCodes(t, http.StatusUnprocessableEntity, "reference_required")
		c.do(t, "GET", "/payments?reference=ORDER-77&limit=500", nil, nil).wantCodes(t, http.StatusUnprocessableEntity, "paging_limit_invalid")
		if list := other.do(t, "GET", "/payments?reference=ORDER-77", nil, nil).want(t, http.StatusOK).obj(t); list["total_count"] != float64(0) {
			t.Errorf("another account lists %v", list)
		}
	})

	t.Run("customers", func(t *testing.T) {
		cus := c.do(t, "GET", "/customers/ada@example.com", nil, nil).want(t, http.StatusOK).obj(t)
		id := cus["id"].(string)
		if !ckoID("cus").MatchString(id) || cus["email"] != "ada@example.com" {
			t.Fatalf("customer = %v", cus)
		}
		// A refused change changes nothing.
		c.do(t, "PATCH", "/customers/"+id, map[string]any{"name": "Ada L.", "metadata": map[string]any{"a": map[string]any{"b": 1}}}, nil).
			wantCodes(t, http.StatusUnprocessableEntity, "metadata_invalid")
		if got := c.do(t, "GET", "/customers/"+id, nil, nil).want(t, http.StatusOK).obj(t); got["name"] != nil {
			t.Errorf("a refused PATCH changed the customer: %v", got)
		}
		c.do(t, "PATCH", "/customers/"+id, map[string]any{"name": "Ada L.", "metadata": map[string]any{"tier": "gold"}}, nil).want(t, http.StatusNoContent)
		c.do(t, "PATCH", "/customers/"+id, map[string]any{"metadata": map[string]any{"vip": true}}, nil).want(t, http.StatusNoContent)
		got := c.do(t, "GET", "/customers/"+id, nil, nil).want(t, http.StatusOK).obj(t)
		if md := got["metadata"].(map[string]any); got["name"] != "Ada L." || len(md) != 1 || md["vip"] != "true" {
			t.Errorf("customer = %v, want the name kept and the metadata replaced", got)
		}
		other.do(t, "GET", "/customers/"+id, nil, nil).want(t, http.StatusNotFound)
		other.do(t, "PATCH", "/customers/"+id, map[string]any{"name": "x"}, nil).want(t, http.StatusNotFound)
		other.do(t, "DELETE", "/customers/"+id, nil, nil).want(t, http.StatusNotFound)
		c.do(t, "DELETE", "/customers/"+id, nil, nil).want(t, http.StatusNoContent)
		c.do(t, "GET", "/customers/"+id, nil, nil).want(t, http.StatusNotFound)
		c.do(t, "GET", "/customers/ada@example.com", nil, nil).want(t, http.StatusNotFound)
		// Stripe's customers are not Checkout.com's.
		st := stripeForm(t, s, c.key, "POST", "/v1/customers", nil)
		c.do(t, "GET", "/customers/"+st["id"].(string), nil, nil).want(t, http.StatusNotFound)
	})

	t.Run("disputes", func(t *testing.T) {
		list := c.do(t, "GET", "/disputes?payment_reference=ORDER-77", nil, nil).want(t, http.StatusOK).obj(t)
		if list["total_count"] != float64(1) {
			t.Fatalf("disputes = %v", list)
		}
		d := list["data"].([]any)[0].(map[string]any)
		acts := c.do(t, "GET", "/payments/"+pay+"/actions", nil, nil).want(t, http.StatusOK).arr(t)
		if d["payment_id"] != pay || d["status"] != "lost" || d["reason_code"] != "AM04" || d["amount"] != float64(4200) ||
			d["payment_action_id"] != acts[0]["id"] || d["received_on"] != acts[0]["processed_on"] {
			t.Errorf("dispute = %v, actions %v", d, acts)
		}
		id := d["id"].(string)
		c.do(t, "PUT", "/disputes/"+id+"/evidence", map[string]any{"proof_of_delivery_or_service_text": "x"}, nil).
			wantCodes(t, http.StatusForbidden, "dispute_evidence_not_allowed")
		other.do(t, "POST", "/disputes/"+id+"/accept", "", nil).want(t, http.StatusNotFound)
		c.do(t, "POST", "/disputes/"+id+"/accept", "", nil).want(t, http.StatusNoContent)
		c.do(t, "POST", "/disputes/"+id+"/accept", "", nil).want(t, http.StatusNoContent)
		if got := c.do(t, "GET", "/disputes/"+id, nil, nil).want(t, http.StatusOK).obj(t); got["status"] != "accepted" {
			t.Errorf("accepted dispute = %v", got)
		}
		if l := c.do(t, "GET", "/disputes?statuses=lost", nil, nil).want(t, http.StatusOK).obj(t); l["total_count"] != float64(0) {
			t.Errorf("lost disputes = %v", l)
		}
		c.do(t, "GET", "/disputes?limit=251", nil, nil).wantCodes(t, http.StatusUnprocessableEntity, "paging_limit_invalid")
		if l := other.do(t, "GET", "/disputes", nil, nil).want(t, http.StatusOK).obj(t); l["total_count"] != float64(0) {
			t.Errorf("another account lists %v", l)
		}
	})
}
