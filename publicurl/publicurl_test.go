package publicurl

import (
	"net/http/httptest"
	"testing"
)

func TestFor(t *testing.T) {
	for _, c := range []struct {
		name     string
		url      string
		trust    bool
		host     string
		fwdHost  string
		fwdProto string
		want     string
	}{
		{"the configured URL, whatever the Host", "https://pay.example/", false, "evil.example:8080", "", "", "https://pay.example"},
		{"forwarded headers are ignored without trust", "http://127.0.0.1:12111", false, "evil.example", "evil.example", "https", "http://127.0.0.1:12111"},
		{"a trusted proxy's forwarded host and scheme", "http://127.0.0.1:12111", true, "127.0.0.1:12111", "pay.example", "https", "https://pay.example"},
		{"the first of several forwarded values", "http://127.0.0.1:12111", true, "x", "pay.example, inner.local", "https, http", "https://pay.example"},
		{"the Host a trusted proxy passed on", "https://pay.example", true, "shop.example:8443", "", "", "https://shop.example:8443"},
		{"a forwarded host that would change the URL", "https://pay.example", true, "x", "evil.example/@", "", "https://pay.example"},
		{"an unknown forwarded scheme", "http://pay.example", true, "pay.example", "", "javascript", "http://pay.example"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = c.host
		if c.fwdHost != "" {
			r.Header.Set("X-Forwarded-Host", c.fwdHost)
		}
		if c.fwdProto != "" {
			r.Header.Set("X-Forwarded-Proto", c.fwdProto)
		}
		if got := New(c.url, c.trust).For(r); got != c.want {
			t.Errorf("%s: For = %q, want %q", c.name, got, c.want)
		}
	}
	if got := New("https://pay.example/", true).For(nil); got != "https://pay.example" {
		t.Errorf("For(nil) = %q", got)
	}
}
