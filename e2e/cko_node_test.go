package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestCkoNode runs e2e/node/cko.mjs (the official checkout-sdk-node client)
// against an in-process server. Without node or checkout-sdk-node in
// e2e/node/node_modules it fails naming what is missing (testenv.Missing).
func TestCkoNode(t *testing.T) {
	t.Parallel()
	node, dir := nodeScripts(t, "checkout-sdk-node")
	s := kontortest.Start(t, kontortest.Options{})
	// The SDK prefers CKO_SECRET_KEY and CKO_SECRET to the key it is given.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CKO_") {
			env = append(env, kv)
		}
	}
	runNodeScript(t, node, dir, "cko.mjs", 3*time.Minute, append(env, "KONTOR_URL="+s.URL, "KONTOR_CKO_KEY="+newCkoKey()))
}
