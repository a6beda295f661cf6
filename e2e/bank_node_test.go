package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
	"github.com/kontorpay/kontor/e2e/kontortest"
)

// TestBankNodeRoundTrip: Checkout.com payments made with checkout-sdk-node
// (e2e/node/bank.mjs) on an iso20022 account leave in a pain.008; the test
// bank rejects one in a pain.002, books two in a camt.054 and returns one of
// them in a camt.053; the SDK then sees the declined and captured payments,
// the webhooks the decline and the chargeback, and a refund it asks for
// leaves in a pain.001.
func TestBankNodeRoundTrip(t *testing.T) {
	node, dir := nodeScripts(t, "checkout-sdk-node")
	e := newEnv(t, envOptions{Profile: payments.Profile, Cko: true})
	e.isoAccount()
	c := e.cko()
	rcv := kontortest.NewCkoReceiver(t, c.key)
	c.register(t, rcv)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CKO_") { // the SDK prefers these to the key it is given
			env = append(env, kv)
		}
	}
	env = append(env, "KONTOR_URL="+e.srv.URL, "KONTOR_CKO_KEY="+c.key)
	line := func(out, prefix string) string {
		for _, l := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), prefix); ok {
				return v
			}
		}
		t.Fatalf("node printed no %q line", prefix)
		return ""
	}

	raw := line(runNodeScript(t, node, dir, "bank.mjs", 2*time.Minute, env, "pay"), "PAYMENTS ")
	var ids struct{ Rejected, Booked, Returned string }
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		t.Fatal(err)
	}
	files := e.exportFiles(nil)
	if len(files) != 1 || files[0]["type"] != "pain.008.001.08" {
		t.Fatalf("export: %s", rawJSON(files))
	}
	dd := e.exported(files[0])
	now := time.Now().UTC()
	rejected, booked, returned := instructionOf(t, dd, ids.Rejected), instructionOf(t, dd, ids.Booked), instructionOf(t, dd, ids.Returned)
	wantSummary(t, "pain.002", e.imported(testbank.StatusReport("2019", "NODE-PAIN002", now, dd, "pain.008.001.08", "", nil,
		[]testbank.Reject{{EndToEndID: rejected.EndToEndID, Reason: "AM04"}})), 1, 1, 0)
	rcv.WaitAccepted(t, "payment_declined", ids.Rejected)
	wantSummary(t, "camt.054", e.imported(testbank.Notification("2019", "NODE-CAMT054", now, collectionIBAN, []testbank.Entry{
		{Credit: true, Amount: booked.Amount, BookingDate: now.Format("2006-01-02"), EndToEndID: booked.EndToEndID},
		{Credit: true, Amount: returned.Amount, BookingDate: now.Format("2006-01-02"), EndToEndID: returned.EndToEndID},
	})), 2, 0, 0)
	rcv.WaitAccepted(t, "payment_captured", ids.Booked)
	wantSummary(t, "camt.053", e.imported(testbank.Statement("2019", "NODE-CAMT053", now, collectionIBAN, []testbank.Entry{
		{Credit: false, Amount: returned.Amount, BookingDate: now.Format("2006-01-02"), EndToEndID: returned.EndToEndID, ReturnReason: "MD01"},
	})), 1, 0, 0)
	if ev := rcv.WaitAccepted(t, "payment_chargeback", ids.Returned); ev.Cko.Data["reason"] != "ACT" || ev.Cko.Data["reason_code"] != "MD01" {
		t.Errorf("chargeback %v", ev.Cko.Data)
	}

	refund := line(runNodeScript(t, node, dir, "bank.mjs", 2*time.Minute,
		append(env, "KONTOR_PAYMENTS="+raw), "answered"), "REFUND ")
	files = e.exportFiles(nil)
	if len(files) != 1 || files[0]["type"] != "pain.001.001.09" {
		t.Fatalf("refund export: %s", rawJSON(files))
	}
	tr := instructionOf(t, e.exported(files[0]), refund)
	wantSummary(t, "refund booked", e.imported(testbank.Notification("2019", "NODE-CAMT054-RF", now, collectionIBAN, []testbank.Entry{
		{Credit: false, Amount: tr.Amount, BookingDate: now.Format("2006-01-02"), EndToEndID: tr.EndToEndID}})), 1, 0, 0)
	rcv.WaitAccepted(t, "payment_refunded", ids.Booked)
}
