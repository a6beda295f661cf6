package engine

import (
	"strings"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// Mandate is a debtor's authorisation to collect from a bank account: the
// engine's one notion behind a Stripe SEPA Debit source, a Stripe Mandate and
// another dialect's SEPA source.
type Mandate struct {
	Meta
	Origin        string        `json:"origin,omitempty"` // the owning dialect, see Charge.Origin
	Reference     string        `json:"reference"`
	Status        MandateStatus `json:"status"`
	Type          string        `json:"type"` // multi_use, single_use
	Account       BankAccount   `json:"account"`
	HolderName    string        `json:"holder_name"`
	FirstName     string        `json:"first_name,omitempty"`
	LastName      string        `json:"last_name,omitempty"`
	Email         string        `json:"email,omitempty"`
	Address       *Address      `json:"address,omitempty"`
	Customer      string        `json:"customer,omitempty"`
	Source        string        `json:"source,omitempty"`
	PaymentMethod string        `json:"payment_method,omitempty"`
	CreditorID    string        `json:"creditor_id"`
	CreditorName  string        `json:"creditor_name"`
	Descriptor    string        `json:"descriptor,omitempty"`
	Acceptance    Acceptance    `json:"acceptance"`
	// Collections counts the collections the mandate recorded: its first,
	// and the first of each later day (useMandate); only whether it is zero
	// matters (the sequence type FRST or RCUR). LastCollection is the time
	// of the last one it recorded, so a collection was made on that day
	// (in the clock's location) and on none after it.
	Collections    int               `json:"collections"`
	LastCollection int64             `json:"last_collection,omitempty"`
	EndedAt        int64             `json:"ended_at,omitempty"`
	EndReason      string            `json:"end_reason,omitempty"` // canceled, lapsed, consumed, detached
	Metadata       map[string]string `json:"metadata,omitempty"`
	ClientSecret   string            `json:"client_secret,omitempty"`
}

// Acceptance records how the debtor accepted the mandate.
type Acceptance struct {
	Type       string `json:"type"` // online, offline
	AcceptedAt int64  `json:"accepted_at"`
	IPAddress  string `json:"ip_address,omitempty"`
	UserAgent  string `json:"user_agent,omitempty"`
}

func init() { register(&Mandate{}) }

// ObjectType implements Object.
func (*Mandate) ObjectType() string { return "mandate" }

// Index implements Object.
func (m *Mandate) Index() Index {
	parent := m.Source
	if parent == "" {
		parent = m.PaymentMethod
	}
	return Index{Kind: m.Origin, Customer: m.Customer, Parent: parent, Status: string(m.Status), Lookup: m.Reference}
}

// Active reports whether collections may be made under the mandate.
func (m *Mandate) Active() bool { return m.Status == MandateActive }

const timerMandateLapse = "mandate.lapse"

// MandateParams creates a mandate.
type MandateParams struct {
	ID         string // chosen by the caller (the dialect's id format)
	IBAN       sepa.IBAN
	BIC        string
	HolderName string
	FirstName  string
	LastName   string
	Email      string
	Address    *Address
	Customer   string
	Source     string
	PM         string
	SingleUse  bool
	Acceptance Acceptance
	ClockID    string
	Descriptor string
	// NumericReference asks for a 7-digit reference instead of 16
	// upper-case characters; each dialect picks its references' look.
	NumericReference bool
	// Metadata is the mandate's initial metadata (nil for none).
	Metadata map[string]string
}

// CreateMandate records an accepted mandate. The bank network may reject the
// account (a KindInvalid error with code account_invalid).
func (op *Op) CreateMandate(p MandateParams) (*Mandate, error) {
	n, err := op.network()
	if err != nil {
		return nil, err
	}
	if err := n.CheckAccount(string(p.IBAN)); err != nil {
		return nil, Invalid("account_invalid", "iban", "%s", err.Error())
	}
	acct, err := op.Account()
	if err != nil {
		return nil, err
	}
	now := op.Now(p.ClockID)
	m := &Mandate{Meta: Meta{ID: p.ID, Created: now.Unix(), ClockID: p.ClockID}, Origin: op.origin(), Status: MandateActive,
		Type: "multi_use", Account: op.newBankAccount(p.IBAN), HolderName: p.HolderName, FirstName: p.FirstName,
		LastName: p.LastName, Email: p.Email, Address: p.Address, Customer: p.Customer, Source: p.Source,
		PaymentMethod: p.PM, CreditorID: acct.Settings.CreditorID, CreditorName: acct.Settings.BusinessName,
		Descriptor: p.Descriptor, Acceptance: p.Acceptance, ClientSecret: RandomString(24)}
	m.Account.BIC = p.BIC
	if len(p.Metadata) > 0 {
		m.Metadata = p.Metadata
	}
	if m.ID == "" {
		m.ID = NewID("mandate_")
	}
	if p.SingleUse {
		m.Type = "single_use"
	}
	if m.Acceptance.AcceptedAt == 0 {
		m.Acceptance.AcceptedAt = now.Unix()
	}
	if m.Acceptance.Type == "" {
		m.Acceptance.Type = "online"
	}
	if p.NumericReference {
		m.Reference = strings.TrimLeft(RandomDigits(7), "0")
		for len(m.Reference) < 7 {
			m.Reference = "1" + m.Reference
		}
	} else {
		m.Reference = strings.ToUpper(RandomString(16))
	}
	if err := op.insert(m); err != nil {
		return nil, err
	}
	return m, op.scheduleLapse(m, sepa.MandateLapse(now))
}

// scheduleLapse arms the lapse of a multi-use mandate at t. A collection
// does not move the timer: when it fires, lapseMandate arms it again from
// the last collection if there has been one since.
func (op *Op) scheduleLapse(m *Mandate, t time.Time) error {
	if m.Type != "multi_use" {
		return nil
	}
	return op.Schedule(t, m.ClockID, timerMandateLapse, m.ID, nil)
}

// GetMandate returns a mandate of the op's scope.
func (op *Op) GetMandate(id string) (*Mandate, error) {
	m, err := Get[Mandate](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "mandate", "mandate", id)
	}
	return m, nil
}

