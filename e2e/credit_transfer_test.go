package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/sepa"
)

// sourceTxns lists a source's transactions, oldest first.
func (e *env) sourceTxns(id string) []*stripe.SourceTransaction {
	e.t.Helper()
	var out []*stripe.SourceTransaction
	for tx, err := range e.sc.V1SourceTransactions.List(e.ctx, &stripe.SourceTransactionListParams{Source: stripe.String(id)}).All(e.ctx) {
		if err != nil {
			e.t.Fatalf("list source transactions: %v", err)
		}
		out = append([]*stripe.SourceTransaction{tx}, out...)
	}
	return out
}

// TestCreditTransferSource covers SEPA Credit Transfer sources: the receiver
// account, the automatic test transfer and the amount/reference e-mails.
func TestCreditTransferSource(t *testing.T) {
	e := newEnv(t, payments)
	e.unchanged(func() {
		_, err := e.sc.V1Sources.Create(e.ctx, &stripe.SourceCreateParams{Type: stripe.String("sepa_credit_transfer"), Currency: stripe.String("eur"),
			Owner: &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen")}})
		invalid(t, err, "parameter_missing", "owner[email]")
	})
	e.unchanged(func() {
		_, err := e.sc.V1Sources.Create(e.ctx, &stripe.SourceCreateParams{Type: stripe.String("sepa_credit_transfer"), Currency: stripe.String("eur"),
			Owner: &stripe.SourceCreateOwnerParams{Email: stripe.String("x@example.com")}, Receiver: &stripe.SourceCreateReceiverParams{RefundAttributesMethod: stripe.String("auto")}})
		invalid(t, err, "parameter_invalid_enum", "receiver[refund_attributes_method]")
	})
	e.unchanged(func() {
		_, err := e.sc.V1Sources.Create(e.ctx, &stripe.SourceCreateParams{Type: stripe.String("sepa_credit_transfer"), Currency: stripe.String("usd"),
			Owner: &stripe.SourceCreateOwnerParams{Email: stripe.String("x@example.com")}})
		invalid(t, err, "invalid_currency", "currency")
	})

	s := e.creditTransfer("jenny.rosen@example.com", "")
	if s.Type != "sepa_credit_transfer" || s.Flow != "receiver" || s.Usage != "reusable" || s.Status != "chargeable" || s.Amount != 0 {
		t.Errorf("source = %s", rawJSON(s))
	}
	rc, ct := s.Receiver, s.SEPACreditTransfer
	if rc == nil || ct == nil || rc.Address != ct.IBAN || rc.AmountReceived != 1000 || rc.AmountCharged != 0 || rc.AmountReturned != 0 ||
		rc.RefundAttributesMethod != "email" || rc.RefundAttributesStatus != "missing" || ct.BIC != "TESTDE00" || ct.BankName != "TEST BANK" {
		t.Fatalf("receiver %s / sepa_credit_transfer %s", rawJSON(rc), rawJSON(ct))
	}
	if _, err := sepa.ParseIBAN(ct.IBAN); err != nil {
		t.Errorf("receiver IBAN %s: %v", ct.IBAN, err)
	}
	raw := jsonObj(t, e.get("/v1/sources/"+s.ID))["sepa_credit_transfer"].(map[string]any)
	for _, k := range []string{"bank_name", "bic", "iban", "refund_account_holder_address_city", "refund_account_holder_address_country",
		"refund_account_holder_address_line1", "refund_account_holder_address_line2", "refund_account_holder_address_postal_code",
		"refund_account_holder_address_state", "refund_account_holder_name", "refund_iban"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("sepa_credit_transfer lacks %q", k)
		}
	}
	// The receiver account is stable per source and differs between sources.
	if again := e.source(s.ID); again.Receiver.Address != rc.Address {
		t.Errorf("receiver address changed: %s then %s", rc.Address, again.Receiver.Address)
	}
	s2 := e.creditTransfer("other@example.com", "")
	if s2.Receiver.Address == rc.Address {
		t.Errorf("two sources share the receiver account %s", rc.Address)
	}

	txns := e.sourceTxns(s.ID)
	if len(txns) != 1 {
		t.Fatalf("%d transactions, want the automatic test transfer", len(txns))
	}
	tx := txns[0]
	hasPrefix(t, "source transaction", tx.ID, "srctxn_")
	if tx.Object != "source_transaction" || tx.Amount != 1000 || tx.Currency != "eur" || tx.Source != s.ID || tx.Status != "succeeded" ||
		tx.Type != "sepa_credit_transfer" || tx.SEPACreditTransfer == nil || tx.SEPACreditTransfer.SenderIBAN != "DE89370400440532013000" ||
		tx.SEPACreditTransfer.SenderName != "Jenny Rosen" || tx.SEPACreditTransfer.Reference != "" {
		t.Errorf("transaction = %s", rawJSON(tx))
	}
	one := jsonObj(t, e.get("/v1/sources/"+s.ID+"/source_transactions/"+tx.ID))
	if one["id"] != tx.ID || one["object"] != "source_transaction" {
		t.Errorf("GET transaction = %v", one)
	}
	apiErr(t, e.get("/v1/sources/"+s2.ID+"/source_transactions/"+tx.ID), http.StatusNotFound, "resource_missing", "")
	created := e.event("source.transaction.created", tx.ID)
	if created.Data.Object["object"] != "source_transaction" {
		t.Errorf("source.transaction.created data = %v", created.Data.Object)
	}
	e.event("source.chargeable", s.ID)

	// Test e-mails choose the amount and the reference.
	for email, want := range map[string]struct {
		amount int64
		ref    string
	}{
		"amount_4242@example.com":                     {4242, ""},
		"reference_X@example.com":                     {1000, "X"},
		"amount_2500-reference_TESTORDER@example.com": {2500, "TESTORDER"},
	} {
		src := e.creditTransfer(email, "")
		got := e.sourceTxns(src.ID)
		if len(got) != 1 || got[0].Amount != want.amount || got[0].SEPACreditTransfer.Reference != want.ref || src.Receiver.AmountReceived != want.amount {
			t.Errorf("%s: %s", email, rawJSON(got))
		}
	}

	// Updating owner[email] pushes a further transfer; the source stays chargeable.
	upd, err := e.sc.V1Sources.Update(e.ctx, s.ID, &stripe.SourceUpdateParams{Owner: &stripe.SourceUpdateOwnerParams{Email: stripe.String("amount_4242@example.com")}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Receiver.AmountReceived != 5242 || upd.Owner.Email != "amount_4242@example.com" || upd.Status != "chargeable" {
		t.Errorf("after the e-mail update: %s", rawJSON(upd.Receiver))
	}
	txns = e.sourceTxns(s.ID)
	if len(txns) != 2 || txns[1].Amount != 4242 {
		t.Errorf("transactions after update: %s", rawJSON(txns))
	}
	e.event("source.transaction.created", txns[1].ID)
	// An update that keeps the e-mail pushes nothing.
	if _, err := e.sc.V1Sources.Update(e.ctx, s.ID, &stripe.SourceUpdateParams{Owner: &stripe.SourceUpdateOwnerParams{Email: stripe.String("amount_4242@example.com")},
		Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sourceTxns(s.ID)); n != 2 {
		t.Errorf("%d transactions after an update that kept the e-mail", n)
	}
	e.wantEvents(s.ID, "source.chargeable")
	// Pagination of the transactions.
	l := jsonObj(t, e.get("/v1/sources/"+s.ID+"/source_transactions?limit=1"))
	if l["has_more"] != true || len(l["data"].([]any)) != 1 || l["url"] != "/v1/sources/"+s.ID+"/source_transactions" {
		t.Errorf("page = %v", l)
	}
}

// TestCreditTransferCharges: available = received − charged; spending
// everything returns the source to pending, the next transfer makes it
// chargeable again; charges succeed at once.
func TestCreditTransferCharges(t *testing.T) {
	e := newEnv(t, payments)
	s := e.creditTransfer("amount_2500@example.com", "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})

	ch := e.charge(s.ID, cus.ID, 1100)
	hasPrefix(t, "charge", ch.ID, "ch_")
	pmd := ch.PaymentMethodDetails
	if ch.Status != "succeeded" || !ch.Paid || ch.BalanceTransaction == nil || pmd.Type != "sepa_credit_transfer" || pmd.SEPACreditTransfer == nil ||
		pmd.SEPACreditTransfer.IBAN != s.Receiver.Address || pmd.SEPACreditTransfer.BIC != "TESTDE00" || pmd.SEPACreditTransfer.BankName != "TEST BANK" {
		t.Errorf("charge = %s", rawJSON(ch))
	}
	e.event("charge.succeeded", ch.ID)
	e.wantEvents(ch.ID, "charge.succeeded")
	e.charge(s.ID, cus.ID, 900)
	got := e.source(s.ID)
	if got.Receiver.AmountReceived != 2500 || got.Receiver.AmountCharged != 2000 || got.Status != "chargeable" {
		t.Errorf("after two charges: %s", rawJSON(got.Receiver))
	}
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(501), Currency: stripe.String("eur"),
			Customer: stripe.String(cus.ID), Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(s.ID)}})
		se := invalid(t, err, "amount_too_large", "amount")
		if !strings.Contains(se.Msg, "500") {
			t.Errorf("message does not say what is available: %q", se.Msg)
		}
	})
	e.charge(s.ID, cus.ID, 500)
	if got := e.source(s.ID); got.Status != "pending" || got.Receiver.AmountCharged != 2500 {
		t.Errorf("after spending everything: %s %s", got.Status, rawJSON(got.Receiver))
	}
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
			Customer: stripe.String(cus.ID), Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(s.ID)}})
		invalid(t, err, "invalid_source_usage", "source")
	})
	// A further transfer (the test helper) makes it chargeable again.
	r := e.post("/v1/test_helpers/sources/"+s.ID+"/credit_transfers", url.Values{"amount": {"700"}, "reference": {"INV-7"},
		"sender_iban": {"FR1420041010050500013M02606"}, "sender_name": {"Jean Dupont"}})
	tx := jsonObj(t, r)
	sct := tx["sepa_credit_transfer"].(map[string]any)
	if tx["object"] != "source_transaction" || tx["amount"] != float64(700) || sct["reference"] != "INV-7" ||
		sct["sender_iban"] != "FR1420041010050500013M02606" || sct["sender_name"] != "Jean Dupont" {
		t.Errorf("delivered transaction = %v", tx)
	}
	if got := e.source(s.ID); got.Status != "chargeable" || got.Receiver.AmountReceived != 3200 {
		t.Errorf("after a further transfer: %s %s", got.Status, rawJSON(got.Receiver))
	}
	chargeable := 0
	for _, ev := range events(t, e.acct, &stripe.EventListParams{Type: stripe.String("source.chargeable")}) {
		if ev.Data.Object["id"] == s.ID {
			chargeable++
		}
	}
	if chargeable != 2 {
		t.Errorf("%d source.chargeable events, want 2 (creation, after the further transfer)", chargeable)
	}
	e.charge(s.ID, cus.ID, 700)
	// A source charged without being attached is consumed.
	u := e.creditTransfer("u@example.com", "")
	e.charge(u.ID, "", 400)
	if got := e.source(u.ID); got.Status != "consumed" {
		t.Errorf("unattached credit transfer source after a charge: %s", got.Status)
	}
}

