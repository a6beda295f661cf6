// Command kontor runs the Kontor payments server and its administration commands.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kontorpay/kontor/bank/iso20022/xsd"
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/server"
)

const usage = `kontor — a self-hosted SEPA payments server speaking Stripe's and Checkout.com's APIs.

Usage:
  kontor serve [flags]              run the server
  kontor migrate [--db DB]          apply the database migrations and exit
  kontor accounts create [--name N] create an account and print its keys as JSON
  kontor accounts list              list the accounts as JSON
  kontor health [--ready]           ask a local server's /healthz (or /readyz); exit 0 for a 200
  kontor bank export --account A    write the account's held instructions as pain.008/pain.001 files
  kontor bank import --account A F… import bank files (pain.002, camt.054, camt.053) into an account
  kontor bank files --account A     list an account's bank files as JSON
  kontor version                    print the version, commit and Go version (also --version)

Talking to a running server (--api, default http://127.0.0.1:12111; --key or KONTOR_KEY):
  kontor listen --forward-to URL    forward the account's webhooks to URL, signed, one line per event
  kontor events tail [--type T]     print the account's events as they happen
  kontor clock create|list|advance  test clocks; advance --clock clock_… --to RFC3339|+14d waits until ready
  kontor trigger EVENT              create the objects that make EVENT happen (--list lists them)

Run "kontor COMMAND -h" for a command's flags; most flags also read an
environment variable, named in the flag's help (e.g. --db and KONTOR_DB).
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kontor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "accounts":
		return accounts(ctx, args[1:], stdout, stderr)
	case "listen":
		return listen(ctx, args[1:], stdout, stderr)
	case "events":
		return eventsCmd(ctx, args[1:], stdout, stderr)
	case "clock":
		return clockCmd(ctx, args[1:], stdout, stderr)
	case "trigger":
		return triggerCmd(ctx, args[1:], stdout, stderr)
	case "health":
		return health(ctx, args[1:], stdout, stderr)
	case "bank":
		return bank(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return printVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// storeFlags are the flags of every command that opens the database.
type storeFlags struct {
	db          string
	dataKey     string
	bankSchemas string
}

func (s *storeFlags) register(c *command, withKey bool) {
	c.fs.StringVar(&s.db, "db", "./kontor.db", "database: sqlite:///path/file.db, a bare path, or postgres://…")
	c.env("db", "KONTOR_DB")
	if withKey {
		c.fs.StringVar(&s.dataKey, "data-key", "", "base64 of the 32-byte key that seals IBANs and secrets; empty keeps a key in the database")
		c.env("data-key", "KONTOR_DATA_KEY")
	}
}

// registerBankSchemas adds --bank-schemas, for the commands that import bank files.
func (s *storeFlags) registerBankSchemas(c *command) {
	c.fs.StringVar(&s.bankSchemas, "bank-schemas", "", "a directory of the ISO 20022 XSDs (pain.002.001.10.xsd, …): validate every imported bank file against its schema in full with xmllint")
	c.env("bank-schemas", "KONTOR_BANK_SCHEMAS")
}

// key decodes --data-key; nil when none is given.
func (s *storeFlags) key() ([]byte, error) {
	if s.dataKey == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(s.dataKey)
	if err != nil || len(k) != 32 {
		return nil, errors.New("--data-key must be the base64 encoding of 32 bytes (for example: openssl rand -base64 32)")
	}
	return k, nil
}

// openEngine opens the database and an engine over it, for the commands
// that work on the database directly; done closes the database.
func (s *storeFlags) openEngine(ctx context.Context) (eng *engine.Engine, done func() error, err error) {
	key, err := s.key()
	if err != nil {
		return nil, nil, err
	}
	var schemas *xsd.Validator
	if s.bankSchemas != "" {
		if schemas, err = xsd.New(s.bankSchemas); err != nil {
			return nil, nil, err
		}
	}
	st, err := server.OpenStore(ctx, s.db)
	if err != nil {
		return nil, nil, err
	}
	if eng, err = engine.New(ctx, engine.Config{Store: st, DataKey: key, BankSchemas: schemas}); err != nil {
		st.Close()
		return nil, nil, err
	}
	return eng, st.Close, nil
}

// serveFlags are the server's options.
type serveFlags struct {
	storeFlags
	addr         string
	metricsAddr  string
	logFormat    string
	logLevel     string
	timing       string
	strictKeys   bool
	publicURL    string
	trustProxy   bool
	maxConns     int
	sandboxDelay time.Duration
	hookTimeout  time.Duration
	httpsAddr    string
	tlsCert      string
	tlsKey       string
}

func newServeFlags() (*command, *serveFlags) {
	c := newCommand("serve", "kontor serve [flags]")
	f := &serveFlags{}
	fs := c.fs
	fs.StringVar(&f.addr, "addr", "127.0.0.1:12111", "listen address")
	c.env("addr", "KONTOR_ADDR")
	f.storeFlags.register(c, true)
	fs.StringVar(&f.httpsAddr, "https-addr", "", "also serve everything over HTTPS with HTTP/2 on this address (stripe-mock's: 127.0.0.1:12112); off when empty")
	c.env("https-addr", "KONTOR_HTTPS_ADDR")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate (chain) for --https-addr; without it and --tls-key a self-signed certificate is made at start")
	c.env("tls-cert", "KONTOR_TLS_CERT")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	c.env("tls-key", "KONTOR_TLS_KEY")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve /metrics on this address (e.g. 127.0.0.1:9112) instead of beside the API on --addr")
	c.env("metrics-addr", "KONTOR_METRICS_ADDR")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	c.env("log-format", "KONTOR_LOG_FORMAT")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	c.env("log-level", "KONTOR_LOG_LEVEL")
	fs.StringVar(&f.timing, "timing", "sandbox", "timing profile: sandbox or realistic")
	c.env("timing", "KONTOR_TIMING")
	fs.BoolVar(&f.strictKeys, "strict-keys", false, "do not provision accounts for unknown sk_test_ keys")
	c.env("strict-keys", "KONTOR_STRICT_KEYS")
	fs.StringVar(&f.publicURL, "public-url", "", "base URL of hosted pages, if not http://ADDR")
	c.env("public-url", "KONTOR_PUBLIC_URL")
	fs.BoolVar(&f.trustProxy, "trust-proxy", false, "behind a reverse proxy: take the host and scheme of absolute URLs from X-Forwarded-Host and X-Forwarded-Proto")
	c.env("trust-proxy", "KONTOR_TRUST_PROXY")
	fs.IntVar(&f.maxConns, "max-connections", 1000, "client connections open at once; one more is answered 503 (keep it below the open-file limit)")
	c.env("max-connections", "KONTOR_MAX_CONNECTIONS")
	fs.DurationVar(&f.sandboxDelay, "sandbox-delay", 2*time.Second, "how long 'within seconds' outcomes take in the sandbox profile")
	c.env("sandbox-delay", "KONTOR_SANDBOX_DELAY")
	fs.DurationVar(&f.hookTimeout, "webhook-timeout", 10*time.Second, "how long a webhook receiver has to answer")
	c.env("webhook-timeout", "KONTOR_WEBHOOK_TIMEOUT")
	f.storeFlags.registerBankSchemas(c)
	return c, f
}

func (f *serveFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opt := &slog.HandlerOptions{Level: lvl}
	switch f.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opt)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opt)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", f.logFormat)
}

func (f *serveFlags) config(log *slog.Logger) (server.Config, error) {
	t := engine.Timing(f.timing)
	if t != engine.TimingSandbox && t != engine.TimingRealistic {
		return server.Config{}, fmt.Errorf("--timing must be sandbox or realistic, not %q", f.timing)
	}
	key, err := f.key()
	if err != nil {
		return server.Config{}, err
	}
	switch {
	case (f.tlsCert == "") != (f.tlsKey == ""):
		return server.Config{}, errors.New("--tls-cert and --tls-key go together: give both or neither")
	case f.tlsCert != "" && f.httpsAddr == "":
		return server.Config{}, errors.New("--tls-cert and --tls-key need --https-addr (e.g. --https-addr 127.0.0.1:12112)")
	}
	return server.Config{HTTPSAddr: f.httpsAddr, TLSCert: f.tlsCert, TLSKey: f.tlsKey, Addr: f.addr, DB: f.db, Timing: t, StrictKeys: f.strictKeys, PublicURL: f.publicURL, TrustProxy: f.trustProxy,
		Limits: server.Limits{MaxConnections: f.maxConns}, SandboxDelay: f.sandboxDelay, Logger: log, DataKey: key,
		WebhookTimeout: f.hookTimeout, MetricsAddr: f.metricsAddr, BankSchemas: f.bankSchemas}, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, f := newServeFlags()
	if help, err := c.parse(args, stdout, stderr, false); help || err != nil {
		return err
	}
	log, err := f.logger(stderr)
	if err != nil {
		return err
	}
	cfg, err := f.config(log)
	if err != nil {
		return err
	}
	tuneGC()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	srv.Start()
	banner(stdout, log, f, srv, cfg)
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// banner says where the server listens and how to authenticate: a few
// lines for a person with --log-format text, one log record with
// --log-format json so that a log pipeline reads it like every other line.
func banner(stdout io.Writer, log *slog.Logger, f *serveFlags, srv *server.Server, cfg server.Config) {
	auth := "authenticate with any sk_test_… key (Authorization: Bearer sk_test_…); a new key gets its own account"
	if cfg.StrictKeys {
		auth = "authenticate with a key from `kontor accounts create` (Authorization: Bearer sk_test_…)"
	}
	v := buildVersion()
	if f.logFormat == "json" {
		attrs := []any{"url", srv.URL(), "database", server.RedactDSN(f.db), "driver", srv.Store().Driver(),
			"timing", string(cfg.Timing), "strict_keys", cfg.StrictKeys, "version", v.Version, "commit", v.Commit,
			"metrics_url", metricsURL(srv)}
		if u := srv.HTTPSURL(); u != "" {
			attrs = append(attrs, "https_url", u, "tls_certificate_sha256", server.Fingerprint(srv.TLSCertificate()), "tls_self_signed", cfg.TLSCert == "")
		}
		log.Info("kontor listening", attrs...)
		return
	}
	fmt.Fprintf(stdout, "kontor %s listening on %s (database: %s, %s; timing: %s)\n", v.Version, srv.URL(), server.RedactDSN(f.db), srv.Store().Driver(), cfg.Timing)
	if u := srv.HTTPSURL(); u != "" {
		how := "certificate " + cfg.TLSCert
		if cfg.TLSCert == "" {
			how = "a self-signed certificate made at start"
		}
		fmt.Fprintf(stdout, "HTTPS (HTTP/2) on %s with %s (SHA-256 %s)\n", u, how, server.Fingerprint(srv.TLSCertificate()))
	}
	fmt.Fprintf(stdout, "metrics on %s; health on %s/healthz and %s/readyz\n", metricsURL(srv), srv.URL(), srv.URL())
	fmt.Fprintln(stdout, auth)
}

func metricsURL(srv *server.Server) string {
	if a := srv.MetricsAddr(); a != "" {
		return "http://" + a + "/metrics"
	}
	return srv.URL() + "/metrics"
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("migrate", "kontor migrate [flags]")
	var f storeFlags
	f.register(c, false)
	if help, err := c.parse(args, stdout, stderr, false); help || err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, f.db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrated %s (%s)\n", server.RedactDSN(f.db), st.Driver())
	return st.Close()
}

func accounts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		return errors.New(`usage: kontor accounts create [--name N] | kontor accounts list`)
	}
	c := newCommand("accounts "+args[0], "kontor accounts "+args[0]+" [flags]")
	var f storeFlags
	f.register(c, true)
	var name *string
	if args[0] == "create" {
		name = c.fs.String("name", "", "business name of the new account")
	}
	if help, err := c.parse(args[1:], stdout, stderr, false); help || err != nil {
		return err
	}
	eng, done, err := f.openEngine(ctx)
	if err != nil {
		return err
	}
	defer done()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if name != nil {
		na, err := eng.CreateAccount(ctx, strings.TrimSpace(*name))
		if err != nil {
			return err
		}
		return enc.Encode(map[string]any{"id": na.Account.ID, "name": na.Account.Name, "secret_key": na.SecretKey, "publishable_key": na.PublishableKey})
	}
	list, err := eng.ListAccounts(ctx)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, a := range list {
		out = append(out, map[string]any{"id": a.ID, "name": a.Name, "created": a.Created, "country": a.Settings.Country})
	}
	return enc.Encode(out)
}
