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

// TestNodeIntents runs e2e/node/intents.mjs: npm stripe 23.1.0 creating
// PaymentIntents, SetupIntents and Checkout Sessions with
// allowed_payment_method_types and taking a SEPA Direct Debit PaymentIntent
// to processing and succeeded. Without node or e2e/node/node_modules it
// skips, except under CI=true, where a missing tool is a failure.
func TestNodeIntents(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH (install Node.js 18 or newer)")
	}
	dir, err := filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "stripe", "package.json")); err != nil {
		missing(t, "e2e/node/node_modules is missing: run `npm ci` in e2e/node")
	}
	s := kontortest.StartProfile(t, kontortest.Options{}, kontortest.Profile{SandboxDelay: quickDelay})

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "intents.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KONTOR_URL="+s.URL, "KONTOR_KEY="+kontortest.NewKey())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		t.Log(line)
	}
	if err != nil {
		t.Fatalf("node intents.mjs: %v", err)
	}
	if !strings.Contains(out.String(), " passed, 0 failed") {
		t.Fatalf("node intents.mjs printed no passing summary")
	}
}
