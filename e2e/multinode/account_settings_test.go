package multinode

import (
	"net/http"
	"net/url"
	"testing"
)

// TestAccountSettingsAcrossNodes: reads cache the account's settings (its
// default API version shapes every answer without a Stripe-Version header),
// yet once a change of them is answered by one node, the next read on
// another node is rendered with the new settings.
func TestAccountSettingsAcrossNodes(t *testing.T) {
	c := startCluster(t, 2, sandboxDelay)
	a := &api{key: newKey(), nodes: c.nodes}
	provisionOnce(t, a)
	src := a.must(t, 0, http.MethodPost, "/v1/sources", url.Values{"type": {"sepa_debit"}, "currency": {"eur"},
		"sepa_debit[iban]": {"DE89370400440532013000"}, "owner[name]": {"Jenny Rosen"}}, nil, http.StatusOK).field("id")
	cus := a.must(t, 0, http.MethodPost, "/v1/customers", url.Values{"source": {src}}, nil, http.StatusOK).field("id")
	for _, version := range []string{"2020-03-02", "2024-06-20"} {
		// Node 1 reads the customer, and so caches the account, right before the change on node 0.
		a.must(t, 1, http.MethodGet, "/v1/customers/"+cus, nil, nil, http.StatusOK)
		a.must(t, 0, http.MethodPost, "/v1/account", url.Values{"api_version": {version}}, nil, http.StatusOK)
		r := a.must(t, 1, http.MethodGet, "/v1/customers/"+cus, nil, nil, http.StatusOK)
		_, sources := r.json()["sources"]
		// Customers list their sources in versions before 2020-08-27.
		if got := r.Header.Get("Stripe-Version"); got != version || sources != (version < "2020-08-27") {
			t.Errorf("node 1 after the change to %s: Stripe-Version %s, sources listed %v", version, got, sources)
		}
	}
}
