package stripeapi

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/kontorpay/kontor/engine"
)

// A decoded form is a tree: each value is a string, a []any (from `a[]=`
// keys) or a map[string]any (from `a[b]=` keys, including numeric indices,
// which the parameter schema turns into arrays where it expects one).
type tree = map[string]any

var errFormSyntax = errors.New("malformed form key")

// Bounds of a decoded form, so that a request costs memory and time in
// proportion to its size: Stripe's deepest real parameter
// (line_items[0][price_data][product_data][metadata][key]) has five
// brackets, and its longest names are well under a hundred bytes.
const (
	// MaxKeyDepth is how many bracketed levels a key may have.
	MaxKeyDepth = 8
	// MaxKeyBytes is the longest key, decoded.
	MaxKeyBytes = 500
	// MaxParams is how many key=value pairs a request (query string and body together) may send.
	MaxParams = 2000
)

// parseForm decodes an application/x-www-form-urlencoded body (or a query
// string) into a tree, merging into t. A key past MaxKeyDepth or
// MaxKeyBytes, or more than MaxParams pairs, is refused before anything is
// built from it.
func parseForm(t tree, raw string) error {
	if countPairs(raw) > MaxParams {
		return tooManyParams()
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return err
		}
		if err := checkKey(key); err != nil {
			return err
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return err
		}
		if !text(key) {
			return errFormSyntax
		}
		if !text(val) {
			return engine.Invalid("parameter_invalid_string", key, "Invalid %s: must be UTF-8 text without NUL characters.", key)
		}
		if err := setKey(t, key, val); err != nil {
			return err
		}
	}
	return nil
}

// text reports whether s is valid UTF-8 without NUL characters, which no
// parameter may hold (Go would store invalid bytes and JSON answer U+FFFD).
func text(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// checkKey refuses a key too long or too deeply nested to be any of
// Stripe's parameters; the error names the key's first levels only.
func checkKey(key string) error {
	depth := strings.Count(key, "[")
	if len(key) <= MaxKeyBytes && depth <= MaxKeyDepth {
		return nil
	}
	shown := key
	if i := nthIndex(key, '[', 3); i >= 0 {
		shown = key[:i] + "…"
	}
	if len(shown) > 100 {
		shown = shown[:100] + "…"
	}
	return engine.Invalid("parameter_unknown", shown,
		"Received unknown parameter: %s (keys have at most %d bytes and %d levels of brackets).", shown, MaxKeyBytes, MaxKeyDepth)
}

// nthIndex returns the index of the n-th (from 0) c in s, or -1.
func nthIndex(s string, c byte, n int) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return -1
}

// countPairs counts the key=value pairs of raw (empty ones between two & do not count).
func countPairs(raw string) int {
	n := 0
	for i := 0; i < len(raw); i++ {
		if raw[i] != '&' && (i == 0 || raw[i-1] == '&') {
			n++
		}
	}
	return n
}

// tooManyParams is the error of a request past MaxParams.
func tooManyParams() error {
	return engine.Invalid("parameters_exceeded_max", "", "Invalid request: it sends more than %d parameters.", MaxParams)
}

// splitKey splits `a[b][c]` into [a b c]; `a[]` gives [a ""].
func splitKey(key string) ([]string, error) {
	i := strings.IndexByte(key, '[')
	if i < 0 {
		if strings.ContainsRune(key, ']') {
			return nil, errFormSyntax
		}
		return []string{key}, nil
	}
	segs := []string{key[:i]}
	rest := key[i:]
	for rest != "" {
		if rest[0] != '[' {
			return nil, errFormSyntax
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return nil, errFormSyntax
		}
		segs = append(segs, rest[1:j])
		rest = rest[j+1:]
	}
	if segs[0] == "" {
		return nil, errFormSyntax
	}
	return segs, nil
}

func setKey(t tree, key, val string) error {
	segs, err := splitKey(key)
	if err != nil {
		return err
	}
	var cur any = t
	for i, s := range segs {
		last := i == len(segs)-1
		m, ok := cur.(map[string]any)
		if !ok {
			return errFormSyntax
		}
		if s == "" {
			return errFormSyntax // `[]` is handled by the parent below
		}
		if i+1 < len(segs) && segs[i+1] == "" {
			// a[] or a[][b]: append to a list.
			if i+2 != len(segs) {
				return errFormSyntax
			}
			lst, _ := m[s].([]any)
			if _, isMap := m[s].(map[string]any); isMap {
				return errFormSyntax
			}
			m[s] = append(lst, val)
			return nil
		}
		if last {
			if _, isMap := m[s].(map[string]any); isMap {
				return errFormSyntax
			}
			m[s] = val
			return nil
		}
		next, exists := m[s]
		if !exists {
			next = map[string]any{}
			m[s] = next
		} else if _, isStr := next.(string); isStr {
			// `a=` then `a[b]=`: the later nested form wins, as an empty scalar meant nothing.
			if next.(string) != "" {
				return errFormSyntax
			}
			next = map[string]any{}
			m[s] = next
		}
		cur = next
	}
	return nil
}
