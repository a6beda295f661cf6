// Package web serves the hosted pages payers see: the Sofort authorisation
// page, the SEPA mandate page and the Checkout page. Pages work without
// JavaScript and are rendered with html/template from embedded files.
package web

import (
	"cmp"
	"log/slog"
	"net/http"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/publicurl"
)

// Pages serves the hosted pages under /hosted/.
type Pages struct {
	e      *engine.Engine
	log    *slog.Logger
	mux    *http.ServeMux
	public publicurl.Base
	// h is mux behind the cross-site check of the pages' forms.
	h http.Handler
}

// Options configure the hosted pages.
type Options struct {
	Logger *slog.Logger
	// PublicURL is the base of the absolute URLs the pages hand out (the
	// Checkout page's way back from the Sofort page); empty means
	// http://127.0.0.1:12111.
	PublicURL string
	// TrustProxy lets a reverse proxy's X-Forwarded-Host and
	// X-Forwarded-Proto choose that base (see package publicurl).
	TrustProxy bool
}

// New returns the hosted pages over e.
func New(e *engine.Engine, opt Options) *Pages {
	p := &Pages{e: e, log: opt.Logger, mux: http.NewServeMux(),
		public: publicurl.New(cmp.Or(opt.PublicURL, "http://127.0.0.1:12111"), opt.TrustProxy)}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.routes()
	p.h = p.sameOrigin(p.mux)
	return p
}

// ServeHTTP serves a hosted page.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.h.ServeHTTP(w, r) }

// sameOrigin refuses a form post another site's page makes the payer's
// browser send (cross-site request forgery: a page that submits "Authorize
// test payment" for a URL it learnt). Browsers mark every request with
// Sec-Fetch-Site, or else an Origin the request's host must match; the
// public URL's origin is trusted too, for a proxy that rewrites Host.
// Requests with neither header are not a browser's and pass, as do GETs.
func (p *Pages) sameOrigin(h http.Handler) http.Handler {
	c := http.NewCrossOriginProtection()
	c.AddTrustedOrigin(p.public.URL()) // an invalid origin (a path in the URL) only trusts nothing more
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.render(w, http.StatusForbidden, "error", errorView{Title: "This request cannot be completed",
			Message: "The form was sent from another site. Please return to the merchant and start again."})
	}))
	return c.Handler(h)
}
