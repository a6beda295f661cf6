package stripeapi

import "net/http"

// Route returns the pattern of the route r matches, e.g. "GET
// /v1/customers/{id}", or "" when none does: the label the server's
// metrics count requests by.
func (a *API) Route(r *http.Request) string {
	if _, pattern := a.mux.Handler(r); pattern != "/" {
		return pattern
	}
	return "" // the catch-all of unrecognized URLs

}
