package stripeapi

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

type ptype int

const (
	tString ptype = iota
	tInt
	tBool
	tEnum
	tHash
	tArray
	tMetadata
	tRange // an integer or a hash of gt/gte/lt/lte (list filters such as created)
	tAny   // a free-form hash (type-specific source parameters)
)

// spec describes one parameter of an endpoint.
type spec struct {
	name     string
	t        ptype
	required bool
	clear    bool // an empty value is accepted and clears the field
	enum     []string
	maxLen   int
	min, max *int64
	fields   []spec
	elem     *spec
	lower    bool // the value is read in any case and kept in lower case (currencies)
}

func pStr(name string) spec               { return spec{name: name, t: tString, maxLen: 5000} }
func pInt(name string) spec               { return spec{name: name, t: tInt} }
func pTime(name string) spec              { return pInt(name).between(0, engine.MaxTimestamp) }
func pBool(name string) spec              { return spec{name: name, t: tBool} }
func pEnum(name string, v ...string) spec { return spec{name: name, t: tEnum, enum: v} }
func pHash(name string, f ...spec) spec   { return spec{name: name, t: tHash, fields: f} }
func pArr(name string, elem spec) spec    { return spec{name: name, t: tArray, elem: &elem} }
func pMeta() spec                         { return spec{name: "metadata", t: tMetadata, clear: true} }
func pRange(name string) spec             { return spec{name: name, t: tRange} }
func pAny(name string) spec               { return spec{name: name, t: tAny} }
func pExpand() spec                       { return pArr("expand", pStr("")) }

// pCurrency is a currency parameter: Stripe reads ISO codes in any case (EUR, Eur) and answers in lower case.
func pCurrency() spec { return spec{name: "currency", t: tString, maxLen: 3, lower: true} }

func (s spec) req() spec      { s.required = true; return s }
func (s spec) nullable() spec { s.clear = true; return s }
func (s spec) maxlen(n int) spec {
	s.maxLen = n
	return s
}
func (s spec) between(lo, hi int64) spec {
	s.min, s.max = &lo, &hi
	return s
}

// listSpecs are the parameters every list endpoint takes.
func listSpecs(extra ...spec) []spec {
	return append([]spec{pInt("limit"), pStr("starting_after"), pStr("ending_before"), pRange("created"), pExpand()}, extra...)
}

func addressSpec(name string) spec {
	return pHash(name, pStr("city").nullable(), pStr("country").nullable(), pStr("line1").nullable(),
		pStr("line2").nullable(), pStr("postal_code").nullable(), pStr("state").nullable()).nullable()
}

// nullValue marks a parameter given empty, which clears the field.
type nullValue struct{}

// Params are validated request parameters.
type Params struct {
	v      map[string]any
	prefix string
}

// validate checks tree against specs and returns typed parameters, or a
// Stripe invalid_request_error naming the first offending parameter.
func validate(t tree, specs []spec) (Params, error) {
	out, err := validateHash(t, specs, "")
	if err != nil {
		return Params{}, err
	}
	return Params{v: out}, nil
}

func paramName(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "[" + name + "]"
}

func findSpec(specs []spec, name string) (spec, bool) {
	for _, s := range specs {
		if s.name == name {
			return s, true
		}
	}
	return spec{}, false
}

func validateHash(t tree, specs []spec, prefix string) (map[string]any, error) {
	out := map[string]any{}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s, ok := findSpec(specs, k)
		if !ok {
			return nil, engine.Invalid("parameter_unknown", paramName(prefix, k), "Received unknown parameter: %s", paramName(prefix, k))
		}
		v, err := validateValue(t[k], s, paramName(prefix, k))
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	for _, s := range specs {
		if _, ok := t[s.name]; s.required && !ok {
			return nil, engine.Invalid("parameter_missing", paramName(prefix, s.name), "Missing required param: %s.", paramName(prefix, s.name))
		}
	}
	return out, nil
}

func emptyErr(name string) error {
	return engine.Invalid("parameter_invalid_empty", name,
		"You passed an empty string for '%s'. We assume empty values are an attempt to unset a parameter; however '%s' cannot be unset. You should remove '%s' from your request or supply a non-empty value.", name, name, name)
}

