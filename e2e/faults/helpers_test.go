//go:build faults

package faults

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/kontorpay/kontor/ckoapi"
	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/store"
)

// ckoKey returns a fresh key of Checkout.com's previous platform,
// sk_test_<uuid>, which both dialects accept.
func ckoKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("sk_test_%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// accountID returns the id of key's account, provisioning it.
func accountID(t *testing.T, a *kontortest.Account) string {
	t.Helper()
	r := a.Do(t, "GET", "/v1/account", "", nil)
	if r.Status != 200 {
		t.Fatalf("GET /v1/account: %d %s", r.Status, r.Body)
	}
	id, _ := r.JSON(t)["id"].(string)
	return id
}

// objectTypes are the engine's object types (ObjectType of each).
var objectTypes = []string{"balance_transaction", "bank_instruction", "charge", "payment_page", "customer", "dispute",
	"mandate", "source_mandate_notification", "payment_intent", "payment_method", "refund", "setup_intent",
	"setup_attempt", "source", "source_transaction", "test_helpers.test_clock", "webhook_endpoint"}

// snapshot describes everything an account holds: each object with its
// version, and its events, of both dialects. Two equal snapshots mean
// nothing changed.
func snapshot(t *testing.T, s *kontortest.Server, account string) string {
	t.Helper()
	var out string
	err := s.Srv.Store().View(t.Context(), func(tx store.Tx) error {
		for _, typ := range objectTypes {
			objs, err := tx.ListObjects(t.Context(), store.ListObjectsParams{Account: account, Type: typ, Limit: 100000})
			if err != nil {
				return err
			}
			for _, o := range objs {
				out += fmt.Sprintf("%s %s v%d\n", o.Type, o.ID, o.Version)
			}
		}
		for _, dialect := range []string{"", ckoapi.Dialect} {
			evs, err := tx.ListEvents(t.Context(), store.ListEventsParams{Account: account, Dialect: dialect, Limit: 100000})
			if err != nil {
				return err
			}
			for _, ev := range evs {
				out += fmt.Sprintf("event %s %s\n", ev.ID, ev.Type)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return out
}
