//go:build faults

package faults

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// bad is one malformed request of the corpus.
type bad struct {
	name   string
	method string
	path   string
	body   string
	header map[string]string // "" deletes a header; Content-Type defaults to the dialect's
}

// stripeCorpus: malformed Stripe requests. Each must answer 4xx with
// Stripe's error envelope (type, message; doc_url beside a code) and
// change nothing.
func stripeCorpus() []bad {
	deep := "a" + strings.Repeat("[a]", 20) + "=1"
	long := strings.Repeat("k", 600) + "=1"
	many := strings.Repeat("metadata[k]=v&", 2100)
	huge := "description=" + strings.Repeat("x", 1<<20+10)
	post := func(name, path, body string) bad { return bad{name: name, method: "POST", path: path, body: body} }
	get := func(name, path string) bad { return bad{name: name, method: "GET", path: path} }
	return []bad{
		post("no amount", "/v1/charges", "currency=eur"),
		post("amount not a number", "/v1/charges", "amount=ten&currency=eur"),
		post("amount a float", "/v1/charges", "amount=10.5&currency=eur"),
		post("amount overflows int64", "/v1/charges", "amount=9223372036854775808&currency=eur"),
		post("amount MinInt64", "/v1/charges", "amount=-9223372036854775808&currency=eur"),
		post("amount a hash", "/v1/charges", "amount[x]=1&currency=eur"),
		post("amount an array", "/v1/charges", "amount[]=1&currency=eur"),
		post("unknown currency", "/v1/charges", "amount=100&currency=xyz&source=src_nope"),
		post("unknown parameter", "/v1/customers", "colour=blue"),
		post("unknown nested parameter", "/v1/customers", "address[planet]=mars"),
		post("empty email hash", "/v1/customers", "email[]=x"),
		post("metadata not a hash", "/v1/customers", "metadata=oops"),
		post("metadata key too long", "/v1/customers", "metadata["+strings.Repeat("k", 41)+"]=v"),
		post("metadata value too long", "/v1/customers", "metadata[k]="+strings.Repeat("v", 501)),
		post("51 metadata keys", "/v1/customers", metadataKeys(51)),
		post("invalid UTF-8 value", "/v1/customers", "name=J%FCrgen"),
		post("NUL in a value", "/v1/customers", "name=a%00b"),
		post("invalid UTF-8 key", "/v1/customers", "%FF=1"),
		post("a lone surrogate in UTF-8", "/v1/customers", "name=%ED%A0%80"),
		post("bad percent escape", "/v1/customers", "name=%zz"),
		post("key too deep", "/v1/customers", deep),
		post("key too long", "/v1/customers", long),
		post("too many parameters", "/v1/customers", many),
		post("body over 1 MiB", "/v1/customers", huge),
		{name: "JSON body", method: "POST", path: "/v1/customers", body: `{"email":"a@b.c"}`, header: map[string]string{"Content-Type": "application/json"}},
		{name: "unparseable Content-Type", method: "POST", path: "/v1/customers", body: "email=a", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded;;;=="}},
		{name: "no key", method: "POST", path: "/v1/customers", body: "email=a", header: map[string]string{"Authorization": ""}},
		{name: "malformed key", method: "POST", path: "/v1/customers", body: "email=a", header: map[string]string{"Authorization": "Bearer sk_live_\u00e9x"}},
		{name: "basic auth not base64", method: "GET", path: "/v1/customers", header: map[string]string{"Authorization": "Basic !!!"}},
		{name: "unknown auth scheme", method: "GET", path: "/v1/customers", header: map[string]string{"Authorization": "Digest x"}},
		{name: "publishable key on a secret endpoint", method: "POST", path: "/v1/customers", body: "email=a", header: map[string]string{"Authorization": "Bearer pk_test_abc"}},
		post("enum out of range", "/v1/payment_intents", "amount=100&currency=eur&capture_method=later"),
		post("boolean not a boolean", "/v1/payment_intents", "amount=100&currency=eur&confirm=maybe"),
		post("array with a gap", "/v1/payment_intents", "amount=100&currency=eur&payment_method_types[0]=sepa_debit&payment_method_types[2]=sofort"),
		post("source without type", "/v1/sources", "currency=eur"),
		post("sepa source with a bad IBAN", "/v1/sources", "type=sepa_debit&sepa_debit[iban]=DE00000000000000000000&currency=eur&owner[name]=J"),
		post("sepa source IBAN a hash", "/v1/sources", "type=sepa_debit&sepa_debit[iban][x]=1&currency=eur"),
		post("mandate acceptance date negative", "/v1/sources", "type=sepa_debit&sepa_debit[iban]=DE89370400440532013000&currency=eur&owner[name]=J&mandate[acceptance][date]=-1"),
		post("mandate acceptance date after 9999", "/v1/sources", "type=sepa_debit&sepa_debit[iban]=DE89370400440532013000&currency=eur&owner[name]=J&mandate[acceptance][date]=253402300800"),
		post("refund of nothing", "/v1/refunds", "amount=100"),
		post("refund of an unknown charge", "/v1/refunds", "charge=ch_nope"),
		post("refund amount overflows", "/v1/refunds", "charge=ch_nope&amount=99999999999999999999"),
		post("test clock without time", "/v1/test_helpers/test_clocks", "name=x"),
		post("test clock MaxInt64", "/v1/test_helpers/test_clocks", "frozen_time=9223372036854775807"),
		post("test clock MinInt64", "/v1/test_helpers/test_clocks", "frozen_time=-9223372036854775808"),
		post("test clock negative", "/v1/test_helpers/test_clocks", "frozen_time=-1"),
		post("test clock after 9999", "/v1/test_helpers/test_clocks", "frozen_time=253402300800"),
		post("test clock time a hash", "/v1/test_helpers/test_clocks", "frozen_time[gt]=1"),
		post("advance an unknown clock", "/v1/test_helpers/test_clocks/clock_nope/advance", "frozen_time=1"),
		post("checkout session without mode", "/v1/checkout/sessions", "success_url=https://example.com"),
		post("checkout expires_at MaxInt64", "/v1/checkout/sessions", "mode=payment&success_url=https://example.com/s&expires_at=9223372036854775807"),
		post("checkout expires_at in the past", "/v1/checkout/sessions", "mode=payment&success_url=https://example.com/s&expires_at=1"),
		post("checkout quantity 0", "/v1/checkout/sessions", "mode=payment&success_url=https://example.com/s&line_items[0][quantity]=0&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=100&line_items[0][price_data][product_data][name]=x"),
		post("checkout quantity overflows", "/v1/checkout/sessions", "mode=payment&success_url=https://example.com/s&line_items[0][quantity]=9223372036854775807&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=100&line_items[0][price_data][product_data][name]=x"),
		post("checkout unit amount negative", "/v1/checkout/sessions", "mode=payment&success_url=https://example.com/s&line_items[0][quantity]=1&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=-1&line_items[0][price_data][product_data][name]=x"),
		post("javascript: success URL", "/v1/checkout/sessions", "mode=payment&success_url=javascript:alert(1)"),
		post("webhook endpoint without URL", "/v1/webhook_endpoints", "enabled_events[]=*"),
		post("webhook endpoint with a bad URL", "/v1/webhook_endpoints", "url=not%20a%20url&enabled_events[]=*"),
		post("webhook endpoint with an unknown event", "/v1/webhook_endpoints", "url=https://example.com/h&enabled_events[]=no.such.event"),
		get("list limit 0", "/v1/customers?limit=0"),
		get("list limit 101", "/v1/customers?limit=101"),
		get("list limit MaxInt64", "/v1/customers?limit=9223372036854775807"),
		get("list limit negative", "/v1/customers?limit=-1"),
		get("list limit overflows", "/v1/customers?limit=99999999999999999999"),
		get("list created[gt] MaxInt64", "/v1/customers?created[gt]=9223372036854775807"),
		get("list created[lt] MinInt64", "/v1/customers?created[lt]=-9223372036854775808"),
		get("list created with an unknown operator", "/v1/customers?created[ne]=1"),
		get("list created a word", "/v1/customers?created=yesterday"),
		get("list after an unknown id", "/v1/customers?starting_after=cus_nope"),
		get("search without query", "/v1/customers/search"),
		get("search limit 0", "/v1/customers/search?query=email:%22a%22&limit=0"),
		get("search limit MaxInt64", "/v1/customers/search?query=email:%22a%22&limit=9223372036854775807"),
		get("search query unparseable", "/v1/customers/search?query=email:%22"),
		get("events created overflow", "/v1/events?created[gte]=99999999999999999999"),
		get("unknown customer", "/v1/customers/cus_nope"),
		get("unknown route", "/v1/nothing_here"),
		get("expand too deep", "/v1/charges?expand[]=data.customer.default_source.customer.default_source.customer"),
		{name: "idempotency key too long", method: "POST", path: "/v1/customers", body: "email=a", header: map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}},
		{name: "unknown Stripe-Version", method: "POST", path: "/v1/customers", body: "email=a", header: map[string]string{"Stripe-Version": "1999-01-01"}},
	}
}

func metadataKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("metadata[k" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "]=v")
	}
	return b.String()
}

// ckoCorpus: malformed Checkout.com requests. Each must answer 4xx: 401
// and 404 without a body, the others with request_id, error_type and
// error_codes; and change nothing.
func ckoCorpus() []bad {
	post := func(name, path, body string) bad { return bad{name: name, method: "POST", path: path, body: body} }
	src := `{"type":"id","id":"src_nope"}`
	return []bad{
		post("empty object", "/payments", `{}`),
		post("not JSON", "/payments", `amount=100`),
		post("truncated JSON", "/payments", `{"amount":100,`),
		post("two objects", "/payments", `{}{}`),
		post("an array", "/payments", `[1,2]`),
		post("a string", "/payments", `"x"`),
		post("invalid UTF-8", "/payments", "{\"reference\":\"J\xfcrgen\"}"),
		post("NUL escape", "/payments", `{"reference":"a\u0000b"}`),
		post("NUL escape in a key", "/payments", `{"a\u0000":1}`),
		// A webhook registration that only its surrogates spoil.
		post("lone high surrogate", "/webhooks", `{"url":"https://example.com/s0","event_types":["payment_paid"],"headers":{"X-A":"\ud800"}}`),
		post("lone low surrogate", "/webhooks", `{"url":"https://example.com/s1","event_types":["payment_paid"],"headers":{"X-A":"a\udfffb"}}`),
		post("reversed surrogate pair", "/webhooks", `{"url":"https://example.com/s2","event_types":["payment_paid"],"headers":{"X-A":"\udc00\ud800"}}`),
		post("high surrogate then a letter", "/webhooks", `{"url":"https://example.com/s3","event_types":["payment_paid"],"headers":{"X-A":"\ud83dx"}}`),
		post("lone surrogate in a key", "/webhooks", `{"url":"https://example.com/s4","event_types":["payment_paid"],"headers":{"X-\ud800":"v"}}`),
		post("lone surrogate in metadata", "/payments", `{"amount":100,"currency":"EUR","metadata":{"k":"\ud83d"},"source":`+src+`}`),
		post("amount a string", "/payments", `{"amount":"100","currency":"EUR","source":`+src+`}`),
		post("amount a float", "/payments", `{"amount":100.5,"currency":"EUR","source":`+src+`}`),
		post("amount an exponent", "/payments", `{"amount":1e2,"currency":"EUR","source":`+src+`}`),
		post("amount zero", "/payments", `{"amount":0,"currency":"EUR","source":`+src+`}`),
		post("amount negative", "/payments", `{"amount":-1,"currency":"EUR","source":`+src+`}`),
		post("amount overflows int64", "/payments", `{"amount":9223372036854775808,"currency":"EUR","source":`+src+`}`),
		post("amount MaxInt64", "/payments", `{"amount":9223372036854775807,"currency":"EUR","source":`+src+`}`),
		post("amount a huge number", "/payments", `{"amount":1`+strings.Repeat("0", 400)+`,"currency":"EUR","source":`+src+`}`),
		post("currency a number", "/payments", `{"amount":100,"currency":978,"source":`+src+`}`),
		post("unknown currency", "/payments", `{"amount":100,"currency":"XYZ","source":`+src+`}`),
		post("source a string", "/payments", `{"amount":100,"currency":"EUR","source":"src_nope"}`),
		post("unknown source", "/payments", `{"amount":100,"currency":"EUR","source":`+src+`}`),
		post("metadata nested", "/payments", `{"amount":100,"currency":"EUR","metadata":{"a":{"b":1}},"source":`+src+`}`),
		post("metadata 51 keys", "/payments", `{"amount":100,"currency":"EUR","metadata":`+ckoMetadata(51)+`,"source":`+src+`}`),
		post("metadata key too long", "/payments", `{"amount":100,"currency":"EUR","metadata":{"`+strings.Repeat("k", 101)+`":"v"},"source":`+src+`}`),
		post("deeply nested body", "/payments", strings.Repeat(`{"a":`, 5000)+"1"+strings.Repeat("}", 5000)),
		post("source without IBAN", "/sources", `{"type":"sepa","source_data":{"first_name":"J","last_name":"R","account_iban":"","billing_descriptor":"x","mandate_type":"single"}}`),
		post("source with a bad IBAN", "/sources", `{"type":"sepa","billing_address":{"address_line1":"x","city":"y","zip":"1","country":"DE"},"source_data":{"first_name":"J","last_name":"R","account_iban":"DE00","bic":"X","billing_descriptor":"x","mandate_type":"single"}}`),
		post("source of an unknown type", "/sources", `{"type":"card"}`),
		post("webhook without URL", "/webhooks", `{"event_types":["payment_paid"]}`),
		post("webhook with a bad URL", "/webhooks", `{"url":"ftp://x","event_types":["payment_paid"]}`),
		post("webhook with 20,000 headers", "/webhooks", `{"url":"https://example.com/h","event_types":["payment_paid"],"headers":`+ckoMetadata(20000)+`}`),
		post("webhook header with a newline", "/webhooks", `{"url":"https://example.com/h","event_types":["payment_paid"],"headers":{"X-A":"a\nb"}}`),
		post("refund of an unknown payment", "/payments/pay_nope/refunds", `{"amount":100}`),
		{name: "no key", method: "POST", path: "/payments", body: `{}`, header: map[string]string{"Authorization": ""}},
		{name: "malformed key", method: "POST", path: "/payments", body: `{}`, header: map[string]string{"Authorization": "sk_nope"}},
		{name: "unknown payment", method: "GET", path: "/payments/pay_nope"},
		{name: "unknown source", method: "GET", path: "/sources/src_nope"},
		{name: "unknown event", method: "GET", path: "/events/evt_nope"},
		{name: "unknown webhook", method: "DELETE", path: "/webhooks/wh_nope"},
	}
}

func ckoMetadata(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"X-K` + itoa(i) + `":"v"`)
	}
	b.WriteByte('}')
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// TestFaultBadInput sends both corpora with one key that both dialects
// accept: no request may answer 2xx or 5xx, each answers in its dialect's
// error shape, and the account holds exactly what it held before.
func TestFaultBadInput(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	key := ckoKey()
	a := s.Account(key)
	acct := accountID(t, a)
	customers(t, a, 1) // something to leave unchanged
	before := snapshot(t, s, acct)
	n := 0
	for _, c := range stripeCorpus() {
		status, body := send(t, s, key, "application/x-www-form-urlencoded", c)
		n++
		if status < 400 || status >= 500 {
			t.Errorf("stripe %s: %d %.300s", c.name, status, body)
			continue
		}
		var env struct {
			Error map[string]any `json:"error"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
			t.Errorf("stripe %s: %d, not Stripe's error envelope: %.300s", c.name, status, body)
			continue
		}
		typ, _ := env.Error["type"].(string)
		msg, _ := env.Error["message"].(string)
		if typ == "" || msg == "" {
			t.Errorf("stripe %s: error without type or message: %s", c.name, body)
		}
		if code, _ := env.Error["code"].(string); code != "" && env.Error["doc_url"] == nil {
			t.Errorf("stripe %s: code %s without doc_url: %s", c.name, code, body)
		}
	}
	for _, c := range ckoCorpus() {
		status, body := send(t, s, key, "application/json", c)
		n++
		if status < 400 || status >= 500 {
			t.Errorf("cko %s: %d %.300s", c.name, status, body)
			continue
		}
		if status == 401 || status == 404 {
			if len(bytes.TrimSpace(body)) != 0 {
				t.Errorf("cko %s: %d with a body: %.300s", c.name, status, body)
			}
			continue
		}
		var env struct {
			RequestID  string   `json:"request_id"`
			ErrorType  string   `json:"error_type"`
			ErrorCodes []string `json:"error_codes"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.RequestID == "" || env.ErrorType == "" || len(env.ErrorCodes) == 0 {
			t.Errorf("cko %s: %d, not Checkout.com's error shape: %.300s", c.name, status, body)
		}
	}
	if after := snapshot(t, s, acct); after != before {
		t.Errorf("the corpus changed the account:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if t.Failed() {
		return
	}
	t.Logf("bad-input figures: %d malformed requests (%d Stripe, %d Checkout.com), 0 answered 2xx or 5xx, nothing changed", n, len(stripeCorpus()), len(ckoCorpus()))
}

// send sends c with key (unless c sets Authorization) and returns the status and body.
func send(t *testing.T, s *kontortest.Server, key, ctype string, c bad) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, s.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	auth := "Bearer " + key
	if ctype == "application/json" {
		auth = key
	}
	req.Header.Set("Authorization", auth)
	if c.body != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