// TestCreditTransferRefunds covers refund attributes (manual method, set
// once), refunds that wait for them and refunds that fail.
func TestCreditTransferRefunds(t *testing.T) {
	e := newEnv(t, payments)
	clk := e.testClock(t0)
	manual := func(email string) *stripe.Source {
		p := &stripe.SourceCreateParams{Type: stripe.String("sepa_credit_transfer"), Currency: stripe.String("eur"),
			Owner:    &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen"), Email: stripe.String(email)},
			Receiver: &stripe.SourceCreateReceiverParams{RefundAttributesMethod: stripe.String("manual")}}
		p.AddExtra("test_clock", clk.ID)
		return e.createSource(p)
	}
	s := manual("amount_3000@example.com")
	if s.Receiver.RefundAttributesMethod != "manual" || s.Receiver.RefundAttributesStatus != "missing" {
		t.Errorf("receiver = %s", rawJSON(s.Receiver))
	}
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(s.ID)})
	ch := e.charge(s.ID, cus.ID, 3000)
	rf, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(ch.ID), Amount: stripe.Int64(1200)})
	if err != nil {
		t.Fatal(err)
	}
	hasPrefix(t, "refund", rf.ID, "re_")
	if rf.Status != "pending" {
		t.Errorf("refund = %s", rawJSON(rf))
	}
	ev := e.event("source.refund_attributes_required", s.ID)
	if rcv, _ := ev.Data.Object["receiver"].(map[string]any); rcv["refund_attributes_status"] != "requested" {
		t.Errorf("source.refund_attributes_required data = %v", ev.Data.Object)
	}
	if got := e.source(s.ID); got.Receiver.RefundAttributesStatus != "requested" {
		t.Errorf("refund_attributes_status = %s", got.Receiver.RefundAttributesStatus)
	}
	// Without the attributes the refund waits, however long.
	advance(e.t, e.acct, clk.ID, t0.Add(time.Hour))
	if r := e.getRefund(rf.ID); r.Status != "pending" {
		t.Errorf("refund without attributes: %s", r.Status)
	}
	// Bad attributes change nothing.
	for _, c := range []struct {
		form  url.Values
		code  string
		param string
	}{
		{url.Values{"sepa_credit_transfer[refund_account_holder_name]": {"Jenny Rosen"}}, "parameter_missing", "sepa_credit_transfer[refund_iban]"},
		{url.Values{"sepa_credit_transfer[refund_iban]": {"DE89370400440532013000"}}, "parameter_missing", "sepa_credit_transfer[refund_account_holder_name]"},
		{url.Values{"sepa_credit_transfer[refund_iban]": {"DE00370400440532013000"}, "sepa_credit_transfer[refund_account_holder_name]": {"Jenny Rosen"}},
			"invalid_bank_account_iban", "sepa_credit_transfer[refund_iban]"},
		{url.Values{"sepa_credit_transfer[refund_bic]": {"COBADEFFXXX"}}, "parameter_unknown", "sepa_credit_transfer[refund_bic]"},
	} {
		e.unchanged(func() { apiErr(t, e.post("/v1/sources/"+s.ID, c.form), http.StatusBadRequest, c.code, c.param) })
	}
	// Set them once.
	attrs := url.Values{"sepa_credit_transfer[refund_iban]": {"DE89370400440532013000"},
		"sepa_credit_transfer[refund_account_holder_name]":                {"Jenny Rosen"},
		"sepa_credit_transfer[refund_account_holder_address_line1]":       {"Unter den Linden 1"},
		"sepa_credit_transfer[refund_account_holder_address_city]":        {"Berlin"},
		"sepa_credit_transfer[refund_account_holder_address_postal_code]": {"10117"},
		"sepa_credit_transfer[refund_account_holder_address_country]":     {"DE"}}
	got := jsonObj(t, e.post("/v1/sources/"+s.ID, attrs))
	sct := got["sepa_credit_transfer"].(map[string]any)
	if got["receiver"].(map[string]any)["refund_attributes_status"] != "available" || sct["refund_account_holder_name"] != "Jenny Rosen" ||
		sct["refund_account_holder_address_city"] != "Berlin" || sct["refund_account_holder_address_line1"] != "Unter den Linden 1" ||
		sct["refund_account_holder_address_state"] != nil || sct["refund_iban"] != "******************3000" {
		t.Errorf("after setting refund attributes: %v", got)
	}
	e.event("customer.source.updated", s.ID)
	// A second attempt is rejected: refunds go to the account given first.
	again := url.Values{"sepa_credit_transfer[refund_iban]": {"DE62370400440532013001"}, "sepa_credit_transfer[refund_account_holder_name]": {"Someone Else"}}
	e.unchanged(func() {
		apiErr(t, e.post("/v1/sources/"+s.ID, again), http.StatusBadRequest, "refund_attributes_already_set", "sepa_credit_transfer[refund_iban]")
	})
	// Now the refund is carried out.
	advance(e.t, e.acct, clk.ID, t0.Add(2*time.Hour))
	r := e.getRefund(rf.ID)
	if r.Status != "succeeded" || r.BalanceTransaction == nil {
		t.Errorf("refund after the attributes: %s", rawJSON(r))
	}
	e.event("refund.updated", rf.ID)
	e.event("charge.refund.updated", rf.ID)
	if got := e.source(s.ID); got.Receiver.AmountReturned != 1200 {
		t.Errorf("amount_returned = %d", got.Receiver.AmountReturned)
	}
	// Refund attributes belong to credit transfer sources only.
	sd := e.sepaDebit("DE89370400440532013000", "")
	e.unchanged(func() {
		apiErr(t, e.post("/v1/sources/"+sd.ID, attrs), http.StatusBadRequest, "parameter_unknown", "sepa_credit_transfer")
	})

	// A refund to an account that cannot be credited fails: refund.failed.
	f := manual("amount_1500@example.com")
	fcus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(f.ID)})
	jsonObj(t, e.post("/v1/sources/"+f.ID, url.Values{"sepa_credit_transfer[refund_iban]": {"DE62370400440532013001"},
		"sepa_credit_transfer[refund_account_holder_name]": {"Jenny Rosen"}}))
	fch := e.charge(f.ID, fcus.ID, 1500)
	frf, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(fch.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.getCharge(fch.ID); got.AmountRefunded != 1500 || !got.Refunded {
		t.Errorf("charge while the refund is pending: refunded %d %v", got.AmountRefunded, got.Refunded)
	}
	advance(e.t, e.acct, clk.ID, t0.Add(3*time.Hour))
	failed := e.event("refund.failed", frf.ID)
	if failed.Data.Object["status"] != "failed" {
		t.Errorf("refund.failed data = %v", failed.Data.Object)
	}
	fr, err := e.sc.V1Refunds.Retrieve(e.ctx, frf.ID, &stripe.RefundRetrieveParams{Expand: []*string{stripe.String("failure_balance_transaction")}})
	if err != nil {
		t.Fatal(err)
	}
	if fr.Status != "failed" || fr.FailureReason == "" || fr.FailureBalanceTransaction == nil ||
		fr.FailureBalanceTransaction.Type != "payment_failure_refund" || fr.FailureBalanceTransaction.Amount != 1500 {
		t.Errorf("failed refund = %s", rawJSON(fr))
	}
	if got := e.getCharge(fch.ID); got.AmountRefunded != 0 || got.Refunded {
		t.Errorf("charge after the failed refund: refunded %d", got.AmountRefunded)
	}

	// With the default e-mail method (seed 004) the payer is asked for their
	// account: the refund waits until they give it (the test helper
	// answers the e-mail), with no event for the merchant, then completes.
	m := e.creditTransfer("amount_800@example.com", clk.ID)
	mcus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Source: stripe.String(m.ID)})
	mch := e.charge(m.ID, mcus.ID, 800)
	answer := func(id string, form url.Values) *kontortest.Response {
		return e.post("/v1/test_helpers/sources/"+id+"/refund_attributes", form)
	}
	payer := url.Values{"refund_iban": {"DE89370400440532013000"}, "refund_account_holder_name": {"Jenny Rosen"}}
	apiErr(t, answer(m.ID, payer), http.StatusBadRequest, "refund_attributes_not_requested", "source")
	mrf, err := e.sc.V1Refunds.Create(e.ctx, &stripe.RefundCreateParams{Charge: stripe.String(mch.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.source(m.ID); got.Receiver.RefundAttributesStatus != "requested" || got.Receiver.RefundAttributesMethod != "email" {
		t.Errorf("receiver after the refund = %s", rawJSON(got.Receiver))
	}
	advance(e.t, e.acct, clk.ID, t0.Add(4*time.Hour))
	if r := e.getRefund(mrf.ID); r.Status != "pending" {
		t.Errorf("refund with the e-mail method before the payer answered: %s", r.Status)
	}
	apiErr(t, answer(m.ID, url.Values{"refund_iban": {"DE89370400440532013001"}, "refund_account_holder_name": {"Jenny Rosen"}}),
		http.StatusBadRequest, "invalid_bank_account_iban", "refund_iban")
	apiErr(t, answer(m.ID, url.Values{"refund_account_holder_name": {"Jenny Rosen"}}), http.StatusBadRequest, "parameter_missing", "refund_iban")
	apiErr(t, answer(s.ID, payer), http.StatusBadRequest, "refund_attributes_method_not_email", "source")
	answered := jsonObj(t, answer(m.ID, payer))
	if rcv, _ := answered["receiver"].(map[string]any); rcv["refund_attributes_status"] != "available" {
		t.Errorf("receiver after the payer answered = %v", answered["receiver"])
	}
	apiErr(t, answer(m.ID, payer), http.StatusBadRequest, "refund_attributes_already_set", "refund_iban")
	advance(e.t, e.acct, clk.ID, t0.Add(8*time.Hour))
	if r := e.getRefund(mrf.ID); r.Status != "succeeded" {
		t.Errorf("refund with the e-mail method after the payer answered: %s", r.Status)
	}
	e.wantEvents(m.ID, "source.chargeable", "customer.source.created", "customer.source.updated")
}
