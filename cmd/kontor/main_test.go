package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

func TestAccountsCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "k.db")
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "--db", db}, &out, &errOut); err != nil {
		t.Fatalf("migrate: %v (%s)", err, errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"accounts", "create", "--db", db, "--data-key", key, "--name", "Rocketship Inc"}, &out, &errOut); err != nil {
		t.Fatalf("accounts create: %v (%s)", err, errOut.String())
	}
	var created struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		SecretKey      string `json:"secret_key"`
		PublishableKey string `json:"publishable_key"`
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil {
		t.Fatalf("accounts create printed %q: %v", out.String(), err)
	}
	if !strings.HasPrefix(created.ID, "acct_") || created.Name != "Rocketship Inc" ||
		!strings.HasPrefix(created.SecretKey, "sk_test_") || created.PublishableKey != "pk_test_"+strings.TrimPrefix(created.SecretKey, "sk_test_") {
		t.Fatalf("created = %+v", created)
	}
	out.Reset()
	if err := run(ctx, []string{"accounts", "list", "--db", db, "--data-key", key}, &out, &errOut); err != nil {
		t.Fatalf("accounts list: %v", err)
	}
	if !strings.Contains(out.String(), created.ID) || strings.Contains(out.String(), created.SecretKey) {
		t.Fatalf("accounts list = %s (must name the account and never show its key)", out.String())
	}
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))
	if err := run(ctx, []string{"accounts", "list", "--db", db, "--data-key", other}, &out, &errOut); err == nil {
		t.Fatal("another data key was accepted for the same database")
	}
}

func TestFlagErrors(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"serve", "--timing", "fast", "--db", filepath.Join(t.TempDir(), "a.db")},
		{"serve", "--log-format", "xml", "--db", filepath.Join(t.TempDir(), "b.db")},
		{"serve", "--data-key", "short", "--db", filepath.Join(t.TempDir(), "c.db")},
		{"serve", "--db", "mysql://localhost/x"},
		{"serve", "extra"},
		{"serve", "--no-such-flag"},
		{"migrate", "--addr", ":0"},
		{"serve", "--tls-cert", "c.pem", "--https-addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "d.db")},
		{"serve", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--db", filepath.Join(t.TempDir(), "e.db")},
		{"serve", "--https-addr", "127.0.0.1:0", "--tls-cert", "missing.pem", "--tls-key", "missing.pem", "--db", filepath.Join(t.TempDir(), "f.db")},
		{"accounts", "delete"},
	} {
		if err := run(ctx, args, &out, &errOut); err == nil {
			t.Errorf("kontor %v succeeded, want an error", args)
		}
	}
}

func TestHelpExitsCleanlyAndListsOnlyTheCommandsFlags(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"serve", "-h"}, []string{"-addr", "-db", "-strict-keys", "KONTOR_SANDBOX_DELAY", "-sandbox-delay"}, nil},
		{[]string{"serve", "--help"}, []string{"-timing"}, nil},
		{[]string{"migrate", "-h"}, []string{"-db", "KONTOR_DB"}, []string{"-addr", "-timing", "-strict-keys", "-data-key"}},
		{[]string{"accounts", "create", "-h"}, []string{"-db", "-data-key", "-name"}, []string{"-addr", "-timing"}},
		{[]string{"accounts", "list", "-h"}, []string{"-db", "-data-key"}, []string{"-name", "-addr"}},
		{[]string{"version", "-h"}, []string{"kontor version"}, []string{"-db"}},
	} {
		var out, errOut bytes.Buffer
		if err := run(ctx, tc.args, &out, &errOut); err != nil {
			t.Errorf("kontor %v: %v, want success", tc.args, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("kontor %v printed %q, want it to mention %s", tc.args, out.String(), w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out.String(), n+" ") {
				t.Errorf("kontor %v lists %s, which is not its flag:\n%s", tc.args, n, out.String())
			}
		}
	}
}

