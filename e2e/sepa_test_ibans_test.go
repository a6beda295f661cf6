package e2e

import (
	"slices"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/bank/sim"
)

// ibanOutcome is what a charge on a test IBAN of a behaviour does.
type ibanOutcome struct {
	delayed     bool
	status      stripe.ChargeStatus
	failureCode string
	disputed    bool
}

// ibanOutcomes maps each behaviour of Stripe's test IBAN table to its outcome.
var ibanOutcomes = map[string]ibanOutcome{
	"success":                          {status: "succeeded"},
	"success_delayed_3min":             {delayed: true, status: "succeeded"},
	"failed":                           {status: "failed", failureCode: "account_closed"},
	"failed_delayed_3min":              {delayed: true, status: "failed", failureCode: "account_closed"},
	"disputed":                         {status: "succeeded", disputed: true},
	"exceeds_weekly_volume_limit":      {status: "failed", failureCode: "charge_exceeds_source_limit"},
	"exceeds_weekly_transaction_limit": {status: "failed", failureCode: "charge_exceeds_weekly_limit"},
	"insufficient_funds":               {status: "failed", failureCode: "insufficient_funds"},
}

// TestSepaTestIBANs creates a source for every row of Stripe's test IBAN
// table (19 countries × 8 behaviours): every IBAN is accepted. Charges in
// several countries per behaviour show that each does what the table says,
// the delayed ones only after three minutes of the test clock.
func TestSepaTestIBANs(t *testing.T) {
	e := newEnv(t, payments)
	rows := sim.StripeTestIBANs()
	if len(rows) != 152 {
		t.Fatalf("the table has %d rows, want 152", len(rows))
	}
	// Where the documented table lists one IBAN twice (NL, NO), the first
	// row's behaviour is the IBAN's; the other behaviour has no IBAN of its own.
	behaviour := map[string]string{}
	countries := map[string]map[string]bool{}
	for _, r := range rows {
		if _, ok := behaviour[r.IBAN]; !ok {
			behaviour[r.IBAN] = r.Behaviour
		}
		if countries[r.Behaviour] == nil {
			countries[r.Behaviour] = map[string]bool{}
		}
		countries[r.Behaviour][r.Country] = true
	}
	for b := range ibanOutcomes {
		if len(countries[b]) != 19 {
			t.Errorf("behaviour %s covers %d countries, want 19", b, len(countries[b]))
		}
	}

	clk := e.testClock(t0)
	type run struct {
		row    sim.TestIBAN
		want   ibanOutcome
		charge string
	}
	var runs []run
	// Every row's IBAN is accepted. Charges (the costly part, with their
	// timers and webhooks) go to every behaviour of AT and DE, the
	// documented examples, and to two behaviours of each other country, in
	// turn, so that each behaviour is charged in six countries or more.
	country, beh := map[string]int{}, map[string]int{}
	for _, r := range rows {
		if _, ok := country[r.Country]; !ok {
			country[r.Country] = len(country)
		}
		if _, ok := beh[r.Behaviour]; !ok {
			beh[r.Behaviour] = len(beh)
		}
	}
	perBehaviour := map[string]int{}
	for _, r := range rows {
		s := e.sepaDebit(r.IBAN, clk.ID)
		if s.Status != "chargeable" || s.SEPADebit.Country != r.Country || s.SEPADebit.Last4 != r.IBAN[len(r.IBAN)-4:] {
			t.Errorf("%s %s: source %s", r.Country, r.IBAN, rawJSON(s.SEPADebit))
			continue
		}
		if r.Country != "AT" && r.Country != "DE" && (country[r.Country]+beh[r.Behaviour])%4 != 0 {
			continue
		}
		perBehaviour[r.Behaviour]++
		ch := e.charge(s.ID, "", 1000)
		if ch.Status != "pending" {
			t.Errorf("%s %s: charge %s at first", r.Country, r.IBAN, ch.Status)
		}
		runs = append(runs, run{row: r, want: ibanOutcomes[behaviour[r.IBAN]], charge: ch.ID})
	}

	for b, n := range perBehaviour {
		if n < 6 {
			t.Errorf("behaviour %s charged in %d countries, want 6 or more", b, n)
		}
	}
	check := func(at string, final bool) {
		for _, r := range runs {
			ch := e.getCharge(r.charge)
			want := r.want
			if want.delayed && !final {
				if ch.Status != "pending" {
					t.Errorf("%s %s (%s) %s: %s, want still pending", r.row.Country, r.row.IBAN, r.row.Behaviour, at, ch.Status)
				}
				continue
			}
			if ch.Status != want.status || string(ch.FailureCode) != want.failureCode || ch.Disputed != want.disputed {
				t.Errorf("%s %s (%s) %s: status %s failure %q disputed %v, want %s %q %v", r.row.Country, r.row.IBAN,
					behaviour[r.row.IBAN], at, ch.Status, ch.FailureCode, ch.Disputed, want.status, want.failureCode, want.disputed)
			}
		}
	}
	advance(e.t, e.acct, clk.ID, t0.Add(2*time.Minute+50*time.Second))
	check("after 2 min 50 s", false)
	advance(e.t, e.acct, clk.ID, t0.Add(3*time.Minute+10*time.Second))
	check("after 3 min 10 s", true)

	// The events of every charge, and the webhooks that carried them.
	byObject := map[string][]string{}
	for _, ev := range events(t, e.acct, nil) {
		if id, _ := ev.Data.Object["id"].(string); id != "" {
			byObject[id] = append([]string{string(ev.Type)}, byObject[id]...)
		}
	}
	for _, r := range runs {
		want := []string{"charge.pending", "charge." + string(r.want.status)}
		if r.want.disputed {
			want = append(want, "charge.updated")
		}
		if got := byObject[r.charge]; !slices.Equal(got, want) {
			t.Errorf("%s %s: events %v, want %v", r.row.Country, r.row.IBAN, got, want)
		}
		e.event("charge."+string(r.want.status), r.charge)
		if r.want.disputed {
			ds := e.sc.V1Disputes.List(e.ctx, &stripe.DisputeListParams{Charge: stripe.String(r.charge)})
			n := 0
			for d, err := range ds.All(e.ctx) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				if d.Status != "lost" || d.Amount != 1000 {
					t.Errorf("%s: dispute %s", r.row.IBAN, rawJSON(d))
				}
				e.event("charge.dispute.created", d.ID)
			}
			if n != 1 {
				t.Errorf("%s: %d disputes, want 1", r.row.IBAN, n)
			}
		}
	}
}
