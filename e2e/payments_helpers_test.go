package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
	"github.com/kontorpay/kontor/engine"
)

// event waits for a verified webhook of type typ about object id.
func (e *env) event(typ, id string) stripe.Event {
	e.t.Helper()
	return e.hook.WaitEvent(e.t, typ, id)
}

// eventsOf returns the types of the account's events about object id, oldest first.
func (e *env) eventsOf(id string) []string {
	e.t.Helper()
	var out []string
	for _, ev := range events(e.t, e.acct, nil) {
		if ev.Data != nil && ev.Data.Object["id"] == id {
			out = append(out, string(ev.Type))
		}
	}
	slices.Reverse(out)
	return out
}

// wantEvents asserts the account's events about id, oldest first.
func (e *env) wantEvents(id string, want ...string) {
	e.t.Helper()
	if got := e.eventsOf(id); !slices.Equal(got, want) {
		e.t.Errorf("events of %s = %v, want %v", id, got, want)
	}
}

// sofortParams returns the parameters of a Sofort source of amount, paid from a German bank.
func sofortParams(amount int64) *stripe.SourceCreateParams {
	p := &stripe.SourceCreateParams{Type: stripe.String("sofort"), Amount: stripe.Int64(amount), Currency: stripe.String("eur"),
		Redirect: &stripe.SourceCreateRedirectParams{ReturnURL: stripe.String("https://shop.example/return?order=42")}}
	p.AddExtra("sofort[country]", "DE")
	return p
}

func (e *env) createSource(p *stripe.SourceCreateParams) *stripe.Source {
	e.t.Helper()
	s, err := e.sc.V1Sources.Create(e.ctx, p)
	if err != nil {
		e.t.Fatalf("create %s source: %v", stripe.StringValue(p.Type), err)
	}
	return s
}

// sofort creates a Sofort source; owner sets owner[name] (a test value) unless empty.
func (e *env) sofort(amount int64, owner string, clock string) *stripe.Source {
	e.t.Helper()
	p := sofortParams(amount)
	if owner != "" {
		p.Owner = &stripe.SourceCreateOwnerParams{Name: stripe.String(owner)}
	}
	if clock != "" {
		p.AddExtra("test_clock", clock)
	}
	return e.createSource(p)
}

// chargeableSofort creates a Sofort source and authorises it with the test helper.
func (e *env) chargeableSofort(amount int64, owner, clock string) *stripe.Source {
	e.t.Helper()
	s := e.sofort(amount, owner, clock)
	r := e.post("/v1/test_helpers/sources/"+s.ID+"/authorize", nil)
	if r.Status != http.StatusOK {
		e.t.Fatalf("authorize %s: %d %s", s.ID, r.Status, r.Body)
	}
	return e.source(s.ID)
}

// sepaDebitParams returns the parameters of a SEPA Direct Debit source.
func sepaDebitParams(iban, name string) *stripe.SourceCreateParams {
	p := &stripe.SourceCreateParams{Type: stripe.String("sepa_debit"), Currency: stripe.String("eur"),
		Owner: &stripe.SourceCreateOwnerParams{Name: stripe.String(name)}}
	p.AddExtra("sepa_debit[iban]", iban)
	return p
}

// sepaDebit creates a SEPA Direct Debit source for iban, on clock unless empty.
func (e *env) sepaDebit(iban, clock string) *stripe.Source {
	e.t.Helper()
	p := sepaDebitParams(iban, "Jenny Rosen")
	if clock != "" {
		p.AddExtra("test_clock", clock)
	}
	return e.createSource(p)
}

