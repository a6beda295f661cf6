package ckoapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/engine"
)

func TestSecretKey(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808", "sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"},
		{"Bearer sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"},
		{"bearer  sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808 ", "sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"},
		// checkout-sdk-node merges a registration's custom authorization header into its own.
		{"sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808, node-1234", "sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"},
		{"node-1234, Bearer sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"},
		// The SDK's rarer check characters and its optional underscore.
		{"Bearer sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4*", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4*"},
		{"Bearer sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4#", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4#"},
		{"Bearer sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4$", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4$"},
		{"Bearer sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4=", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4="},
		{"Bearer sk_sboxm73dzbpy7cf3gfd46xr4yj5xo4e", "sk_sboxm73dzbpy7cf3gfd46xr4yj5xo4e"},
		{"node-1234", ""},
		{"pk_test_abc", ""},
		{"sk_live_abc", ""},
		{"", ""},
		{"Basic c2tfdGVzdF9hYmM6", ""},
		// Made-up keys are no keys: only the shapes Checkout.com issues count.
		{"sk_test_abc", ""},
		{"sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f80", ""},
		{"sk_test_0b9b5db6f22349d0b68ff6643dd4f808", ""},
		{"sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f80g", ""},
		{"sk_0b9b5db6-f223-49d0-b68f-f6643dd4f808", ""}, // live, previous platform
		{"sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4", ""},
		{"sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e1", ""},
		{"sk_sbox_M73dzbpy7cf3gfd46xr4yj5xo4e", ""},
		{"sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo*e", ""}, // a check character only at the end
		{"sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4!", ""},
		{"sk_m73dzbpy7cf3gfd46xr4yj5xo4e", ""}, // live, current platform
		{"sk_test_m73dzbpy7cf3gfd46xr4yj5xo4e", ""},
	} {
		if got := secretKey(tc.header); got != tc.want {
			t.Errorf("secretKey(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestParseObject(t *testing.T) {
	for _, raw := range []string{"", "  ", "null", " null\n", "{}"} {
		o, err := parseObject([]byte(raw))
		if err != nil || len(o) != 0 {
			t.Errorf("parseObject(%q) = %v, %v; want an empty object", raw, o, err)
		}
	}
	for _, raw := range []string{"[]", `"x"`, "1", "{", `{"a":1}{"b":2}`, "nul"} {
		if _, err := parseObject([]byte(raw)); toAPIError(err).status != http.StatusUnprocessableEntity {
			t.Errorf("parseObject(%q) = %v, want a 422", raw, err)
		}
	}
	o, err := parseObject([]byte(`{"amount": 12345678901, "half": 1.5, "exp": 1e3, "s": "x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := o.int("amount"); !ok || n != 12345678901 {
		t.Errorf("amount = %d, %v", n, ok)
	}
	for _, k := range []string{"half", "exp", "s", "missing"} {
		if _, ok := o.int(k); ok {
			t.Errorf("int(%q) accepted", k)
		}
	}
}

func FuzzParseObject(f *testing.F) {
	for _, s := range []string{"", "null", "{}", `{"source":{"type":"id","id":"src_x"},"amount":5600,"currency":"EUR"}`, "[1]", "{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := parseObject(raw)
		if err != nil {
			return // errors are fine, panics are not
		}
		// Every validator must cope with whatever parsed.
		parseCreateSource(o)
		parseCreatePayment(o)
		parseWebhook(o, true)
		parseWebhook(o, false)
	})
}

func TestPaymentStatus(t *testing.T) {
	failed := "insufficient_funds"
	for _, tc := range []struct {
		name     string
		c        engine.Charge
		refunded int64
		paidOut  bool
		want     string
	}{
		{"pending", engine.Charge{Status: "pending", Amount: 100}, 0, false, statusPending},
		{"canceled", engine.Charge{Status: "failed", Canceled: true, Amount: 100}, 0, false, statusCanceled},
		{"declined", engine.Charge{Status: "failed", FailureCode: &failed, Amount: 100}, 0, false, statusDeclined},
		{"captured", engine.Charge{Status: "succeeded", Amount: 100}, 0, false, statusCaptured},
		{"paid", engine.Charge{Status: "succeeded", Amount: 100}, 0, true, statusPaid},
		{"partially refunded", engine.Charge{Status: "succeeded", Amount: 100}, 40, true, statusPartiallyRefunded},
		{"refunded before payout", engine.Charge{Status: "succeeded", Amount: 100}, 100, false, statusRefunded},
	} {
		if got := paymentStatus(&tc.c, tc.refunded, tc.paidOut); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestIDs(t *testing.T) {
	shape := regexp.MustCompile(`^act_[a-z2-7]{26}$`)
	a, b := actionID("pay_x", actionCapture), actionID("pay_x", actionCapture)
	if a != b || !shape.MatchString(a) {
		t.Errorf("actionID = %q, %q", a, b)
	}
	if actionID("pay_x", actionVoid) == a || actionID("pay_y", actionCapture) == a {
		t.Error("action ids collide")
	}
	if id := newID("pay_"); !regexp.MustCompile(`^pay_[a-z2-7]{26}$`).MatchString(id) {
		t.Errorf("newID = %q", id)
	}
	if id := newRequestID(); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("request id = %q", id)
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{engine.Invalid("account_invalid", "iban", "x"), 422, "account_iban_invalid"},
		{engine.NotFound("source.id", "source", "src_x"), 422, "source_id_invalid"},
		{engine.NotFound("charge", "charge", "pay_x"), 404, ""},
		{engine.Errorf(engine.KindState, "refund_not_allowed", "charge", "x"), 403, "refund_not_allowed"},
		{engine.Errorf(engine.KindState, "charge_expired_for_refund", "charge", "x"), 403, "refund_period_expired"},
		{engine.Errorf(engine.KindState, "amount_too_large", "amount", "x"), 422, "refund_amount_exceeds_balance"},
		{&engine.Error{Kind: engine.KindState, Code: "mandate_inactive", Param: "mandate", Data: map[string]string{"end_reason": "lapsed"}}, 422, "mandate_expired"},
		{&engine.Error{Kind: engine.KindState, Code: "mandate_inactive", Param: "mandate", Data: map[string]string{"end_reason": "consumed"}}, 422, "mandate_already_used"},
		{engine.Errorf(engine.KindState, "something_new", "", "x"), 422, "something_new"},
		{&engine.Error{Kind: engine.KindAuth}, 401, ""},
		{&engine.Error{Kind: engine.KindInternal, Code: "x"}, 500, ""},
		{json.Unmarshal([]byte("{"), new(any)), 500, ""},
	} {
		e := toAPIError(tc.err)
		code := ""
		if len(e.codes) > 0 {
			code = e.codes[0]
		}
		if e.status != tc.status || code != tc.code {
			t.Errorf("%v: %d %q, want %d %q", tc.err, e.status, code, tc.status, tc.code)
		}
		if (e.status == 401 || e.status == 404 || e.status == 500) && e.hasBody() {
			t.Errorf("%v: a %d has a body", tc.err, e.status)
		}
	}
}

// TestParseObjectRefusesBadText refuses bodies the JSON decoder would
// otherwise store with U+FFFD in place of invalid bytes, and NUL characters.
func TestParseObjectRefusesBadText(t *testing.T) {
	for _, raw := range []string{"{\"reference\":\"a\xffb\"}", "{\"a\xc0\x80\":1}", `{"reference":"a\u0000b"}`, `{"a\u0000":1}`,
		`{"metadata":{"k":["x","\u0000"]}}`} {
		_, err := parseObject([]byte(raw))
		if e := toAPIError(err); e.status != http.StatusUnprocessableEntity || len(e.codes) != 1 || e.codes[0] != "request_body_malformed" {
			t.Errorf("parseObject(%q) = %v, want 422 request_body_malformed", raw, err)
		}
	}
	if o, err := parseObject([]byte(`{"reference":"Grüße \ufffd"}`)); err != nil || o["reference"] != "Grüße \ufffd" {
		t.Errorf("valid text: %v %v", o, err)
	}
}

// TestWebhookHeaderLimits refuses registrations whose custom headers every
// delivery would carry past the limits: 20,000 of them, too many bytes,
// names that are not tokens, values with control characters.
func TestWebhookHeaderLimits(t *testing.T) {
	many := map[string]any{}
	for i := range 20000 {
		many["x-h"+strconv.Itoa(i)] = "v"
	}
	justMany := map[string]any{}
	for i := range MaxWebhookHeaders + 1 {
		justMany["x-h"+strconv.Itoa(i)] = "v"
	}
	for name, h := range map[string]map[string]any{
		"20,000 headers":           many,
		"one header too many":      justMany,
		"too many bytes":           {"x-a": strings.Repeat("v", MaxWebhookHeaderBytes)},
		"a name with a space":      {"x a": "v"},
		"a name with a colon":      {"x:a": "v"},
		"a name of 257 bytes":      {strings.Repeat("x", 257): "v"},
		"a value with a newline":   {"x-a": "v\r\nx-b: w"},
		"a value with a control":   {"x-a": "v\x01"},
		"a value that is a number": {"x-a": json.Number("1")},
	} {
		_, err := parseWebhook(object{"url": "https://shop.example/hooks", "headers": h}, true)
		if e := toAPIError(err); e.status != http.StatusUnprocessableEntity || !slices.Contains(e.codes, "headers_invalid") {
			t.Errorf("%s: %v, want 422 headers_invalid", name, err)
		}
	}
	ok := map[string]any{"authorization": "node-1234", "x-tab": "a\tb"}
	for i := range MaxWebhookHeaders - 2 {
		ok["x-h"+strconv.Itoa(i)] = "v"
	}
	if _, err := parseWebhook(object{"url": "https://shop.example/hooks", "headers": ok, "event_types": []any{"payment_paid"}}, true); err != nil {
		t.Errorf("%d valid headers: %v", len(ok), err)
	}
}

// TestChargebackAt announces a chargeback the bank returned before the
// payout in the second after it, and a later one when it came.
func TestChargebackAt(t *testing.T) {
	paid := time.Date(2031, 3, 3, 10, 0, 4, 500e6, time.UTC)
	for _, tc := range []struct {
		returned time.Time
		paysOut  bool
		want     time.Time
	}{
		{paid.Add(-2 * time.Second), true, time.Date(2031, 3, 3, 10, 0, 5, 0, time.UTC)},
		{paid, true, time.Date(2031, 3, 3, 10, 0, 5, 0, time.UTC)},
		{paid.AddDate(0, 1, 0), true, paid.AddDate(0, 1, 0).Truncate(time.Second)},
		{paid.Add(-2 * time.Second), false, paid.Add(-2 * time.Second).Truncate(time.Second)},
	} {
		got := chargebackAt(&engine.Dispute{Meta: engine.Meta{Created: tc.returned.Unix()}}, paid, tc.paysOut)
		if !got.Equal(tc.want) {
			t.Errorf("returned %s, pays out %v: %s, want %s", tc.returned, tc.paysOut, got, tc.want)
		}
	}
}

// TestParseObjectRefusesLoneSurrogates: an escaped half of a surrogate
// pair is refused like invalid UTF-8; real pairs, escaped backslashes and
// a U+FFFD sent as such pass.
func TestParseObjectRefusesLoneSurrogates(t *testing.T) {
	for _, raw := range []string{`{"a":"\ud800"}`, `{"a":"\uDFFF"}`, `{"a":"x\ud83dy"}`, `{"a":"\ud83d\u0041"}`,
		`{"a":"\udc00\ud800"}`, `{"\ud800":1}`, `{"a":["ok","\ud800"]}`, `{"a":"\ud83d\\ude00"}`, `{"a":"\ud83d"}`} {
		if _, err := parseObject([]byte(raw)); err == nil {
			t.Errorf("parseObject(%s) accepted a lone surrogate", raw)
		} else if e, ok := err.(*apiError); !ok || e.status != 422 || e.codes[0] != "request_body_malformed" {
			t.Errorf("parseObject(%s) = %v, want 422 request_body_malformed", raw, err)
		}
	}
	for _, raw := range []string{`{"a":"\ud83d\ude00"}`, `{"a":"\uD83D\uDE00 and \u00e9"}`, `{"a":"\\ud800"}`, `{"a":"\\\ud83d\ude00"}`,
		`{"a":"\ufffd"}`, "{\"a\":\"\xef\xbf\xbd\"}", `{"a":"\u0041\ud7ff\ue000"}`} {
		if _, err := parseObject([]byte(raw)); err != nil {
			t.Errorf("parseObject(%s) = %v, want it accepted", raw, err)
		}
	}
}
