package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestNodeIntents runs e2e/node/intents.mjs: npm stripe 23.1.0 creating
// PaymentIntents, SetupIntents and Checkout Sessions with
// allowed_payment_method_types and taking a SEPA Direct Debit PaymentIntent
// to processing and succeeded. Without node or e2e/node/node_modules it
// fails naming what is missing (testenv.Missing).
func TestNodeIntents(t *testing.T) {
	t.Parallel()
	node, dir := nodeScripts(t, "stripe")
	s := kontortest.StartProfile(t, kontortest.Options{}, kontortest.Profile{SandboxDelay: quickDelay})
	runNodeScript(t, node, dir, "intents.mjs", 2*time.Minute, append(os.Environ(), "KONTOR_URL="+s.URL, "KONTOR_KEY="+kontortest.NewKey()))
}