// EndMandate makes a mandate inactive for reason (canceled, lapsed, consumed, detached).
// Ending an inactive mandate changes nothing and reports false.
func (op *Op) EndMandate(m *Mandate, reason string) (bool, error) {
	if !m.Active() {
		return false, nil
	}
	m.Status, m.EndReason, m.EndedAt = MandateInactive, reason, op.Now(m.ClockID).Unix()
	if err := op.save(m); err != nil {
		return false, err
	}
	if err := op.CancelTimers(m.ID, timerMandateLapse); err != nil {
		return false, err
	}
	for _, l := range op.e.mandateEnded {
		if l.dialect != m.Origin {
			continue
		}
		if err := op.limited(l.dialect, func() error { return l.f(op, m) }); err != nil {
			return false, err
		}
	}
	return true, nil
}

type mandateListener struct {
	dialect string
	f       func(op *Op, m *Mandate) error
}

// OnMandateEnded registers f with e, to be called inside the transaction
// in which a mandate of dialect ends (the dialect's objects that follow the
// mandate), with op limited to that dialect (Within); call it before e
// serves.
func (e *Engine) OnMandateEnded(dialect string, f func(op *Op, m *Mandate) error) {
	e.mandateEnded = append(e.mandateEnded, mandateListener{dialect, f})
}

// useMandate records a collection under m and reports whether it is the
// mandate's first (sequence type FRST). A single-use mandate is then spent.
// A multi-use mandate is saved only when what it records changes: at its
// first collection, and at the first collection of a later day in the
// clock's location. A second collection on the same day leaves it as it
// is, so that collections under one mandate neither rewrite it nor conflict
// with each other; its lapse is counted from the end of that day
// (lapseAfter). Two first collections at once both save it, and one of them
// fails its version check and runs again as the next.
func (op *Op) useMandate(m *Mandate) (first bool, err error) {
	now := op.Now(m.ClockID)
	first = m.Collections == 0
	if !first && m.Type != "single_use" && now.Before(dayEnd(time.Unix(m.LastCollection, 0).In(now.Location()))) {
		return false, nil
	}
	m.Collections++
	m.LastCollection = now.Unix()
	if m.Type == "single_use" {
		if ended, err := op.EndMandate(m, "consumed"); err != nil || ended {
			return first, err
		}
	}
	return first, op.save(m)
}

// dayEnd returns the start of the day after t's, in t's location.
func dayEnd(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d+1, 0, 0, 0, 0, t.Location())
}

// lapseAfter returns when m lapses if it is not collected from again: 36
// months after its last collection. A collection later on the day of the
// recorded one is not recorded (useMandate), so the lapse is the end of the
// day 36 months after that day: every time of one day moves 36 months to
// the same day (sepa.MandateLapse), so no collection of it lapses later.
func (m *Mandate) lapseAfter(loc *time.Location) time.Time {
	last := time.Unix(m.LastCollection, 0).In(loc)
	y, mo, d := last.Date()
	return dayEnd(sepa.MandateLapse(time.Date(y, mo, d, 0, 0, 0, 0, loc)))
}

// checkCollectable tells whether a new collection may be made under m.
func (m *Mandate) checkCollectable(param string) error {
	if m.Active() {
		return nil
	}
	e := Errorf(KindState, "mandate_inactive", param, "The mandate %s is no longer active (%s); no further payments can be collected under it.", m.Reference, m.EndReason)
	e.Data = map[string]string{"end_reason": m.EndReason}
	return e
}

// lapseMandate ends a multi-use mandate unused for 36 months. A mandate
// used since the timer was armed gets its timer again, 36 months after the
// last collection (lapseAfter).
func lapseMandate(op *Op, t *Timer) error {
	m, err := followed(Get[Mandate](op, t.ObjectID))
	if err != nil || m == nil || !m.Active() {
		return err
	}
	now := op.Now(m.ClockID)
	if m.LastCollection != 0 {
		if at := m.lapseAfter(now.Location()); at.After(now) {
			return op.scheduleLapse(m, at)
		}
	}
	_, err = op.EndMandate(m, "lapsed")
	return err
}

// RandomDigits returns n random decimal digits.
func RandomDigits(n int) string {
	s := []byte(RandomString(n * 2))
	out := make([]byte, 0, n)
	for _, c := range s {
		out = append(out, '0'+c%10)
		if len(out) == n {
			break
		}
	}
	return string(out)
}
