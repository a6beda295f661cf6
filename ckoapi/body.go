package ckoapi

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// object is a parsed JSON object; numbers stay json.Number so that amounts
// are read exactly.
type object map[string]any

// parseObject parses raw as a JSON object. Empty input and the literal null
// read as an empty object; anything else that is not one object of text is
// a 422 request_body_malformed: invalid UTF-8 (which the JSON decoder would
// turn into U+FFFD) and NUL characters (\u0000) included.
func parseObject(raw []byte) (object, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return object{}, nil
	}
	if !utf8.Valid(raw) {
		return nil, invalid("request_body_malformed")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalid("request_body_malformed")
	}
	if dec.More() {
		return nil, invalid("request_body_malformed")
	}
	m, ok := v.(map[string]any)
	if !ok || hasNUL(m) || hasLoneSurrogate(raw) {
		return nil, invalid("request_body_malformed")
	}
	return object(m), nil
}

// hasLoneSurrogate reports whether the JSON text raw escapes half of a
// UTF-16 surrogate pair without the other (`"\ud800"`, `"\udc00\ud800"`),
// which encoding/json silently decodes to U+FFFD. raw must be valid JSON:
// a backslash then only occurs inside strings, starting an escape.
func hasLoneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character
		if i >= len(raw) || raw[i] != 'u' {
			continue
		}
		r := hex4(raw[i+1:])
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true // a low half without a high one before it
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return true
			}
			if lo := hex4(raw[i+3:]); lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

// hex4 reads the four hex digits at the start of b (valid JSON has them after \u).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

// hasNUL reports whether a decoded JSON value holds a NUL character in a
// key or a string.
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []any:
		for _, y := range x {
			if hasNUL(y) {
				return true
			}
		}
	case map[string]any:
		for k, y := range x {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(y) {
				return true
			}
		}
	}
	return false
}

// has reports whether key is present and not null.
func (o object) has(key string) bool {
	v, ok := o[key]
	return ok && v != nil
}

// str returns the string at key: ok is false when the key is present with
// another type; a missing key or null answers "" and true.
func (o object) str(key string) (s string, ok bool) {
	v, present := o[key]
	if !present || v == nil {
		return "", true
	}
	s, ok = v.(string)
	return s, ok
}

// obj returns the object at key, nil when absent or null; ok is false for another type.
func (o object) obj(key string) (object, bool) {
	v, present := o[key]
	if !present || v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	return object(m), ok
}

// int returns the integer at key; ok is false for a non-integer.
func (o object) int(key string) (n int64, ok bool) {
	num, isNum := o[key].(json.Number)
	if !isNum || strings.ContainsAny(string(num), ".eE") {
		return 0, false
	}
	n, err := num.Int64()
	return n, err == nil
}

// boolean returns the boolean at key, def when absent or null; ok is false for another type.
func (o object) boolean(key string, def bool) (b, ok bool) {
	v, present := o[key]
	if !present || v == nil {
		return def, true
	}
	b, ok = v.(bool)
	return b, ok
}

// checks collects the error codes of a request's validation: Checkout.com
// reports every invalid field at once.
type checks struct{ codes []string }

// add records code once.
func (c *checks) add(code string) {
	for _, have := range c.codes {
		if have == code {
			return
		}
	}
	c.codes = append(c.codes, code)
}

// text reads a string field: required and missing adds field+"_required";
// a non-string or a value longer than max (0: no limit) adds
// field+"_invalid". It returns the trimmed value.
func (c *checks) text(o object, key, field string, required bool, max int) string {
	s, ok := o.str(key)
	s = strings.TrimSpace(s)
	switch {
	case !ok:
		c.add(field + "_invalid")
	case s == "" && required:
		c.add(field + "_required")
	case max > 0 && len([]rune(s)) > max:
		c.add(field + "_invalid")
	}
	return s
}

// err returns the collected codes as a 422 error, or nil.
func (c *checks) err() error {
	if len(c.codes) == 0 {
		return nil
	}
	return invalid(c.codes...)
}

// metadata reads Checkout.com's metadata object: string values are kept as
// they are, numbers and booleans as their JSON text (the engine keeps
// metadata as strings); nested values are invalid.
func (c *checks) metadata(o object, key string) map[string]string {
	v, present := o[key]
	if !present || v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) > 50 {
		c.add("metadata_invalid")
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = "false"
			if x {
				out[k] = "true"
			}
		case nil:
		default:
			c.add("metadata_invalid")
		}
		if len(k) > 100 || len(out[k]) > 500 {
			c.add("metadata_invalid")
		}
	}
	return out
}

// paging reads a list's limit (def when absent, 1 to max) and skip (0 or
// more) from the query; bad values add paging_limit_invalid and
// paging_skip_invalid.
func (c *checks) paging(q url.Values, def, max int) (limit, skip int) {
	limit = def
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			c.add("paging_limit_invalid")
		}
		limit = n
	}
	if v := q.Get("skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.add("paging_skip_invalid")
		}
		skip = n
	}
	return limit, skip
}

// page returns the limit items of all after the first skip.
func page[T any](all []T, limit, skip int) []T {
	return all[min(skip, len(all)):min(skip+limit, len(all))]
}
