package stripeapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/engine"
)

func TestParseForm(t *testing.T) {
	cases := []struct {
		raw  string
		want string // JSON of the tree
	}{
		{"a=1&b=x", `{"a":"1","b":"x"}`},
		{"a[b][c]=v", `{"a":{"b":{"c":"v"}}}`},
		{"expand[]=x&expand[]=y", `{"expand":["x","y"]}`},
		{"expand[0]=x&expand[1]=y", `{"expand":{"0":"x","1":"y"}}`},
		{"metadata[k]=&description=", `{"description":"","metadata":{"k":""}}`},
		{"a=%20b+c&d=%C3%A4", `{"a":" b c","d":"ä"}`},
		{"a=1&a=2", `{"a":"2"}`},
		{"&&a=1&", `{"a":"1"}`},
		{"line_items[0][price_data][unit_amount]=5&line_items[0][quantity]=2", `{"line_items":{"0":{"price_data":{"unit_amount":"5"},"quantity":"2"}}}`},
	}
	for _, c := range cases {
		got := tree{}
		if err := parseForm(got, c.raw); err != nil {
			t.Errorf("parseForm(%q): %v", c.raw, err)
			continue
		}
		b, _ := json.Marshal(got)
		if string(b) != c.want {
			t.Errorf("parseForm(%q) = %s, want %s", c.raw, b, c.want)
		}
	}
	for _, bad := range []string{"a[=1", "a]=1", "[a]=1", "a[b]c=1", "a=1&a[b]=2", "a[b]=1&a=2", "a[]=1&a[b]=2", "a[][b]=1", "%zz=1", "a=%zz"} {
		if err := parseForm(tree{}, bad); err == nil {
			t.Errorf("parseForm(%q) succeeded, want an error", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	specs := []spec{pInt("amount").req(), pStr("description").nullable().maxlen(10), pEnum("kind", "a", "b"),
		pBool("flag"), pMeta(), addressSpec("address"), pExpand(), pRange("created")}
	cases := []struct {
		raw, code, param string
	}{
		{"description=x", "parameter_missing", "amount"},
		{"amount=12&foo=1", "parameter_unknown", "foo"},
		{"amount=12&address[planet]=mars", "parameter_unknown", "address[planet]"},
		{"amount=1.5", "parameter_invalid_integer", "amount"},
		{"amount=", "parameter_invalid_empty", "amount"},
		{"amount=1&description=" + strings.Repeat("x", 11), "parameter_invalid_string", "description"},
		{"amount=1&kind=c", "parameter_invalid_enum", "kind"},
		{"amount=1&flag=yes", "parameter_invalid_boolean", "flag"},
		{"amount=1&expand[1]=x", "parameter_invalid_array", "expand"},
		{"amount=1&created[after]=3", "parameter_unknown", "created[after]"},
		{"amount=1&metadata[" + strings.Repeat("k", 41) + "]=v", "parameter_invalid_metadata", "metadata[" + strings.Repeat("k", 41) + "]"},
		{"amount=1&metadata[k]=" + strings.Repeat("v", 501), "parameter_invalid_metadata", "metadata[k]"},
	}
	for _, c := range cases {
		tr := tree{}
		if err := parseForm(tr, c.raw); err != nil {
			t.Fatal(err)
		}
		_, err := validate(tr, specs)
		var e *engine.Error
		if !errors.As(err, &e) || e.Code != c.code || e.Param != c.param {
			t.Errorf("validate(%q) = %v, want %s on %s", c.raw, err, c.code, c.param)
		}
	}
	tr := tree{}
	parseForm(tr, "amount=12&description=&metadata[a]=1&metadata[b]=&expand[0]=x&expand[1]=y&created[gt]=5&created[lte]=9&address=")
	p, err := validate(tr, specs)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := p.Int("amount"); n != 12 {
		t.Errorf("amount = %d", n)
	}
	if d := p.Str("description"); !d.Set || !d.Null {
		t.Errorf("description = %+v, want set and null", d)
	}
	if md := p.Metadata(); !reflect.DeepEqual(md.Set, map[string]string{"a": "1", "b": ""}) || md.Clear {
		t.Errorf("metadata = %+v", md)
	}
	if got := p.Strings("expand"); !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Errorf("expand = %v", got)
	}
	if gte, lte := p.Range("created"); gte == nil || *gte != 6 || lte == nil || *lte != 9 {
		t.Errorf("created range = %v..%v, want 6..9", gte, lte)
	}
	if a := p.Address("address"); !a.Set || !a.Null {
		t.Errorf("address = %+v, want cleared", a)
	}
	many := tree{"amount": "1", "metadata": map[string]any{}}
	for i := range 51 {
		many["metadata"].(map[string]any)["k"+itoa(i)] = "v"
	}
	if _, err := validate(many, specs); err == nil || !strings.Contains(err.Error(), "up to 50 keys") {
		t.Errorf("51 metadata keys: %v", err)
	}
}

// TestBooleansInAnyCase: booleans, and enums that take a boolean, read true
// and false in any case (stripe-python sends True and False); other words
// stay refused.
func TestBooleansInAnyCase(t *testing.T) {
	specs := []spec{pBool("flag"), pEnum("off_session", "true", "false", "one_off", "recurring")}
	for raw, want := range map[string]bool{"flag=True": true, "flag=FALSE": false, "flag=tRuE": true, "flag=false": false} {
		tr := tree{}
		if err := parseForm(tr, raw); err != nil {
			t.Fatal(err)
		}
		p, err := validate(tr, specs)
		if err != nil {
			t.Errorf("validate(%q): %v", raw, err)
			continue
		}
		if got, ok := p.Bool("flag"); !ok || got != want {
			t.Errorf("validate(%q) flag = %v %v, want %v", raw, got, ok, want)
		}
	}
	for raw, want := range map[string]bool{"off_session=True": true, "off_session=False": false, "off_session=one_off": true} {
		tr := tree{}
		parseForm(tr, raw)
		p, err := validate(tr, specs)
		if err != nil || offSession(p) != want {
			t.Errorf("validate(%q) off_session = %v (%v), want %v", raw, err == nil && offSession(p), err, want)
		}
	}
	for _, raw := range []string{"flag=yes", "flag=1", "flag=truee", "off_session=One_off"} {
		tr := tree{}
		parseForm(tr, raw)
		if _, err := validate(tr, specs); err == nil {
			t.Errorf("validate(%q) succeeded, want an error", raw)
		}
	}
}

// FuzzParseForm: errors are fine, panics are not, and whatever parses
// validates against a permissive spec without panicking either.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"a=1", "a[b][c]=v", "expand[]=x&expand[0]=y", "a[0][b]=1&a[1][b]=2", "%zz", "a[=", "metadata[x]=&metadata=", "a[][]=1"} {
		f.Add(s)
	}
	specs := []spec{pStr("a"), pArr("expand", pStr("")), pMeta(), pAny("sofort"), pRange("created"), pArr("items", pHash("", pInt("q")))}
	f.Fuzz(func(t *testing.T, raw string) {
		tr := tree{}
		if err := parseForm(tr, raw); err != nil {
			return
		}
		validate(tr, specs)
	})
}

