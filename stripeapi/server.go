// Package stripeapi is the Stripe dialect: it decodes Stripe's form-encoded
// requests, authenticates API keys, validates parameters, runs the engine and
// renders Stripe's JSON objects, lists, expansions, errors and idempotent replays.
package stripeapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// DefaultAPIVersion is the API version events carry when neither the
// endpoint nor the account names one (the version stripe-go v85 pins).
const DefaultAPIVersion = "2026-03-25.dahlia"

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// Options configure the dialect.
type Options struct {
	Logger *slog.Logger
	// PublicURL is the base URL of hosted pages; empty means the request's own host.
	PublicURL string
	// WebhookRetries, when set, replaces the timing profile's webhook retry
	// schedule (the delays after each failed delivery attempt).
	WebhookRetries []time.Duration
}

// API serves the Stripe dialect.
type API struct {
	e       *engine.Engine
	log     *slog.Logger
	mux     *http.ServeMux
	public  string
	retries []time.Duration
}

// New returns the Stripe dialect over e.
func New(e *engine.Engine, opt Options) *API {
	a := &API{e: e, log: opt.Logger, mux: http.NewServeMux(), public: strings.TrimRight(opt.PublicURL, "/"), retries: opt.WebhookRetries}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.routes()
	return a
}

// route describes one endpoint.
type route struct {
	specs       []spec
	write       bool
	publishable bool // allowed with a publishable key
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
	idemKey string
	version string
	expand  []string
}

func (a *API) handle(pattern string, rt route) {
	a.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, rt) }))
}

// ServeHTTP answers Stripe API requests.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := "req_" + engine.RandomString(14)
	w.Header().Set("Request-Id", reqID)
	w.Header().Set("Stripe-Version", DefaultAPIVersion)
	allowCrossOrigin(w, r)
	if r.Method == http.MethodOptions {
		// A browser's preflight: answered for every path, without a key, as Stripe answers it.
		if h := r.Header.Get("Access-Control-Request-Headers"); h != "" {
			w.Header().Set("Access-Control-Allow-Headers", h)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), reqIDKey{}, reqID))
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	if _, pattern := a.mux.Handler(r); pattern == "" {
		a.writeError(sw, &apiError{status: http.StatusNotFound, Type: "invalid_request_error",
			Message: "Unrecognized request URL (" + r.Method + ": " + r.URL.Path + "). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."})
	} else {
		// The mux itself must serve the request: a handler obtained from
		// ServeMux.Handler sees no path values ({id} would read as "").
		a.mux.ServeHTTP(sw, r)
	}
	a.log.Info("request", "request_id", reqID, "method", r.Method, "path", r.URL.Path, "status", sw.status,
		"duration_ms", time.Since(start).Milliseconds())
}

// allowCrossOrigin lets pages on any origin call the API, as Stripe does:
// requests carry their key in a header, never in a cookie, so an origin
// gains nothing it could not do with the key itself.
func allowCrossOrigin(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS, DELETE")
	h.Set("Access-Control-Expose-Headers", "Request-Id, Stripe-Manage-Version, X-Stripe-External-Auth-Required, X-Stripe-Privileged-Session-Required")
	h.Set("Access-Control-Max-Age", "300")
	if origin != "*" {
		h.Add("Vary", "Origin")
	}
}

type reqIDKey struct{}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, rt route) {
	c := &call{a: a, r: r, w: w, reqID: r.Context().Value(reqIDKey{}).(string)}
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
	t, err := readParams(r)
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
		var body []byte
		err := a.e.View(r.Context(), c.account, func(op *engine.Op) error {
			c.useVersion(op)
			res, err := rt.h(c, op)
			if err != nil {
				return err
			}
			body, err = json.Marshal(res)
			return err
		})
		c.respond(http.StatusOK, body, err)
		return
	}
	c.idemKey = r.Header.Get("Idempotency-Key")
	if c.idemKey == "" {
		body, err := c.execute(rt, t, "")
		c.respond(http.StatusOK, body, err)
		return
	}
	c.idempotent(rt, t)
}

// execute runs a write route in one transaction; with hash set it stores
// the outcome under the idempotency key in the same transaction.
func (c *call) execute(rt route, t tree, hash string) ([]byte, error) {
	var body []byte
	err := c.a.e.Update(c.r.Context(), c.account, engine.RequestInfo{ID: c.reqID, IdempotencyKey: c.idemKey}, func(op *engine.Op) error {
		c.useVersion(op)
		res, err := rt.h(c, op)
		if err != nil {
			return err
		}
		if body, err = json.Marshal(res); err != nil {
			return err
		}
		if hash == "" {
			return nil
		}
		return op.SaveIdempotency(store.Idempotency{Key: c.idemKey, RequestHash: hash, Method: c.r.Method,
			Path: c.r.URL.Path, StatusCode: http.StatusOK, Body: body})
	})
	return body, err
}

