package ckoapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/webhook"
)

// EventTypes are the event types a Checkout.com webhook may subscribe to:
// those the dialect emits and the rest of Checkout.com's payment and
// dispute events, which a registration may name although Kontor never
// sends them.
var EventTypes = []string{
	"card_verification_declined", "card_verified",
	"dispute_canceled", "dispute_evidence_required", "dispute_expired", "dispute_lost", "dispute_resolved", "dispute_won",
	"payment_approved", "payment_canceled", "payment_capture_declined", "payment_capture_pending", "payment_captured",
	"payment_chargeback", "payment_declined", "payment_expired", "payment_paid", "payment_pending",
	"payment_refund_declined", "payment_refund_pending", "payment_refunded", "payment_retrieval",
	"payment_void_declined", "payment_voided", "source_updated",
}

var eventTypeSet = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range EventTypes {
		m[t] = true
	}
	return m
}()

// SandboxRetries is Checkout.com's retry schedule of failed deliveries:
// after each failed attempt the next waits this long; after the sixth
// attempt the delivery is abandoned.
var SandboxRetries = []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}

// webhookJSON is a registration as the API shows it.
type webhookJSON struct {
	ID          string            `json:"id"`
	URL         string            `json:"url"`
	Active      bool              `json:"active"`
	Headers     map[string]string `json:"headers"`
	ContentType string            `json:"content_type"`
	EventTypes  []string          `json:"event_types"`
	Links       links             `json:"_links"`
}

func renderWebhook(base string, h *engine.WebhookEndpoint) webhookJSON {
	types := h.EnabledEvents
	if slices.Contains(types, "*") {
		types = EventTypes
	}
	headers := h.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	ct := h.ContentType
	if ct == "" {
		ct = "json"
	}
	return webhookJSON{ID: h.ID, URL: h.URL, Active: h.Status == "enabled", Headers: headers, ContentType: ct,
		EventTypes: types, Links: links{"self": {base + "/webhooks/" + h.ID}}}
}

func (a *API) webhookRoutes() {
	a.handle("GET /webhooks", route{h: listWebhooks})
	a.handle("POST /webhooks", route{write: true, h: createWebhook})
	a.handle("GET /webhooks/{id}", route{h: getWebhook})
	a.handle("PUT /webhooks/{id}", route{write: true, h: updateWebhook(true)})
	a.handle("PATCH /webhooks/{id}", route{write: true, h: updateWebhook(false)})
	a.handle("DELETE /webhooks/{id}", route{write: true, h: deleteWebhook})
}

// Bounds of a registration's custom headers, which every delivery carries.
const (
	MaxWebhookHeaders     = 50
	MaxWebhookHeaderBytes = 16 << 10 // names and values together
)

// headerName reports whether k is an HTTP header name (an RFC 9110 token).
func headerName(k string) bool {
	if k == "" || len(k) > 256 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// headerValue reports whether v can be sent as a header value: visible
// characters, spaces and tabs, no line breaks or other controls.
func headerValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// parseWebhook reads a registration body; full (POST, PUT) requires the
// URL and the event types and gives every other field its default.
func parseWebhook(b object, full bool) (engine.WebhookEndpointParams, error) {
	var ck checks
	p := engine.WebhookEndpointParams{Dialect: Dialect, IDPrefix: "wh_"}
	if b.has("url") || full {
		u := ck.text(b, "url", "url", true, 2048)
		if u != "" {
			if engine.ValidateWebhookURL(u, "url") != nil {
				ck.add("url_invalid")
			}
			p.URL = engine.Some(u)
		}
	}
	if b.has("active") || full {
		active, ok := b.boolean("active", true)
		if !ok {
			ck.add("active_invalid")
		}
		p.Disabled = engine.Some(!active)
	}
	if b.has("headers") || full {
		h, ok := b.obj("headers")
		headers := map[string]string{}
		size := 0
		for k, v := range h {
			s, isStr := v.(string)
			if !isStr || !headerName(k) || !headerValue(s) {
				ok = false
			}
			size += len(k) + len(s)
			headers[k] = s
		}
		if len(h) > MaxWebhookHeaders || size > MaxWebhookHeaderBytes {
			ok = false
		}
		if !ok {
			ck.add("headers_invalid")
		}
		p.Headers = engine.Some(headers)
	}
	if b.has("content_type") || full {
		ct, ok := b.str("content_type")
		if !ok || (ct != "" && ct != "json") {
			// Kontor delivers JSON only.
			ck.add("content_type_invalid")
		}
		p.ContentType = engine.Some("json")
	}
	if b.has("event_types") || full {
		// event_types is required: a registration names what it receives.
		var types []string
		switch list, ok := b["event_types"].([]any); {
		case !b.has("event_types"):
			ck.add("event_types_required")
		case !ok:
			ck.add("event_types_invalid")
		case len(list) == 0:
			ck.add("event_types_required")
		default:
			for _, v := range list {
				s, isStr := v.(string)
				if !isStr || !eventTypeSet[s] {
					ck.add("event_types_invalid")
					continue
				}
				if !slices.Contains(types, s) {
					types = append(types, s)
				}
			}
		}
		p.EnabledEvents = engine.Some(types)
	}
	return p, ck.err()
}

func listWebhooks(c *call, op *engine.Op) (int, any, error) {
	hooks, err := liveWebhooks(op)
	if err != nil {
		return 0, nil, err
	}
	if len(hooks) == 0 {
		return http.StatusNoContent, nil, nil // "No webhooks have been configured"
	}
	out := make([]webhookJSON, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, renderWebhook(c.baseURL(), h))
	}
	return http.StatusOK, out, nil
}

