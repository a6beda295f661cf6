package ckoapi

import "net/http"

// Route returns the pattern of the route r matches, e.g. "GET
// /payments/{id}", or "" when none does: the label the server's
// metrics count requests by.
func (a *API) Route(r *http.Request) string {
	_, pattern := a.mux.Handler(r)
	return pattern
}