// idempotent executes a keyed write at most once and replays its outcome.
func (c *call) idempotent(rt route, t tree) {
	a := c.a
	if len(c.idemKey) > 255 {
		a.writeError(c.w, &apiError{status: http.StatusBadRequest, Type: "invalid_request_error", Code: "idempotency_key_invalid",
			Message: "Idempotency-Key must be at most 255 characters long."})
		return
	}
	canon, _ := json.Marshal(t)
	sum := sha256.Sum256(append([]byte(c.r.Method+" "+c.r.URL.Path+"\n"), canon...))
	hash := hex.EncodeToString(sum[:])
	release, ok := a.e.ClaimIdempotencyKey(c.account, c.idemKey)
	if !ok {
		a.writeError(c.w, &apiError{status: http.StatusConflict, Type: "idempotency_error", Code: "idempotency_key_in_use",
			Message: "There is currently another in-progress request using this idempotency key (that probably means you submitted twice, and the other request is still going through): " + c.idemKey + ". Please try again later."})
		return
	}
	defer release()
	for attempt := 0; ; attempt++ {
		rec, err := a.e.LookupIdempotency(c.r.Context(), c.account, c.idemKey)
		if err != nil {
			c.respond(0, nil, err)
			return
		}
		if rec != nil {
			if rec.RequestHash != hash {
				a.writeError(c.w, &apiError{status: http.StatusBadRequest, Type: "idempotency_error", Code: "idempotency_key_reused",
					Message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '" + c.idemKey + "' if you meant to execute a different request."})
				return
			}
			c.w.Header().Set("Idempotency-Key", c.idemKey)
			c.w.Header().Set("Idempotent-Replayed", "true")
			c.writeBody(rec.StatusCode, rec.Body)
			return
		}
		body, err := c.execute(rt, t, hash)
		if attempt == 0 && a.e.ExecutedElsewhere(c.r.Context(), c.account, c.idemKey, err) {
			continue // another node executed the key at the same moment: replay its outcome
		}
		c.w.Header().Set("Idempotency-Key", c.idemKey)
		if err != nil && storesOutcome(err) {
			ae := toAPIError(err)
			eb, _ := json.Marshal(map[string]any{"error": ae})
			serr := a.e.SaveIdempotencyOutcome(c.r.Context(), store.Idempotency{Account: c.account, Key: c.idemKey,
				RequestHash: hash, Method: c.r.Method, Path: c.r.URL.Path, StatusCode: ae.status, Body: eb})
			if errors.Is(serr, store.ErrConflict) && attempt == 0 {
				continue // another node stored an outcome first: replay it
			}
			if serr != nil && !errors.Is(serr, store.ErrConflict) {
				a.log.Error("store idempotent outcome", "request_id", c.reqID, "err", serr)
			}
		}
		c.respond(http.StatusOK, body, err)
		return
	}
}

// storesOutcome tells which failures happened while executing (and so are
// replayed under the same key) rather than in validation (which are not).
func storesOutcome(err error) bool {
	e, ok := engine.AsError(err)
	return ok && (e.Kind == engine.KindPayment || e.Kind == engine.KindState)
}

func (c *call) respond(status int, body []byte, err error) {
	if err != nil {
		ae := toAPIError(err)
		if ae.status >= 500 {
			c.a.log.Error("request failed", "request_id", c.reqID, "err", err)
		}
		c.a.writeError(c.w, ae)
		return
	}
	c.writeBody(status, body)
}

func (c *call) writeBody(status int, body []byte) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	c.w.Write(body)
}

func (a *API) writeError(w http.ResponseWriter, e *apiError) {
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
	if !engine.WellFormedKey(key) {
		return "", &engine.Error{Kind: engine.KindAuth, Code: "api_key_invalid", Message: "Invalid API Key provided: " + engine.RedactKey(key)}
	}
	return key, nil
}

// readParams merges the query string and (for form bodies) the body into one tree.
func readParams(r *http.Request) (tree, error) {
	t := tree{}
	if err := parseForm(t, r.URL.RawQuery); err != nil {
		return nil, badEncoding()
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
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "" && mt != "application/x-www-form-urlencoded" {
		return nil, engine.Invalid("invalid_content_type", "", "Invalid request: the body must be application/x-www-form-urlencoded, not %s. Stripe's API does not accept JSON bodies.", mt)
	}
	if err := parseForm(t, string(body)); err != nil {
		return nil, badEncoding()
	}
	return t, nil
}

func badEncoding() error {
	return engine.Invalid("invalid_form_encoding", "", "Invalid request: the body or query string is not valid application/x-www-form-urlencoded data.")
}

// baseURL returns the public base URL for hosted pages.
func (c *call) baseURL() string {
	if c.a.public != "" {
		return c.a.public
	}
	if c.r == nil {
		return "http://127.0.0.1:12111"
	}
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

// apiVersion returns the account's default version, else DefaultAPIVersion:
// the version events are rendered in when their endpoint names none.
func (c *call) apiVersion(op *engine.Op) string {
	if acct, err := op.Account(); err == nil && acct.Settings.APIVersion != "" {
		return acct.Settings.APIVersion
	}
	return DefaultAPIVersion
}
