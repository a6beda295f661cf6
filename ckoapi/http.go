package ckoapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// route describes one endpoint. h returns the HTTP status and the value to
// send as JSON (nil sends no body).
type route struct {
	write bool
	// idempotent routes honour Cko-Idempotency-Key (see idempotency).
	idempotent bool
	h          func(c *call, op *engine.Op) (int, any, error)
}

// call is one request in flight.
type call struct {
	a       *API
	r       *http.Request
	w       http.ResponseWriter
	reqID   string
	account string
	body    object
}

type reqIDKey struct{}

func (a *API) handle(pattern string, rt route) {
	a.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, rt) }))
}

// ServeHTTP answers Checkout.com API requests. Every response carries
// Cko-Request-Id and Cko-Version; unknown paths answer 404 with no body.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("Cko-Request-Id", reqID)
	w.Header().Set("Cko-Version", Version)
	start := time.Now()
	// checkout-sdk-node sends PATCH as "patch", which fetch does not
	// normalise (it does for GET, POST, PUT and DELETE).
	r.Method = strings.ToUpper(r.Method)
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	if _, pattern := a.mux.Handler(r); pattern == "" {
		sw.WriteHeader(http.StatusNotFound)
	} else {
		// The mux itself must serve the request so that {id} path values are set.
		a.mux.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqIDKey{}, reqID)))
	}
	a.log.Info("request", "dialect", "cko", "request_id", reqID, "method", r.Method, "path", r.URL.Path,
		"status", sw.status, "duration_ms", time.Since(start).Milliseconds())
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// newRequestID returns a random UUID, the shape of Checkout.com's request ids.
func newRequestID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("ckoapi: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, rt route) {
	c := &call{a: a, r: r, w: w, reqID: r.Context().Value(reqIDKey{}).(string)}
	if err := c.authenticate(); err != nil {
		c.fail(err)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodDelete {
		body, err := readBody(r)
		if err != nil {
			c.fail(err)
			return
		}
		c.body = body
	}
	if !rt.write {
		var (
			status int
			out    []byte
		)
		err := a.e.View(r.Context(), c.account, func(op *engine.Op) error {
			var err error
			status, out, err = c.run(rt, op)
			return err
		})
		c.respond(status, out, err)
		return
	}
	key := ""
	if rt.idempotent {
		key = idempotency.Key(r.Header.Get)
	}
	o, err := a.e.Execute(r.Context(), &idempotency, engine.WriteRequest{Account: c.account,
		Info:   engine.RequestInfo{ID: c.reqID, IdempotencyKey: key},
		Method: r.Method, Path: r.URL.Path, Params: c.body,
	}, func(op *engine.Op) (int, []byte, error) { return c.run(rt, op) })
	c.respond(o.Status, o.Body, err)
}

// idempotency is Checkout.com's idempotency rule, as its documentation
// gives it: the routes marked idempotent (POST /payments and POST
// /payments/{id}/refunds) honour Cko-Idempotency-Key for 24 hours; a
// later request with the key on the same endpoint gets the stored status
// and body, whatever its own body; only requests that succeeded are
// stored, so a failed one may be retried with its key; a key whose first
// request is still executing answers 429 with no body. Checkout.com marks
// no replay in a header. A key first used on another endpoint is refused
// (422 idempotency_key_reused), which the documentation leaves open.
var idempotency = engine.IdempotencyPolicy{
	KeyHeader:       "Cko-Idempotency-Key",
	Namespace:       "cko:", // apart from Stripe's keys in the account's shared store of outcomes
	Methods:         []string{http.MethodPost},
	ReplayAnyParams: true,
	InFlight:        func(string) error { return errTooManyRequests },
}

// run calls the route's handler and encodes its result.
func (c *call) run(rt route, op *engine.Op) (int, []byte, error) {
	status, v, err := rt.h(c, op.Within(Dialect))
	if err != nil || v == nil {
		return status, nil, err
	}
	out, err := json.Marshal(v)
	return status, out, err
}

func (c *call) respond(status int, body []byte, err error) {
	if err != nil {
		c.fail(err)
		return
	}
	c.writeBody(status, body)
}

// writeBody sends status with body as JSON, or with no body when body is nil.
func (c *call) writeBody(status int, body []byte) {
	if body == nil {
		c.w.WriteHeader(status)
		return
	}
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	c.w.Write(body)
}

// fail answers an error in Checkout.com's shape (see errors.go).
func (c *call) fail(err error) {
	e := toAPIError(err)
	if e.status >= 500 {
		c.a.log.Error("request failed", "dialect", "cko", "request_id", c.reqID, "err", err)
	}
	if !e.hasBody() {
		c.w.WriteHeader(e.status)
		return
	}
	body, _ := json.Marshal(errorBody{RequestID: c.reqID, ErrorType: e.typ, ErrorCodes: e.codes})
	c.writeBody(e.status, body)
}

// authenticate reads the secret key, sent raw (previous platform) or as a
// Bearer token, and resolves its account; unknown well-formed sandbox keys
// get a fresh account, as in the Stripe dialect.
func (c *call) authenticate() error {
	key := secretKey(c.r.Header.Get("Authorization"))
	if key == "" {
		return errUnauthorized
	}
	cred, err := c.a.e.Authenticate(c.r.Context(), key)
	if err != nil {
		if e, ok := engine.AsError(err); ok && e.Kind == engine.KindAuth {
			return errUnauthorized
		}
		return err
	}
	if cred.Kind != engine.SecretKey {
		return errUnauthorized
	}
	c.account = cred.Account
	return nil
}

// Sandbox secret keys as Checkout.com issues them: the previous platform's
// sk_test_ and a UUID, and the current platform's sk_sbox_ (the underscore
// optional), 26 lowercase base32 characters and a check character that may
// also be *, #, $ or =: exactly the patterns checkout-sdk-node recognises.
// Live keys and anything else answer 401.
var (
	previousSandboxKey = regexp.MustCompile(`^sk_test_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	currentSandboxKey  = regexp.MustCompile(`^sk_sbox_?[a-z2-7]{26}[a-z2-7*#$=]$`)
)

// sandboxKey reports whether key has the shape of a Checkout.com sandbox secret key.
func sandboxKey(key string) bool {
	return previousSandboxKey.MatchString(key) || currentSandboxKey.MatchString(key)
}

// secretKey returns the secret key an Authorization header carries, or "".
// The header may hold several comma-separated values: checkout-sdk-node
// merges a webhook registration's custom headers into the request's own, so
// registering {"headers": {"authorization": "…"}} sends
// "Authorization: sk_test_…, …". The first sandbox key counts.
func secretKey(header string) string {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		if scheme, rest, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "bearer") {
			v = strings.TrimSpace(rest)
		}
		if sandboxKey(v) {
			return v
		}
	}
	return ""
}

// readBody parses a JSON object body. An empty body and the literal null
// (which the SDKs send for refunds and mandate cancellations without
// parameters) read as an empty object.
func readBody(r *http.Request) (object, error) {
	if r.Body == nil {
		return object{}, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, invalid("request_body_unreadable")
	}
	if len(raw) > MaxBodyBytes {
		return nil, invalid("request_body_too_large")
	}
	return parseObject(raw)
}

// baseURL returns the base of the links in API responses.
func (c *call) baseURL() string { return c.a.public.For(c.r) }
