package engine

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// BalanceTransaction is one movement of the account's balance.
type BalanceTransaction struct {
	Meta
	Amount            int64       `json:"amount"`
	Currency          string      `json:"currency"`
	Fee               int64       `json:"fee"`
	FeeDetails        []FeeDetail `json:"fee_details"`
	Net               int64       `json:"net"`
	Type              string      `json:"type"`
	ReportingCategory string      `json:"reporting_category"`
	Source            string      `json:"source"`
	Description       *string     `json:"description"`
	AvailableOn       int64       `json:"available_on"`
	// ExchangeRate converted the movement from the currency of the object
	// that caused it into the account's settlement currency (nil: none).
	ExchangeRate *float64 `json:"exchange_rate,omitempty"`
}

// FeeProcessing is the type of the fee booked with a successful payment or a
// dispute; a dialect names it its own way.
const FeeProcessing = "processing_fee"

// FeeDetail is one component of a fee.
type FeeDetail struct {
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Description string `json:"description"`
	Type        string `json:"type"`
}

func init() { register(&BalanceTransaction{}) }

// ObjectType implements Object.
func (*BalanceTransaction) ObjectType() string { return "balance_transaction" }

// Index implements Object: lists filter by type and by the object that
// caused it. A charge's payment, the movement its charge names
// (Charge.BalanceTransaction), keeps no parent: a settlement's row adds no
// entry to the index of objects by parent, and a list by source finds it
// through the charge (BalanceTransactionFilter.named). Payments stored
// before keep their entry.
func (b *BalanceTransaction) Index() Index {
	if b.Type == "payment" {
		return Index{Kind: b.Type}
	}
	return Index{Kind: b.Type, Parent: b.Source}
}

// appendJSON appends b's document, byte for byte what json.Marshal writes
// of it, at a fraction of the cost: a settlement writes one inside the
// store's writer (Op.row).
func (b *BalanceTransaction) appendJSON(d []byte) []byte {
	d = appendQuoted(append(d, `{"id":`...), b.ID)
	d = strconv.AppendInt(append(d, `,"created":`...), b.Created, 10)
	if b.ClockID != "" {
		d = appendQuoted(append(d, `,"clock_id":`...), b.ClockID)
	}
	d = strconv.AppendInt(append(d, `,"amount":`...), b.Amount, 10)
	d = appendQuoted(append(d, `,"currency":`...), b.Currency)
	d = strconv.AppendInt(append(d, `,"fee":`...), b.Fee, 10)
	d = append(d, `,"fee_details":`...)
	if b.FeeDetails == nil {
		d = append(d, "null"...)
	} else {
		d = append(d, '[')
		for i, f := range b.FeeDetails {
			if i > 0 {
				d = append(d, ',')
			}
			d = strconv.AppendInt(append(d, `{"amount":`...), f.Amount, 10)
			d = appendQuoted(append(d, `,"currency":`...), f.Currency)
			d = appendQuoted(append(d, `,"description":`...), f.Description)
			d = append(appendQuoted(append(d, `,"type":`...), f.Type), '}')
		}
		d = append(d, ']')
	}
	d = strconv.AppendInt(append(d, `,"net":`...), b.Net, 10)
	d = appendQuoted(append(d, `,"type":`...), b.Type)
	d = appendQuoted(append(d, `,"reporting_category":`...), b.ReportingCategory)
	d = appendQuoted(append(d, `,"source":`...), b.Source)
	d = append(d, `,"description":`...)
	if b.Description == nil {
		d = append(d, "null"...)
	} else {
		d = appendQuoted(d, *b.Description)
	}
	d = strconv.AppendInt(append(d, `,"available_on":`...), b.AvailableOn, 10)
	if b.ExchangeRate != nil {
		r, _ := json.Marshal(*b.ExchangeRate) // a float as encoding/json formats it
		d = append(append(d, `,"exchange_rate":`...), r...)
	}
	return append(d, '}')
}

// Fee is a percentage in basis points plus a fixed amount in minor units.
type Fee struct {
	BPS   int64 `json:"bps"`
	Fixed int64 `json:"fixed"`
}

// Of returns the fee on amount, rounded half up.
func (f Fee) Of(amount int64) int64 { return (amount*f.BPS+5000)/10000 + f.Fixed }

// DefaultFees is the fee schedule of a new account, per payment method type.
var DefaultFees = map[string]Fee{
	"sepa_debit":           {Fixed: 35},
	"sofort":               {BPS: 140, Fixed: 25},
	"sepa_credit_transfer": {BPS: 80},
}

