package engine

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// Source is a Stripe-style payment source: a Sofort payment the payer
// authorises by redirect, a SEPA Direct Debit mandate, or a SEPA Credit
// Transfer receiver account.
type Source struct {
	Meta
	Type                string            `json:"type"`
	Status              SourceStatus      `json:"status"`
	Amount              *int64            `json:"amount"`
	Currency            *string           `json:"currency"`
	Flow                string            `json:"flow"`
	Usage               string            `json:"usage"`
	ClientSecret        string            `json:"client_secret"`
	Customer            string            `json:"customer,omitempty"`
	Metadata            map[string]string `json:"metadata"`
	Owner               Owner             `json:"owner"`
	StatementDescriptor *string           `json:"statement_descriptor"`
	Redirect            *Redirect         `json:"redirect,omitempty"`
	Sofort              *SofortSource     `json:"sofort,omitempty"`
	SepaDebit           *SepaDebitSource  `json:"sepa_debit,omitempty"`
	CreditTransfer      *CreditTransfer   `json:"sepa_credit_transfer,omitempty"`
	ChargeableAt        int64             `json:"chargeable_at,omitempty"`
}

// Owner is the payer's identity on a source.
type Owner struct {
	Address         *Address `json:"address"`
	Email           *string  `json:"email"`
	Name            *string  `json:"name"`
	Phone           *string  `json:"phone"`
	VerifiedAddress *Address `json:"verified_address"`
	VerifiedEmail   *string  `json:"verified_email"`
	VerifiedName    *string  `json:"verified_name"`
	VerifiedPhone   *string  `json:"verified_phone"`
}

// Redirect is the state of a redirect flow.
type Redirect struct {
	ReturnURL     string         `json:"return_url"`
	Status        RedirectStatus `json:"status"`
	FailureReason *string        `json:"failure_reason"`
}

// SofortSource holds what a Sofort source knows; the payer's bank details are
// filled in when the payer authorises.
type SofortSource struct {
	Country             string       `json:"country"`
	PreferredLanguage   *string      `json:"preferred_language"`
	StatementDescriptor *string      `json:"statement_descriptor"`
	BankCode            *string      `json:"bank_code"`
	BankName            *string      `json:"bank_name"`
	BIC                 *string      `json:"bic"`
	IBANLast4           *string      `json:"iban_last4"`
	VerifiedName        *string      `json:"verified_name"`
	Payer               *BankAccount `json:"payer,omitempty"`
}

// SepaDebitSource links a SEPA Direct Debit source to its mandate.
type SepaDebitSource struct {
	Account          BankAccount `json:"account"`
	Mandate          string      `json:"mandate"`
	MandateReference string      `json:"mandate_reference"`
	FromSofort       string      `json:"from_sofort,omitempty"`
	// NotificationMethod says who tells the payer of each debit
	// (mandate[notification_method]; see notifyMandateDebit).
	NotificationMethod string `json:"notification_method,omitempty"`
}

// CreditTransfer is the receiver side of a SEPA Credit Transfer source.
type CreditTransfer struct {
	IBAN           string            `json:"iban"`
	BIC            string            `json:"bic"`
	BankName       string            `json:"bank_name"`
	AmountReceived int64             `json:"amount_received"`
	AmountCharged  int64             `json:"amount_charged"`
	AmountReturned int64             `json:"amount_returned"`
	RefundMethod   string            `json:"refund_attributes_method"`
	RefundTo       *RefundAttributes `json:"refund_attributes,omitempty"`
	RefundAsked    bool              `json:"refund_attributes_requested,omitempty"`
}

// RefundAttributes name the account refunds of a credit transfer source go to.
type RefundAttributes struct {
	Account    BankAccount `json:"account"`
	HolderName string      `json:"holder_name"`
	Address    Address     `json:"address"`
}

// RefundStatus derives receiver.refund_attributes_status.
func (c *CreditTransfer) RefundStatus() string {
	switch {
	case c.RefundTo != nil:
		return "available"
	case c.RefundAsked:
		return "requested"
	}
	return "missing"
}

// Available is what may still be charged.
func (c *CreditTransfer) Available() int64 { return c.AmountReceived - c.AmountCharged }

func init() { register(&Source{}) }

// ObjectType implements Object.
func (*Source) ObjectType() string { return "source" }

// Index implements Object.
func (s *Source) Index() Index {
	ix := Index{Kind: s.Type, Customer: s.Customer, Status: string(s.Status)}
	if s.CreditTransfer != nil {
		ix.Lookup = s.CreditTransfer.IBAN // credits to the receiver account find it
	}
	return ix
}

// SourceTypes are the source types Kontor implements.
var SourceTypes = []string{"sofort", "sepa_debit", "sepa_credit_transfer"}

// SofortCountries and SofortLanguages are Sofort's documented values.
var (
	SofortCountries = []string{"AT", "BE", "DE", "IT", "NL", "ES"}
	SofortLanguages = []string{"de", "en", "es", "it", "fr", "nl", "pl"}
)

// OwnerParams are the owner fields given on creation or update.
type OwnerParams struct {
	Name, Email, Phone Opt[string]
	Address            Opt[AddressUpdate]
}

// SourceParams creates a source.
type SourceParams struct {
	Type                string
	Amount              *int64
	Currency            string
	Usage               string
	Owner               OwnerParams
	ReturnURL           string
	StatementDescriptor Opt[string]
	Metadata            MetadataUpdate
	SofortCountry       string
	SofortLanguage      string
	IBAN                string
	FromSofort          string
	RefundMethod        string
	TestClock           Opt[string]
	Acceptance          Acceptance
	NotificationMethod  string
}

var sofortDescriptorForbidden = regexp.MustCompile(`[/(){}]`)

// ValidateReturnURL accepts http(s) URLs and app URI schemes, and refuses
// schemes that would run code in the payer's browser.
func ValidateReturnURL(raw, param string) error {
	u, err := url.Parse(raw)
	if err == nil && u.Scheme != "" {
		switch strings.ToLower(u.Scheme) {
		case "javascript", "data", "vbscript", "file":
		case "http", "https":
			if u.Host != "" {
				return nil
			}
		default:
			return nil
		}
	}
	return Invalid("url_invalid", param, "Invalid URL: %s. A return URL must be an absolute http(s) URL or an app URI (myapp://…).", raw)
}

func (op *Op) methodAvailable(method, param string) error {
	acct, err := op.Account()
	if err != nil {
		return err
	}
	if !acct.MethodEnabled(method) {
		return Errorf(KindUnavailable, "payment_method_not_available", param,
			"The payment method %s is currently not available on this account. Invite your customer to use another payment method.", method)
	}
	return nil
}

func (op *Op) clockFor(o Opt[string]) (string, error) {
	if !o.Set || o.Null {
		return "", nil
	}
	tc, err := op.GetTestClock(o.V)
	if err != nil {
		return "", err
	}
	return tc.ID, nil
}

func applyOwner(o *Owner, p OwnerParams) {
	applyPtr(&o.Name, p.Name)
	applyPtr(&o.Email, p.Email)
	applyPtr(&o.Phone, p.Phone)
	applyAddress(&o.Address, p.Address)
}

