// Package jsonpath reads values out of decoded JSON objects by dotted paths
// such as "metadata.order" or "business_profile.name".
package jsonpath

import "strings"

// Lookup returns the value at path in obj, or nil when a step of the path is
// missing or not an object.
func Lookup(obj map[string]any, path string) any {
	var v any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}
