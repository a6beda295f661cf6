package engine

import (
	"errors"
	"regexp"
	"time"

	"github.com/kontorpay/kontor/bank"
	"github.com/kontorpay/kontor/sepa"
)

// Charge is one payment: a SEPA Direct Debit collection, a Sofort payment or
// a charge against funds received by credit transfer. Every dialect's
// payments are charges.
type Charge struct {
	Meta
	// Origin names the dialect that owns the charge: "" for the engine's
	// default dialect (whose events the engine records), another dialect's
	// name for the charges it created (ADR 0005).
	Origin              string            `json:"origin,omitempty"`
	Amount              int64             `json:"amount"`
	Currency            string            `json:"currency"`
	AmountRefunded      int64             `json:"amount_refunded"`
	Status              ChargeStatus      `json:"status"`
	Canceled            bool              `json:"canceled,omitempty"`
	Method              ChargeMethod      `json:"method"`
	Customer            string            `json:"customer,omitempty"`
	Source              string            `json:"source,omitempty"`
	PaymentMethod       string            `json:"payment_method,omitempty"`
	PaymentIntent       string            `json:"payment_intent,omitempty"`
	Mandate             string            `json:"mandate,omitempty"`
	SingleUseMandate    bool              `json:"single_use_mandate,omitempty"` // Mandate is single-use: the charge is its one collection
	Description         *string           `json:"description"`
	Metadata            map[string]string `json:"metadata"`
	StatementDescriptor *string           `json:"statement_descriptor"`
	Reference           string            `json:"reference,omitempty"`
	ReceiptEmail        *string           `json:"receipt_email"`
	TransferGroup       *string           `json:"transfer_group"`
	Billing             Billing           `json:"billing"`
	FailureCode         *string           `json:"failure_code"`
	FailureMessage      *string           `json:"failure_message"`
	// FailureReason is the reason code of a failed charge (see sepa.LookupReason).
	FailureReason      string  `json:"failure_reason,omitempty"`
	Disputed           bool    `json:"disputed"`
	Dispute            string  `json:"dispute,omitempty"`
	BalanceTransaction *string `json:"balance_transaction"`

	SettleAt  int64 `json:"settle_at,omitempty"`
	SettledAt int64 `json:"settled_at,omitempty"`
	// DialectFields are the fields of the dialect that made the charge which
	// the engine has no use for (a payment type a dialect records, say),
	// kept so that the dialect can show them again.
	DialectFields map[string]string `json:"dialect_fields,omitempty"`
}

// Billing is the payer's name and contact on a charge.
type Billing struct {
	Name    *string  `json:"name"`
	Email   *string  `json:"email"`
	Phone   *string  `json:"phone"`
	Address *Address `json:"address"`
}

// ChargeMethod is a snapshot of how a charge is paid.
type ChargeMethod struct {
	Type           string                `json:"type"`
	SepaDebit      *SepaDebitDetails     `json:"sepa_debit,omitempty"`
	Sofort         *SofortDetails        `json:"sofort,omitempty"`
	CreditTransfer *CreditTransferDetail `json:"sepa_credit_transfer,omitempty"`
}

// SepaDebitDetails describe the debited account.
type SepaDebitDetails struct {
	BankCode          string `json:"bank_code"`
	BranchCode        string `json:"branch_code"`
	Country           string `json:"country"`
	Fingerprint       string `json:"fingerprint"`
	Last4             string `json:"last4"`
	Mandate           string `json:"mandate"`
	MandateReference  string `json:"mandate_reference"`
	ExpectedDebitDate int64  `json:"expected_debit_date"`
}

// SofortDetails describe the payer's bank on a Sofort charge.
type SofortDetails struct {
	Country                   string  `json:"country"`
	BankCode                  *string `json:"bank_code"`
	BankName                  *string `json:"bank_name"`
	BIC                       *string `json:"bic"`
	IBANLast4                 *string `json:"iban_last4"`
	PreferredLanguage         *string `json:"preferred_language"`
	VerifiedName              *string `json:"verified_name"`
	GeneratedSepaDebit        *string `json:"generated_sepa_debit"`
	GeneratedSepaDebitMandate *string `json:"generated_sepa_debit_mandate"`
}

