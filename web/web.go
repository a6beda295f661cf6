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
	return p
}

// ServeHTTP serves a hosted page.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }
