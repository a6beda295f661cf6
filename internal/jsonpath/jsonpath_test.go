package jsonpath

import "testing"

func TestLookup(t *testing.T) {
	obj := map[string]any{
		"id":               "cus_1",
		"metadata":         map[string]any{"order": "6735"},
		"business_profile": map[string]any{"name": nil},
		"amount":           1999.0,
	}
	for _, tc := range []struct {
		path string
		want any
	}{
		{"id", "cus_1"},
		{"metadata.order", "6735"},
		{"metadata.missing", nil},
		{"business_profile.name", nil},
		{"amount", 1999.0},
		{"amount.value", nil}, // a step through a number
		{"id.x", nil},         // a step through a string
		{"nothing.at.all", nil},
		{"", nil},
	} {
		if got := Lookup(obj, tc.path); got != tc.want {
			t.Errorf("Lookup(%q) = %#v, want %#v", tc.path, got, tc.want)
		}
	}
}
