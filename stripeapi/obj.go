package stripeapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"sync"
)

// Obj is a JSON object that keeps its keys in insertion order, so responses
// read like Stripe's (id and object first). Its fields are a slice, looked
// up by a linear scan: an object has a few dozen keys, and building a map
// for each one rendered cost more than all the scans.
type Obj struct {
	fields []field
}

type field struct {
	k string
	v any
}

// objFields is the room a new object starts with: most objects have fewer
// keys, and one allocation holds them.
const objFields = 32

// newObj returns an Obj with id and object set.
func newObj(id, object string) *Obj { return newObjOf(id, object, objFields) }

// chargeFields is the room of a charge or a source, which have more keys
// than objFields and would otherwise grow to twice their size on the way.
const chargeFields = 52

// newObjOf is newObj with room for fields keys.
func newObjOf(id, object string, fields int) *Obj {
	o := &Obj{fields: make([]field, 0, fields)}
	if id != "" {
		o.fields = append(o.fields, field{"id", id})
	}
	o.fields = append(o.fields, field{"object", object})
	return o
}

func (o *Obj) index(k string) int {
	for i := range o.fields {
		if o.fields[i].k == k {
			return i
		}
	}
	return -1
}

// smallObjFields is the room an Obj built from its zero value (a nested
// object: an owner, an address, an outcome) starts with, in one allocation
// instead of growing through 1, 2 and 4.
const smallObjFields = 8

// Set sets k to v, keeping k's place if it was set before.
func (o *Obj) Set(k string, v any) *Obj {
	if i := o.index(k); i >= 0 {
		o.fields[i].v = v
		return o
	}
	if o.fields == nil {
		o.fields = make([]field, 0, smallObjFields)
	}
	o.fields = append(o.fields, field{k, v})
	return o
}

// Delete removes k.
func (o *Obj) Delete(k string) {
	if i := o.index(k); i >= 0 {
		o.fields = slices.Delete(o.fields, i, i+1)
	}
}

// Get returns the value of k.
func (o *Obj) Get(k string) (any, bool) {
	if i := o.index(k); i >= 0 {
		return o.fields[i].v, true
	}
	return nil, false
}

// Type returns the "object" value.
func (o *Obj) Type() string { v, _ := o.Get("object"); s, _ := v.(string); return s }

// answerBuffer is the room an answer is written into: a charge with its
// source (2.3 KB) fits without growing through 1, 2 and 4 KB.
const answerBuffer = 4096

// MarshalJSON writes the keys in order.
func (o *Obj) MarshalJSON() ([]byte, error) {
	return o.appendJSON(make([]byte, 0, answerBuffer))
}

// appendJSON appends o's JSON to b. Nested objects and lists are written in
// place: marshalling them through encoding/json would validate and copy
// each one's output again at every level above it.
func (o *Obj) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, f := range o.fields {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSONValue(append(appendJSONString(b, f.k), ':'), f.v); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// marshal returns v's JSON: an Obj's without encoding/json's second pass over it.
func marshal(v any) ([]byte, error) {
	return appendAnswer(make([]byte, 0, answerBuffer), v)
}

// appendAnswer appends v's JSON to b, as marshal writes it.
func appendAnswer(b []byte, v any) ([]byte, error) {
	if o, ok := v.(*Obj); ok && o != nil {
		return o.appendJSON(b)
	}
	vb, err := json.Marshal(v)
	return append(b, vb...), err
}

// readAnswers holds the buffers the answers of reads are written into: a
// read's answer is sent before its handler returns, so its buffer serves a
// later read. A buffer that grew past maxPooledAnswer (a long list) is let go.
var readAnswers = sync.Pool{New: func() any { b := make([]byte, 0, answerBuffer); return &b }}

const maxPooledAnswer = 64 << 10

// appendJSONValue appends v's JSON to b, exactly as encoding/json writes it.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case *Obj:
		if x == nil {
			return append(b, "null"...), nil
		}
		return x.appendJSON(b)
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONList(b, x)
	case []*Obj:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONList(b, x)
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONList(b, x)
	case map[string]string:
		// Metadata and other string maps, which almost every object has:
		// through encoding/json they cost more than the rest of the object.
		return appendJSONStrings(b, x), nil
	}
	vb, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, vb...), nil
}

func appendJSONList[T any](b []byte, list []T) ([]byte, error) {
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSONValue(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendJSONStrings appends m as encoding/json writes it: its keys in
// order, null for a nil map.
func appendJSONStrings(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(appendJSONString(b, k), ':'), m[k])
	}
	return append(b, '}')
}

// appendJSONString appends s quoted as encoding/json quotes it: a string of
// printable ASCII without quotes, backslashes or <, > and & (which
// encoding/json escapes for HTML) as it is, any other through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// str renders a nullable string.
func str(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// strOrNull renders "" as null.
func strOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// meta renders metadata, never null.
func meta(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
