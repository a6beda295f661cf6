package stripeapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/engine"
)

func TestParseSearchQuery(t *testing.T) {
	customer := map[string]any{"email": "Jenny@Example.com", "name": "Jenny Rosen", "phone": nil, "created": float64(1700000000),
		"metadata": map[string]any{"order": "6735", "it's": "yes"}}
	cases := []struct {
		query string
		match bool
	}{
		{`email:"jenny@example.com"`, true},
		{`email:'JENNY@EXAMPLE.COM'`, true},
		{`email:"jenny@example.org"`, false},
		{`-email:"jenny@example.org"`, true},
		{`name~"ros"`, true},
		{`name~"rosa"`, false},
		{`created>1699999999`, true},
		{`created>=1700000000 AND created<=1700000000`, true},
		{`created<1700000000`, false},
		{`created:1700000000`, true},
		{`metadata["order"]:"6735"`, true},
		{`metadata['order']:'6736'`, false},
		{`metadata["it's"]:"yes"`, true},
		{`metadata["missing"]:null`, true},
		{`phone:null`, true},
		{`-phone:null`, false},
		{`email:"jenny@example.com" name:"nobody"`, false},
		{`email:"jenny@example.com" and name:"jenny rosen"`, true},
		{`email:"nobody@example.com" OR name:"Jenny Rosen"`, true},
		{`email:"nobody@example.com" or name:"nobody"`, false},
		{`name:"Jenny \"JR\" Rosen"`, false},
	}
	for _, c := range cases {
		q, err := parseSearchQuery("customers", c.query)
		if err != nil {
			t.Errorf("parse %q: %v", c.query, err)
			continue
		}
		if got := q.matches("customers", customer); got != c.match {
			t.Errorf("%q matches = %v, want %v", c.query, got, c.match)
		}
	}
	bad := map[string]string{
		``:                                      "unable to parse",
		`asdf`:                                  "unable to parse",
		`email:jenny@example.com`:               "unable to parse",
		`email:"unterminated`:                   "unable to parse",
		`email:"a"name:"b"`:                     "unable to parse",
		`email:"a" AND`:                         "unable to parse",
		`foo:"bar"`:                             "Field `foo` is an unsupported search field for resource `customers`",
		`amount>5`:                              "Field `amount` is an unsupported search field",
		`email:"a" AND name:"b" OR phone:"c"`:   "AND and OR cannot be combined",
		`email:"a" OR name:"b" phone:"c"`:       "AND and OR cannot be combined",
		`name~"ab"`:                             "at least 3 characters",
		`email>5`:                               "only numeric fields",
		`created:"yesterday"`:                   "is numeric",
		`created>null`:                          "needs a number",
		`metadata:"x"`:                          "unable to parse",
		`email["k"]:"x"`:                        "unsupported search field",
		`metadata["k"]~"abc"`:                   "does not support substring",
		strings.Repeat(`name:"x" `, 11):         "at most 10 clauses",
		`created>99999999999999999999999999999`: "unable to parse",
	}
	for query, want := range bad {
		_, err := parseSearchQuery("customers", query)
		var e *engine.Error
		if !errors.As(err, &e) || e.Code != "parameter_invalid_string" || e.Param != "query" || !strings.Contains(e.Message, want) {
			t.Errorf("parse %q = %v, want parameter_invalid_string on query saying %q", query, err, want)
		}
	}
	if _, err := parseSearchQuery("charges", `refunded:"maybe"`); err == nil {
		t.Errorf("a boolean field took a word other than true or false")
	}
	charge := map[string]any{"amount": float64(1500), "refunded": false, "customer": map[string]any{"id": "cus_A"}, "currency": "eur"}
	for query, want := range map[string]bool{`refunded:"false"`: true, `customer:"cus_A"`: true, `customer:"cus_a"`: false,
		`amount>1000 AND currency:"eur"`: true, `disputed:"true"`: false} {
		q, err := parseSearchQuery("charges", query)
		if err != nil {
			t.Fatalf("parse %q: %v", query, err)
		}
		if got := q.matches("charges", charge); got != want {
			t.Errorf("charge %q = %v, want %v", query, got, want)
		}
	}
}

func TestPageCursor(t *testing.T) {
	for _, bad := range []string{"", "garbage", "page_", "page_!!", "page_LTE", "cGFnZQ"} {
		if _, err := pageCursor(bad); err == nil {
			t.Errorf("pageCursor(%q) succeeded", bad)
		}
	}
	if n, err := pageCursor("page_NDI"); err != nil || n != 42 {
		t.Errorf("pageCursor(page_NDI) = %d, %v", n, err)
	}
}

// FuzzParseSearchQuery: errors are fine, panics are not.
func FuzzParseSearchQuery(f *testing.F) {
	for _, s := range []string{`email:"a@b.c"`, `-name~"abc" OR created>5`, `metadata["k"]:'v'`, `a:"\`, `x[`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for resource := range searchFields {
			if sq, err := parseSearchQuery(resource, q); err == nil {
				sq.matches(resource, map[string]any{"metadata": map[string]any{}})
			}
		}
	})
}
