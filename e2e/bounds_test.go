package e2e

import (
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
