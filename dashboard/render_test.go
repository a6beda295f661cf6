package dashboard

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
)

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"DE89370400440532013000":                        "DE••••••••••••••••3000",
		"iban DE89 3704 0044 0532 0130 00 in a message": "iban DE••••••••••••••••3000 in a message",
		`{"iban":"AT611904300234573201"}`:               `{"iban":"AT••••••••••••••3201"}`,
		"key sk_test_4eC39HqLyjWDarjtT1zdp7dc":          "key sk_test_••••••••",
		"whsec_abc123XYZ":                               "whsec_••••••••",
		"rk_live_abcdef":                                "rk_live_••••••••",
		"py_3QW7DE89370400440532013000":                 "py_3QW7DE89370400440532013000", // inside an id: no word boundary
		"cus_DE12":                                      "cus_DE12",
		"last4 3000, bank 37040044":                     "last4 3000, bank 37040044",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		v    string
		cur  string
		want string
	}{{"1099", "eur", "€10.99"}, {"5", "EUR", "€0.05"}, {"-250", "gbp", "-£2.50"}, {"100000", "sek", "1000.00 SEK"}, {"7", "", "0.07"}} {
		got, ok := money(json.Number(c.v), c.cur)
		if !ok || got != c.want {
			t.Errorf("money(%s, %s) = %q %v, want %q", c.v, c.cur, got, ok, c.want)
		}
	}
	if _, ok := money("12", "eur"); ok {
		t.Errorf("a string formatted as money")
	}
}

func TestSummarize(t *testing.T) {
	raw := []byte(`{"id":"ch_123456789","object":"charge","amount":1099,"currency":"eur","created":1767225600,
		"customer":{"id":"cus_abcdefgh","object":"customer","email":"x@example.com"},
		"payment_method_details":{"type":"sepa_debit","sepa_debit":{"last4":"3000","mandate":"mandate_abcdefg",
		"deep":{"hidden":1}}},"refunds":{"data":[{"id":"re_1"}]},"metadata":{},"source":null,"client_secret":"pi_123456_secret_abcdef",
		"tags":["a","b"],"status":"succeeded"}`)
	got := summarize(raw, "ch_123456789")
	var keys []string
	byKey := map[string]cell{}
	for _, s := range got {
		keys = append(keys, s.Key)
		byKey[s.Key] = s.Value
	}
	wantKeys := []string{"id", "object", "amount", "currency", "created", "customer", "payment_method_details.type",
		"payment_method_details.sepa_debit.last4", "payment_method_details.sepa_debit.mandate", "client_secret", "tags", "status"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("keys = %v\nwant %v", keys, wantKeys)
	}
	check := func(key string, want cell) {
		t.Helper()
		if byKey[key] != want {
			t.Errorf("%s = %+v, want %+v", key, byKey[key], want)
		}
	}
	check("id", cell{Text: "ch_123456789", Mono: true})
	check("amount", cell{Text: "€10.99", Title: "1099"})
	check("created", cell{Text: "2026-01-01 00:00:00 UTC", Title: "1767225600"})
	check("customer", cell{Text: "cus_abcdefgh", Href: "/dashboard/find?q=cus_abcdefgh", Mono: true})
	check("payment_method_details.sepa_debit.mandate", cell{Text: "mandate_abcdefg", Href: "/dashboard/find?q=mandate_abcdefg", Mono: true})
	check("client_secret", cell{Text: "pi_123456_secret_abcdef"})
	check("status", cell{Text: "succeeded", Badge: "succeeded"})
}

func TestPager(t *testing.T) {
	items := []map[string]any{{"id": "c3"}, {"id": "c2"}}
	kept := url.Values{"email": {"a@b.c"}}
	for _, c := range []struct {
		name, after, before string
		more                bool
		prev, next          string
	}{
		{"first page, more", "", "", true, "", "/l?email=a%40b.c&starting_after=c2"},
		{"first page, all", "", "", false, "", ""},
		{"after, more", "c4", "", true, "/l?email=a%40b.c&ending_before=c3", "/l?email=a%40b.c&starting_after=c2"},
		{"after, last", "c4", "", false, "/l?email=a%40b.c&ending_before=c3", ""},
		{"before, newer exist", "", "c1", true, "/l?email=a%40b.c&ending_before=c3", "/l?email=a%40b.c&starting_after=c2"},
		{"before, newest", "", "c1", false, "", "/l?email=a%40b.c&starting_after=c2"},
	} {
		prev, next := pager("/l", kept, items, c.after, c.before, c.more)
		if prev != c.prev || next != c.next {
			t.Errorf("%s: prev %q next %q, want %q %q", c.name, prev, next, c.prev, c.next)
		}
	}
	if p, n := pager("/l", nil, nil, "x", "", true); p != "" || n != "" {
		t.Errorf("empty page links %q %q", p, n)
	}
}

func TestKindOfStored(t *testing.T) {
	for _, c := range []struct{ typ, kind, want string }{
		{"charge", "", "charges"}, {"charge", "cko", "cko_payments"}, {"source", "sofort", "sources"},
		{"source", "sepa_debit", "sources"}, {"customer", "", "customers"}, {"customer", "cko", "cko_customers"},
		{"mandate", "cko", "cko_mandates"}, {"mandate", "", "mandates"}, {"test_helpers.test_clock", "", "test_clocks"}, {"source_transaction", "", ""},
	} {
		got := ""
		if k := kindOfStored(c.typ, c.kind); k != nil {
			got = k.Name
		}
		if got != c.want {
			t.Errorf("kindOfStored(%q, %q) = %q, want %q", c.typ, c.kind, got, c.want)
		}
	}
}

func TestKindsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kinds {
		if seen[k.Name] {
			t.Errorf("kind %s twice", k.Name)
		}
		seen[k.Name] = true
		if k.Detail == "" || (k.List == "" && k.Index.Type == "" && k.Events == "") {
			t.Errorf("kind %s has no way to list or show it", k.Name)
		}
		for _, r := range k.Related {
			if columnsOf(r.Kind) == nil {
				t.Errorf("kind %s: related %s has no columns", k.Name, r.Kind)
			}
		}
	}
}
