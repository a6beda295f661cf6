package stripeapi

import (
	_ "embed"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

//go:embed event_types.txt
var eventTypesText string

// eventTypeList are the event types a Stripe webhook endpoint may
// subscribe to: every type Stripe documents, whether Kontor sends it or not.
var eventTypeList = strings.Fields(eventTypesText)

// eventTypes is the set of eventTypeList in the engine's names, which the
// engine checks enabled_events against.
var eventTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range eventTypeList {
		m[engineEvent(t)] = true
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
		Set("enabled_events", wireEventList(h.EnabledEvents)).
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

// webhookParams reads an endpoint's parameters; its enabled_events pass to
// the engine in the engine's names. An engine name that differs from
// Stripe's is no Stripe event type.
func webhookParams(p Params) (engine.WebhookEndpointParams, error) {
	wp := engine.WebhookEndpointParams{URL: p.Str("url"), Description: p.Str("description"), Metadata: p.Metadata(),
		APIVersion: p.Str("api_version"), EventTypes: eventTypes}
	if p.Has("enabled_events") {
		types := p.Strings("enabled_events")
		for i, t := range types {
			if _, renamed := wireEvents[t]; renamed {
				return wp, engine.InvalidEventType(i, t)
			}
		}
		wp.EnabledEvents = engine.Some(engineEventList(types))
	}
	if d, ok := p.Bool("disabled"); ok {
		wp.Disabled = engine.Some(d)
	}
	return wp, nil
}

func (a *API) webhookEndpointRoutes() {
	a.handle("POST /v1/webhook_endpoints", route{specs: webhookSpecs(true), write: true, h: func(c *call, op *engine.Op) (any, error) {
		if connect, _ := c.p.Bool("connect"); connect {
			return nil, engine.Invalid("parameter_invalid_boolean", "connect", "Connect endpoints are not supported: Kontor accounts have no connected accounts.")
		}
		if err := checkVersionParam(c.p); err != nil {
			return nil, err
		}
		wp, err := webhookParams(c.p)
		if err != nil {
			return nil, err
		}
		h, secret, err := op.CreateWebhookEndpoint(wp)
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
		wp, err := webhookParams(c.p)
		if err != nil {
			return nil, err
		}
		h, err := op.UpdateWebhookEndpoint(c.r.PathValue("id"), wp)
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
