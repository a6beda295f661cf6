// Package stripeapi is the Stripe dialect: it decodes Stripe's form-encoded
// requests, authenticates API keys, validates parameters, runs the engine and
// renders Stripe's JSON objects, lists, expansions, errors and idempotent replays.
package stripeapi

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/publicurl"
)

// DefaultAPIVersion is the API version events carry when neither the
// endpoint nor the account names one (the version stripe-go v85 pins).
const DefaultAPIVersion = "2026-03-25.dahlia"

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// Options configure the dialect.
type Options struct {
	Logger *slog.Logger
	// PublicURL is the base URL of hosted pages; empty means http://127.0.0.1:12111.
	PublicURL string
	// TrustProxy lets a reverse proxy's X-Forwarded-Host and
	// X-Forwarded-Proto choose the base URL (see package publicurl).
	TrustProxy bool
	// WebhookRetries, when set, replaces the timing profile's webhook retry
	// schedule (the delays after each failed delivery attempt).
	WebhookRetries []time.Duration
}

// API serves the Stripe dialect.
type API struct {
	e       *engine.Engine
	log     *slog.Logger
	mux     *http.ServeMux
	public  publicurl.Base
	retries []time.Duration
	specs   map[string][]spec // each route's parameters, by pattern
}

// New returns the Stripe dialect over e.
func New(e *engine.Engine, opt Options) *API {
	a := &API{e: e, log: opt.Logger, mux: http.NewServeMux(), retries: opt.WebhookRetries, specs: map[string][]spec{},
		public: publicurl.New(cmp.Or(opt.PublicURL, "http://127.0.0.1:12111"), opt.TrustProxy)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.routes()
	a.mux.HandleFunc("/", a.unrecognized)
	return a
}

// route describes one endpoint.
type route struct {
	specs       []spec
	write       bool
	publishable bool // allowed with a publishable key
	xmlBody     bool // the body is an XML document (bank file imports), not a form
	h           func(c *call, op *engine.Op) (any, error)
}

// call is one request in flight.
type call struct {
	a       *API
	r       *http.Request
	w       http.ResponseWriter
	p       Params
	account string
	kind    engine.KeyKind
	reqID   string
	version string
	expand  []string
	body    []byte // the raw body of an xmlBody route
}

func (a *API) handle(pattern string, rt route) {
	a.specs[pattern] = rt.specs
	a.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, rt) }))
}