// CreditTransferDetail describes the receiver account of a credit transfer charge.
type CreditTransferDetail struct {
	BankName string `json:"bank_name"`
	BIC      string `json:"bic"`
	IBAN     string `json:"iban"`
}

func init() { register(&Charge{}) }

// ObjectType implements Object.
func (*Charge) ObjectType() string { return "charge" }

// Index implements Object.
func (c *Charge) Index() Index {
	// Only the charges of an intent and of a credit transfer source are
	// listed by their parent (ChargeFilter): a debit source's charges need
	// no index entry for it.
	parent := c.PaymentIntent
	if parent == "" && c.Method.Type == "sepa_credit_transfer" {
		parent = c.Source
	}
	ix := Index{Kind: c.Origin, Customer: c.Customer, Parent: parent, Status: string(c.Status)}
	// Only the charge of a single-use mandate is looked up by its mandate
	// (ChargeFilter.Mandate); a multi-use mandate's many charges need no
	// index entry for it, which would go to a page of its own every time.
	if c.SingleUseMandate {
		ix.Lookup = c.Mandate
	}
	return ix
}

// Refundable is what may still be refunded.
func (c *Charge) Refundable() int64 { return c.Amount - c.AmountRefunded }

const timerChargeCutoff = "charge.sofort_cutoff"

// settleAt tells when a collection made at now is due: the date the bank is
// asked to collect it on. delayed keeps it at least three minutes away.
func (e *Engine) settleAt(method string, delayed bool, now time.Time) time.Time {
	var t time.Time
	if e.timing == TimingRealistic {
		switch method {
		case "sofort":
			t = sepa.AddTargetDays(now, 2)
		default:
			// SEPA DD: about five TARGET days, and never before the payer's
			// 14-day pre-notification has run.
			t = sepa.AddTargetDays(now, 5)
			if pre := now.AddDate(0, 0, sepa.PreNotificationDays); pre.After(t) {
				t = pre
			}
		}
	} else {
		t = now.Add(e.delay)
	}
	if delayed && t.Before(now.Add(3*time.Minute)) {
		t = now.Add(3 * time.Minute)
	}
	return t
}

// debit is what every kind of collection needs to create its charge.
type debit struct {
	ID                  string
	Origin              string
	Amount              int64
	Currency            string
	Method              ChargeMethod
	Customer            string
	Source              string
	PaymentMethod       string
	PaymentIntent       string
	Mandate             *Mandate
	Description         Opt[string]
	Metadata            MetadataUpdate
	StatementDescriptor Opt[string]
	Reference           string
	ReceiptEmail        Opt[string]
	TransferGroup       Opt[string]
	Billing             Billing
	ClockID             string
	// Payer is the account the bank collects from.
	Payer payer
	// Delayed keeps the collection at least three minutes away.
	Delayed bool
	// DialectFields are kept with the charge (Charge.DialectFields).
	DialectFields map[string]string
}

// payer is the debtor of a collection as the bank network is told.
type payer struct {
	IBAN, Name, Email string
	// TestToken is the test token the payment method was made from.
	TestToken string
}

// startDebit creates a pending charge, books the mandate's use and schedules
// the bank's answer. Credit transfer charges succeed at once instead.
func (op *Op) startDebit(d debit) (*Charge, error) {
	now := op.Now(d.ClockID)
	c := &Charge{Meta: Meta{ID: d.ID, Created: now.Unix(), ClockID: d.ClockID}, Origin: d.Origin, Amount: d.Amount,
		Currency: d.Currency, Status: ChargePending, Method: d.Method, Customer: d.Customer, Source: d.Source,
		PaymentMethod: d.PaymentMethod, PaymentIntent: d.PaymentIntent, Metadata: d.Metadata.apply(nil),
		Reference: d.Reference, Billing: d.Billing, DialectFields: d.DialectFields}
	applyPtr(&c.Description, d.Description)
	applyPtr(&c.StatementDescriptor, d.StatementDescriptor)
	applyPtr(&c.ReceiptEmail, d.ReceiptEmail)
	applyPtr(&c.TransferGroup, d.TransferGroup)
	first := false
	if d.Mandate != nil {
		c.Mandate, c.SingleUseMandate = d.Mandate.ID, d.Mandate.Type == "single_use"
		var err error
		if first, err = op.useMandate(d.Mandate); err != nil {
			return nil, err
		}
	}
	if d.Method.Type == "sepa_credit_transfer" {
		if err := op.insert(c); err != nil {
			return nil, err
		}
		return c, op.succeed(c)
	}
	settle := op.e.settleAt(d.Method.Type, d.Delayed, now)
	c.SettleAt = settle.Unix()
	if c.Method.SepaDebit != nil {
		c.Method.SepaDebit.ExpectedDebitDate = settle.Unix()
	}
	if err := op.insert(c); err != nil {
		return nil, err
	}
	if err := op.emitWritten("charge.pending", c, nil); err != nil {
		return nil, err
	}
	in := bank.Instruction{ID: c.ID, Kind: bank.Collection, Scheme: d.Method.Type, IBAN: d.Payer.IBAN, Name: d.Payer.Name,
		Email: d.Payer.Email, Amount: c.Amount, Currency: c.Currency, Due: settle, TestToken: d.Payer.TestToken}
	if d.Mandate != nil {
		m := d.Mandate
		in.Mandate, in.MandateSigned, in.BIC = m.Reference, time.Unix(m.Acceptance.AcceptedAt, 0).UTC(), m.Account.BIC
		in.Sequence = bank.SequenceRecurring
		switch {
		case m.Type == "single_use":
			in.Sequence = bank.SequenceOneOff
		case first:
			in.Sequence = bank.SequenceFirst
		}
		if in.Name == "" {
			in.Name = m.HolderName
		}
		in.Remittance = deref(c.StatementDescriptor)
	}
	if err := op.submit(c.ClockID, in); err != nil {
		return nil, err
	}
	if d.Method.Type == "sofort" {
		// A Sofort payment not confirmed within 14 days fails.
		if err := op.Schedule(now.AddDate(0, 0, 14), c.ClockID, timerChargeCutoff, c.ID, nil); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// succeed books a successful charge. The event's previous attributes are
// the charge as stored (c as its caller read it).
func (op *Op) succeed(c *Charge) error {
	before, err := op.asStored(c) // the event's previous attributes
	if err != nil {
		return err
	}
	now := op.Now(c.ClockID)
	fee, err := op.feeFor(c.Method.Type)
	if err != nil {
		return err
	}
	f := fee.Of(c.Amount)
	desc := "Payment"
	if c.Description != nil {
		desc = *c.Description
	}
	bt, err := op.addBalanceTransaction(c.ClockID, "payment", "charge", c.ID, c.Currency, c.Amount,
		[]FeeDetail{{Amount: f, Currency: c.Currency, Description: "Kontor processing fees", Type: FeeProcessing}}, desc)
	if err != nil {
		return err
	}
	c.Status, c.SettledAt, c.BalanceTransaction = ChargeSucceeded, now.Unix(), &bt.ID
	if c.Method.Type == "sofort" { // only a Sofort charge has a cutoff (startDebit)
		if err := op.CancelTimers(c.ID, timerChargeCutoff); err != nil {
			return err
		}
	}
	if err := op.generateSepaDebitFor(c); err != nil {
		return err
	}
	if err := op.save(c); err != nil {
		return err
	}
	if c.Method.Type == "sepa_credit_transfer" {
		before = []byte("null") // created and succeeded in one step
	}
	if err := op.emitWritten("charge.succeeded", c, before); err != nil {
		return err
	}
	if err := op.intentFollowsCharge(c); err != nil {
		return err
	}
	return op.carryOutPendingRefunds(c)
}

// fail books a failed charge with the reason code the bank gave (see
// sepa.LookupReason; an unknown code counts as unspecified).
func (op *Op) fail(c *Charge, reason string, canceled bool) error {
	prev := clone(c)
	r := sepa.ReasonOrUnspecified(reason)
	code, msg := r.StripeFailure, r.StripeFailureMessage()
	c.Status, c.FailureCode, c.FailureMessage, c.FailureReason, c.Canceled = ChargeFailed, &code, &msg, r.Code, canceled
	if err := op.CancelTimers(c.ID, ""); err != nil {
		return err
	}
	if err := op.save(c); err != nil {
		return err
	}
	if err := op.emit("charge.failed", c, prev); err != nil {
		return err
	}
	if err := op.intentFollowsCharge(c); err != nil {
		return err
	}
	return op.cancelPendingRefunds(c)
}

// SettleCharge forces the bank's answer for a pending charge (test helper):
// succeed, or fail for the SEPA reason code reason (unspecified when empty
// or unknown).
func (op *Op) SettleCharge(id string, succeed bool, reason string) (*Charge, error) {
	c, err := op.GetCharge(id)
	if err != nil {
		return nil, err
	}
	if c.Status != ChargePending {
		return nil, Errorf(KindState, "charge_not_pending", "charge", "The charge %s is %s; only pending charges can be settled.", c.ID, c.Status)
	}
	if err := op.CancelTimers(c.ID, timerBankReport); err != nil {
		return nil, err
	}
	r := bank.Report{Instruction: c.ID, Kind: bank.Collection, Status: bank.Booked}
	if !succeed {
		r.Status, r.Reason = bank.Rejected, sepa.ReasonOrUnspecified(reason).Code
	}
	return c, op.applyCollectionReport(c, r)
}

// GetCharge returns a charge of the op's scope, locked for update.
func (op *Op) GetCharge(id string) (*Charge, error) {
	c, err := GetForUpdate[Charge](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "charge", "charge", id)
	}
	return c, nil
}

// cutOffSofortCharge fails a Sofort charge not confirmed within 14 days.
func cutOffSofortCharge(op *Op, t *Timer) error {
	c, err := followed(Get[Charge](op, t.ObjectID))
	if err != nil || c == nil || c.Status != ChargePending {
		return err
	}
	return op.fail(c, sepa.ReasonNotConfirmed, false)
}

// ChargeParams create a charge against a source.
type ChargeParams struct {
	Amount              int64
	Currency            string
	Source              string
	Customer            string
	Description         Opt[string]
	Metadata            MetadataUpdate
	StatementDescriptor Opt[string]
	ReceiptEmail        Opt[string]
	TransferGroup       Opt[string]
}

var sddDescriptorForbidden = regexp.MustCompile(`[<>'"]`)

// CreateSourceCharge charges a source (or the customer's default source).
func (op *Op) CreateSourceCharge(p ChargeParams) (*Charge, error) {
	if p.Amount <= 0 {
		return nil, Invalid("invalid_charge_amount", "amount", "The amount must be a positive integer in the currency's smallest unit.")
	}
	if err := checkAmount(p.Amount, minimumAmount, "amount"); err != nil {
		return nil, err
	}
	var cust *Customer
	if p.Customer != "" {
		var err error
		if cust, err = op.LiveCustomer(p.Customer, "customer"); err != nil {
			return nil, err
		}
	}
	srcID := p.Source
	if srcID == "" {
		if cust == nil {
			return nil, Invalid("parameter_missing", "source", "Must provide source or customer.")
		}
		if cust.DefaultSource == nil {
			return nil, Invalid("missing", "source", "Cannot charge a customer that has no default source.")
		}
		srcID = *cust.DefaultSource
	}
	s, err := op.GetSource(srcID, "source")
	if err != nil {
		return nil, err
	}
	if s.Customer != "" && (cust == nil || cust.ID != s.Customer) {
		return nil, Invalid("invalid_source_customer", "customer",
			"The source %s is attached to customer %s; pass customer=%s to charge it.", s.ID, s.Customer, s.Customer)
	}
	if s.Status != SourceChargeable {
		return nil, Errorf(KindState, "invalid_source_usage", "source",
			"The source %s is %s and cannot be used to create a charge; only chargeable sources can be charged.", s.ID, s.Status)
	}
	if p.Currency != deref(s.Currency) {
		return nil, Invalid("invalid_currency", "currency", "The charge's currency (%s) must match the source's (%s).", p.Currency, deref(s.Currency))
	}
	if err := op.methodAvailable(s.Type, "source"); err != nil {
		return nil, err
	}
	d := debit{Amount: p.Amount, Currency: p.Currency, Customer: p.Customer, Source: s.ID, Description: p.Description,
		Metadata: p.Metadata, ReceiptEmail: p.ReceiptEmail, TransferGroup: p.TransferGroup, ClockID: s.ClockID,
		Billing: Billing{Name: s.Owner.Name, Email: s.Owner.Email, Phone: s.Owner.Phone, Address: s.Owner.Address}}
	if cust != nil && d.ClockID == "" {
		d.ClockID = cust.ClockID
	}
	d.Payer = payer{Name: ownerName(s), Email: deref(s.Owner.Email)}
	switch s.Type {
	case "sofort":
		if p.Amount > *s.Amount {
			return nil, Invalid("amount_too_large", "amount", "The charge amount (%d) exceeds the amount the payer authorised (%d).", p.Amount, *s.Amount)
		}
		// The charge's statement descriptor has no effect on Sofort: the source's is used.
		d.ID, d.StatementDescriptor = NewID("py_"), Opt[string]{}
		if s.StatementDescriptor != nil {
			d.StatementDescriptor = Some(*s.StatementDescriptor)
		}
		so := s.Sofort
		d.Method = ChargeMethod{Type: "sofort", Sofort: &SofortDetails{Country: so.Country, BankCode: so.BankCode, BankName: so.BankName,
			BIC: so.BIC, IBANLast4: so.IBANLast4, PreferredLanguage: so.PreferredLanguage, VerifiedName: so.VerifiedName}}
	case "sepa_debit":
		if p.StatementDescriptor.Set && !p.StatementDescriptor.Null {
			sd := p.StatementDescriptor.V
			if len([]rune(sd)) > 22 || sddDescriptorForbidden.MatchString(sd) {
				return nil, Invalid("invalid_statement_descriptor", "statement_descriptor", "Statement descriptors are limited to 22 characters and cannot use the special characters <, >, ', or \".")
			}
		}
		m, err := Get[Mandate](op, s.SepaDebit.Mandate)
		if err != nil {
			return nil, err
		}
		if err := m.checkCollectable("source"); err != nil {
			return nil, err
		}
		d.ID, d.StatementDescriptor = NewID("py_"), p.StatementDescriptor
		c, err := op.collectUnderMandate(d, m)
		if err != nil {
			return nil, err
		}
		if err := op.afterSourceCharged(s, c); err != nil {
			return nil, err
		}
		op.leave(s) // the answer renders it (Peek)
		return c, nil
	case "sepa_credit_transfer":
		if avail := s.CreditTransfer.Available(); p.Amount > avail {
			return nil, Errorf(KindState, "amount_too_large", "amount", "The source has %d available to charge (received %d, charged %d); the charge asks for %d.",
				avail, s.CreditTransfer.AmountReceived, s.CreditTransfer.AmountCharged, p.Amount)
		}
		d.ID, d.StatementDescriptor = NewID("ch_"), p.StatementDescriptor
		ct := s.CreditTransfer
		d.Method = ChargeMethod{Type: "sepa_credit_transfer", CreditTransfer: &CreditTransferDetail{BankName: ct.BankName, BIC: ct.BIC, IBAN: ct.IBAN}}
	}
	c, err := op.startDebit(d)
	if err != nil {
		return nil, err
	}
	if err := op.afterSourceCharged(s, c); err != nil {
		return nil, err
	}
	op.leave(s)
	return c, nil
}

// CollectionParams ask for a collection under a mandate of a dialect.
type CollectionParams struct {
	// ID is the payment's id, chosen by the dialect.
	ID                  string
	Mandate             string
	Amount              int64
	Currency            string // lower case; only eur
	Reference           string
	Description         Opt[string]
	Metadata            MetadataUpdate
	StatementDescriptor Opt[string]
	// DialectFields are kept with the charge as they are (Charge.DialectFields).
	DialectFields map[string]string
}

// CollectUnderMandate starts a SEPA Direct Debit collection under an active
// mandate of the op's scope: the bank network decides its outcome from the
// mandate's account, and the charge is pending until then. The mandate's
// use is booked (a single-use mandate ends). An unknown mandate is a
// KindNotFound error on parameter mandate; an ended one a KindState error
// with code mandate_inactive whose data names the end reason (canceled,
// detached, lapsed, consumed).
func (op *Op) CollectUnderMandate(p CollectionParams) (*Charge, error) {
	if err := checkCollection(p.Amount, p.Currency); err != nil {
		return nil, err
	}
	if p.ID == "" {
		return nil, errors.New("engine: a collection needs the id its dialect chose")
	}
	m, err := GetForUpdate[Mandate](op, p.Mandate)
	if err != nil {
		return nil, NotFoundOr(err, "mandate", "mandate", p.Mandate)
	}
	if err := m.checkCollectable("mandate"); err != nil {
		return nil, err
	}
	if err := op.methodAvailable("sepa_debit", "source"); err != nil {
		return nil, err
	}
	name, email := m.HolderName, m.Email
	d := debit{ID: p.ID, Origin: m.Origin, Amount: p.Amount, Currency: p.Currency, Customer: m.Customer,
		Description: p.Description, Metadata: p.Metadata, StatementDescriptor: p.StatementDescriptor, Reference: p.Reference,
		ClockID: m.ClockID, Billing: Billing{Name: &name, Address: m.Address}, Payer: payer{Name: name, Email: email},
		DialectFields: p.DialectFields}
	if email != "" {
		d.Billing.Email = &email
	}
	return op.collectUnderMandate(d, m)
}

// collectUnderMandate starts the SEPA Direct Debit collection d under the
// active mandate m, from the mandate's account: the one path the
// collections of every dialect take (source charges, payment intents,
// CollectUnderMandate).
func (op *Op) collectUnderMandate(d debit, m *Mandate) (*Charge, error) {
	if err := checkCollection(d.Amount, d.Currency); err != nil {
		return nil, err
	}
	iban, err := op.IBAN(m.Account)
	if err != nil {
		return nil, err
	}
	a := m.Account
	d.Mandate, d.Payer.IBAN = m, string(iban)
	d.Method = ChargeMethod{Type: "sepa_debit", SepaDebit: &SepaDebitDetails{BankCode: a.BankCode, BranchCode: a.BranchCode,
		Country: a.Country, Fingerprint: a.Fingerprint, Last4: a.Last4, Mandate: m.ID, MandateReference: m.Reference}}
	return op.startDebit(d)
}

// checkCollection tells whether amount in currency can be collected by
// SEPA Direct Debit: euros, from one cent to 999999999.99.
func checkCollection(amount int64, currency string) error {
	if !sepa.ValidAmount(amount) {
		return Invalid("invalid_amount", "amount", "The amount must be a positive integer number of cents up to 999999999.99 EUR.")
	}
	if currency != "eur" {
		return Invalid("invalid_currency", "currency", "SEPA Direct Debit collects only eur, not %s.", currency)
	}
	return nil
}

// afterSourceCharged consumes single-use and unattached sources, draws down
// credit transfer funds and notifies SEPA Direct Debit payers.
func (op *Op) afterSourceCharged(s *Source, c *Charge) error {
	switch {
	case s.CreditTransfer != nil:
		s.CreditTransfer.AmountCharged += c.Amount
		if s.CreditTransfer.Available() == 0 {
			s.Status = SourcePending
		}
		if s.Customer == "" {
			return op.consumeSource(s)
		}
		// Drawing on the funds is no change Stripe announces by an event.
		return op.save(s)
	case s.Usage == "single_use" || s.Customer == "":
		if err := op.consumeSource(s); err != nil {
			return err
		}
	}
	if s.SepaDebit != nil {
		return op.notifyMandateDebit(s, c)
	}
	return nil
}
