package stripeapi

import (
	_ "embed"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

//go:embed event_types.txt
var eventTypesText string

// eventTypes is the set of event types a Stripe webhook endpoint may
// subscribe to: every type Stripe documents, whether Kontor sends it or not.
var eventTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(eventTypesText, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m[l] = true
		}
	}
	return m
}()

func init() { registerRenderer("webhook_endpoint", renderWebhookEndpoint) }

func renderWebhookEndpoint(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	h := o.(*engine.WebhookEndpoint)
	if h.Deleted {
		return newObj(h.ID, "webhook_endpoint").Set("deleted", true), nil
	}
	return newObj(h.ID, "webhook_endpoint").
		Set("api_version", str(h.APIVersion)).
		Set("application", nil).
		Set("created", h.Created).
		Set("description", str(h.Description)).
		Set("enabled_events", h.EnabledEvents).
		Set("livemode", false).
		Set("metadata", meta(h.Metadata)).
		Set("status", h.Status).
		Set("url", h.URL), nil
}

func webhookSpecs(create bool) []spec {
	s := []spec{pStr("url").maxlen(5000), pArr("enabled_events", pStr("")), pStr("description").nullable().maxlen(5000),
		pMeta(), pExpand()}
	if create {
		s = append(s, pStr("api_version"), pBool("connect"))
		s[0] = s[0].req()
		s[1] = s[1].req()
	} else {
		s = append(s, pBool("disabled"))
	}
	return s
}

func webhookParams(p Params) engine.WebhookEndpointParams {
	wp := engine.WebhookEndpointParams{URL: p.Str("url"), Description: p.Str("description"), Metadata: p.Metadata(),
		APIVersion: p.Str("api_version"), EventTypes: eventTypes}
	if p.Has("enabled_events") {
		wp.EnabledEvents = engine.Some(p.Strings("enabled_events"))
	}
	if d, ok := p.Bool("disabled"); ok {
		wp.Disabled = engine.Some(d)
	}
	return wp
}

func (a *API) webhookEndpointRoutes() {
	a.handle("POST /v1/webhook_endpoints", route{specs: webhookSpecs(true), write: true, h: func(c *call, op *engine.Op) (any, error) {
		if connect, _ := c.p.Bool("connect"); connect {
			return nil, engine.Invalid("parameter_invalid_boolean", "connect", "Connect endpoints are not supported: Kontor accounts have no connected accounts.")
		}
		if err := checkVersionParam(c.p); err != nil {
			return nil, err
		}
		h, secret, err := op.CreateWebhookEndpoint(webhookParams(c.p))
		if err != nil {
			return nil, err
		}
		o, err := c.renderExpanded(op, h)
		if err != nil {
			return nil, err
		}
		return o.Set("secret", secret), nil
	}})
	a.handle("GET /v1/webhook_endpoints/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		h, err := op.GetWebhookEndpoint("", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, h)
	}})
	a.handle("POST /v1/webhook_endpoints/{id}", route{specs: webhookSpecs(false), write: true, h: func(c *call, op *engine.Op) (any, error) {
		h, err := op.UpdateWebhookEndpoint(c.r.PathValue("id"), webhookParams(c.p))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, h)
	}})
	a.handle("DELETE /v1/webhook_endpoints/{id}", route{write: true, h: func(c *call, op *engine.Op) (any, error) {
		h, err := op.DeleteWebhookEndpoint("", c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.render(op, h)
	}})
	a.handle("GET /v1/webhook_endpoints", route{specs: listSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		// Enabled and disabled Stripe endpoints; other dialects' endpoints
		// (Kind is their dialect) and deleted ones stay out.
		return listOfWhere(c, op, "/v1/webhook_endpoints", "webhook endpoint", nil,
			func(h *engine.WebhookEndpoint) bool { return h.Dialect == "" && !h.Deleted })
	}})
}
