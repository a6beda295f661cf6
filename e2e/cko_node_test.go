package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestCkoNode runs e2e/node/cko.mjs (the official checkout-sdk-node client)
// against an in-process server. Without node or checkout-sdk-node in
// e2e/node/node_modules it skips, except under CI=true, where a missing
// tool is a failure.
func TestCkoNode(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH (install Node.js 18 or newer)")
	}
	dir, err := filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "checkout-sdk-node", "package.json")); err != nil {
		missing(t, "e2e/node/node_modules has no checkout-sdk-node: run `npm ci` in e2e/node")
	}
	s := kontortest.Start(t, kontortest.Options{})

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "cko.mjs")
	cmd.Dir = dir
	// The SDK prefers CKO_SECRET_KEY and CKO_SECRET to the key it is given.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CKO_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "KONTOR_URL="+s.URL, "KONTOR_CKO_KEY="+newCkoKey())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		t.Log(line)
	}
	if err != nil {
		t.Fatalf("node cko.mjs: %v", err)
	}
	if !strings.Contains(out.String(), " passed, 0 failed") {
		t.Fatalf("node cko.mjs printed no passing summary")
	}
}