// ServeHTTP answers Stripe API requests.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := "req_" + engine.RandomString(14)
	h := w.Header()
	h["Request-Id"] = []string{reqID}
	h["Stripe-Version"] = defaultVersionHeader
	allowCrossOrigin(h, r)
	if r.Method == http.MethodOptions {
		// A browser's preflight: answered for every path, without a key, as Stripe answers it.
		if h := r.Header.Get("Access-Control-Request-Headers"); h != "" {
			w.Header().Set("Access-Control-Allow-Headers", h)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	// Every request that matches no route reaches the catch-all route
	// (unrecognized), so the mux matches each request once.
	a.mux.ServeHTTP(sw, r)
	if a.log.Enabled(r.Context(), slog.LevelInfo) {
		a.log.Info("request", "request_id", reqID, "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", time.Since(start).Milliseconds())
	}
}

// unrecognized answers a request that matches no route (the pattern "/",
// which every other pattern is more specific than), whatever its method.
func (a *API) unrecognized(w http.ResponseWriter, r *http.Request) {
	a.writeError(w, &apiError{status: http.StatusNotFound, Type: "invalid_request_error",
		Message: "Unrecognized request URL (" + r.Method + ": " + r.URL.Path + "). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."})
}

// Header values that never change, shared by every response: a header set
// from them is replaced by Set and copied by Add, never written in place.
var (
	defaultVersionHeader = []string{DefaultAPIVersion}
	jsonContentType      = []string{"application/json"}
	anyOrigin            = []string{"*"}
	trueHeader           = []string{"true"}
	allowMethods         = []string{"GET, POST, HEAD, OPTIONS, DELETE"}
	exposeHeaders        = []string{"Request-Id, Stripe-Manage-Version, X-Stripe-External-Auth-Required, X-Stripe-Privileged-Session-Required"}
	maxAge               = []string{"300"}
)

// allowCrossOrigin lets pages on any origin call the API, as Stripe does:
// requests carry their key in a header, never in a cookie, so an origin
// gains nothing it could not do with the key itself.
func allowCrossOrigin(h http.Header, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" {
		h["Access-Control-Allow-Origin"] = []string{origin}
		h.Add("Vary", "Origin")
	} else {
		h["Access-Control-Allow-Origin"] = anyOrigin
	}
	h["Access-Control-Allow-Credentials"] = trueHeader
	h["Access-Control-Allow-Methods"] = allowMethods
	h["Access-Control-Expose-Headers"] = exposeHeaders
	h["Access-Control-Max-Age"] = maxAge
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, rt route) {
	// The request's id is the one its answer carries (ServeHTTP).
	c := &call{a: a, r: r, w: w, reqID: w.Header()["Request-Id"][0]}
	if err := c.authenticate(); err != nil {
		a.writeError(w, toAPIError(err))
		return
	}
	if c.kind == engine.PublishableKey && !rt.publishable {
		a.writeError(w, &apiError{status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "secret_key_required",
			Message: "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."})
		return
	}
	if v := r.Header.Get("Stripe-Version"); v != "" {
		if err := checkAPIVersion(v, ""); err != nil {
			a.writeError(w, toAPIError(err))
			return
		}
		c.version = v
		w.Header().Set("Stripe-Version", v)
	}
	var t tree
	var err error
	if rt.xmlBody {
		t, c.body, err = readXMLBody(r)
	} else {
		t, err = readParams(r)
	}
	if err != nil {
		a.writeError(w, toAPIError(err))
		return
	}
	if c.p, err = validate(t, rt.specs); err != nil {
		a.writeError(w, toAPIError(err))
		return
	}
	c.expand = c.p.Strings("expand")
	if err := checkExpandDepth(c.expand); err != nil {
		a.writeError(w, toAPIError(err))
		return
	}
	if !rt.write {
		buf := readAnswers.Get().(*[]byte)
		defer func() {
			if cap(*buf) <= maxPooledAnswer {
				readAnswers.Put(buf)
			}
		}()
		var body []byte
		var xml xmlContent
		err := a.e.View(r.Context(), c.account, func(op *engine.Op) error {
			c.useVersion(op)
			res, err := rt.h(c, op.Within(dialect))
			if err != nil {
				return err
			}
			if x, ok := res.(xmlContent); ok {
				xml = x
				return nil
			}
			body, err = appendAnswer((*buf)[:0], res)
			*buf = body[:0]
			return err
		})
		if err == nil && xml != nil {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusOK)
			w.Write(xml)
			return
		}
		c.respond(http.StatusOK, body, err)
		return
	}
	o, err := a.e.Execute(r.Context(), &idempotency, engine.WriteRequest{Account: c.account,
		Info:   engine.RequestInfo{ID: c.reqID, IdempotencyKey: idempotency.Key(r.Header.Get)},
		Method: r.Method, Path: r.URL.Path, Params: t,
	}, func(op *engine.Op) (int, []byte, error) { return c.run(rt, op) })
	idempotency.SetHeaders(o, w.Header().Set)
	c.respond(o.Status, o.Body, err)
}

// dialect is the origin of Stripe's objects: the engine's default dialect
// stores them without one. Every request works within it, so another
// dialect's objects are not found (engine.Op.Within).
const dialect = ""

// run calls the route's handler and renders its result in the request's API version.
func (c *call) run(rt route, op *engine.Op) (int, []byte, error) {
	c.useVersion(op)
	res, err := rt.h(c, op.Within(dialect))
	if err != nil {
		return 0, nil, err
	}
	body, err := marshal(res)
	return http.StatusOK, body, err
}

