// Package web serves the hosted pages payers see: the Sofort authorisation
// page, the SEPA mandate page and the Checkout page. Pages work without
// JavaScript and are rendered with html/template from embedded files.
package web

import (
	"log/slog"
	"net/http"

	"github.com/kontorpay/kontor/engine"
)

// Pages serves the hosted pages under /hosted/.
type Pages struct {
	e   *engine.Engine
	log *slog.Logger
	mux *http.ServeMux
}

// New returns the hosted pages over e.
func New(e *engine.Engine, log *slog.Logger) *Pages {
	p := &Pages{e: e, log: log, mux: http.NewServeMux()}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.routes()
	return p
}

// ServeHTTP serves a hosted page.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }
