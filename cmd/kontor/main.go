// Command kontor runs the Kontor payments server and its administration commands.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/server"
)

const usage = `kontor — a self-hosted SEPA payments server speaking Stripe's and Checkout.com's APIs.

Usage:
  kontor serve [flags]              run the server
  kontor migrate [--db DB]          apply the database migrations and exit
  kontor accounts create [--name N] create an account and print its keys as JSON
  kontor accounts list              list the accounts as JSON

Run "kontor serve -h" for the server's flags; every flag also reads KONTOR_<FLAG>.
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
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// flags holds the common options; every flag falls back to a KONTOR_ variable.
type flags struct {
	fs           *flag.FlagSet
	addr         string
	db           string
	logFormat    string
	logLevel     string
	timing       string
	strictKeys   bool
	publicURL    string
	sandboxDelay time.Duration
	dataKey      string
	hookTimeout  time.Duration
}

func newFlags(name string, stderr io.Writer) *flags {
	f := &flags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.fs.SetOutput(stderr)
	f.fs.StringVar(&f.addr, "addr", env("KONTOR_ADDR", "127.0.0.1:12111"), "listen address (KONTOR_ADDR)")
	f.fs.StringVar(&f.db, "db", env("KONTOR_DB", "./kontor.db"), "database: sqlite:///path/file.db, a bare path, or postgres://… (KONTOR_DB)")
	f.fs.StringVar(&f.logFormat, "log-format", env("KONTOR_LOG_FORMAT", "text"), "log format: text or json (KONTOR_LOG_FORMAT)")
	f.fs.StringVar(&f.logLevel, "log-level", env("KONTOR_LOG_LEVEL", "info"), "log level: debug, info, warn, error (KONTOR_LOG_LEVEL)")
	f.fs.StringVar(&f.timing, "timing", env("KONTOR_TIMING", "sandbox"), "timing profile: sandbox or realistic (KONTOR_TIMING)")
	f.fs.BoolVar(&f.strictKeys, "strict-keys", env("KONTOR_STRICT_KEYS", "") == "true", "do not provision accounts for unknown sk_test_ keys (KONTOR_STRICT_KEYS)")
	f.fs.StringVar(&f.publicURL, "public-url", env("KONTOR_PUBLIC_URL", ""), "base URL of hosted pages, if not http://ADDR (KONTOR_PUBLIC_URL)")
	d, _ := time.ParseDuration(env("KONTOR_SANDBOX_DELAY", "2s"))
	f.fs.DurationVar(&f.sandboxDelay, "sandbox-delay", d, "how long 'within seconds' outcomes take in the sandbox profile (KONTOR_SANDBOX_DELAY)")
	f.fs.StringVar(&f.dataKey, "data-key", env("KONTOR_DATA_KEY", ""), "base64 of the 32-byte key that seals IBANs and secrets; empty keeps a key in the database (KONTOR_DATA_KEY)")
	wt, _ := time.ParseDuration(env("KONTOR_WEBHOOK_TIMEOUT", "10s"))
	f.fs.DurationVar(&f.hookTimeout, "webhook-timeout", wt, "how long a webhook receiver has to answer (KONTOR_WEBHOOK_TIMEOUT)")
	return f
}

// key decodes --data-key; nil when none is given.
func (f *flags) key() ([]byte, error) {
	if f.dataKey == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(f.dataKey)
	if err != nil || len(k) != 32 {
		return nil, errors.New("--data-key must be the base64 encoding of 32 bytes (for example: openssl rand -base64 32)")
	}
	return k, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (f *flags) logger(w io.Writer) (*slog.Logger, error) {
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

func (f *flags) config(log *slog.Logger) (server.Config, error) {
	t := engine.Timing(f.timing)
	if t != engine.TimingSandbox && t != engine.TimingRealistic {
		return server.Config{}, fmt.Errorf("--timing must be sandbox or realistic, not %q", f.timing)
	}
	key, err := f.key()
	if err != nil {
		return server.Config{}, err
	}
	return server.Config{Addr: f.addr, DB: f.db, Timing: t, StrictKeys: f.strictKeys, PublicURL: f.publicURL,
		SandboxDelay: f.sandboxDelay, Logger: log, DataKey: key, WebhookTimeout: f.hookTimeout}, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("serve", stderr)
	if err := f.fs.Parse(args); err != nil {
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
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	srv.Start()
	fmt.Fprintf(stdout, "kontor listening on %s (database: %s, %s; timing: %s)\n", srv.URL(), server.RedactDSN(f.db), srv.Store().Driver(), cfg.Timing)
	if cfg.StrictKeys {
		fmt.Fprintln(stdout, "authenticate with a key from `kontor accounts create` (Authorization: Bearer sk_test_…)")
	} else {
		fmt.Fprintln(stdout, "authenticate with any sk_test_… key (Authorization: Bearer sk_test_…); a new key gets its own account")
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", stderr)
	if err := f.fs.Parse(args); err != nil {
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
	f := newFlags("accounts "+args[0], stderr)
	name := f.fs.String("name", "", "business name of the new account")
	if err := f.fs.Parse(args[1:]); err != nil {
		return err
	}
	key, err := f.key()
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	eng, err := engine.New(ctx, engine.Config{Store: st, DataKey: key})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if args[0] == "create" {
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