// liveWebhooks returns the account's Checkout.com registrations, active or
// not, oldest first.
func liveWebhooks(op *engine.Op) ([]*engine.WebhookEndpoint, error) {
	hooks, err := engine.ListWhere[engine.WebhookEndpoint](op, engine.WebhookEndpointFilter{Dialect: Dialect}, engine.ListParams{Ascending: true, Limit: 1000})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(hooks, func(h *engine.WebhookEndpoint) bool { return h.Deleted }), nil
}

// createWebhook registers an endpoint; a URL the account already registered
// answers 409, as Checkout.com does.
func createWebhook(c *call, op *engine.Op) (int, any, error) {
	p, err := parseWebhook(c.body, true)
	if err != nil {
		return 0, nil, err
	}
	hooks, err := liveWebhooks(op)
	if err != nil {
		return 0, nil, err
	}
	for _, h := range hooks {
		if h.URL == p.URL.V {
			return 0, nil, &apiError{status: http.StatusConflict, typ: "request_invalid", codes: []string{"url_already_registered"}}
		}
	}
	h, _, err := op.CreateWebhookEndpoint(p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, renderWebhook(c.baseURL(), h), nil
}

func getWebhook(c *call, op *engine.Op) (int, any, error) {
	h, err := op.GetWebhookEndpoint(Dialect, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderWebhook(c.baseURL(), h), nil
}

// updateWebhook answers PUT (full: fields left out take their defaults) and
// PATCH (partial).
func updateWebhook(full bool) func(c *call, op *engine.Op) (int, any, error) {
	return func(c *call, op *engine.Op) (int, any, error) {
		id := c.r.PathValue("id")
		if _, err := op.GetWebhookEndpoint(Dialect, id); err != nil {
			return 0, nil, err
		}
		p, err := parseWebhook(c.body, full)
		if err != nil {
			return 0, nil, err
		}
		h, err := op.UpdateWebhookEndpoint(id, p)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, renderWebhook(c.baseURL(), h), nil
	}
}

// deleteWebhook removes a registration; pending deliveries to it are abandoned.
func deleteWebhook(c *call, op *engine.Op) (int, any, error) {
	if _, err := op.DeleteWebhookEndpoint(Dialect, c.r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

// WebhookDialect returns how Checkout.com events are rendered, signed and
// retried: the event envelope with links under the public URL, signed by
// Cko-Signature (the lowercase hex HMAC-SHA256 of the raw body keyed with
// the account's secret key), with the registration's custom headers.
func (a *API) WebhookDialect() webhook.Dialect {
	retries := SandboxRetries
	if a.retries != nil {
		retries = a.retries
	}
	return webhook.Dialect{Retries: retries, Render: func(op *engine.Op, r store.Event, ep *engine.WebhookEndpoint, now time.Time) (webhook.Rendered, error) {
		ev, err := engine.DecodeEvent(r)
		if err != nil {
			return webhook.Rendered{}, err
		}
		body, err := json.Marshal(renderEvent(ev, a.public.URL()))
		if err != nil {
			return webhook.Rendered{}, err
		}
		key, err := op.AccountSecretKey()
		if err != nil {
			return webhook.Rendered{}, err
		}
		h := http.Header{}
		for k, v := range ep.Headers {
			h.Set(k, v)
		}
		h.Set("Cko-Signature", webhook.CkoSignature(key, body))
		return webhook.Rendered{Body: body, Headers: h}, nil
	}}
}
