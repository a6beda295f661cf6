package e2e

import (
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
	"github.com/kontorpay/kontor/sepa"
)

// TestBankFileRejectsBlocksAndGroups: a pain.002 that rejects a payment
// block fails every collection of that block and no other; one that rejects
// the whole message fails every collection the message carried. Each fails
// with the Stripe failure code the reason table gives.
func TestBankFileRejectsBlocksAndGroups(t *testing.T) {
	e := newEnv(t, payments)
	e.isoAccount()
	src := e.sepaDebit(collectionIBAN, "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(src.ID)})
	other := e.sepaDebit("DE62370400440532013001", "")
	cus2 := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(other.ID)})
	var charges []string
	for _, c := range []struct {
		src, cus string
		amount   int64
	}{{src.ID, cus.ID, 1000}, {src.ID, cus.ID, 2000}, {other.ID, cus2.ID, 3000}} {
		charges = append(charges, e.charge(c.src, c.cus, c.amount).ID)
	}
	files := e.exportFiles(nil)
	if len(files) != 1 {
		t.Fatalf("export: %s", rawJSON(files))
	}
	dd := e.exported(files[0])
	block := instructionOf(t, dd, charges[0]).BlockID
	inBlock := map[string]bool{}
	for _, id := range charges {
		inBlock[id] = instructionOf(t, dd, id).BlockID == block
	}
	// Blocks go by collection date and sequence type: the first mandate's
	// second collection (RCUR) is not in the block of its first (FRST); the
	// second mandate's first collection is.
	if inBlock[charges[1]] || !inBlock[charges[2]] {
		t.Fatalf("blocks: %v", inBlock)
	}

	funds, _ := sepa.LookupReason("AM04")
	e.imported(testbank.StatusReport("2019", "BLOCKS-PAIN002-1", time.Now().UTC(), dd, "pain.008.001.08", "",
		map[string]string{block: "AM04"}, nil))
	rejected := 0
	for _, id := range charges {
		ch := e.getCharge(id)
		switch {
		case inBlock[id] && (ch.Status != stripe.ChargeStatusFailed || ch.FailureCode != funds.StripeFailure):
			t.Errorf("%s in the rejected block: %s %q, want failed %q", id, ch.Status, ch.FailureCode, funds.StripeFailure)
		case !inBlock[id] && ch.Status != stripe.ChargeStatusPending:
			t.Errorf("%s outside the rejected block: %s", id, ch.Status)
		}
		if inBlock[id] {
			rejected++
			e.event("charge.failed", id)
		}
	}
	if rejected == 0 {
		t.Fatal("no charge in the rejected block")
	}

	// A second message, rejected whole: every collection it carried fails,
	// including the earlier one its block left pending.
	later := e.charge(other.ID, cus2.ID, 4000).ID
	files = e.exportFiles(nil)
	if len(files) != 1 {
		t.Fatalf("second export: %s", rawJSON(files))
	}
	second := e.exported(files[0])
	format, _ := sepa.LookupReason("FF01")
	e.imported(testbank.StatusReport("2019", "BLOCKS-PAIN002-2", time.Now().UTC(), second, "pain.008.001.08", "FF01", nil, nil))
	if ch := e.getCharge(later); ch.Status != stripe.ChargeStatusFailed || ch.FailureCode != format.StripeFailure {
		t.Errorf("a collection of the rejected message: %s %q, want failed %q", ch.Status, ch.FailureCode, format.StripeFailure)
	}
	for _, id := range charges {
		if !inBlock[id] {
			if ch := e.getCharge(id); ch.Status != stripe.ChargeStatusPending {
				t.Errorf("%s, in the first message only: %s", id, ch.Status)
			}
		}
	}
}