func validateValue(v any, s spec, name string) (any, error) {
	if str, ok := v.(string); ok && str == "" && s.t != tString {
		if s.clear {
			return nullValue{}, nil
		}
		if s.t == tArray || s.t == tHash || s.t == tAny {
			return nil, emptyErr(name)
		}
		return nil, emptyErr(name)
	}
	switch s.t {
	case tString:
		str, ok := v.(string)
		if !ok {
			return nil, engine.Invalid("parameter_invalid_string", name, "Invalid %s: must be a string, not a hash or an array.", name)
		}
		if str == "" {
			if s.clear {
				return nullValue{}, nil
			}
			return nil, emptyErr(name)
		}
		if s.maxLen > 0 && len([]rune(str)) > s.maxLen {
			return nil, engine.Invalid("parameter_invalid_string", name, "Invalid %s: must be at most %d characters.", name, s.maxLen)
		}
		if s.lower {
			str = strings.ToLower(str)
		}
		return str, nil
	case tEnum:
		str, ok := v.(string)
		if lower := strings.ToLower(str); lower == "true" || lower == "false" {
			// An enum that takes a boolean (off_session) reads it in any case, as booleans are.
			str = lower
		}
		if !ok || !slices.Contains(s.enum, str) {
			return nil, engine.Invalid("parameter_invalid_enum", name, "Invalid %s: must be one of %s", name, oneOf(s.enum))
		}
		return str, nil
	case tInt:
		return parseInt(v, s, name)
	case tBool:
		// Stripe reads booleans in any case: stripe-python sends True and False.
		str, _ := v.(string)
		switch {
		case strings.EqualFold(str, "true"):
			return true, nil
		case strings.EqualFold(str, "false"):
			return false, nil
		}
		return nil, engine.Invalid("parameter_invalid_boolean", name, "Invalid boolean: %s", display(v))
	case tHash:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, engine.Invalid("parameter_invalid_hash", name, "Invalid %s: must be a hash (an object of named values).", name)
		}
		return validateHash(m, s.fields, name)
	case tAny:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, engine.Invalid("parameter_invalid_hash", name, "Invalid %s: must be a hash (an object of named values).", name)
		}
		return m, nil
	case tArray:
		items, err := arrayItems(v, name)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(items))
		for i, it := range items {
			if out[i], err = validateValue(it, *s.elem, name+"["+strconv.Itoa(i)+"]"); err != nil {
				return nil, err
			}
		}
		return out, nil
	case tMetadata:
		return validateMetadata(v, name)
	case tRange:
		// Range bounds are timestamps: bounded, gt and lt become inclusive
		// bounds (Params.Range) without overflowing.
		if _, ok := v.(string); ok {
			return parseInt(v, pTime(""), name)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, engine.Invalid("parameter_invalid_integer", name, "Invalid %s: must be an integer or a hash of gt, gte, lt, lte.", name)
		}
		r := map[string]any{}
		for k, x := range m {
			if k != "gt" && k != "gte" && k != "lt" && k != "lte" {
				return nil, engine.Invalid("parameter_unknown", name+"["+k+"]", "Received unknown parameter: %s[%s]", name, k)
			}
			n, err := parseInt(x, pTime(""), name+"["+k+"]")
			if err != nil {
				return nil, err
			}
			r[k] = n
		}
		return r, nil
	}
	return nil, fmt.Errorf("stripeapi: parameter %s has no type", name)
}

func parseInt(v any, s spec, name string) (any, error) {
	str, ok := v.(string)
	if !ok {
		return nil, engine.Invalid("parameter_invalid_integer", name, "Invalid integer: %s", display(v))
	}
	n, err := strconv.ParseInt(str, 10, 64)
	if err != nil || strings.HasPrefix(str, "+") {
		return nil, engine.Invalid("parameter_invalid_integer", name, "Invalid integer: %s", str)
	}
	if s.min != nil && n < *s.min {
		return nil, engine.Invalid("parameter_invalid_integer", name, "Invalid %s: must be at least %d", name, *s.min)
	}
	if s.max != nil && n > *s.max {
		return nil, engine.Invalid("parameter_invalid_integer", name, "Invalid %s: must be at most %d", name, *s.max)
	}
	return n, nil
}

// arrayItems accepts `a[]=` lists and `a[0]=` maps with consecutive indices.
func arrayItems(v any, name string) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case map[string]any:
		items := make([]any, len(x))
		for k, it := range x {
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, engine.Invalid("parameter_invalid_array", name,
					"Invalid array: %s must be a list, indexed from 0 without gaps (%s[%s] is not).", name, name, k)
			}
			items[i] = it
		}
		return items, nil
	}
	return nil, engine.Invalid("parameter_invalid_array", name, "Invalid array: %s must be a list.", name)
}

