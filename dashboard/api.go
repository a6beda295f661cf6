package dashboard

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
)

// dialect names the API a request goes to.
type dialect int

const (
	stripeDialect dialect = iota
	checkoutDialect
)

// reply is what a dialect answered to an in-process request.
type reply struct {
	status int
	body   []byte
}

// ok reports a 2xx answer.
func (r reply) ok() bool { return r.status >= 200 && r.status < 300 }

// object decodes the body as a JSON object (nil when it is not one).
func (r reply) object() map[string]any {
	v, err := decode(r.body)
	if err != nil {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}

// message returns the error message of a Stripe or Checkout.com error body.
func (r reply) message() string {
	m := r.object()
	if e, ok := m["error"].(map[string]any); ok {
		if s, ok := e["message"].(string); ok {
			return s
		}
	}
	if codes, ok := m["error_codes"].([]any); ok && len(codes) > 0 {
		parts := make([]string, 0, len(codes))
		for _, c := range codes {
			if s, ok := c.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	return http.StatusText(r.status)
}

// recorder is the smallest http.ResponseWriter that keeps what a handler wrote.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// call sends one request to a dialect's handler in-process with the
// session's key and returns its answer. form, when non-nil, is sent
// form-encoded (Stripe) as the body of a POST.
func (d *Dashboard) call(ctx context.Context, s *session, to dialect, method, path string, query, form url.Values) reply {
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return reply{status: http.StatusBadRequest}
	}
	req.RemoteAddr = "127.0.0.1:0"
	// A dialect that builds links from the request's host sees the
	// configured public URL's, never one a browser sent.
	if u, err := url.Parse(d.opt.PublicURL); err == nil && u.Host != "" {
		req.Host = u.Host
	}
	h := d.opt.Stripe
	if to == checkoutDialect {
		h = d.opt.Checkout
		req.Header.Set("Authorization", s.key)
	} else {
		req.Header.Set("Authorization", "Bearer "+s.key)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := &recorder{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return reply{status: w.status, body: w.body.Bytes()}
}

// get is call for a GET.
func (d *Dashboard) get(ctx context.Context, s *session, to dialect, path string, query url.Values) reply {
	return d.call(ctx, s, to, http.MethodGet, path, query, nil)
}
