package engine

import "github.com/kontorpay/kontor/store"

// A Filter selects the objects of one kind by the engine's own fields. The
// engine maps it to the store's columns (each object's Index), which no
// dialect needs to know; empty fields select everything.
type Filter interface {
	columns(op *Op, p *store.ListObjectsParams)
}

// ListWhere returns the objects of type T that f selects, paged by page
// (its limit, cursors, order and created bounds; its column fields are
// ignored). A nil f selects every object of the kind.
func ListWhere[T any, PT interface {
	*T
	Object
}](op *Op, f Filter, page ListParams) ([]PT, error) {
	p := ListParams{CreatedGTE: page.CreatedGTE, CreatedLTE: page.CreatedLTE, AfterSeq: page.AfterSeq,
		BeforeSeq: page.BeforeSeq, Ascending: page.Ascending, Limit: page.Limit}
	if f != nil {
		f.columns(op, &p)
	}
	return List[T, PT](op, p)
}

// CustomerFilter selects customers.
type CustomerFilter struct {
	Email     string
	TestClock string
	// Live leaves deleted customers out.
	Live bool
}

func (f CustomerFilter) columns(op *Op, p *store.ListObjectsParams) {
	p.Lookup, p.ClockID = f.Email, f.TestClock
	if f.Live {
		// The live status is stored per origin (Customer.Index).
		p.Status = (&Customer{Origin: op.origin()}).Index().Status
	}
}

// ChargeFilter selects charges.
type ChargeFilter struct {
	Customer string
	// PaymentIntent selects the charges of an intent; Source those of a
	// credit transfer source (charges of an intent never name a source;
	// Charge.Index).
	PaymentIntent string
	Source        string
	// Mandate selects the charge of a single-use mandate (Charge.Index):
	// charges under a multi-use mandate are not found by it.
	Mandate string
	Status  ChargeStatus
}

func (f ChargeFilter) columns(_ *Op, p *store.ListObjectsParams) {
	p.Customer, p.Lookup, p.Status = f.Customer, f.Mandate, string(f.Status)
	p.Parent = f.PaymentIntent
	if p.Parent == "" {
		p.Parent = f.Source
	}
}

// RefundFilter selects refunds.
type RefundFilter struct {
	Charge        string
	PaymentIntent string
	Customer      string
	Status        RefundStatus
}

func (f RefundFilter) columns(_ *Op, p *store.ListObjectsParams) {
	p.Parent, p.Lookup, p.Customer, p.Status = f.Charge, f.PaymentIntent, f.Customer, string(f.Status)
}

// DisputeFilter selects disputes.
type DisputeFilter struct {
	Charge        string
	PaymentIntent string
}

func (f DisputeFilter) columns(_ *Op, p *store.ListObjectsParams) {
	p.Parent, p.Lookup = f.Charge, f.PaymentIntent
}

// MandateFilter selects mandates.
type MandateFilter struct {
	Customer string
	// PaymentMethod selects the mandates of a payment method, Source those of a source.
	PaymentMethod string
	Source        string
	Status        MandateStatus
}

func (f MandateFilter) columns(_ *Op, p *store.ListObjectsParams) {
	p.Customer, p.Status = f.Customer, string(f.Status)
	p.Parent = f.Source
	if p.Parent == "" {
		p.Parent = f.PaymentMethod
	}
}

// PaymentMethodFilter selects payment methods.
type PaymentMethodFilter struct {
	Customer string
	Type     string
}

func (f PaymentMethodFilter) columns(_ *Op, p *store.ListObjectsParams) {
	p.Customer, p.Kind = f.Customer, f.Type
}

// IntentFilter selects payment intents or setup intents.
type IntentFilter struct {
	Customer string
}

func (f IntentFilter) columns(_ *Op, p *store.ListObjectsParams) { p.Customer = f.Customer }

// SetupAttemptFilter selects the attempts of a setup intent.
type SetupAttemptFilter struct {
	SetupIntent string
}

func (f SetupAttemptFilter) columns(_ *Op, p *store.ListObjectsParams) { p.Parent = f.SetupIntent }

// PageFilter selects hosted payment sessions.
type PageFilter struct {
	Customer      string
	PaymentIntent string
	Status        PageStatus
}

func (f PageFilter) columns(_ *Op, p *store.ListObjectsParams) {
	p.Customer, p.Lookup, p.Status = f.Customer, f.PaymentIntent, string(f.Status)
}

// BalanceTransactionFilter selects balance transactions.
type BalanceTransactionFilter struct {
	// Source is the charge, refund or dispute that moved the balance.
	Source string
	Type   string
}

func (f BalanceTransactionFilter) columns(_ *Op, p *store.ListObjectsParams) {
	p.Parent, p.Kind = f.Source, f.Type
}

// SourceFilter selects sources.
type SourceFilter struct {
	Customer string
}

func (f SourceFilter) columns(_ *Op, p *store.ListObjectsParams) { p.Customer = f.Customer }

// SourceChildFilter selects what belongs to a source: its transactions or
// its mandate notifications.
type SourceChildFilter struct {
	Source string
}

func (f SourceChildFilter) columns(_ *Op, p *store.ListObjectsParams) { p.Parent = f.Source }

// WebhookEndpointFilter selects the webhook endpoints of a dialect.
type WebhookEndpointFilter struct {
	Dialect string
}

func (f WebhookEndpointFilter) columns(_ *Op, p *store.ListObjectsParams) { p.Kind = f.Dialect }
