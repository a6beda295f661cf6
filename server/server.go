// Package server wires Kontor together: it opens the store, builds the
// engine and the dialects, serves HTTP and runs the background services
// (timer scheduler, webhook dispatcher, idempotency sweeper).
package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontorpay/kontor/bank/iso20022/xsd"
	"github.com/kontorpay/kontor/ckoapi"
	"github.com/kontorpay/kontor/clock"
	"github.com/kontorpay/kontor/dashboard"
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/metrics"
	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/stripeapi"
	"github.com/kontorpay/kontor/stripejs"
	"github.com/kontorpay/kontor/web"
	"github.com/kontorpay/kontor/webhook"
)

// Config configures a Server.
type Config struct {
	Addr         string // listen address; ":0" or "127.0.0.1:0" picks a free port
	DB           string // sqlite:///path, a bare path, or postgres://…
	Timing       engine.Timing
	StrictKeys   bool
	SandboxDelay time.Duration
	PublicURL    string
	// TrustProxy lets a reverse proxy's X-Forwarded-Host and
	// X-Forwarded-Proto headers choose the base of absolute URLs; without it
	// they come from PublicURL (default: http://ADDR) only.
	TrustProxy bool
	// Limits bound connections and request times; zero fields take defaults.
	Limits Limits
	Logger *slog.Logger
	Clock  clock.Clock
	// DataKey seals full IBANs and secrets (32 bytes); nil keeps a key in the
	// database's settings, created on first start.
	DataKey []byte
	// WebhookTimeout is how long a webhook receiver has to answer; 0 means 10 s.
	WebhookTimeout time.Duration
	// WebhookRetries, when set, replaces the timing profile's Stripe webhook
	// retry schedule: the delay after each failed attempt, the last one
	// followed by giving up. Nil keeps the profile's schedule (sandbox: the
	// first retry after 10 s, growing to an hour).
	WebhookRetries []time.Duration
	// CkoWebhookRetries, when set, replaces Checkout.com's webhook retry
	// schedule (5, 10, 15, 30 and 60 minutes); nil keeps it.
	CkoWebhookRetries []time.Duration
	// Store, when set, is used instead of opening DB (tests inject drivers this way).
	Store store.Store
	// MetricsAddr, when set, serves /metrics on this address only, instead
	// of on Addr beside the API.
	MetricsAddr string
	// HTTPSAddr, when set, serves everything Addr serves over TLS too, with
	// HTTP/2, on this address (stripe-mock's is 127.0.0.1:12112). TLSCert
	// and TLSKey name the certificate and key (PEM files); without them a
	// self-signed certificate is made at start.
	HTTPSAddr       string
	TLSCert, TLSKey string
	// BankSchemas, when set, is a directory of the ISO 20022 XSDs
	// (pain.002.001.10.xsd, …) every imported bank file is validated
	// against with xmllint, in full.
	BankSchemas string
}

// Server is a running Kontor node.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   store.Store
	engine  *engine.Engine
	ln      net.Listener
	http    *http.Server
	stripe  *stripeapi.API
	cko     *ckoapi.API
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	ownDB   bool
	baseURL string
	// draining is set when Shutdown begins; /readyz then answers 503.
	draining    atomic.Bool
	metrics     *metrics.Metrics
	metricsLn   net.Listener
	metricsHTTP *http.Server
	// The HTTPS listener (raw, and with TLS on it), its server and its certificate.
	httpsLn, httpsLnTLS net.Listener
	https               *http.Server
	tlsCert             *x509.Certificate
}

// OpenStore opens the store named by a --db value.
func OpenStore(ctx context.Context, db string) (store.Store, error) {
	switch {
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return openPostgres(ctx, db)
	case strings.HasPrefix(db, "sqlite://"):
		return sqlite.Open(ctx, strings.TrimPrefix(db, "sqlite://"), sqlite.Options{})
	case strings.Contains(db, "://"):
		return nil, fmt.Errorf("unsupported database URL %q (want sqlite:///path or postgres://…)", RedactDSN(db))
	}
	return sqlite.Open(ctx, db, sqlite.Options{})
}

// openPostgres is replaced when the PostgreSQL store is linked in.
var openPostgres = func(ctx context.Context, dsn string) (store.Store, error) {
	return nil, errors.New("the PostgreSQL store is not available in this build")
}