// ExchangeRates are the sandbox's fixed rates from euros into each
// settlement currency Kontor offers: movements of euro payments on an
// account that settles in another currency are booked converted, as
// Stripe books them.
var ExchangeRates = map[string]float64{"chf": 0.94, "dkk": 7.46, "gbp": 0.86, "nok": 11.72, "sek": 11.18, "usd": 1.08}

// DisputeFees is the SEPA Direct Debit dispute fee per settlement currency.
var DisputeFees = map[string]int64{"chf": 850, "dkk": 6000, "eur": 750, "gbp": 700, "nok": 7000, "sek": 7500, "usd": 850}

// feeFor returns the account's fee for a payment method type.
func (op *Op) feeFor(method string) (Fee, error) {
	acct, err := op.Account()
	if err != nil {
		return Fee{}, err
	}
	if f, ok := acct.Settings.Fees[method]; ok {
		return f, nil
	}
	return DefaultFees[method], nil
}

// fundsAvailableAt is the one payout rule: funds moved at t become
// available to the merchant two TARGET days later in the realistic
// profile, at once in the sandbox.
func (e *Engine) fundsAvailableAt(t time.Time) time.Time {
	if e.timing == TimingRealistic {
		return sepa.AddTargetDays(t, 2)
	}
	return t
}

// PaidOutAt tells when the funds of a succeeded charge reach the merchant:
// when they become available (fundsAvailableAt), but at least the sandbox
// delay after the settlement, so that a payout is never seen in the same
// moment as its settlement. It reports false for a charge that has not
// succeeded.
func (op *Op) PaidOutAt(c *Charge) (time.Time, bool) {
	if c.Status != ChargeSucceeded || c.SettledAt == 0 {
		return time.Time{}, false
	}
	settled := time.Unix(c.SettledAt, 0)
	at := op.e.fundsAvailableAt(settled)
	if visible := settled.Add(op.e.delay); at.Before(visible) {
		at = visible
	}
	return at, true
}

// addBalanceTransaction records a movement caused by source (a charge, refund or dispute id).
func (op *Op) addBalanceTransaction(clockID, typ, category, source, currency string, amount int64, fees []FeeDetail, desc string) (*BalanceTransaction, error) {
	acct, err := op.Account()
	if err != nil {
		return nil, err
	}
	now := op.Now(clockID)
	b := &BalanceTransaction{Meta: Meta{ID: NewID("txn_"), Created: now.Unix(), ClockID: clockID}, Amount: amount,
		Currency: currency, Type: typ, ReportingCategory: category, Source: source,
		AvailableOn: op.e.fundsAvailableAt(now).Unix()}
	settle := acct.Settings.SettlementCurrency
	if rate, ok := ExchangeRates[settle]; ok && currency == "eur" {
		b.Amount, b.Currency, b.ExchangeRate = convert(amount, rate), settle, &rate
	}
	for _, f := range fees {
		if f.Currency != b.Currency && b.ExchangeRate != nil {
			f.Amount, f.Currency = convert(f.Amount, *b.ExchangeRate), b.Currency
		}
		b.FeeDetails = append(b.FeeDetails, f)
	}
	if b.FeeDetails == nil {
		b.FeeDetails = []FeeDetail{}
	}
	for _, f := range b.FeeDetails {
		b.Fee += f.Amount
	}
	b.Net = b.Amount - b.Fee
	if desc != "" {
		b.Description = &desc
	}
	return b, op.insert(b)
}

// convert returns amount, in euro cents, in the minor units of a currency
// rate units to the euro, rounded half away from zero.
func convert(amount int64, rate float64) int64 { return int64(math.Round(float64(amount) * rate)) }

// Balance is the account's balance per currency.
type Balance struct {
	Available map[string]int64
	Pending   map[string]int64
}

// Balance sums the account's balance transactions as of now.
func (op *Op) Balance() (*Balance, error) {
	b := &Balance{Available: map[string]int64{}, Pending: map[string]int64{}}
	acct, err := op.Account()
	if err != nil {
		return nil, err
	}
	b.Available[acct.Settings.SettlementCurrency] = 0
	b.Pending[acct.Settings.SettlementCurrency] = 0
	var after int64
	for {
		page, err := List[BalanceTransaction](op, ListParams{AfterSeq: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			if t.AvailableOn <= op.Now(t.ClockID).Unix() {
				b.Available[t.Currency] += t.Net
			} else {
				b.Pending[t.Currency] += t.Net
			}
			after = t.seq
		}
		if len(page) < 1000 {
			return b, nil
		}
	}
}