// idempotency is Stripe's idempotency policy. A request that fails while
// executing (a payment or state error) stores its error and replays it
// under the key; one that fails validation stores nothing.
var idempotency = engine.IdempotencyPolicy{
	KeyHeader:    "Idempotency-Key",
	EchoHeader:   "Idempotency-Key",
	ReplayHeader: "Idempotent-Replayed",
	InvalidKey: func(string) error {
		return engine.Invalid("idempotency_key_invalid", "", "Idempotency-Key must be at most %d characters long.", engine.MaxIdempotencyKeyLen)
	},
	InFlight: func(key string) error {
		return &engine.Error{Kind: engine.KindInFlight, Code: "idempotency_key_in_use",
			Message: "There is currently another in-progress request using this idempotency key (that probably means you submitted twice, and the other request is still going through): " + key + ". Please try again later."}
	},
	Reused: func(key string) error {
		return &engine.Error{Kind: engine.KindIdempotency, Code: "idempotency_key_reused",
			Message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '" + key + "' if you meant to execute a different request."}
	},
	StoredFailure: func(err error) (int, []byte, bool) {
		if e, ok := engine.AsError(err); !ok || (e.Kind != engine.KindPayment && e.Kind != engine.KindState) {
			return 0, nil, false
		}
		ae := toAPIError(err)
		body, _ := json.Marshal(map[string]any{"error": ae})
		return ae.status, body, true
	},
}

func (c *call) respond(status int, body []byte, err error) {
	if err != nil {
		ae := toAPIError(err)
		c.pathNotFound(err, ae)
		if ae.status >= 500 {
			c.a.log.Error("request failed", "request_id", c.reqID, "err", err)
		}
		c.a.writeError(c.w, ae)
		return
	}
	c.writeBody(status, body)
}

func (c *call) writeBody(status int, body []byte) {
	h := c.w.Header()
	h["Content-Type"] = jsonContentType
	// A length given is written with the headers: without it, a body larger
	// than net/http's buffer goes out chunked.
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.w.WriteHeader(status)
	c.w.Write(body)
}

func (a *API) writeError(w http.ResponseWriter, e *apiError) {
	if e.status == StatusClientGone {
		w.WriteHeader(e.status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Stripe"`)
	}
	if e.status >= 400 && e.status < 500 && e.status != http.StatusConflict && e.status != http.StatusTooManyRequests {
		w.Header().Set("Stripe-Should-Retry", "false")
	}
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// authenticate reads the API key from Bearer or Basic authorization.
func (c *call) authenticate() error {
	key, err := apiKey(c.r)
	if err != nil {
		return err
	}
	cred, err := c.a.e.Authenticate(c.r.Context(), key)
	if err != nil {
		return err
	}
	c.account, c.kind = cred.Account, cred.Kind
	return nil
}

func apiKey(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &engine.Error{Kind: engine.KindAuth, Message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."}
	}
	scheme, cred, _ := strings.Cut(h, " ")
	var key string
	switch strings.ToLower(scheme) {
	case "bearer":
		key = strings.TrimSpace(cred)
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return "", &engine.Error{Kind: engine.KindAuth, Message: "Invalid API Key provided: the Basic credentials are not valid base64."}
		}
		key, _, _ = strings.Cut(string(raw), ":")
	default:
		return "", &engine.Error{Kind: engine.KindAuth, Message: "Invalid authorization header. Use Bearer auth (Authorization: Bearer YOUR_SECRET_KEY) or Basic auth with your key as the user name."}
	}
	// engine.Authenticate refuses a malformed key.
	return key, nil
}

// readParams merges the query string and (for form bodies) the body into one tree.
func readParams(r *http.Request) (tree, error) {
	t := tree{}
	if err := parseForm(t, r.URL.RawQuery); err != nil {
		return nil, formError(err)
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return t, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, engine.Invalid("request_body_unreadable", "", "The request body could not be read.")
	}
	if len(body) > MaxBodyBytes {
		return nil, engine.Invalid("request_body_too_large", "", "The request body is larger than %d bytes.", MaxBodyBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return t, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct != "" && err != nil {
		return nil, engine.Invalid("invalid_content_type", "", "Invalid request: the Content-Type header %q cannot be read. Send application/x-www-form-urlencoded.", ct)
	}
	if mt != "" && mt != "application/x-www-form-urlencoded" {
		return nil, engine.Invalid("invalid_content_type", "", "Invalid request: the body must be application/x-www-form-urlencoded, not %s. Stripe's API does not accept JSON bodies.", mt)
	}
	if countPairs(r.URL.RawQuery)+countPairs(string(body)) > MaxParams {
		return nil, tooManyParams()
	}
	if err := parseForm(t, string(body)); err != nil {
		return nil, formError(err)
	}
	return t, nil
}

// formError keeps the errors parseForm words itself (a limit, naming the
// key) and answers every other one as invalid encoding.
func formError(err error) error {
	if _, ok := engine.AsError(err); ok {
		return err
	}
	return badEncoding()
}

func badEncoding() error {
	return engine.Invalid("invalid_form_encoding", "", "Invalid request: the body or query string is not valid application/x-www-form-urlencoded data.")
}

// baseURL returns the public base URL for hosted pages.
func (c *call) baseURL() string { return c.a.public.For(c.r) }

// apiVersion returns the account's default version, else DefaultAPIVersion:
// the version events are rendered in when their endpoint names none.
func (c *call) apiVersion(op *engine.Op) string {
	if acct, err := op.Account(); err == nil && acct.Settings.APIVersion != "" {
		return acct.Settings.APIVersion
	}
	return DefaultAPIVersion
}
