package ckoapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// The Events API of Checkout.com's previous platform, over the stored
// Checkout.com events and their webhook deliveries: a delivery to one
// registration is a notification (ntf_ and an id derived from the
// delivery's), each HTTP try one of its attempts.

// Paging of GET /events: limit defaults to 10 and is at most 100.
const (
	eventsDefaultLimit = 10
	eventsMaxLimit     = 100
	// eventsScan bounds how many of an account's events one list reads.
	eventsScan = 10000
)

// eventSummary is an event as GET /events lists it.
type eventSummary struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CreatedOn string `json:"created_on"`
	Links     links  `json:"_links"`
}

// eventList is the answer of GET /events.
type eventList struct {
	TotalCount int            `json:"total_count"`
	Limit      int            `json:"limit"`
	Skip       int            `json:"skip"`
	From       string         `json:"from,omitempty"`
	To         string         `json:"to,omitempty"`
	Data       []eventSummary `json:"data"`
}

// eventTypeList is one entry of GET /event-types.
type eventTypeList struct {
	Version    string   `json:"version"`
	EventTypes []string `json:"event_types"`
}

// notificationSummary is a notification as GET /events/{id} lists it.
type notificationSummary struct {
	ID               string `json:"id"`
	URL              string `json:"url"`
	NotificationType string `json:"notification_type"`
	Success          bool   `json:"success"`
	Links            links  `json:"_links"`
}

// notificationJSON is the answer of GET /events/{id}/notifications/{id}.
type notificationJSON struct {
	ID          string        `json:"id"`
	URL         string        `json:"url"`
	Success     bool          `json:"success"`
	ContentType string        `json:"content_type"`
	Attempts    []attemptJSON `json:"attempts"`
	Links       links         `json:"_links"`
}

// attemptJSON is one try of a notification.
type attemptJSON struct {
	StatusCode   int    `json:"status_code"`
	ResponseBody string `json:"response_body,omitempty"`
	SendMode     string `json:"send_mode"`
	Timestamp    string `json:"timestamp"`
}

func (a *API) eventsAPIRoutes() {
	a.handle("GET /event-types", route{h: listEventTypes})
	a.handle("GET /events", route{h: listEvents})
	a.handle("GET /events/{id}/notifications/{ntf}", route{h: getNotification})
	a.handle("POST /events/{id}/webhooks/retry", route{write: true, h: retryAll})
	a.handle("POST /events/{id}/webhooks/{wh}/retry", route{write: true, h: retryOne})
}

// listEventTypes answers the event types of version 2.0, the only version
// Kontor sends; ?version= names another one and gets an empty list.
func listEventTypes(c *call, op *engine.Op) (int, any, error) {
	out := []eventTypeList{}
	if v := c.r.URL.Query().Get("version"); v == "" || v == eventVersion {
		out = append(out, eventTypeList{Version: eventVersion, EventTypes: EventTypes})
	}
	return http.StatusOK, out, nil
}

// eventsQuery is a validated GET /events query.
type eventsQuery struct {
	paymentID   string
	from, to    *time.Time
	limit, skip int
}

func parseEventsQuery(q url.Values) (eventsQuery, error) {
	var ck checks
	out := eventsQuery{paymentID: q.Get("payment_id")}
	for _, f := range []struct {
		key string
		dst **time.Time
	}{{"from", &out.from}, {"to", &out.to}} {
		if v := q.Get(f.key); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				ck.add("paging_" + f.key + "_invalid")
				continue
			}
			*f.dst = &t
		}
	}
	out.limit, out.skip = ck.paging(q, eventsDefaultLimit, eventsMaxLimit)
	if out.from != nil && out.to != nil && out.to.Before(*out.from) {
		ck.add("paging_to_invalid")
	}
	return out, ck.err()
}