// CreateSource validates and creates a source of any implemented type.
func (op *Op) CreateSource(p SourceParams) (*Source, error) {
	if !slices.Contains(SourceTypes, p.Type) {
		return nil, Invalid("payment_method_not_available", "type", "Kontor implements sources of types sofort, sepa_debit and sepa_credit_transfer; %q is not available.", p.Type)
	}
	if err := op.methodAvailable(p.Type, "type"); err != nil {
		return nil, err
	}
	if p.Currency == "" {
		return nil, Missing("currency")
	}
	if p.Currency != "eur" {
		return nil, Invalid("invalid_currency", "currency", "%s sources must use eur, not %s.", p.Type, p.Currency)
	}
	clockID, err := op.clockFor(p.TestClock)
	if err != nil {
		return nil, err
	}
	now := op.Now(clockID)
	cur := "eur"
	s := &Source{Meta: Meta{ID: NewID("src_"), Created: now.Unix(), ClockID: clockID}, Type: p.Type, Status: SourcePending,
		Currency: &cur, ClientSecret: "src_client_secret_" + RandomString(24), Metadata: map[string]string{}}
	applyOwner(&s.Owner, p.Owner)
	s.Metadata = p.Metadata.apply(s.Metadata)
	switch p.Type {
	case "sofort":
		err = op.newSofort(s, p)
	case "sepa_debit":
		err = op.newSepaDebitSource(s, p)
	case "sepa_credit_transfer":
		err = op.newCreditTransferSource(s, p)
	}
	if err != nil {
		return nil, err
	}
	if err := op.insert(s); err != nil {
		return nil, err
	}
	if p.Type == "sepa_credit_transfer" {
		if err := op.receiveTestTransfer(s); err != nil {
			return nil, err
		}
	}
	if s.Status == SourceChargeable && p.Type == "sepa_debit" {
		if err := op.emit("source.chargeable", s, nil); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func ownerName(s *Source) string {
	if s.Owner.Name != nil {
		return *s.Owner.Name
	}
	return ""
}

func (op *Op) newSofort(s *Source, p SourceParams) error {
	if p.Amount == nil {
		return Missing("amount")
	}
	if *p.Amount < minimumSofortAmount {
		return Invalid("invalid_amount", "amount", "The source amount is invalid. Sofort enforces a minimum payment amount of 1 EUR (100).")
	}
	if err := checkAmount(*p.Amount, minimumSofortAmount, "amount"); err != nil {
		return err
	}
	if p.Usage != "" && p.Usage != "single_use" {
		return Invalid("invalid_source_usage", "usage", "Sofort sources are single_use; usage %q is not supported.", p.Usage)
	}
	if p.ReturnURL == "" {
		return Missing("redirect.return_url")
	}
	if err := ValidateReturnURL(p.ReturnURL, "redirect.return_url"); err != nil {
		return err
	}
	if p.SofortCountry == "" {
		return Missing("sofort.country")
	}
	country := strings.ToUpper(p.SofortCountry)
	if !slices.Contains(SofortCountries, country) {
		return Invalid("invalid_sofort_country", "sofort.country", "The owner's country is not supported by Sofort. The countries supported are AT, BE, DE, IT, NL and ES.")
	}
	if p.SofortLanguage != "" && !slices.Contains(SofortLanguages, p.SofortLanguage) {
		return Invalid("parameter_invalid_enum", "sofort.preferred_language", "Invalid sofort[preferred_language]: must be one of de, en, es, it, fr, nl, or pl")
	}
	if p.StatementDescriptor.Set && !p.StatementDescriptor.Null {
		d := p.StatementDescriptor.V
		if len([]rune(d)) > 35 || sofortDescriptorForbidden.MatchString(d) {
			return Invalid("invalid_statement_descriptor", "statement_descriptor", "Sofort statement descriptors have at most 35 characters and cannot contain / ( ) { or }.")
		}
	}
	applyPtr(&s.StatementDescriptor, p.StatementDescriptor)
	amount := *p.Amount
	s.Amount, s.Flow, s.Usage = &amount, "redirect", "single_use"
	s.Redirect = &Redirect{ReturnURL: p.ReturnURL, Status: RedirectPending}
	s.Sofort = &SofortSource{Country: country, StatementDescriptor: s.StatementDescriptor}
	if p.SofortLanguage != "" {
		l := p.SofortLanguage
		s.Sofort.PreferredLanguage = &l
	}
	now := op.Now(s.ClockID)
	if err := op.Schedule(now.Add(op.e.sourcePendingLifetime()), s.ClockID, timerSourceExpire, s.ID, nil); err != nil {
		return err
	}
	if s.Owner.Email != nil && op.e.tests.SofortSourceAuthorized(*s.Owner.Email) {
		return op.Schedule(now.Add(op.e.delay), s.ClockID, timerSofortAuthorize, s.ID, nil)
	}
	return nil
}

func (op *Op) newSepaDebitSource(s *Source, p SourceParams) error {
	if s.Owner.Name == nil || len([]rune(strings.TrimSpace(*s.Owner.Name))) < 3 {
		return Invalid("invalid_owner_name", "owner.name", "The owner name is invalid. It must be at least three characters in length.")
	}
	if p.Usage != "" && p.Usage != "reusable" {
		return Invalid("invalid_source_usage", "usage", "SEPA Direct Debit sources are reusable; usage %q is not supported.", p.Usage)
	}
	var iban sepa.IBAN
	sd := &SepaDebitSource{}
	switch {
	case p.IBAN != "" && p.FromSofort != "":
		return Invalid("parameters_exclusive", "sepa_debit.sofort", "You may only specify one of these parameters: sepa_debit[iban], sepa_debit[sofort].")
	case p.FromSofort != "":
		so, err := Get[Source](op, p.FromSofort)
		if err != nil {
			return NotFoundOr(err, "sepa_debit.sofort", "source", p.FromSofort)
		}
		if so.Type != "sofort" {
			return NotFound("sepa_debit.sofort", "source", p.FromSofort)
		}
		if so.Sofort.Payer == nil {
			return Errorf(KindState, "source_not_authorized", "sepa_debit.sofort",
				"The Sofort source %s has not been authorised by the payer, so it carries no bank account to debit.", so.ID)
		}
		v, err := op.IBAN(*so.Sofort.Payer)
		if err != nil {
			return err
		}
		iban, sd.FromSofort = v, so.ID
	case p.IBAN != "":
		v, err := ParseIBAN(p.IBAN, "invalid_bank_account_iban", "sepa_debit.iban")
		if err != nil {
			return err
		}
		iban = v
	default:
		return Missing("sepa_debit.iban")
	}
	m, err := op.CreateMandate(MandateParams{IBAN: iban, HolderName: *s.Owner.Name, Source: s.ID, ClockID: s.ClockID,
		Acceptance: p.Acceptance, Email: deref(s.Owner.Email)})
	if err != nil {
		if e, ok := AsError(err); ok && e.Code == "account_invalid" {
			return Invalid("invalid_bank_account_iban", "sepa_debit.iban", "%s", e.Message)
		}
		return err
	}
	sd.Account, sd.Mandate, sd.MandateReference = m.Account, m.ID, m.Reference
	sd.NotificationMethod = p.NotificationMethod
	s.SepaDebit = sd
	s.Flow, s.Usage, s.Status = "none", "reusable", SourceChargeable
	s.ChargeableAt = s.Created
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (op *Op) newCreditTransferSource(s *Source, p SourceParams) error {
	if s.Owner.Email == nil {
		return Missing("owner.email")
	}
	if p.Usage != "" && p.Usage != "reusable" {
		return Invalid("invalid_source_usage", "usage", "SEPA Credit Transfer sources are reusable; usage %q is not supported.", p.Usage)
	}
	method := p.RefundMethod
	if method == "" {
		method = "email"
	}
	if !slices.Contains([]string{"email", "manual", "none"}, method) {
		return Invalid("parameter_invalid_enum", "receiver.refund_attributes_method", "Invalid receiver[refund_attributes_method]: must be one of email, manual, or none")
	}
	iban, err := virtualIBAN(s.ID)
	if err != nil {
		return err
	}
	s.Flow, s.Usage = "receiver", "reusable"
	s.CreditTransfer = &CreditTransfer{IBAN: string(iban), BIC: "TESTDE00", BankName: "TEST BANK", RefundMethod: method}
	return nil
}

// virtualIBAN derives a stable, valid German IBAN for a receiver source from its id.
func virtualIBAN(id string) (sepa.IBAN, error) {
	var acct uint64
	for _, c := range id {
		acct = acct*131 + uint64(c)
	}
	return sepa.NewIBAN("DE", fmt.Sprintf("11110000%010d", acct%10000000000))
}

// GetSource returns a source.
func (op *Op) GetSource(id, param string) (*Source, error) {
	s, err := GetForUpdate[Source](op, id)
	if err != nil {
		return nil, NotFoundOr(err, param, "source", id)
	}
	return s, nil
}

// SourceUpdate changes a source.
type SourceUpdate struct {
	Owner              OwnerParams
	Metadata           MetadataUpdate
	Refund             *RefundAttributesParams
	NotificationMethod string // mandate[notification_method] of a SEPA Direct Debit source
}

// RefundAttributesParams set the refund account of a credit transfer source.
type RefundAttributesParams struct {
	IBAN, HolderName                               string
	Line1, Line2, City, State, PostalCode, Country string
}

// UpdateSource changes owner details, metadata or refund attributes. A new
// owner e-mail on a credit transfer source is a test value that pushes funds.
func (op *Op) UpdateSource(id string, u SourceUpdate) (*Source, error) {
	s, err := op.GetSource(id, "source")
	if err != nil {
		return nil, err
	}
	prev := clone(s)
	oldEmail := deref(s.Owner.Email)
	applyOwner(&s.Owner, u.Owner)
	s.Metadata = u.Metadata.apply(s.Metadata)
	if u.NotificationMethod != "" {
		if s.SepaDebit == nil {
			return nil, Invalid("parameter_unknown", "mandate.notification_method", "Only sepa_debit sources have a mandate whose notifications can be set.")
		}
		s.SepaDebit.NotificationMethod = u.NotificationMethod
	}
	if u.Refund != nil {
		if err := op.setRefundAttributes(s, *u.Refund, "sepa_credit_transfer."); err != nil {
			return nil, err
		}
	}
	if err := op.saveSourceChanged(s, prev); err != nil {
		return nil, err
	}
	if s.CreditTransfer != nil && u.Owner.Email.Set && deref(s.Owner.Email) != oldEmail && s.Owner.Email != nil {
		if err := op.receiveTestTransfer(s); err != nil {
			return nil, err
		}
	}
	if u.Refund != nil {
		if err := op.retryRefundsAwaitingAttributes(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// setRefundAttributes records the account refunds of the credit transfer
// source s go to (once: the first account given stays); errors name the
// parameters under prefix ("sepa_credit_transfer." on a source update).
func (op *Op) setRefundAttributes(s *Source, p RefundAttributesParams, prefix string) error {
	if s.CreditTransfer == nil {
		return Invalid("parameter_unknown", "sepa_credit_transfer", "Refund attributes can only be set on sepa_credit_transfer sources.")
	}
	if s.CreditTransfer.RefundTo != nil {
		return Errorf(KindState, "refund_attributes_already_set", prefix+"refund_iban",
			"Refund attributes can only be added to a source once; refunds of this source go to the account provided first.")
	}
	iban, err := ParseIBAN(p.IBAN, "invalid_bank_account_iban", prefix+"refund_iban")
	if err != nil {
		return err
	}
	if strings.TrimSpace(p.HolderName) == "" {
		return Missing(prefix + "refund_account_holder_name")
	}
	ra := &RefundAttributes{Account: op.newBankAccount(iban), HolderName: p.HolderName}
	set := func(dst **string, v string) {
		if v != "" {
			*dst = &v
		}
	}
	set(&ra.Address.Line1, p.Line1)
	set(&ra.Address.Line2, p.Line2)
	set(&ra.Address.City, p.City)
	set(&ra.Address.State, p.State)
	set(&ra.Address.PostalCode, p.PostalCode)
	set(&ra.Address.Country, p.Country)
	s.CreditTransfer.RefundTo = ra
	return nil
}

// AnswerRefundAttributes records the account the payer of a credit
// transfer source with the e-mail refund method gave in answer to the
// e-mail asking for it (the test helper), and carries out the refunds that
// waited for it.
func (op *Op) AnswerRefundAttributes(id string, p RefundAttributesParams) (*Source, error) {
	s, err := op.GetSource(id, "source")
	if err != nil {
		return nil, err
	}
	if s.CreditTransfer == nil || s.CreditTransfer.RefundMethod != "email" {
		return nil, Errorf(KindState, "refund_attributes_method_not_email", "source",
			"Only the payer of a sepa_credit_transfer source with receiver[refund_attributes_method]=email is asked for refund attributes; set them with POST /v1/sources/%s instead.", s.ID)
	}
	if !s.CreditTransfer.RefundAsked {
		return nil, Errorf(KindState, "refund_attributes_not_requested", "source",
			"The payer of %s has not been asked for refund attributes: no refund of this source waits for them.", s.ID)
	}
	prev := clone(s)
	if err := op.setRefundAttributes(s, p, ""); err != nil {
		return nil, err
	}
	if err := op.saveSourceChanged(s, prev); err != nil {
		return nil, err
	}
	return s, op.retryRefundsAwaitingAttributes(s)
}

// receiveTestTransfer credits a credit transfer source with the transfer
// its owner's e-mail asks for (see bank.TestValues).
func (op *Op) receiveTestTransfer(s *Source) error {
	t := op.e.tests.IncomingTransfer(deref(s.Owner.Email))
	_, err := op.receiveCreditTransfer(s, t.Amount, t.Reference, t.SenderIBAN, ownerName(s))
	return err
}

// SourceTransaction is one incoming transfer to a credit transfer source.
type SourceTransaction struct {
	Meta
	Source     string            `json:"source"`
	Amount     int64             `json:"amount"`
	Currency   string            `json:"currency"`
	Status     TransactionStatus `json:"status"`
	Reference  string            `json:"reference"`
	Sender     BankAccount       `json:"sender"`
	SenderName string            `json:"sender_name"`
}

func init() { register(&SourceTransaction{}) }

// ObjectType implements Object.
func (*SourceTransaction) ObjectType() string { return "source_transaction" }

// Index implements Object.
func (t *SourceTransaction) Index() Index { return Index{Parent: t.Source, Status: string(t.Status)} }

// DeliverCreditTransfer pushes a transfer of amount to a credit transfer source
// (the test helper and the bank network's incoming credits).
func (op *Op) DeliverCreditTransfer(sourceID string, amount int64, reference, senderIBAN, senderName string) (*SourceTransaction, error) {
	s, err := op.GetSource(sourceID, "source")
	if err != nil {
		return nil, err
	}
	if s.CreditTransfer == nil {
		return nil, Errorf(KindState, "source_not_receiver", "source", "Credit transfers can only be delivered to sepa_credit_transfer sources.")
	}
	if !sepa.ValidAmount(amount) {
		return nil, Invalid("invalid_amount", "amount", "The amount of a transfer must be a positive integer in cents, at most 99999999999 (999,999,999.99 EUR).")
	}
	if senderIBAN == "" {
		senderIBAN = op.e.tests.IncomingTransfer("").SenderIBAN
	} else if _, err := ParseIBAN(senderIBAN, "invalid_bank_account_iban", "sender_iban"); err != nil {
		return nil, err
	}
	if senderName == "" {
		senderName = ownerName(s)
	}
	return op.receiveCreditTransfer(s, amount, reference, senderIBAN, senderName)
}

func (op *Op) receiveCreditTransfer(s *Source, amount int64, reference, senderIBAN, senderName string) (*SourceTransaction, error) {
	iban, err := ParseIBAN(senderIBAN, "invalid_bank_account_iban", "sender_iban")
	if err != nil {
		return nil, err
	}
	now := op.Now(s.ClockID)
	t := &SourceTransaction{Meta: Meta{ID: NewID("srctxn_"), Created: now.Unix(), ClockID: s.ClockID}, Source: s.ID,
		Amount: amount, Currency: "eur", Status: TransactionSucceeded, Reference: reference, Sender: op.newBankAccount(iban), SenderName: senderName}
	if err := op.insert(t); err != nil {
		return nil, err
	}
	prev := clone(s)
	s.CreditTransfer.AmountReceived += amount
	becameChargeable := s.Status == SourcePending
	if becameChargeable {
		s.Status, s.ChargeableAt = SourceChargeable, now.Unix()
	}
	if err := op.save(s); err != nil {
		return nil, err
	}
	if err := op.emit("source.transaction.created", t, nil); err != nil {
		return nil, err
	}
	if becameChargeable {
		if err := op.emit("source.chargeable", s, prev); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// ListSourceTransactions lists the transfers received by a source.
func (op *Op) ListSourceTransactions(sourceID string, p ListParams) ([]*SourceTransaction, error) {
	p.Parent = sourceID
	return List[SourceTransaction](op, p)
}

const (
	timerSourceExpire    = "source.expire"
	timerSofortAuthorize = "source.sofort_authorize"
)

// sourcePendingLifetime is how long a Sofort source may wait for the payer.
func (e *Engine) sourcePendingLifetime() time.Duration { return time.Hour }

// sourceChargeableLifetime is how long an authorised Sofort source may wait for its charge.
const sourceChargeableLifetime = 6 * time.Hour

// AuthorizeSofort records the payer's answer on the authorisation page (or a
// test value or helper): approve makes the source chargeable, otherwise it
// fails. A source that is no longer pending is returned unchanged.
func (op *Op) AuthorizeSofort(id string, approve bool) (*Source, error) {
	reason := ""
	if !approve {
		reason = "user_abort"
	}
	return op.decideSofort(id, reason)
}

// SofortFailureReasons are the redirect failure reasons a Sofort source can fail with.
var SofortFailureReasons = []string{"user_abort", "declined", "processing_error"}

// FailSofort fails a pending Sofort source with a redirect failure reason
// (one of SofortFailureReasons); a source that is no longer pending is
// returned unchanged.
func (op *Op) FailSofort(id, reason string) (*Source, error) {
	if !slices.Contains(SofortFailureReasons, reason) {
		return nil, Invalid("parameter_invalid_enum", "failure_reason", "Invalid failure_reason: must be one of user_abort, declined, or processing_error")
	}
	return op.decideSofort(id, reason)
}

// decideSofort makes a pending Sofort source chargeable (failReason "") or
// fails it with failReason.
func (op *Op) decideSofort(id, failReason string) (*Source, error) {
	approve := failReason == ""
	s, err := op.GetSource(id, "source")
	if err != nil {
		return nil, err
	}
	if s.Type != "sofort" {
		return nil, Errorf(KindState, "source_not_redirect", "source", "Only sofort sources are authorised by redirect.")
	}
	if s.Status != SourcePending {
		return s, nil
	}
	prev := clone(s)
	now := op.Now(s.ClockID)
	if !approve {
		reason := failReason
		s.Status, s.Redirect.Status, s.Redirect.FailureReason = SourceFailed, RedirectFailed, &reason
		if err := op.CancelTimers(s.ID, ""); err != nil {
			return nil, err
		}
		if err := op.save(s); err != nil {
			return nil, err
		}
		return s, op.emit("source.failed", s, prev)
	}
	payer := op.e.tests.SofortPayer(s.Sofort.Country, ownerName(s))
	iban, err := sepa.ParseIBAN(payer.IBAN)
	if err != nil {
		return nil, err
	}
	acct := op.newBankAccount(iban)
	acct.BIC = payer.BIC
	last4, bankCode, bankName, bic, verified := iban.Last4(), payer.BankCode, payer.BankName, payer.BIC, payer.VerifiedName
	s.Sofort.Payer = &acct
	s.Sofort.IBANLast4, s.Sofort.BankCode, s.Sofort.BankName, s.Sofort.BIC, s.Sofort.VerifiedName = &last4, &bankCode, &bankName, &bic, &verified
	s.Owner.VerifiedName = &verified
	s.Status, s.Redirect.Status, s.ChargeableAt = SourceChargeable, RedirectSucceeded, now.Unix()
	if err := op.CancelTimers(s.ID, ""); err != nil {
		return nil, err
	}
	if err := op.Schedule(now.Add(sourceChargeableLifetime), s.ClockID, timerSourceExpire, s.ID, nil); err != nil {
		return nil, err
	}
	if err := op.save(s); err != nil {
		return nil, err
	}
	return s, op.emit("source.chargeable", s, prev)
}

// CheckClientSecret verifies a source's client secret (hosted pages and publishable-key retrieval).
func (s *Source) CheckClientSecret(secret string) bool {
	return secret != "" && secret == s.ClientSecret
}

// authorizeSofortSource authorises a Sofort source whose test payer answers by itself.
func authorizeSofortSource(op *Op, t *Timer) error {
	_, err := op.AuthorizeSofort(t.ObjectID, true)
	return err
}

// expireSource cancels a source that was not charged in time.
func expireSource(op *Op, t *Timer) error {
	s, err := followed(GetForUpdate[Source](op, t.ObjectID))
	if err != nil || s == nil || s.Status != SourcePending && s.Status != SourceChargeable {
		return err
	}
	prev := clone(s)
	s.Status = SourceCanceled
	if s.Redirect != nil && s.Redirect.Status == RedirectPending {
		reason := "user_abort"
		s.Redirect.Status, s.Redirect.FailureReason = RedirectFailed, &reason
	}
	if err := op.save(s); err != nil {
		return err
	}
	// An authorised payment that is never charged goes back to the payer:
	// no funds reach the account, so there is nothing to book.
	return op.emit("source.canceled", s, prev)
}

// saveSourceChanged saves s and, when it changed and is attached to a
// customer, emits customer.source.updated. Stripe has no event for changes
// of a source that is not attached (there is no source.updated).
func (op *Op) saveSourceChanged(s, prev *Source) error {
	if s.Customer == "" {
		return op.save(s)
	}
	return op.saveChanged(s, prev, "customer.source.updated")
}

// ConsumeSource marks a source as used up (charged single-use, charged
// unattached, or detached from its customer).
func (op *Op) consumeSource(s *Source) error {
	if s.Status == SourceConsumed {
		return nil
	}
	s.Status = SourceConsumed
	if err := op.CancelTimers(s.ID, timerSourceExpire); err != nil {
		return err
	}
	if s.SepaDebit != nil {
		m, err := Get[Mandate](op, s.SepaDebit.Mandate)
		if err == nil {
			if _, err := op.EndMandate(m, "consumed"); err != nil {
				return err
			}
		}
	}
	return op.save(s)
}