// TestErrorDocURL: every coded error links its page of Stripe's error-code
// reference; an error without a code (an internal one) links nothing.
func TestErrorDocURL(t *testing.T) {
	cases := map[*apiError]string{
		toAPIError(engine.Invalid("parameter_missing", "amount", "m")): "https://stripe.com/docs/error-codes/parameter-missing",
		{Code: "idempotency_key_in_use", Type: "idempotency_error"}:    "https://stripe.com/docs/error-codes/idempotency-key-in-use",
		toAPIError(errors.New("disk on fire")):                         "",
	}
	for e, want := range cases {
		b, err := json.Marshal(map[string]any{"error": e})
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Error map[string]any `json:"error"`
		}
		json.Unmarshal(b, &got)
		if url, _ := got.Error["doc_url"].(string); url != want {
			t.Errorf("%s: doc_url %q, want %q", b, url, want)
		}
	}
}

// TestCurrencyInAnyCase: currencies are read in any case and kept in lower case.
func TestCurrencyInAnyCase(t *testing.T) {
	specs := []spec{pCurrency()}
	for _, raw := range []string{"currency=EUR", "currency=Eur", "currency=eur"} {
		tr := tree{}
		parseForm(tr, raw)
		p, err := validate(tr, specs)
		if err != nil || p.String("currency") != "eur" {
			t.Errorf("validate(%q) = %q, %v; want eur", raw, p.String("currency"), err)
		}
	}
	tr := tree{}
	parseForm(tr, "currency=EURO")
	if _, err := validate(tr, specs); err == nil {
		t.Errorf("a four-letter currency was accepted")
	}
}