// RedactDSN hides a password in a database URL.
func RedactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if i := strings.Index(dsn, "://"); i >= 0 && i < at {
			cred := dsn[i+3 : at]
			if u, _, ok := strings.Cut(cred, ":"); ok {
				return dsn[:i+3] + u + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}

// New opens the store, builds the engine and binds the listener.
func New(ctx context.Context, cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	st := cfg.Store
	if st == nil {
		var err error
		if st, err = OpenStore(ctx, cfg.DB); err != nil {
			return nil, err
		}
		s.ownDB = true
	}
	s.store = st
	var schemas *xsd.Validator
	if cfg.BankSchemas != "" {
		var err error
		if schemas, err = xsd.New(cfg.BankSchemas); err != nil {
			s.closeStore()
			return nil, err
		}
	}
	eng, err := engine.New(ctx, engine.Config{Store: st, Clock: cfg.Clock, Logger: s.log, Timing: cfg.Timing,
		StrictKeys: cfg.StrictKeys, SandboxDelay: cfg.SandboxDelay, DataKey: cfg.DataKey, BankSchemas: schemas})
	if err != nil {
		s.closeStore()
		return nil, err
	}
	s.engine = eng
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.closeStore()
		return nil, err
	}
	s.ln = ln
	s.baseURL = cfg.PublicURL
	if s.baseURL == "" {
		s.baseURL = "http://" + ln.Addr().String()
	}
	s.stripe = stripeapi.New(eng, stripeapi.Options{Logger: s.log, PublicURL: s.baseURL, TrustProxy: cfg.TrustProxy, WebhookRetries: cfg.WebhookRetries})
	s.cko = ckoapi.New(eng, ckoapi.Options{Logger: s.log, PublicURL: s.baseURL, TrustProxy: cfg.TrustProxy, WebhookRetries: cfg.CkoWebhookRetries})
	// One port serves both dialects: Stripe's API lives under /v1/, the
	// hosted pages under /hosted/, the Stripe.js stand-in under /v3/, the probes at /healthz and /readyz, the
	// metrics at /metrics, and Checkout.com's paths everywhere else.
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.healthz)
	mux.HandleFunc("/readyz", s.readyz)
	mux.Handle("/v1/", s.stripe)
	mux.Handle("/hosted/", web.New(eng, web.Options{Logger: s.log, PublicURL: s.baseURL, TrustProxy: cfg.TrustProxy}))
	js := stripejs.New(eng, stripejs.Options{PublicURL: s.baseURL, TrustProxy: cfg.TrustProxy, Logger: s.log})
	mux.Handle(stripejs.Prefix, js)
	mux.Handle("/v3", js)
	mux.Handle(dashboard.Prefix, dashboard.New(dashboard.Options{Stripe: s.stripe, Checkout: s.cko, Store: st, Resend: eng.ResendEvent, PublicURL: s.baseURL, Logger: s.log,
		EventType: eventTypeName}))
	mux.Handle("/", s.cko)
	handler, err := s.instrument(mux)
	if err != nil {
		ln.Close()
		s.closeStore()
		return nil, err
	}
	lim := cfg.Limits.withDefaults()
	s.ln = limitConnections(ln, lim.MaxConnections)
	s.http = &http.Server{Handler: lim.deadlines(handler), ReadHeaderTimeout: lim.ReadHeader, IdleTimeout: lim.Idle,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	if cfg.HTTPSAddr != "" {
		if err := s.listenTLS(cfg, handler, lim); err != nil {
			s.ln.Close()
			if s.metricsLn != nil {
				s.metricsLn.Close()
			}
			s.closeStore()
			return nil, err
		}
	}
	return s, nil
}

// Engine returns the server's engine.
func (s *Server) Engine() *engine.Engine { return s.engine }

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.store }

// URL returns the base URL the server answers on.
func (s *Server) URL() string { return s.baseURL }

// Addr returns the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Start serves HTTP and starts the background services.
func (s *Server) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	schedKick := make(chan struct{}, 1)
	hookKick := make(chan struct{}, 1)
	kick := func(ch chan struct{}) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	s.engine.OnCommit(func(w engine.Wake) {
		if w.Timers {
			kick(schedKick)
		}
		if w.Deliveries {
			kick(hookKick)
		}
	})
	disp := webhook.New(s.engine, s.log, map[string]webhook.Dialect{"": s.stripe.WebhookDialect(), "cko": s.cko.WebhookDialect()}, s.cfg.WebhookTimeout)
	disp.OnAttempt(s.observeAttempt)
	s.serveMetrics()
	s.wg.Add(4)
	go func() { defer s.wg.Done(); s.engine.RunScheduler(ctx, schedKick) }()
	go func() { defer s.wg.Done(); disp.Run(ctx, hookKick) }()
	go func() { defer s.wg.Done(); s.sweep(ctx) }()
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server", "err", err)
		}
	}()
	if s.https != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.https.Serve(s.httpsLnTLS); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("https server", "err", err)
			}
		}()
	}
}

func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.engine.SweepIdempotency(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("idempotency sweep", "err", err)
		} else if n > 0 {
			s.log.Info("idempotency sweep", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Shutdown stops accepting requests, finishes in-flight ones, stops the
// background services and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	err := s.http.Shutdown(ctx)
	if s.https != nil {
		err = errors.Join(err, s.https.Shutdown(ctx))
		s.httpsLn.Close() // in case Start never served it
	}
	if s.metricsHTTP != nil {
		err = errors.Join(err, s.metricsHTTP.Shutdown(ctx))
		s.metricsLn.Close() // in case Start never served it
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	return errors.Join(err, s.closeStore())
}

func (s *Server) closeStore() error {
	if s.ownDB && s.store != nil {
		return s.store.Close()
	}
	return nil
}

// eventTypeName names a stored event's type as its dialect does: the Stripe
// dialect's events by Stripe's names, another dialect's as they are stored.
func eventTypeName(dialect, typ string) string {
	if dialect == "" {
		return stripeapi.WireEventType(typ)
	}
	return typ
}
