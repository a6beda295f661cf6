package e2e

import (
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/internal/testenv"
)

// TestNodeSmoke runs e2e/node/smoke.mjs (the npm stripe client) against an
// in-process server. Without node or e2e/node/node_modules it fails naming
// what is missing (testenv.Missing).
func TestNodeSmoke(t *testing.T) {
	t.Parallel()
	node, dir := nodeScripts(t, "stripe")
	s := kontortest.Start(t, kontortest.Options{})
	runNodeScript(t, node, dir, "smoke.mjs", 2*time.Minute, append(os.Environ(), "KONTOR_URL="+s.URL, "KONTOR_KEY="+kontortest.NewKey()))
}

// nodeScripts returns the node binary and the e2e/node directory, making
// sure the npm package pkg is installed there; it fails (testenv.Missing)
// when either is missing.
func nodeScripts(t *testing.T, pkg string) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH (install Node.js 18 or newer)")
	}
	dir, err = filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
		missing(t, "e2e/node/node_modules has no "+pkg+": run `npm ci` in e2e/node")
	}
	return node, dir
}

// runNodeScript runs script in dir with env (and args), logs its output
// line by line and fails unless it exits 0 with a "N passed, 0 failed"
// summary. It returns the output.
func runNodeScript(t *testing.T, node, dir, script string, timeout time.Duration, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		t.Log(line)
	}
	if err != nil {
		t.Fatalf("node %s: %v", script, err)
	}
	if !strings.Contains(out.String(), " passed, 0 failed") {
		t.Fatalf("node %s printed no passing summary", script)
	}
	return out.String()
}

// missing fails the test naming what is missing (testenv.Missing).
func missing(t *testing.T, why string) {
	t.Helper()
	testenv.Missing(t, why)
}

// TestNodeSmokeOverHTTPS runs smoke.mjs with the npm stripe client pointed
// at the HTTPS port (--https-addr), trusting the server's self-signed
// certificate through NODE_EXTRA_CA_CERTS.
func TestNodeSmokeOverHTTPS(t *testing.T) {
	t.Parallel()
	node, dir := nodeScripts(t, "stripe")
	srv := kontortest.Start(t, kontortest.Options{HTTPS: true}).Srv
	ca := filepath.Join(t.TempDir(), "kontor.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.TLSCertificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	runNodeScript(t, node, dir, "smoke.mjs", 2*time.Minute, append(os.Environ(), "KONTOR_URL="+srv.HTTPSURL(),
		"KONTOR_KEY="+kontortest.NewKey(), "NODE_EXTRA_CA_CERTS="+ca))
}
