// Package ckoapi is the Checkout.com dialect: JSON in and out, its error
// shape, its links, and its SEPA Direct Debit sources, payments, mandates and
// webhooks over the same engine as the Stripe dialect.
//
// A Checkout.com SEPA source is an engine mandate of origin "cko" whose id is
// the source's id; a payment is an engine charge of origin "cko" collected
// under that mandate; its refunds and chargebacks are the engine's refunds
// and disputes. The dialect derives Checkout.com's statuses, actions and
// events from them (payment.go, events.go) and keeps no state of its own.
package ckoapi

import (
	"cmp"
	"log/slog"
	"net/http"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/publicurl"
)

// Version is sent in the Cko-Version header of every response.
const Version = "1.0.0"

// Options configure the dialect.
type Options struct {
	Logger *slog.Logger
	// PublicURL is the base URL of the links in API responses and webhook
	// deliveries; empty means http://127.0.0.1:12111.
	PublicURL string
	// TrustProxy lets a reverse proxy's X-Forwarded-Host and
	// X-Forwarded-Proto choose the base of the links in API responses (see
	// package publicurl).
	TrustProxy bool
	// WebhookRetries, when set, replaces Checkout.com's retry schedule of
	// failed webhook deliveries (5, 10, 15, 30 and 60 minutes after the
	// failed attempts), so that tests can shorten it.
	WebhookRetries []time.Duration
}

// API serves the Checkout.com dialect.
type API struct {
	e       *engine.Engine
	log     *slog.Logger
	mux     *http.ServeMux
	public  publicurl.Base
	retries []time.Duration
}

// New returns the Checkout.com dialect over e. It registers the dialect's
// event sink and timer with e, so it must be called before e serves.
func New(e *engine.Engine, opt Options) *API {
	a := &API{e: e, log: opt.Logger, mux: http.NewServeMux(), retries: opt.WebhookRetries,
		public: publicurl.New(cmp.Or(opt.PublicURL, "http://127.0.0.1:12111"), opt.TrustProxy)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.routes()
	e.AddEventSink(Dialect, deriveEvents)
	e.HandleTimer(timerPaidOut, paidOut)
	e.HandleTimer(timerChargeback, chargedBack)
	e.OnMandateEnded(Dialect, mandateEnded)
	return a
}

func (a *API) routes() {
	a.sourceRoutes()
	a.mandateRoutes()
	a.paymentRoutes()
	a.webhookRoutes()
	a.eventRoutes()
	a.testHelperRoutes()
	a.customerRoutes()
	a.disputeRoutes()
}
