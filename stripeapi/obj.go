package stripeapi

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Obj is a JSON object that keeps its keys in insertion order, so responses
// read like Stripe's (id and object first).
type Obj struct {
	keys []string
	vals map[string]any
}

// newObj returns an Obj with id and object set.
func newObj(id, object string) *Obj {
	o := &Obj{vals: map[string]any{}}
	if id != "" {
		o.Set("id", id)
	}
	return o.Set("object", object)
}

// Set sets k to v, keeping k's place if it was set before.
func (o *Obj) Set(k string, v any) *Obj {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

// Delete removes k.
func (o *Obj) Delete(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	o.keys = slices.DeleteFunc(o.keys, func(x string) bool { return x == k })
}

// Get returns the value of k.
func (o *Obj) Get(k string) (any, bool) { v, ok := o.vals[k]; return v, ok }

// Keys returns the keys in order.
func (o *Obj) Keys() []string { return o.keys }

// Type returns the "object" value.
func (o *Obj) Type() string { s, _ := o.vals["object"].(string); return s }

// MarshalJSON writes the keys in order.
func (o *Obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
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
