package stripeapi

import (
	"strings"

	"github.com/kontorpay/kontor/store"
)

// The engine names things in its own vocabulary (ADR 0005); where Stripe's
// name differs, these tables map one to the other. Stored rows carry the
// engine's names, every byte on the wire Stripe's.

// wireObjects are Stripe's names of engine object types, in messages and
// error data: engine type -> Stripe object.
var wireObjects = map[string]string{"payment_page": "checkout.session"}

// wireEvents are Stripe's names of the engine's event types: engine type ->
// Stripe type. A type not listed has the same name in both.
var wireEvents = map[string]string{
	"payment_page.completed":               "checkout.session.completed",
	"payment_page.expired":                 "checkout.session.expired",
	"payment_page.async_payment_succeeded": "checkout.session.async_payment_succeeded",
	"payment_page.async_payment_failed":    "checkout.session.async_payment_failed",
}

// engineEvents is wireEvents the other way round: Stripe type -> engine type.
var engineEvents = func() map[string]string {
	m := make(map[string]string, len(wireEvents))
	for e, w := range wireEvents {
		m[w] = e
	}
	return m
}()

// wireCodes are Stripe's error codes for engine codes that differ.
var wireCodes = map[string]string{"payment_page_not_open": "checkout_session_not_open"}

// WireEventType returns Stripe's name of the engine's event type t (also
// for what shows stored events outside the API: the dashboard).
func WireEventType(t string) string {
	if w, ok := wireEvents[t]; ok {
		return w
	}
	return t
}

// engineEvent returns the engine's name of Stripe's event type t.
func engineEvent(t string) string {
	if e, ok := engineEvents[t]; ok {
		return e
	}
	return t
}

// noEvent is a type no event has: a query for it finds nothing.
const noEvent = "*"

// queryEvent returns the engine's name of Stripe's event type t for a
// query: an engine name that differs from Stripe's is no Stripe type and
// selects nothing.
func queryEvent(t string) string {
	if _, renamed := wireEvents[t]; renamed {
		return noEvent
	}
	return engineEvent(t)
}

// engineEventList maps a list of Stripe event types to the engine's names.
func engineEventList(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = engineEvent(t)
	}
	return out
}

// wireEventList maps a list of the engine's event types to Stripe's names.
func wireEventList(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = WireEventType(t)
	}
	return out
}

// eventTypePrefix sets q to select the events whose Stripe type begins with
// prefix. Where a renamed type takes part — its Stripe name begins with
// prefix, or its engine name does (and the Stripe name does not) — the
// prefix is no prefix of the engine's names: q then lists the engine's
// names of every Stripe type the prefix selects.
func eventTypePrefix(q *store.ListEventsParams, prefix string) {
	if prefix == "" {
		return
	}
	renamed := false
	for e, w := range wireEvents {
		if strings.HasPrefix(w, prefix) || strings.HasPrefix(e, prefix) {
			renamed = true
		}
	}
	if !renamed {
		q.TypePrefix = prefix
		return
	}
	q.Types = []string{}
	for _, w := range eventTypeList {
		if strings.HasPrefix(w, prefix) {
			q.Types = append(q.Types, engineEvent(w))
		}
	}
	if len(q.Types) == 0 {
		q.Types = []string{noEvent}
	}
}