func validateMetadata(v any, name string) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, engine.Invalid("parameter_invalid_hash", name, "Invalid %s: must be a hash of keys and string values.", name)
	}
	if len(m) > 50 {
		return nil, engine.Invalid("parameter_invalid_metadata", name,
			"Invalid metadata: metadata can have up to 50 keys, but you passed in %d keys.", len(m))
	}
	out := map[string]string{}
	for k, x := range m {
		s, ok := x.(string)
		if !ok {
			return nil, engine.Invalid("parameter_invalid_metadata", name+"["+k+"]", "Invalid value for %s[%s]: metadata values must be strings.", name, k)
		}
		if len([]rune(k)) > 40 {
			return nil, engine.Invalid("parameter_invalid_metadata", name+"["+k+"]",
				"Invalid metadata: metadata keys can have up to 40 characters, but the key %q has %d.", k, len([]rune(k)))
		}
		if len([]rune(s)) > 500 {
			return nil, engine.Invalid("parameter_invalid_metadata", name+"["+k+"]",
				"Invalid metadata: metadata values can have up to 500 characters, but the value of %q has %d.", k, len([]rune(s)))
		}
		out[k] = s
	}
	return out, nil
}

func oneOf(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + ", or " + vs[len(vs)-1]
}

func display(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Has reports whether the parameter was given (empty or not).
func (p Params) Has(name string) bool { _, ok := p.v[name]; return ok }

// IsNull reports whether the parameter was given empty.
func (p Params) IsNull(name string) bool { _, ok := p.v[name].(nullValue); return ok }

// Str returns a string parameter as an update option.
func (p Params) Str(name string) engine.Opt[string] {
	switch x := p.v[name].(type) {
	case string:
		return engine.Some(x)
	case nullValue:
		return engine.Opt[string]{Set: true, Null: true}
	}
	return engine.Opt[string]{}
}

// String returns a string parameter, "" when absent or empty.
func (p Params) String(name string) string { s, _ := p.v[name].(string); return s }

// Int returns an integer parameter.
func (p Params) Int(name string) (int64, bool) { n, ok := p.v[name].(int64); return n, ok }

// Bool returns a boolean parameter.
func (p Params) Bool(name string) (bool, bool) { b, ok := p.v[name].(bool); return b, ok }

// Hash returns a nested hash parameter (empty when absent).
func (p Params) Hash(name string) Params {
	m, _ := p.v[name].(map[string]any)
	return Params{v: m, prefix: paramName(p.prefix, name)}
}

// Raw returns a free-form hash parameter.
func (p Params) Raw(name string) map[string]any { m, _ := p.v[name].(map[string]any); return m }

// Strings returns an array-of-strings parameter.
func (p Params) Strings(name string) []string {
	items, _ := p.v[name].([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Hashes returns an array-of-hashes parameter.
func (p Params) Hashes(name string) []Params {
	items, _ := p.v[name].([]any)
	out := make([]Params, 0, len(items))
	for i, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, Params{v: m, prefix: paramName(p.prefix, name) + "[" + strconv.Itoa(i) + "]"})
	}
	return out
}

// Metadata returns the metadata parameter as an update.
func (p Params) Metadata() engine.MetadataUpdate {
	switch x := p.v["metadata"].(type) {
	case nullValue:
		return engine.MetadataUpdate{Clear: true}
	case map[string]string:
		return engine.MetadataUpdate{Set: x}
	}
	return engine.MetadataUpdate{}
}

// Address returns an address parameter as an update option.
func (p Params) Address(name string) engine.Opt[engine.AddressUpdate] {
	if !p.Has(name) {
		return engine.Opt[engine.AddressUpdate]{}
	}
	if p.IsNull(name) {
		return engine.Opt[engine.AddressUpdate]{Set: true, Null: true}
	}
	a := p.Hash(name)
	return engine.Some(engine.AddressUpdate{City: a.Str("city"), Country: a.Str("country"), Line1: a.Str("line1"),
		Line2: a.Str("line2"), PostalCode: a.Str("postal_code"), State: a.Str("state")})
}

// Range returns a range filter (created and the like) as inclusive bounds.
func (p Params) Range(name string) (gte, lte *int64) {
	switch x := p.v[name].(type) {
	case int64:
		return &x, &x
	case map[string]any:
		for k, v := range x {
			n := v.(int64)
			switch k {
			case "gt":
				n++
				gte = maxPtr(gte, n)
			case "gte":
				gte = maxPtr(gte, n)
			case "lt":
				n--
				lte = minPtr(lte, n)
			case "lte":
				lte = minPtr(lte, n)
			}
		}
	}
	return gte, lte
}

func maxPtr(p *int64, n int64) *int64 {
	if p == nil || n > *p {
		return &n
	}
	return p
}

func minPtr(p *int64, n int64) *int64 {
	if p == nil || n < *p {
		return &n
	}
	return p
}
