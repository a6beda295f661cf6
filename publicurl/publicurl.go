// Package publicurl decides the base of every absolute URL Kontor hands out:
// hosted pages, links in API responses, the Checkout page's way back. The
// base is the configured public URL; a request's own headers choose it only
// when the operator says a trusted proxy sets them.
package publicurl

import (
	"net/http"
	"strings"
)

// Base is where absolute URLs point.
type Base struct {
	url        string
	trustProxy bool
}

// New returns the base for url (the configured public URL, such as
// https://pay.example.com; a trailing slash is dropped). With trustProxy the
// X-Forwarded-Host and X-Forwarded-Proto headers a reverse proxy sets choose
// the host and scheme instead; without it request headers are never read.
func New(url string, trustProxy bool) Base {
	return Base{url: strings.TrimRight(url, "/"), trustProxy: trustProxy}
}

// URL returns the configured public URL.
func (b Base) URL() string { return b.url }

// For returns the base of the absolute URLs in the answer to r: the
// configured URL, or behind a trusted proxy the forwarded scheme and host.
// A forwarded host that is not a plain host[:port] is ignored.
func (b Base) For(r *http.Request) string {
	if !b.trustProxy || r == nil {
		return b.url
	}
	host := first(r.Header.Get("X-Forwarded-Host"))
	if host == "" {
		host = r.Host
	}
	if !plainHost(host) {
		return b.url
	}
	scheme := "http"
	if strings.HasPrefix(b.url, "https://") || r.TLS != nil {
		scheme = "https"
	}
	switch first(r.Header.Get("X-Forwarded-Proto")) {
	case "https":
		scheme = "https"
	case "http":
		scheme = "http"
	}
	return scheme + "://" + host
}

// first returns the first of a proxy header's comma-separated values (each
// proxy on the way appends its own).
func first(v string) string {
	v, _, _ = strings.Cut(v, ",")
	return strings.TrimSpace(v)
}

// plainHost reports whether h is a host name or address with an optional
// port, and nothing that could change the URL it is put into.
func plainHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}