// listEvents answers the account's Checkout.com events, newest first,
// optionally of one payment and between from and to (created_on, inclusive),
// paged by limit and skip. No event answers 204, as Checkout.com does.
func listEvents(c *call, op *engine.Op) (int, any, error) {
	q, err := parseEventsQuery(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	p := store.ListEventsParams{Dialect: Dialect, ObjectID: q.paymentID, Limit: eventsScan}
	if q.from != nil {
		from := q.from.Unix()
		p.CreatedGTE = &from
	}
	if q.to != nil {
		to := q.to.Unix()
		p.CreatedLTE = &to
	}
	rows, err := op.ListEvents(p)
	if err != nil {
		return 0, nil, err
	}
	var evs []*engine.Event
	for _, r := range rows {
		ev, err := engine.DecodeEvent(r)
		if err != nil {
			return 0, nil, err
		}
		at := createdOn(ev)
		if q.from != nil && at.Before(*q.from) || q.to != nil && at.After(*q.to) {
			continue
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		return http.StatusNoContent, nil, nil
	}
	out := eventList{TotalCount: len(evs), Limit: q.limit, Skip: q.skip, Data: []eventSummary{}}
	if q.from != nil {
		out.From = q.from.UTC().Format(time.RFC3339)
	}
	if q.to != nil {
		out.To = q.to.UTC().Format(time.RFC3339)
	}
	base := c.baseURL()
	for _, ev := range page(evs, q.limit, q.skip) {
		env := renderEvent(ev, base)
		out.Data = append(out.Data, eventSummary{ID: ev.ID, Type: ev.Type, CreatedOn: env.CreatedOn, Links: eventLinks(base, ev.ID)})
	}
	return http.StatusOK, out, nil
}

// eventLinks are an event's own links.
func eventLinks(base, id string) links {
	self := base + "/events/" + id
	return links{"self": {self}, "webhooks-retry": {self + "/webhooks/retry"}}
}

// notificationID names the notification a delivery is.
func notificationID(deliveryID string) string { return derivedID("ntf_", deliveryID) }

// eventDeliveries returns the event's deliveries to the account's
// registrations, oldest first, and the registrations they went to.
func eventDeliveries(op *engine.Op, account, eventID string) ([]store.Delivery, map[string]*engine.WebhookEndpoint, error) {
	ds, err := op.Tx().ListDeliveries(op.Context(), store.ListDeliveriesParams{Account: account, EventID: eventID, Limit: 1000})
	if err != nil {
		return nil, nil, err
	}
	hooks := map[string]*engine.WebhookEndpoint{}
	for _, d := range ds {
		if _, ok := hooks[d.EndpointID]; ok {
			continue
		}
		h, err := engine.Get[engine.WebhookEndpoint](op, d.EndpointID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		hooks[d.EndpointID] = h
	}
	return ds, hooks, nil
}

// notifications lists the event's notifications, oldest first.
func notifications(op *engine.Op, account, base, eventID string) ([]notificationSummary, error) {
	ds, hooks, err := eventDeliveries(op, account, eventID)
	if err != nil {
		return nil, err
	}
	out := []notificationSummary{}
	for _, d := range ds {
		n := notificationSummary{ID: notificationID(d.ID), NotificationType: "Webhook", Success: d.Status == "succeeded",
			Links: notificationLinks(base, eventID, notificationID(d.ID), d.EndpointID)}
		if h := hooks[d.EndpointID]; h != nil {
			n.URL = h.URL
		}
		out = append(out, n)
	}
	return out, nil
}

func notificationLinks(base, eventID, ntfID, endpointID string) links {
	ev := base + "/events/" + eventID
	return links{"self": {ev + "/notifications/" + ntfID}, "webhook-retry": {ev + "/webhooks/" + endpointID + "/retry"}}
}

// pathEvent returns the event the path names; another dialect's or
// account's answers 404.
func pathEvent(c *call, op *engine.Op) (*engine.Event, error) {
	ev, _, err := op.GetEvent(Dialect, c.r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return ev, err
}

// pathEventDeliveries returns the event the path names with its
// deliveries and their registrations (eventDeliveries).
func pathEventDeliveries(c *call, op *engine.Op) (*engine.Event, []store.Delivery, map[string]*engine.WebhookEndpoint, error) {
	ev, err := pathEvent(c, op)
	if err != nil {
		return nil, nil, nil, err
	}
	ds, hooks, err := eventDeliveries(op, c.account, ev.ID)
	return ev, ds, hooks, err
}

// getNotification answers one notification with its attempts, oldest first.
func getNotification(c *call, op *engine.Op) (int, any, error) {
	ev, ds, hooks, err := pathEventDeliveries(c, op)
	if err != nil {
		return 0, nil, err
	}
	i := slices.IndexFunc(ds, func(d store.Delivery) bool { return notificationID(d.ID) == c.r.PathValue("ntf") })
	if i < 0 {
		return 0, nil, errNotFound
	}
	d := ds[i]
	tries, err := op.Tx().ListDeliveryAttempts(op.Context(), d.ID)
	if err != nil {
		return 0, nil, err
	}
	out := notificationJSON{ID: notificationID(d.ID), Success: d.Status == "succeeded", ContentType: "json",
		Attempts: []attemptJSON{}, Links: notificationLinks(c.baseURL(), ev.ID, notificationID(d.ID), d.EndpointID)}
	if h := hooks[d.EndpointID]; h != nil {
		out.URL = h.URL
	}
	// The first attempt of a delivery is automatic; a retry asked for
	// through the API or the dashboard is a delivery of its own.
	mode := "automatic"
	if resent(ds, i) {
		mode = "manual"
	}
	for _, t := range tries {
		out.Attempts = append(out.Attempts, attemptJSON{StatusCode: t.StatusCode, ResponseBody: t.Response, SendMode: mode,
			Timestamp: time.UnixMilli(t.At).UTC().Format(time.RFC3339)})
	}
	return http.StatusOK, out, nil
}

// resent reports whether ds[i] repeats an earlier delivery of the event to
// the same registration.
func resent(ds []store.Delivery, i int) bool {
	return slices.ContainsFunc(ds[:i], func(d store.Delivery) bool { return d.EndpointID == ds[i].EndpointID })
}

// retryAll queues the event once more for every registration it was sent
// to; 202 with no body.
func retryAll(c *call, op *engine.Op) (int, any, error) {
	ev, ds, hooks, err := pathEventDeliveries(c, op)
	if err != nil {
		return 0, nil, err
	}
	done := map[string]bool{}
	for _, d := range ds {
		if h := hooks[d.EndpointID]; h == nil || h.Deleted || done[d.EndpointID] {
			continue
		}
		done[d.EndpointID] = true
		if err := op.ResendEvent(ev.ID, d.EndpointID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusAccepted, nil, nil
}

// retryOne queues the event once more for one registration of the
// account; 202 with no body, 404 for an unknown event or registration.
func retryOne(c *call, op *engine.Op) (int, any, error) {
	ev, err := pathEvent(c, op)
	if err != nil {
		return 0, nil, err
	}
	if _, err := op.GetWebhookEndpoint(Dialect, c.r.PathValue("wh")); err != nil {
		return 0, nil, err
	}
	if err := op.ResendEvent(ev.ID, c.r.PathValue("wh")); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil, errNotFound
		}
		return 0, nil, fmt.Errorf("ckoapi: retry: %w", err)
	}
	return http.StatusAccepted, nil, nil
}
