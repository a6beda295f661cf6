package stripeapi

import (
	"slices"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// TestEventTypePrefixes: a type wildcard selects the events whose Stripe
// names it prefixes, whatever the engine calls them.
func TestEventTypePrefixes(t *testing.T) {
	for _, c := range []struct {
		prefix     string
		typePrefix string   // the store's prefix, when one serves
		has, hasnt []string // engine names among the listed types
	}{
		{prefix: "charge.", typePrefix: "charge."},
		{prefix: "checkout.session.", has: []string{"payment_page.completed", "payment_page.expired"}, hasnt: []string{"charge.succeeded"}},
		{prefix: "checkout.session.async_", has: []string{"payment_page.async_payment_failed"}, hasnt: []string{"payment_page.completed"}},
		{prefix: "c", has: []string{"payment_page.completed", "charge.succeeded", "customer.created"}, hasnt: []string{"payment_intent.created"}},
		{prefix: "payment_", has: []string{"payment_intent.succeeded", "payment_method.attached"}, hasnt: []string{"payment_page.completed"}},
		{prefix: "payment_page.", has: []string{noEvent}, hasnt: []string{"payment_page.completed"}},
	} {
		var q store.ListEventsParams
		eventTypePrefix(&q, c.prefix)
		if q.TypePrefix != c.typePrefix {
			t.Errorf("%s*: store prefix %q, want %q", c.prefix, q.TypePrefix, c.typePrefix)
		}
		for _, e := range c.has {
			if !slices.Contains(q.Types, e) {
				t.Errorf("%s*: %s not selected (%v)", c.prefix, e, q.Types)
			}
		}
		for _, e := range c.hasnt {
			if slices.Contains(q.Types, e) {
				t.Errorf("%s*: %s selected", c.prefix, e)
			}
		}
	}
	if queryEvent("payment_page.completed") != noEvent || queryEvent("checkout.session.completed") != "payment_page.completed" ||
		queryEvent("charge.succeeded") != "charge.succeeded" {
		t.Error("exact types map wrongly")
	}
	if WireEventType("payment_page.expired") != "checkout.session.expired" || WireEventType("charge.failed") != "charge.failed" {
		t.Error("wire names map wrongly")
	}
}