func TestEnvironmentTwinsAreParsedStrictly(t *testing.T) {
	t.Setenv("KONTOR_STRICT_KEYS", "1")
	t.Setenv("KONTOR_SANDBOX_DELAY", "150ms")
	c, f := newServeFlags()
	var out, errOut bytes.Buffer
	if _, err := c.parse(nil, &out, &errOut, false); err != nil {
		t.Fatal(err)
	}
	if !f.strictKeys || f.sandboxDelay != 150*time.Millisecond {
		t.Fatalf("KONTOR_STRICT_KEYS=1, KONTOR_SANDBOX_DELAY=150ms gave strict=%v delay=%v", f.strictKeys, f.sandboxDelay)
	}
	// The flag wins over its twin.
	c, f = newServeFlags()
	if _, err := c.parse([]string{"--strict-keys=false", "--sandbox-delay", "3s"}, &out, &errOut, false); err != nil {
		t.Fatal(err)
	}
	if f.strictKeys || f.sandboxDelay != 3*time.Second {
		t.Fatalf("flags did not override the environment: strict=%v delay=%v", f.strictKeys, f.sandboxDelay)
	}

	for _, tc := range []struct{ variable, value string }{
		{"KONTOR_SANDBOX_DELAY", "abc"},
		{"KONTOR_STRICT_KEYS", "yes please"},
		{"KONTOR_WEBHOOK_TIMEOUT", "10"},
	} {
		t.Run(tc.variable, func(t *testing.T) {
			t.Setenv(tc.variable, tc.value)
			err := run(context.Background(), []string{"serve", "--db", filepath.Join(t.TempDir(), "k.db"), "--addr", "127.0.0.1:0"}, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.variable) || !strings.Contains(err.Error(), tc.value) {
				t.Fatalf("%s=%q: err = %v, want an error naming the variable and its value", tc.variable, tc.value, err)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("kontor %v: %v", args, err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "kontor ") || !strings.HasPrefix(lines[1], "commit ") ||
			!strings.HasPrefix(lines[2], runtime.Version()+" ") {
			t.Fatalf("kontor %v printed %q, want version, commit and Go version lines", args, out.String())
		}
	}
	version, commit = "v9.9.9", "0123abcd"
	defer func() { version, commit = "", "" }()
	if v := buildVersion(); v.Version != "v9.9.9" || v.Commit != "0123abcd" {
		t.Fatalf("ldflags values not used: %+v", v)
	}
}

// serveUntil runs kontor serve with args until the banner appears in out or
// errOut, then stops it and returns both outputs.
func serveUntil(t *testing.T, args []string, banner func(out, errOut string) bool) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut kontortest.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "k.db")}, args...), &out, &errOut)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !banner(out.String(), errOut.String()) {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner; stdout %q stderr %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	return out.String(), errOut.String()
}

func TestBannerFollowsLogFormat(t *testing.T) {
	out, _ := serveUntil(t, nil, func(out, _ string) bool { return strings.Contains(out, "sk_test_") })
	if !strings.Contains(out, "listening on http://127.0.0.1:") || !strings.Contains(out, "/metrics") {
		t.Fatalf("text banner = %q", out)
	}

	out, errOut := serveUntil(t, []string{"--log-format", "json", "--metrics-addr", "127.0.0.1:0"}, func(_, errOut string) bool {
		return strings.Contains(errOut, "kontor listening")
	})
	if out != "" {
		t.Fatalf("with --log-format json stdout got %q, want nothing outside the log", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line %q is not JSON: %v", line, err)
		}
		if rec["msg"] == "kontor listening" {
			u, _ := rec["url"].(string)
			m, _ := rec["metrics_url"].(string)
			if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasPrefix(m, "http://127.0.0.1:") || m == u+"/metrics" || rec["driver"] == nil {
				t.Fatalf("banner record = %v", rec)
			}
		}
	}
}

// TestServeHTTPS: --https-addr serves HTTPS beside HTTP and the banner says
// where, with the self-signed certificate's fingerprint.
func TestServeHTTPS(t *testing.T) {
	banner := regexp.MustCompile(`HTTPS \(HTTP/2\) on (https://127\.0\.0\.1:[0-9]+) with a self-signed certificate made at start \(SHA-256 [0-9a-f]{64}\)`)
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}}
	var proto string
	var getErr error
	out, _ := serveUntil(t, []string{"--https-addr", "127.0.0.1:0"}, func(out, _ string) bool {
		m := banner.FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, "sk_test_") {
			return false
		}
		// While the server still runs.
		resp, err := c.Get(m[1] + "/healthz")
		if getErr = err; err == nil {
			resp.Body.Close()
			proto = fmt.Sprint(resp.StatusCode, " ", resp.Proto)
		}
		return true
	})
	if getErr != nil || proto != "200 HTTP/2.0" {
		t.Fatalf("GET /healthz over HTTPS: %q %v\n%s", proto, getErr, out)
	}
}

func TestProgressBar(t *testing.T) {
	for _, c := range []struct {
		fired, due int64
		ready      bool
		want       string
	}{{0, 0, false, "          "}, {0, 4, false, "          "}, {1, 4, false, "==        "}, {4, 4, false, "=========="},
		{5, 4, false, "=========="}, {0, 0, true, "=========="}} {
		if got := progressBar(c.fired, c.due, c.ready, 10); got != c.want {
			t.Errorf("progressBar(%d, %d, %v) = %q, want %q", c.fired, c.due, c.ready, got, c.want)
		}
	}
}
