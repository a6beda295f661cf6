// Package dashboard serves the operator's dashboard under /dashboard/: sign
// in with an account's secret key, browse every object of the account,
// follow webhook deliveries and their attempts, resend an event and advance
// a test clock. Pages are rendered on the server with html/template from
// embedded files and work without JavaScript.
//
// The dashboard reads objects the way the API renders them: it calls the
// Stripe and Checkout.com dialects' handlers in-process with the signed-in
// account's key and shows the JSON they answer, so it stays right whatever
// the engine's internals look like. The store is read directly only for
// what no dialect serves (an object's type by id, lists of sources, mandates
// and Checkout.com payments, webhook deliveries and their attempts); see
// index.go and deliveries.go.
package dashboard

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kontorpay/kontor/store"
)

// Prefix is the path the dashboard is served under.
const Prefix = "/dashboard/"

//go:embed templates static
var files embed.FS

// Options configure the dashboard.
type Options struct {
	// Stripe and Checkout are the dialects' handlers; the dashboard sends
	// them GET requests (and the few writes its forms make) in-process.
	Stripe, Checkout http.Handler
	// Store is read for what no dialect lists: deliveries, attempts and the
	// type of an object named by id.
	Store store.Store
	// Resend queues one more delivery of an event to a webhook endpoint of
	// the account; an event or endpoint the account does not have answers
	// an error wrapping store.ErrNotFound.
	Resend func(ctx context.Context, account, eventID, endpointID string) error
	// PublicURL is the server's configured base URL; an https URL makes the
	// session cookie Secure.
	PublicURL string
	Logger    *slog.Logger
	// SessionTTL is how long a session lasts after sign-in; 0 means 12 hours.
	SessionTTL time.Duration
	// EventType names a stored event's type (of dialect) as the dialect
	// does on its wire; nil shows the type as stored.
	EventType func(dialect, typ string) string
}

// Dashboard is the /dashboard/ handler.
type Dashboard struct {
	opt      Options
	log      *slog.Logger
	mux      *http.ServeMux
	sessions *sessions
	secure   bool
	pages    *pages
}

// New returns the dashboard.
func New(opt Options) *Dashboard {
	d := &Dashboard{opt: opt, log: opt.Logger, mux: http.NewServeMux(),
		secure: strings.HasPrefix(strings.ToLower(opt.PublicURL), "https://")}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	ttl := opt.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	d.sessions = newSessions(ttl)
	d.pages = parsePages()
	d.routes()
	return d
}

// ServeHTTP serves a dashboard page.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	d.mux.ServeHTTP(w, r)
}

func (d *Dashboard) routes() {
	static, _ := fs.Sub(files, "static")
	d.mux.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", http.FileServerFS(static)))
	d.mux.HandleFunc("GET "+Prefix+"{$}", d.signedIn(d.home))
	d.mux.HandleFunc("GET "+Prefix+"signin", d.signInPage)
	d.mux.HandleFunc("POST "+Prefix+"signin", d.signIn)
	d.mux.HandleFunc("POST "+Prefix+"signout", d.signedIn(d.signOut))
	d.mux.HandleFunc("GET "+Prefix+"find", d.signedIn(d.find))
	for _, k := range kinds {
		d.mux.HandleFunc("GET "+Prefix+k.Name, d.signedIn(d.list(k)))
		d.mux.HandleFunc("GET "+Prefix+k.Name+"/{id}", d.signedIn(d.detail(k)))
	}
	d.mux.HandleFunc("GET "+Prefix+"webhook_endpoints/{id}/deliveries/{delivery}", d.signedIn(d.delivery))
	d.mux.HandleFunc("POST "+Prefix+"events/{id}/resend", d.signedIn(d.resend))
	d.mux.HandleFunc("POST "+Prefix+"test_clocks/{id}/advance", d.signedIn(d.advance))
	d.mux.HandleFunc("GET "+Prefix+"bank_files/{id}/content", d.signedIn(d.bankFileContent))
	d.mux.HandleFunc(Prefix, d.signedIn(func(w http.ResponseWriter, r *http.Request, s *session) {
		d.notFound(w, r, s, "")
	}))
}
