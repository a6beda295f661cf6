package kontortest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/server"
)

// Profile chooses how fast asynchronous outcomes happen on a server started
// with StartProfile.
type Profile struct {
	// Timing is the timing profile; empty means sandbox.
	Timing engine.Timing
	// SandboxDelay is how long "within seconds" outcomes take in the sandbox
	// profile; 0 keeps the server's default (2 s).
	SandboxDelay time.Duration
}

// StartProfile starts a server like Start, with the given timing profile.
// The server listens on a free loopback port, uses a SQLite file (a new one
// in t.TempDir() unless opts.DBPath names one) and stops when the test ends.
// Tests of the realistic profile (TARGET business days, pending balances)
// and tests that want the sandbox's "within seconds" to be quicker use it.
func StartProfile(t testing.TB, opts Options, prof Profile) *Server {
	t.Helper()
	if opts.DBPath == "" {
		opts.DBPath = filepath.Join(t.TempDir(), "kontor.db")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		if os.Getenv("KONTOR_TEST_LOG") != "" {
			log = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	httpsAddr := ""
	if opts.HTTPS {
		httpsAddr = "127.0.0.1:0"
	}
	srv, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", HTTPSAddr: httpsAddr, DB: opts.DBPath, StrictKeys: opts.StrictKeys,
		Clock: opts.Clock, Logger: log, WebhookRetries: opts.WebhookRetries, WebhookTimeout: opts.WebhookTimeout,
		Timing: prof.Timing, SandboxDelay: prof.SandboxDelay, BankSchemas: opts.BankSchemas})
	if err != nil {
		t.Fatalf("kontortest: start server: %v", err)
	}
	srv.Start()
	s := &Server{URL: srv.URL(), DBPath: opts.DBPath, Srv: srv, t: t}
	t.Cleanup(s.Stop)
	return s
}
