package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
)

// schemaDir holds the official ISO 20022 XSDs, beside the repository.
const schemaDir = "../../shared/xsd"

// collectionIBAN is the account's own collection account in these tests.
const collectionIBAN = "DE89370400440532013000"

// isoAccount moves the env's account to bank_connection=iso20022 with its collection account.
func (e *env) isoAccount() {
	e.t.Helper()
	e.setAccount(url.Values{"bank_connection": {"iso20022"}, "bank_account[iban]": {collectionIBAN},
		"bank_account[bic]": {"COBADEFFXXX"}, "bank_account[name]": {"Kontor Test GmbH"}})
}

// exportFiles posts /v1/bank_files/export and returns the new files.
func (e *env) exportFiles(form url.Values) []map[string]any {
	e.t.Helper()
	l := jsonObj(e.t, e.post("/v1/bank_files/export", form))
	if l["object"] != "list" {
		e.t.Fatalf("export answered %s", rawJSON(l))
	}
	var out []map[string]any
	for _, f := range l["data"].([]any) {
		out = append(out, f.(map[string]any))
	}
	return out
}

// exported fetches an outbound file's content, checks it against its XSD
// and reads it the way the bank does.
func (e *env) exported(f map[string]any) *testbank.Export {
	e.t.Helper()
	c := e.get("/v1/bank_files/" + f["id"].(string) + "/content")
	if c.Status != http.StatusOK || c.Header.Get("Content-Type") != "application/xml" {
		e.t.Fatalf("content of %s: %d %s", f["id"], c.Status, c.Header.Get("Content-Type"))
	}
	if err := testbank.Lint(schemaDir, f["type"].(string), c.Body); err != nil {
		e.t.Fatalf("%s does not validate: %v", f["type"], err)
	}
	x, err := testbank.ReadExport(c.Body)
	if err != nil {
		e.t.Fatalf("the bank cannot read %s: %v", f["type"], err)
	}
	if x.MessageID != f["message_id"] || x.NbOfTxs != int(f["number_of_transactions"].(float64)) || x.CtrlSum != int64(f["control_sum"].(float64)) {
		e.t.Errorf("file %s says %s/%d/%d, the object %s", f["id"], x.MessageID, x.NbOfTxs, x.CtrlSum, rawJSON(f))
	}
	return x
}

// imported imports a bank answer and returns the inbound file's summary.
func (e *env) imported(xml []byte) map[string]any {
	e.t.Helper()
	f := jsonObj(e.t, e.importFile(xml, "application/xml"))
	return f["summary"].(map[string]any)
}

// wantSummary asserts an import's summary counts.
func wantSummary(t *testing.T, what string, sum map[string]any, applied, ignored, unmatched int) {
	t.Helper()
	if sum["applied"] != float64(applied) || sum["ignored"] != float64(ignored) || sum["unmatched"] != float64(unmatched) {
		t.Errorf("%s: summary %v, want applied %d, ignored %d, unmatched %d", what, sum, applied, ignored, unmatched)
	}
}

// instructionOf returns the exported instruction whose EndToEndId stands for id.
func instructionOf(t *testing.T, x *testbank.Export, id string) testbank.Instruction {
	t.Helper()
	for _, in := range x.Instructions {
		if strings.ReplaceAll(in.EndToEndID, "-", "_") == id {
			return in
		}
	}
	t.Fatalf("no instruction of %s in %s", id, x.MessageID)
	return testbank.Instruction{}
}

// TestBankFileRoundTrip: with bank_connection=iso20022 SEPA debits wait for
// the bank whatever the clock does; they leave once in a pain.008 the schema
// and the bank accept; the bank's pain.002 fails one with its reason, its
// camt.054 books another (balance, events, webhooks) and returns a third
// after settlement (a dispute); a refund leaves in a pain.001 and is booked by
// the next camt.054. Unknown, repeated and mismatching answers change nothing.
func TestBankFileRoundTrip(t *testing.T) {
	opts := payments
	opts.Server.BankSchemas = schemaDir // every import validated in full, too
	e := newEnv(t, opts)
	e.isoAccount()
	if got := e.exportFiles(nil); len(got) != 0 {
		t.Fatalf("an export with nothing held: %v", got)
	}
	apiErr(t, e.post("/v1/bank_files/export", url.Values{"format": {"2015"}}), http.StatusBadRequest, "parameter_invalid_enum", "format")

	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday
	clock := e.testClock(t0)
	src := e.sepaDebit(collectionIBAN, clock.ID)
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(src.ID), TestClock: stripe.String(clock.ID)})
	paid, failing, returned := e.charge(src.ID, cus.ID, 1000), e.charge(src.ID, cus.ID, 2500), e.charge(src.ID, cus.ID, 4200)
	// Nothing is answered by a timer: a month later every charge still waits.
	advance(t, e.acct, clock.ID, t0.AddDate(0, 1, 0))
	for _, id := range []string{paid.ID, failing.ID, returned.ID} {
		if ch := e.getCharge(id); ch.Status != stripe.ChargeStatusPending {
			t.Fatalf("charge %s is %s before any bank answer", id, ch.Status)
		}
	}

	// up_to before the collections' dates exports nothing; then all leave in one pain.008.
	if got := e.exportFiles(url.Values{"up_to": {strconv.FormatInt(t0.Add(-24*time.Hour).Unix(), 10)}}); len(got) != 0 {
		t.Fatalf("export up to the day before: %v", got)
	}
	files := e.exportFiles(url.Values{"up_to": {strconv.FormatInt(t0.AddDate(0, 0, 7).Unix(), 10)}})
	if len(files) != 1 || files[0]["type"] != "pain.008.001.08" || files[0]["direction"] != "outbound" || files[0]["status"] != "exported" ||
		files[0]["number_of_transactions"] != float64(3) || files[0]["control_sum"] != float64(7700) || files[0]["requested_date"] == "" {
		t.Fatalf("export: %s", rawJSON(files))
	}
	dd := e.exported(files[0])
	if dd.OwnerIBAN != collectionIBAN || dd.CreditorID == "" {
		t.Errorf("creditor %s %s", dd.OwnerIBAN, dd.CreditorID)
	}
	first := instructionOf(t, dd, paid.ID)
	if first.Sequence != "FRST" || first.Amount != 1000 || first.IBAN != collectionIBAN || first.Mandate != src.SEPADebit.MandateReference || first.Party != "Jenny Rosen" {
		t.Errorf("first collection %+v", first)
	}
	if in := instructionOf(t, dd, failing.ID); in.Sequence != "RCUR" {
		t.Errorf("second collection under the mandate is %s, want RCUR", in.Sequence)
	}
	// Each instruction leaves once.
	if got := e.exportFiles(nil); len(got) != 0 {
		t.Fatalf("a second export: %s", rawJSON(got))
	}

	// Answers that match nothing or do not add up change nothing.
	created := t0.Add(48 * time.Hour)
	ghost := testbank.StatusReport("2019", "BANK-PAIN002-GHOST", created, &testbank.Export{MessageID: "NOT-OURS"}, "pain.008.001.08", "AC01", nil, nil)
	wantSummary(t, "a report about another message", e.imported(ghost), 0, 0, 1)
	e.unchanged(func() {
		wrong := testbank.Notification("2019", "BANK-CAMT054-WRONG", created, collectionIBAN, []testbank.Entry{
			{Credit: true, Amount: 999, BookingDate: "2026-03-04", EndToEndID: first.EndToEndID}})
		msg := apiErr(t, e.importFile(wrong, "application/xml"), http.StatusBadRequest, "bank_file_invalid", "")["message"].(string)
		if !strings.Contains(msg, "9.99") || !strings.Contains(msg, "10.00") {
			t.Errorf("amount mismatch: %s", msg)
		}
	})
	// An element the readers do not look at, but the schema forbids.
	e.unchanged(func() {
		extra := testbank.Notification("2019", "BANK-CAMT054-XSD", created, collectionIBAN, []testbank.Entry{
			{Credit: true, Amount: 1000, BookingDate: "2026-03-04", EndToEndID: first.EndToEndID}})
		extra = []byte(strings.Replace(string(extra), "</GrpHdr>", "<Surprise>1</Surprise></GrpHdr>", 1))
		msg := apiErr(t, e.importFile(extra, "application/xml"), http.StatusBadRequest, "bank_file_invalid", "")["message"].(string)
		if !strings.Contains(msg, "breaks its schema") || !strings.Contains(msg, "Surprise") || !strings.Contains(msg, "line ") {
			t.Errorf("schema violation: %s", msg)
		}
	})
	if ch := e.getCharge(paid.ID); ch.Status != stripe.ChargeStatusPending {
		t.Fatalf("a refused file moved %s to %s", paid.ID, ch.Status)
	}

	// The status report rejects one collection with its reason.
	rejects := []testbank.Reject{{EndToEndID: instructionOf(t, dd, failing.ID).EndToEndID, Reason: "AM04"}, {EndToEndID: "py-nobody", BlockID: "B-X", Reason: "AC04"}}
	wantSummary(t, "pain.002", e.imported(testbank.StatusReport("2019", "BANK-PAIN002-1", created, dd, "pain.008.001.08", "", nil, rejects)), 1, 1, 1)
	if ch := e.getCharge(failing.ID); ch.Status != stripe.ChargeStatusFailed || ch.FailureCode != "insufficient_funds" {
		t.Errorf("rejected charge: %s %s", ch.Status, ch.FailureCode)
	}
	e.event("charge.failed", failing.ID)

	// The notification books two collections; a later one returns one of them.
	booked := testbank.Notification("2019", "BANK-CAMT054-1", created, collectionIBAN, []testbank.Entry{
		{Credit: true, Amount: 1000, BookingDate: "2026-03-04", EndToEndID: first.EndToEndID, Counterparty: "Jenny Rosen", CounterpartyIBAN: collectionIBAN},
		{Credit: true, Amount: 4200, BookingDate: "2026-03-04", EndToEndID: instructionOf(t, dd, returned.ID).EndToEndID},
		{Credit: true, Amount: 4200, BookingDate: "2026-03-05", EndToEndID: "py-unknown"},
	})
	wantSummary(t, "camt.054", e.imported(booked), 2, 0, 1)
	ch := e.getCharge(paid.ID, "balance_transaction")
	if ch.Status != stripe.ChargeStatusSucceeded || ch.BalanceTransaction == nil || ch.BalanceTransaction.Amount != 1000 || ch.BalanceTransaction.AvailableOn == 0 {
		t.Fatalf("booked charge: %s", rawJSON(ch))
	}
	e.event("charge.succeeded", paid.ID)
	// The same message again applies nothing and says so.
	msg := apiErr(t, e.importFile(booked, "application/xml"), http.StatusBadRequest, "bank_file_invalid", "")["message"].(string)
	if !strings.Contains(msg, "BANK-CAMT054-1") {
		t.Errorf("duplicate: %s", msg)
	}
	ret := testbank.Statement("2009", "BANK-CAMT053-1", created.Add(72*time.Hour), collectionIBAN, []testbank.Entry{
		{Credit: false, Amount: 4200, BookingDate: "2026-03-09", EndToEndID: instructionOf(t, dd, returned.ID).EndToEndID, ReturnReason: "MD06"}})
	wantSummary(t, "camt.053 return", e.imported(ret), 1, 0, 0)
	d := e.disputeOf(returned.ID)
	if d.Reason != "general" || d.Amount != 4200 {
		t.Errorf("return after settlement: dispute %s", rawJSON(d))
	}
	e.event("charge.dispute.created", d.ID)

	// A refund leaves as a pain.001 (2009 here) and is booked by the bank.
	rf := e.refund(paid.ID, 400)
	if r := e.getRefund(rf.ID); r.Status != stripe.RefundStatusPending {
		t.Fatalf("refund %s before the bank: %s", rf.ID, r.Status)
	}
	// While it waits for a bank file the account cannot leave the connection
	// that would send it.
	apiErr(t, e.post("/v1/account", url.Values{"bank_connection": {"simulator"}}), http.StatusBadRequest, "bank_instructions_held", "bank_connection")
	if a := jsonObj(t, e.get("/v1/account")); a["bank_connection"] != "iso20022" {
		t.Fatalf("bank_connection after a refused change: %v", a["bank_connection"])
	}
	files = e.exportFiles(url.Values{"format": {"2009"}})
	if len(files) != 1 || files[0]["type"] != "pain.001.001.03" || files[0]["control_sum"] != float64(400) {
		t.Fatalf("refund export: %s", rawJSON(files))
	}
	ct := e.exported(files[0])
	tr := instructionOf(t, ct, rf.ID)
	if tr.IBAN != collectionIBAN || tr.Party != "Jenny Rosen" || tr.Amount != 400 {
		t.Errorf("credit transfer %+v", tr)
	}
	wantSummary(t, "refund booked", e.imported(testbank.Notification("2009", "BANK-CAMT054-2", created.Add(96*time.Hour), collectionIBAN,
		[]testbank.Entry{{Credit: false, Amount: 400, BookingDate: "2026-03-10", EndToEndID: tr.EndToEndID}})), 1, 0, 0)
	if r := e.getRefund(rf.ID); r.Status != stripe.RefundStatusSucceeded {
		t.Errorf("refund after its booking: %s", r.Status)
	}

	// The payer's bank sends the booked refund back (its account closed):
	// the refund fails after all, its money is the merchant's again.
	refunded := e.getCharge(paid.ID).AmountRefunded
	wantSummary(t, "refund returned", e.imported(testbank.Notification("2009", "BANK-CAMT054-3", created.Add(120*time.Hour), collectionIBAN,
		[]testbank.Entry{{Credit: true, Amount: 400, BookingDate: "2026-03-11", EndToEndID: tr.EndToEndID, ReturnReason: "AC04"}})), 1, 0, 0)
	r := e.getRefund(rf.ID)
	if r.Status != stripe.RefundStatusFailed || r.FailureBalanceTransaction == nil {
		t.Fatalf("refund after its return: %s", rawJSON(r))
	}
	if got := e.getCharge(paid.ID).AmountRefunded; got != refunded-400 {
		t.Errorf("amount_refunded after the return: %d, want %d", got, refunded-400)
	}
	bt, err := e.sc.V1BalanceTransactions.Retrieve(e.ctx, r.FailureBalanceTransaction.ID, nil)
	if err != nil || bt.Amount != 400 || bt.Type != "payment_failure_refund" {
		t.Errorf("failure balance transaction %s: %v", rawJSON(bt), err)
	}
	e.event("refund.failed", rf.ID)

	// With nothing held the account may go back to the simulator.
	if a := jsonObj(t, e.post("/v1/account", url.Values{"bank_connection": {"simulator"}})); a["bank_connection"] != "simulator" {
		t.Errorf("bank_connection after the change: %v", a["bank_connection"])
	}
}

// TestBankFileReceiverCredit: a camt.054 credit to a SEPA credit transfer
// source's receiver IBAN adds a source transaction (seed 004) with the
// sender's account and reference; a credit to an IBAN no source has is
// unmatched.
func TestBankFileReceiverCredit(t *testing.T) {
	e := newEnv(t, payments)
	e.isoAccount()
	s := e.creditTransfer("jenny.rosen@example.com", "")
	before := len(e.sourceTxns(s.ID))
	receiver := s.SEPACreditTransfer.IBAN
	if receiver == "" {
		t.Fatalf("source %s has no receiver IBAN: %s", s.ID, rawJSON(s))
	}
	n := testbank.Notification("2019", "BANK-CAMT054-SCT", time.Now().UTC(), collectionIBAN, []testbank.Entry{
		{Credit: true, Amount: 5000, BookingDate: "2026-03-04", CreditorIBAN: receiver, Counterparty: "Max Mustermann",
			CounterpartyIBAN: "DE89370400440532013000", Remittance: "INVOICE 42"},
		{Credit: true, Amount: 700, BookingDate: "2026-03-04", CreditorIBAN: "DE02120300000000202051", CounterpartyIBAN: "DE89370400440532013000"},
	})
	wantSummary(t, "receiver credit", e.imported(n), 1, 0, 1)
	txs := e.sourceTxns(s.ID)
	if len(txs) != before+1 {
		t.Fatalf("%d source transactions, want %d", len(txs), before+1)
	}
	tx := txs[len(txs)-1]
	if tx.Amount != 5000 || tx.SEPACreditTransfer == nil || tx.SEPACreditTransfer.SenderIBAN != "DE89370400440532013000" ||
		tx.SEPACreditTransfer.SenderName != "Max Mustermann" || tx.SEPACreditTransfer.Reference != "INVOICE 42" {
		t.Errorf("source transaction %s", rawJSON(tx))
	}
	e.event("source.transaction.created", tx.ID)
}
