package stripeapi

import "net/http"

// Route returns the pattern of the route r matched, e.g. "GET
// /v1/customers/{id}", or "" when none did (the catch-all of unrecognized
// URLs, or a preflight): the label the server's metrics count requests by.
// It is asked once r has been served, when the dialect's mux has set
// r.Pattern (ServeHTTP serves r itself, not a copy).
func (a *API) Route(r *http.Request) string {
	if _, ok := a.specs[r.Pattern]; ok {
		return r.Pattern
	}
	return ""
}
