package stripeapi

import (
	"errors"
	"net/url"
	"strings"
)

// A decoded form is a tree: each value is a string, a []any (from `a[]=`
// keys) or a map[string]any (from `a[b]=` keys, including numeric indices,
// which the parameter schema turns into arrays where it expects one).
type tree = map[string]any

var errFormSyntax = errors.New("malformed form key")

// parseForm decodes an application/x-www-form-urlencoded body (or a query
// string) into a tree, merging into t.
func parseForm(t tree, raw string) error {
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
		val, err := url.QueryUnescape(v)
		if err != nil {
			return err
		}
		if err := setKey(t, key, val); err != nil {
			return err
		}
	}
	return nil
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
