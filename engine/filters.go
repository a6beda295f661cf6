package engine

import (
	"slices"

	"github.com/kontorpay/kontor/store"
)

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
	got, err := List[T, PT](op, p)
	if n, ok := f.(namingFilter); ok && err == nil {
		return withNamed(op, n, p, got)
	}
	return got, err
}

// A namingFilter also selects objects that another object names, which
// keep no entry its columns find (a charge's payment: BalanceTransaction.Index).
type namingFilter interface {
	named(op *Op) ([]string, error)
}

// withNamed adds the objects n names that fall within p to got, a page of
// p: in the page's order, none twice, up to its limit.
func withNamed[T any, PT interface {
	*T
	Object
}](op *Op, n namingFilter, p ListParams, got []PT) ([]PT, error) {
	ids, err := n.named(op)
	if err != nil || len(ids) == 0 {
		return got, err
	}
	for _, id := range ids {
		if slices.ContainsFunc(got, func(o PT) bool { return o.meta().ID == id }) {
			continue // stored with its entry
		}
		o, err := Get[T, PT](op, id)
		if missing(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if within(p, o) {
			got = append(got, o)
		}
	}
	slices.SortFunc(got, func(a, b PT) int {
		if p.Ascending {
			return int(a.Seq() - b.Seq())
		}
		return int(b.Seq() - a.Seq())
	})
	if p.Limit > 0 && len(got) > p.Limit {
		got = got[:p.Limit]
	}
	return got, nil
}

// within reports whether o falls within the page p on everything but its
// parent: its cursors, its created bounds and its other columns.
func within(p ListParams, o Object) bool {
	seq, created, ix := o.Seq(), o.meta().Created, o.Index()
	return (p.AfterSeq == 0 || seq < p.AfterSeq) && (p.BeforeSeq == 0 || seq > p.BeforeSeq) &&
		(p.CreatedGTE == nil || created >= *p.CreatedGTE) && (p.CreatedLTE == nil || created <= *p.CreatedLTE) &&
		(p.Kind == "" || ix.Kind == p.Kind) && (p.Customer == "" || ix.Customer == p.Customer) &&
		(p.Status == "" || ix.Status == p.Status) && (p.ClockID == "" || ix.Clock == p.ClockID) &&
		(p.Lookup == "" || ix.Lookup == p.Lookup)
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

// named is the payment of Source when that is a charge: it is kept under
// no parent (BalanceTransaction.Index). The charge is read whatever the
// op's scope, as balance transactions have none.
func (f BalanceTransactionFilter) named(op *Op) ([]string, error) {
	if f.Source == "" || (f.Type != "" && f.Type != "payment") {
		return nil, nil
	}
	row, err := op.tx.GetObject(op.ctx, store.GetObjectParams{Account: op.account, ID: f.Source, Type: (*Charge)(nil).ObjectType()})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c struct {
		BalanceTransaction *string `json:"balance_transaction"`
	}
	if err := unmarshal(row.Data, &c); err != nil {
		return nil, err
	}
	if c.BalanceTransaction == nil {
		return nil, nil
	}
	return []string{*c.BalanceTransaction}, nil
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
