package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestIntegerEdges sends integers at and past int64's edges: list filters
// and test clock times answer 400 parameter_invalid_integer instead of
// wrapping (created[gt]=MaxInt64 used to list every object) or scheduling
// timers past the overflow.
func TestIntegerEdges(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	if r := a.Do(t, "POST", "/v1/customers", "name=Edge", nil); r.Status != http.StatusOK {
		t.Fatalf("create customer: %d %s", r.Status, r.Body)
	}
	for _, q := range []string{"created[gt]=9223372036854775807", "created[lt]=-9223372036854775808", "created[gte]=99999999999999"} {
		apiErr(t, a.Do(t, "GET", "/v1/customers?"+q, "", nil), http.StatusBadRequest, "parameter_invalid_integer", "")
	}
	for _, ft := range []string{"9223372036854775807", "-9223372036854775808", "-1"} {
		apiErr(t, a.Do(t, "POST", "/v1/test_helpers/test_clocks", "frozen_time="+ft, nil), http.StatusBadRequest, "parameter_invalid_integer", "frozen_time")
	}
	clk := jsonObj(t, a.Do(t, "POST", "/v1/test_helpers/test_clocks", "frozen_time=1790000000", nil))
	apiErr(t, a.Do(t, "POST", "/v1/test_helpers/test_clocks/"+clk["id"].(string)+"/advance", "frozen_time=9223372036854775807", nil),
		http.StatusBadRequest, "parameter_invalid_integer", "frozen_time")
}

// TestNestedKeyLimits posts the form keys that used to cost +550 MB per
// request (evidence[a][a]… × 340,000, under a made-up key and an
// idempotency key): each answers 400 in Stripe's error shape.
func TestNestedKeyLimits(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	deep := "evidence" + strings.Repeat("[a]", 340000) + "=1"
	for _, h := range []map[string]string{nil, {"Idempotency-Key": "deep-1"}} {
		e := apiErr(t, a.Do(t, "POST", "/v1/disputes/dp_unknown", deep, h), http.StatusBadRequest, "parameter_unknown", "evidence[a][a][a]…")
		if e["type"] != "invalid_request_error" || e["message"] == "" {
			t.Errorf("error = %v", e)
		}
	}
	apiErr(t, a.Do(t, "POST", "/v1/customers", strings.Repeat("description=x&", 2001), nil), http.StatusBadRequest, "parameters_exceeded_max", "")
	apiErr(t, a.Do(t, "GET", "/v1/customers?"+strings.Repeat("k", 501)+"=1", "", nil), http.StatusBadRequest, "parameter_unknown", "")
}

// TestRefusedText sends text that is not text: invalid UTF-8 and NUL in
// Stripe parameters, an unparseable Content-Type, a Checkout.com body with
// invalid UTF-8 and a registration with 20,000 custom headers. Each answers
// the dialect's own error and stores nothing.
func TestRefusedText(t *testing.T) {
	t.Parallel()
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	apiErr(t, a.Do(t, "POST", "/v1/customers", "name=J%FCrgen", nil), http.StatusBadRequest, "parameter_invalid_string", "name")
	apiErr(t, a.Do(t, "POST", "/v1/customers", "description=a%00b", nil), http.StatusBadRequest, "parameter_invalid_string", "description")
	apiErr(t, a.Do(t, "POST", "/v1/customers", "name=x", map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset"}),
		http.StatusBadRequest, "invalid_content_type", "")
	if list := jsonObj(t, a.Do(t, "GET", "/v1/customers", "", nil)); len(list["data"].([]any)) != 0 {
		t.Errorf("refused requests stored customers: %v", list["data"])
	}

	key := newCkoKey()
	cko := func(body string) (int, string) {
		r := s.Do(t, "POST", "/webhooks", body, map[string]string{"Authorization": key, "Content-Type": "application/json"})
		var e struct {
			Type  string   `json:"error_type"`
			Codes []string `json:"error_codes"`
		}
		json.Unmarshal(r.Body, &e)
		return r.Status, e.Type + " " + strings.Join(e.Codes, ",")
	}
	if st, e := cko("{\"url\":\"https://shop.example/h\xff\"}"); st != http.StatusUnprocessableEntity || e != "request_invalid request_body_malformed" {
		t.Errorf("invalid UTF-8: %d %s", st, e)
	}
	var b strings.Builder
	b.WriteString(`{"url":"https://shop.example/hooks","event_types":["payment_paid"],"headers":{`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"x-h%d":"v"`, i)
	}
	b.WriteString(`}}`)
	if st, e := cko(b.String()); st != http.StatusUnprocessableEntity || e != "request_invalid headers_invalid" {
		t.Errorf("20,000 headers: %d %s", st, e)
	}
	if r := s.Do(t, "GET", "/webhooks", "", map[string]string{"Authorization": key}); r.Status != http.StatusNoContent {
		t.Errorf("refused registrations stored: %s", r.Body)
	}
}
