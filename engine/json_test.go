package engine

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// fill sets every exported field v reaches to a random value; pointers,
// slices and maps are left nil a third of the time, strings take escapes,
// HTML characters and text outside ASCII.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				fill(r, v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if depth < 6 && r.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fill(r, v.Elem(), depth+1)
		}
	case reflect.Slice:
		if v.Type() == reflect.TypeFor[json.RawMessage]() {
			if r.IntN(3) > 0 {
				v.SetBytes([]byte(`{"id":"x_1","n":[1,2.5,null,"<&>"],"ok":true}`))
			}
			return
		}
		if depth < 6 && r.IntN(3) > 0 {
			n := r.IntN(3)
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				fill(r, s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		if depth < 6 && r.IntN(3) > 0 {
			m := reflect.MakeMap(v.Type())
			for range r.IntN(3) {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				fill(r, k, depth+1)
				fill(r, e, depth+1)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	case reflect.String:
		words := []string{"", "Jenny Rosen", "DE89370400440532013000", `quote " and \ back`, "<b>&amp;</b>", "Grüße ☃", "tab\tnew\nline", "\u2028", "😀"}
		v.SetString(words[r.IntN(len(words))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(r.Int64N(1<<40) - 1<<39)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(r.IntN(1 << 16)))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(r.IntN(1<<20)) / 8)
	case reflect.Interface:
		if r.IntN(2) == 0 {
			v.Set(reflect.ValueOf(map[string]any{"a": "b", "n": 1.5}))
		}
	}
}

// TestDecodeAsEncodingJSON checks that the stored documents of every object
// type, and events, decode as encoding/json decodes them: each is filled with
// random values, written by encoding/json and read back by both decoders.
func TestDecodeAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	all := map[string]reflect.Type{"event": reflect.TypeFor[Event]()}
	for name, typ := range types {
		all[name] = typ
	}
	for name, typ := range all {
		for i := range 200 {
			v := reflect.New(typ)
			fill(r, v.Elem(), 0)
			data, err := json.Marshal(v.Interface())
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, got := reflect.New(typ).Interface(), reflect.New(typ).Interface()
			if err := json.Unmarshal(data, want); err != nil {
				t.Fatalf("%s: encoding/json: %v", name, err)
			}
			if err := unmarshal(data, got); err != nil {
				t.Fatalf("%s %d: %v in %s", name, i, err, data)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s %d decodes differently from encoding/json:\n got %+v\nwant %+v\nfrom %s", name, i, got, want, data)
			}
		}
	}
}

// TestDecodeOddDocuments reads documents encoding/json never writes but
// accepts: names in another case, repeated names, invalid UTF-8, nulls,
// unknown members.
func TestDecodeOddDocuments(t *testing.T) {
	for _, doc := range []string{
		`{"ID":"cus_1","CREATED":5,"Email":"a@b"}`,
		`{"id":"cus_1","id":"cus_2","email":null,"name":"x"}`,
		"{\"id\":\"cus_\xff\xfe\",\"name\":\"\xc3\"}",
		`{"id":"cus_1","unknown":{"deep":[1,2,{"x":null}]},"metadata":null,"balance":null}`,
		`{"id":"cus_1","metadata":{"k":"v","K":"w"},"address":{"line1":"a","city":null}}`,
	} {
		var want, got Customer
		werr := json.Unmarshal([]byte(doc), &want)
		gerr := unmarshal([]byte(doc), &got)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %+v (%v), want %+v (%v)", doc, got, gerr, want, werr)
		}
	}
}

// TestEventEncodeAsEncodingJSON checks an event's stored form against
// json.Marshal's, for events whose documents json.Marshal wrote.
func TestEventEncodeAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	doc := func(typ reflect.Type) json.RawMessage {
		if r.IntN(4) == 0 {
			return nil
		}
		v := reflect.New(typ)
		fill(r, v.Elem(), 0)
		data, err := json.Marshal(v.Interface())
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for i := range 500 {
		var ev Event
		fill(r, reflect.ValueOf(&ev).Elem(), 0)
		ev.Object, ev.Previous, ev.Extra = doc(reflect.TypeFor[Charge]()), doc(reflect.TypeFor[Mandate]()), doc(reflect.TypeFor[map[string]any]())
		want, err := json.Marshal(&ev)
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.encode(); !bytes.Equal(got, want) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestAppendQuotedAsEncodingJSON checks appendQuoted against json.Marshal on
// strings that are copied as they are and on strings that need escaping,
// one character of each kind at a time.
func TestAppendQuotedAsEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "txn_1Q2w3E4r", "Payment", "Fish & Chips", "a<b", "a>b", `say "hi"`, `back\slash`,
		"tab\t", "\x00", "\x1f", "\x7f", "Grüße", "\u2028", "\xff", "😀", "~ !#$%'()*+,-./:;=?@[]^_`{|}"} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendQuoted([]byte("x"), s); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("appendQuoted(%q) = %s, want x%s", s, got, want)
		}
	}
}
