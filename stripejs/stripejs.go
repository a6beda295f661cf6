// Package stripejs serves Kontor's stand-in for Stripe.js v3 at /v3/, so
// that a web page loads <script src="http://127.0.0.1:12111/v3/"> in place
// of https://js.stripe.com/v3/ and its Stripe(publishableKey) talks to this
// server. The script itself (stripe.js) only calls the Stripe dialect's
// publishable-key endpoints; the one thing it needs from the server beyond
// them is redirectToCheckout's way from a session id to the session's
// hosted page, which GET /v3/checkout/{id} answers.
package stripejs

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/publicurl"
	"github.com/kontorpay/kontor/web"
)

// Prefix is the path the stand-in is served under.
const Prefix = "/v3/"

//go:embed stripe.js
var script string

// apiPlaceholder is where the script takes the server's public URL.
const apiPlaceholder = "__KONTOR_API__"

// Options configure the stand-in.
type Options struct {
	// PublicURL is the server's base URL, the one the script calls.
	PublicURL string
	// TrustProxy lets a reverse proxy's forwarded headers choose it (see
	// package publicurl).
	TrustProxy bool
	Logger     *slog.Logger
}

// Handler serves /v3/.
type Handler struct {
	e      *engine.Engine
	public publicurl.Base
	log    *slog.Logger
	mux    *http.ServeMux
}

// New returns the stand-in over e.
func New(e *engine.Engine, opt Options) *Handler {
	h := &Handler{e: e, public: publicurl.New(cmp.Or(opt.PublicURL, "http://127.0.0.1:12111"), opt.TrustProxy),
		log: cmp.Or(opt.Logger, slog.New(slog.DiscardHandler)), mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /v3/{$}", h.serveScript)
	h.mux.HandleFunc("GET /v3/stripe.js", h.serveScript)
	h.mux.HandleFunc("GET /v3/checkout/{id}", h.redirectToCheckout)
	return h
}

// ServeHTTP serves the script and the Checkout redirect; /v3 without its
// slash is the script too, as js.stripe.com answers it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v3" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h.serveScript(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// serveScript answers the script with the server's public URL in it.
func (h *Handler) serveScript(w http.ResponseWriter, r *http.Request) {
	base, _ := json.Marshal(h.public.For(r)) // a JSON string is a JavaScript string literal
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	// Pages on any origin load it, also with <script crossorigin>.
	hd.Set("Access-Control-Allow-Origin", "*")
	w.Write([]byte(strings.Replace(script, apiPlaceholder, string(base), 1)))
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title></head>
<body><main><h1 id="problem">{{.Title}}</h1><p>{{.Message}}</p></main></body></html>
`))

// redirectToCheckout sends the payer on to the hosted page of the Checkout
// Session id of the account whose publishable key (?key=) the page used.
// An unknown key or session, or another account's session, gets a page
// saying so, as Stripe's Checkout does.
func (h *Handler) redirectToCheckout(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	fail := func(status int, title, message string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		errorPage.Execute(w, struct{ Title, Message string }{title, message})
	}
	key := r.URL.Query().Get("key")
	if !strings.HasPrefix(key, "pk_") {
		fail(http.StatusBadRequest, "This checkout cannot be opened", "The page did not pass a publishable key (pk_test_…) to Stripe().")
		return
	}
	cred, err := h.e.Authenticate(r.Context(), key)
	if err != nil {
		fail(http.StatusUnauthorized, "This checkout cannot be opened", "The publishable key the page used is not a key of this server.")
		return
	}
	var url string
	err = h.e.View(r.Context(), cred.Account, func(op *engine.Op) error {
		s, err := op.GetPaymentPage(id)
		if err != nil {
			return err
		}
		url = web.CheckoutURL(h.public.For(r), cred.Account, s.ID)
		return nil
	})
	if e, ok := engine.AsError(err); ok && e.Kind == engine.KindNotFound {
		fail(http.StatusNotFound, "Something went wrong", "The checkout session "+id+" does not exist for this publishable key.")
		return
	}
	if err != nil {
		h.log.Error("redirect to checkout", "session", id, "err", err)
		fail(http.StatusInternalServerError, "Something went wrong", "The checkout could not be opened. Please try again.")
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}