// TestTimestampBounds checks that range filters and timestamps refuse
// values past the engine's MaxTimestamp (created[gt]=MaxInt64 used to wrap
// into "every object"), and that the bounds at the edge stay exact.
func TestTimestampBounds(t *testing.T) {
	specs := listSpecs(pTime("frozen_time"))
	for _, raw := range []string{"created[gt]=9223372036854775807", "created[lt]=-9223372036854775808", "created=9223372036854775807",
		"created[gte]=253402300800", "created[lte]=-1", "frozen_time=9223372036854775807", "frozen_time=-9223372036854775808", "frozen_time=-1"} {
		tr := tree{}
		if err := parseForm(tr, raw); err != nil {
			t.Fatal(err)
		}
		_, err := validate(tr, specs)
		e, ok := engine.AsError(err)
		if !ok || e.Code != "parameter_invalid_integer" {
			t.Errorf("validate(%q) = %v, want parameter_invalid_integer", raw, err)
		}
	}
	tr := tree{}
	parseForm(tr, "created[gt]=253402300799&created[lt]=0")
	p, err := validate(tr, specs)
	if err != nil {
		t.Fatal(err)
	}
	gte, lte := p.Range("created")
	if gte == nil || *gte != engine.MaxTimestamp+1 || lte == nil || *lte != -1 {
		t.Errorf("Range = %v, %v; want %d, -1", gte, lte, int64(engine.MaxTimestamp+1))
	}
}

// TestFormLimits sends the keys that used to build a tree as deep as the
// key is long (evidence[a][a]… × 340,000: +550 MB for one request), keys
// too long to be a parameter and too many parameters: each is refused
// before a tree is built, in Stripe's error shape.
func TestFormLimits(t *testing.T) {
	deep := "evidence" + strings.Repeat("[a]", 340000) + "=1"
	many := strings.Repeat("a=1&", MaxParams) + "b=1"
	for _, c := range []struct{ name, query, body, code string }{
		{"a key 340,000 levels deep", "", deep, "parameter_unknown"},
		{"a key one level too deep", "", "metadata" + strings.Repeat("[a]", MaxKeyDepth+1) + "=1", "parameter_unknown"},
		{"a key one byte too long", "", strings.Repeat("k", MaxKeyBytes+1) + "=1", "parameter_unknown"},
		{"an escaped key too long once decoded", "", strings.Repeat("%6B", MaxKeyBytes+1) + "=1", "parameter_unknown"},
		{"one parameter too many", "", many, "parameters_exceeded_max"},
		{"too many in query and body together", strings.Repeat("q=1&", MaxParams/2+1), strings.Repeat("b=1&", MaxParams/2), "parameters_exceeded_max"},
	} {
		r := httptest.NewRequest("POST", "/v1/customers?"+c.query, strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_, err := readParams(r)
		e, ok := engine.AsError(err)
		if !ok || e.Code != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
			continue
		}
		if ae := toAPIError(err); ae.status != 400 || ae.Type != "invalid_request_error" || len(ae.Param) > 101+len("…") {
			t.Errorf("%s: answered %d %s param %q", c.name, ae.status, ae.Type, ae.Param)
		}
	}
	// At the limits, forms still decode.
	ok := "metadata" + strings.Repeat("[a]", MaxKeyDepth-1) + "=1&" + strings.Repeat("k", MaxKeyBytes) + "=1&" + strings.Repeat("x=1&", MaxParams-2)
	if err := parseForm(tree{}, ok); err != nil {
		t.Errorf("a form at the limits: %v", err)
	}
}

func TestCountPairs(t *testing.T) {
	for raw, want := range map[string]int{"": 0, "a=1": 1, "a=1&b=2": 2, "&&&a=1&&": 1, "&": 0, "a&b&&c": 3} {
		if got := countPairs(raw); got != want {
			t.Errorf("countPairs(%q) = %d, want %d", raw, got, want)
		}
	}
}

// TestReadParamsRefusesBadText refuses parameters that are not UTF-8 text
// (Go stored the bytes, JSON gave them back as U+FFFD) or hold NUL, in the
// query string and the body, and a Content-Type that cannot be parsed
// (which used to be read as a form).
func TestReadParamsRefusesBadText(t *testing.T) {
	for _, c := range []struct{ name, query, body, ct, code, param string }{
		{"invalid UTF-8 in a body value", "", "name=a%FFb", "", "parameter_invalid_string", "name"},
		{"an overlong NUL in a body value", "", "metadata[k]=%C0%80", "", "parameter_invalid_string", "metadata[k]"},
		{"NUL in a body value", "", "description=a%00b", "", "parameter_invalid_string", "description"},
		{"NUL in a query value", "expand[]=a%00", "", "", "parameter_invalid_string", "expand[]"},
		{"invalid UTF-8 in a key", "", "na%FFme=x", "", "invalid_form_encoding", ""},
		{"NUL in a key", "na%00me=x", "", "", "invalid_form_encoding", ""},
		{"an unparseable Content-Type", "", "name=x", "application/x-www-form-urlencoded; charset", "invalid_content_type", ""},
		{"a Content-Type that is no media type", "", "name=x", "@@@", "invalid_content_type", ""},
	} {
		r := httptest.NewRequest("POST", "/v1/customers?"+c.query, strings.NewReader(c.body))
		r.Header.Set("Content-Type", cmp.Or(c.ct, "application/x-www-form-urlencoded"))
		_, err := readParams(r)
		e, ok := engine.AsError(err)
		if !ok || e.Code != c.code || e.Param != c.param {
			t.Errorf("%s: %v, want %s on %q", c.name, err, c.code, c.param)
		}
	}
	r := httptest.NewRequest("POST", "/v1/customers", strings.NewReader("name=J%C3%BCrgen+%E2%82%AC"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if tr, err := readParams(r); err != nil || tr["name"] != "Jürgen €" {
		t.Errorf("valid text: %v %v", tr, err)
	}
}

// FuzzReadParams feeds the whole form-to-params path a request: a query
// string, a body and a Content-Type, validated against real endpoints'
// parameters. Errors must be Stripe errors with a code (never a panic nor
// an internal error), and whatever validates reads back without panicking.
func FuzzReadParams(f *testing.F) {
	f.Add("", "amount=1000&currency=eur&customer=cus_1&metadata[order]=42&expand[]=customer", "application/x-www-form-urlencoded")
	f.Add("limit=3&created[gt]=9223372036854775807", "", "")
	f.Add("expand[0]=a&expand[1]=b", "line_items[0][price_data][unit_amount]=5&line_items[0][quantity]=1", "application/x-www-form-urlencoded; charset=utf-8")
	f.Add("", `{"amount":1}`, "application/json")
	f.Add("", "a=%ff&b=%00", "text/plain;;")
	endpoints := [][]spec{chargeCreateSpecs(), checkoutSpecs(), confirmSpecs(), listSpecs(pStr("customer"), pTime("frozen_time"))}
	f.Fuzz(func(t *testing.T, query, body, ctype string) {
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/v1/x", RawQuery: query},
			Header: http.Header{"Content-Type": {ctype}}, Body: io.NopCloser(strings.NewReader(body))}
		tr, err := readParams(r)
		if err != nil {
			if e, ok := engine.AsError(err); !ok || e.Code == "" {
				t.Fatalf("readParams(%q, %q, %q): an error without a Stripe code: %v", query, body, ctype, err)
			}
			return
		}
		for _, specs := range endpoints {
			p, err := validate(tr, specs)
			if err != nil {
				if e, ok := engine.AsError(err); !ok || e.Code == "" {
					t.Fatalf("validate: an error without a Stripe code: %v", err)
				}
				continue
			}
			p.Metadata()
			p.Strings("expand")
			p.Range("created")
			p.Hashes("line_items")
		}
	})
}