// creditTransfer creates a SEPA Credit Transfer source for owner[email].
func (e *env) creditTransfer(email, clock string) *stripe.Source {
	e.t.Helper()
	p := &stripe.SourceCreateParams{Type: stripe.String("sepa_credit_transfer"), Currency: stripe.String("eur"),
		Owner: &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen"), Email: stripe.String(email)}}
	if clock != "" {
		p.AddExtra("test_clock", clock)
	}
	return e.createSource(p)
}

func (e *env) source(id string) *stripe.Source {
	e.t.Helper()
	s, err := e.sc.V1Sources.Retrieve(e.ctx, id, nil)
	if err != nil {
		e.t.Fatalf("retrieve source %s: %v", id, err)
	}
	return s
}

// charge creates a charge of amount on source (and customer unless empty).
func (e *env) charge(source, customer string, amount int64) *stripe.Charge {
	e.t.Helper()
	p := &stripe.ChargeCreateParams{Amount: stripe.Int64(amount), Currency: stripe.String("eur")}
	if source != "" {
		p.SetSource(source)
	}
	if customer != "" {
		p.Customer = stripe.String(customer)
	}
	ch, err := e.sc.V1Charges.Create(e.ctx, p)
	if err != nil {
		e.t.Fatalf("charge %s: %v", source, err)
	}
	return ch
}

func (e *env) getCharge(id string, expand ...string) *stripe.Charge {
	e.t.Helper()
	p := &stripe.ChargeRetrieveParams{}
	for _, x := range expand {
		p.AddExpand(x)
	}
	ch, err := e.sc.V1Charges.Retrieve(e.ctx, id, p)
	if err != nil {
		e.t.Fatalf("retrieve charge %s: %v", id, err)
	}
	return ch
}

// pollUntil fetches with get until done accepts the result, and returns it.
func pollUntil[T any](e *env, what string, get func() T, done func(T) bool) T {
	e.t.Helper()
	var v T
	kontortest.Eventually(e.t, what, func() bool {
		v = get()
		return done(v)
	})
	return v
}

// waitCharge polls the charge until it has status.
func (e *env) waitCharge(id string, status stripe.ChargeStatus) *stripe.Charge {
	e.t.Helper()
	return pollUntil(e, "charge "+id+" "+string(status), func() *stripe.Charge { return e.getCharge(id) },
		func(ch *stripe.Charge) bool { return ch.Status == status })
}

// waitSource polls the source until it has status.
func (e *env) waitSource(id string, status stripe.SourceStatus) *stripe.Source {
	e.t.Helper()
	return pollUntil(e, "source "+id+" "+string(status), func() *stripe.Source { return e.source(id) },
		func(s *stripe.Source) bool { return s.Status == status })
}

func (e *env) getRefund(id string) *stripe.Refund {
	e.t.Helper()
	r, err := e.sc.V1Refunds.Retrieve(e.ctx, id, nil)
	if err != nil {
		e.t.Fatalf("retrieve refund %s: %v", id, err)
	}
	return r
}

func (e *env) waitRefund(id string, status stripe.RefundStatus) *stripe.Refund {
	e.t.Helper()
	return pollUntil(e, "refund "+id+" "+string(status), func() *stripe.Refund { return e.getRefund(id) },
		func(r *stripe.Refund) bool { return r.Status == status })
}

// testClock creates a test clock frozen at t0.
func (e *env) testClock(t0 time.Time) *stripe.TestHelpersTestClock {
	e.t.Helper()
	c, err := e.sc.V1TestHelpersTestClocks.Create(e.ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(t0.Unix())})
	if err != nil {
		e.t.Fatalf("create test clock: %v", err)
	}
	return c
}

// post sends a form-encoded POST with the secret key.
func (e *env) post(path string, form url.Values) *kontortest.Response {
	e.t.Helper()
	return e.acct.Do(e.t, http.MethodPost, path, form.Encode(), nil)
}

// get sends a GET with the secret key.
func (e *env) get(path string) *kontortest.Response {
	e.t.Helper()
	return e.acct.Do(e.t, http.MethodGet, path, "", nil)
}

// jsonObj decodes a 200 response, failing the test on another status.
func jsonObj(t *testing.T, r *kontortest.Response) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

// apiErr asserts a raw error response's status, code and param.
func apiErr(t *testing.T, r *kontortest.Response, status int, code, param string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d: %s", r.Status, status, r.Body)
	}
	e := r.Error(t)
	if e["code"] != code || (param != "" && e["param"] != param) {
		t.Errorf("error = %v, want code %q param %q", e, code, param)
	}
	return e
}

// balanceTxns lists the account's balance transactions matching p (every page).
func (e *env) balanceTxns(p *stripe.BalanceTransactionListParams) []*stripe.BalanceTransaction {
	e.t.Helper()
	if p == nil {
		p = &stripe.BalanceTransactionListParams{}
	}
	var out []*stripe.BalanceTransaction
	for bt, err := range e.sc.V1BalanceTransactions.List(e.ctx, p).All(e.ctx) {
		if err != nil {
			e.t.Fatalf("list balance transactions: %v", err)
		}
		out = append(out, bt)
	}
	return out
}

// chargeIDs lists the account's charges matching p (every page).
func (e *env) chargeIDs(p *stripe.ChargeListParams) []string {
	e.t.Helper()
	if p == nil {
		p = &stripe.ChargeListParams{}
	}
	var out []string
	for ch, err := range e.sc.V1Charges.List(e.ctx, p).All(e.ctx) {
		if err != nil {
			e.t.Fatalf("list charges: %v", err)
		}
		out = append(out, ch.ID)
	}
	return out
}

// unchanged runs bad, which must fail, and asserts that it changed nothing
// the account can see: no event, no charge, no balance transaction.
func (e *env) unchanged(bad func()) {
	e.t.Helper()
	evs, chs, bts := eventCount(e.t, e.acct), len(e.chargeIDs(nil)), len(e.balanceTxns(nil))
	bad()
	if n := eventCount(e.t, e.acct); n != evs {
		e.t.Errorf("a rejected request changed the events: %d, was %d", n, evs)
	}
	if n := len(e.chargeIDs(nil)); n != chs {
		e.t.Errorf("a rejected request changed the charges: %d, was %d", n, chs)
	}
	if n := len(e.balanceTxns(nil)); n != bts {
		e.t.Errorf("a rejected request changed the balance transactions: %d, was %d", n, bts)
	}
}

// setAccount changes the account's settings through Kontor's POST /v1/account.
func (e *env) setAccount(form url.Values) {
	e.t.Helper()
	jsonObj(e.t, e.post("/v1/account", form))
}

// hasPrefix fails the test unless id starts with prefix.
func hasPrefix(t *testing.T, what, id, prefix string) {
	t.Helper()
	if !strings.HasPrefix(id, prefix) {
		t.Errorf("%s id = %q, want prefix %s", what, id, prefix)
	}
}

// rawJSON marshals v for comparisons in failure messages.
func rawJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// t0 is when test clocks start: a Monday, so that TARGET days are easy to count.
var t0 = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

var _ = engine.TimingRealistic
