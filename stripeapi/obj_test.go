package stripeapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

// refObj marshals an Obj the way encoding/json does, key by key and value by
// value, as the reference the direct encoder must match byte for byte.
type refObj struct{ o *Obj }

func (r refObj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range r.o.fields {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(f.k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(ref(f.v))
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func ref(v any) any {
	switch x := v.(type) {
	case *Obj:
		if x == nil {
			return nil
		}
		return refObj{x}
	case []any:
		return refAll(x)
	case []*Obj:
		return refAll(x)
	}
	return v
}

// refAll is ref of each element of x; a nil x stays as it is.
func refAll[T any](x []T) any {
	if x == nil {
		return x
	}
	out := make([]any, len(x))
	for i, e := range x {
		out[i] = ref(e)
	}
	return out
}

func TestObjJSON(t *testing.T) {
	inner := newObj("src_1", "source").Set("owner", newObj("", "owner").Set("name", "Zoë <Rosen> & \"Co\"")).Set("none", (*Obj)(nil))
	o := newObj("py_1", "charge").
		Set("amount", int64(1999)).Set("count", 3).Set("rate", 1.25).Set("paid", false).Set("captured", true).
		Set("nil", nil).Set("plain", "pending").Set("escaped", "a\\b\n\t\u2028\u2029\x7f\x01").Set("invalid", "\xff\xfe").
		Set("url", "http://127.0.0.1/hosted?a=1&b=<2>").Set("source", inner).
		Set("list", []any{inner, "x", nil, int64(2), []any{}}).Set("objs", []*Obj{inner, nil}).Set("nolist", []any(nil)).
		Set("metadata", map[string]string{"k<": "v&"}).Set("nested", map[string]any{"o": inner}).Set("<key>", "k").Set("strs", []string{"a"}).
		Set("map", map[string]string{"b": "2", "a": "1", "ab": "\u2028\xff", "B": "", "": "empty key", "é": "x"}).
		Set("emptymap", map[string]string{}).Set("nilmap", map[string]string(nil)).
		Set("strlist", []string{"", "<a>", "z\n", "\xff"}).Set("nostrs", []string(nil)).Set("nostrs2", []string{})
	got, err := marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(refObj{o})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Obj JSON differs from encoding/json's:\n got %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Fatalf("invalid JSON: %s", got)
	}
}

// BenchmarkObjJSON renders a charge-shaped object with a nested source:
// directly, and the way encoding/json would (refObj).
func BenchmarkObjJSON(b *testing.B) {
	owner := newObj("", "").Set("address", nil).Set("email", nil).Set("name", "Jenny Rosen").Set("phone", nil)
	src := newObj("src_FZEPHSizsIQLyuAj1kCR5U08", "source").Set("amount", nil).Set("client_secret", "src_client_secret_VElXNjcep30dUnQVOJe35eOl").
		Set("created", int64(1796191787)).Set("currency", "eur").Set("metadata", map[string]string{}).Set("owner", owner).
		Set("sepa_debit", newObj("", "").Set("bank_code", "37040044").Set("country", "DE").Set("last4", "3000").
			Set("mandate_url", "http://127.0.0.1:34493/hosted/mandates/acct_K5WsJOePkJryF4nU/src_FZEPHSizsIQLyuAj1kCR5U08?client_secret=src_client_secret_VElXNjcep30dUnQVOJe35eOl"))
	o := newObj("py_ezIXj4CITB3oAEGsmLs4qk7i", "charge").Set("amount", int64(1999)).Set("captured", true).Set("customer", "cus_ZNRUpqbYKvWkIZ").
		Set("outcome", newObj("", "").Set("network_status", "approved_by_network").Set("seller_message", "The payment is pending: the payer's bank has not confirmed it yet.")).
		Set("billing_details", owner).Set("source", src).Set("refunds", newObj("", "list").Set("data", []any{}).Set("has_more", false))
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			marshal(o)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(refObj{o})
		}
	})
}
