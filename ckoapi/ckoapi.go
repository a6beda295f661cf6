// Package ckoapi is the Checkout.com dialect: JSON in and out, its error
// shape, its links, and its SEPA Direct Debit sources, payments, mandates and
// webhooks over the same engine as the Stripe dialect.
package ckoapi

import (
	"log/slog"
	"net/http"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/webhook"
)

// Options configure the dialect.
type Options struct {
	Logger    *slog.Logger
	PublicURL string
}

// API serves the Checkout.com dialect.
type API struct {
	e      *engine.Engine
	log    *slog.Logger
	mux    *http.ServeMux
	public string
}

// New returns the Checkout.com dialect over e.
func New(e *engine.Engine, opt Options) *API {
	a := &API{e: e, log: opt.Logger, mux: http.NewServeMux(), public: opt.PublicURL}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a
}

// ServeHTTP answers Checkout.com API requests; unknown paths answer 404 with an empty body.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNotFound)
}

// WebhookDialect returns how Checkout.com events are rendered, signed and retried.
func (a *API) WebhookDialect() webhook.Dialect { return webhook.Dialect{} }
