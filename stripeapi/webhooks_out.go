package stripeapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/webhook"
)

// Retry schedules of Stripe webhook deliveries: after each failed attempt the
// next waits this long. The sandbox retries within seconds growing to minutes;
// the realistic profile spreads retries over three days, as Stripe does.
var (
	sandboxRetries   = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}
	realisticRetries = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour}
)

// WebhookDialect returns how Stripe events are rendered, signed and retried.
func (a *API) WebhookDialect() webhook.Dialect {
	retries := sandboxRetries
	if a.e.Timing() == engine.TimingRealistic {
		retries = realisticRetries
	}
	if a.retries != nil {
		retries = a.retries
	}
	return webhook.Dialect{Retries: retries, Render: func(op *engine.Op, ev store.Event, ep *engine.WebhookEndpoint, now time.Time) (webhook.Rendered, error) {
		c := &call{a: a}
		version := c.apiVersion(op)
		if ep.APIVersion != nil {
			version = *ep.APIVersion
		}
		obj, err := a.renderEvent(c, op, ev, version)
		if err != nil {
			return webhook.Rendered{}, err
		}
		body, err := json.MarshalIndent(obj, "", "  ")
		if err != nil {
			return webhook.Rendered{}, err
		}
		secret, err := op.WebhookSecret(ep)
		if err != nil {
			return webhook.Rendered{}, err
		}
		h := http.Header{}
		h.Set("Stripe-Signature", webhook.StripeSignature(secret, now.Unix(), body))
		return webhook.Rendered{Body: body, Headers: h}, nil
	}}
}
