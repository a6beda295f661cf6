package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// A trigger makes the objects that cause one event and reports what it made.
type trigger struct {
	dialect string // "stripe" or "checkout"
	about   string
	run     func(ctx context.Context, tr *triggerRun) error
}

// triggerRun carries one trigger's client and its report.
type triggerRun struct {
	cl  *apiClient
	out io.Writer
}

func (tr *triggerRun) made(kind, id string) { fmt.Fprintf(tr.out, "created %-16s %s\n", kind, id) }

// Stripe's SEPA Direct Debit test IBANs (docs/test-helpers.md).
const (
	ibanSucceeds = "DE89370400440532013000"
	ibanFails    = "DE62370400440532013001"
	// Checkout.com's sandbox IBANs (docs/checkout.md).
	ckoIBANPaid       = "DE25100100101234567893" // Captured, then Paid
	ckoIBANChargeback = "DE95100100101234567894" // Paid, then charged back
	ckoSandboxBIC     = "PBNKDEFFXXX"
)

var triggers = map[string]trigger{
	"charge.succeeded": {"stripe", "a SEPA Direct Debit charge the bank confirms", func(ctx context.Context, tr *triggerRun) error {
		_, err := tr.settledCharge(ctx)
		return err
	}},
	"charge.failed": {"stripe", "a SEPA Direct Debit charge the bank refuses (account_closed)", func(ctx context.Context, tr *triggerRun) error {
		ch, err := tr.sepaCharge(ctx, ibanSucceeds)
		if err != nil {
			return err
		}
		_, err = tr.cl.stripe(ctx, "POST", "/v1/test_helpers/charges/"+ch+"/fail", url.Values{"failure_code": {"account_closed"}})
		return err
	}},
	"charge.dispute.created": {"stripe", "a settled SEPA Direct Debit charge the payer disputes", func(ctx context.Context, tr *triggerRun) error {
		ch, err := tr.settledCharge(ctx)
		if err != nil {
			return err
		}
		dp, err := tr.cl.stripe(ctx, "POST", "/v1/test_helpers/charges/"+ch+"/dispute", nil)
		if err == nil {
			tr.made("dispute", str(dp, "id"))
		}
		return err
	}},
	"charge.refunded": {"stripe", "a settled SEPA Direct Debit charge refunded in full", func(ctx context.Context, tr *triggerRun) error {
		ch, err := tr.settledCharge(ctx)
		if err != nil {
			return err
		}
		re, err := tr.cl.stripe(ctx, "POST", "/v1/refunds", url.Values{"charge": {ch}})
		if err == nil {
			tr.made("refund", str(re, "id"))
		}
		return err
	}},
	"source.chargeable": {"stripe", "a Sofort source the payer authorises", func(ctx context.Context, tr *triggerRun) error {
		src, err := tr.sofortSource(ctx, "")
		if err != nil {
			return err
		}
		_, err = tr.cl.stripe(ctx, "POST", "/v1/test_helpers/sources/"+src+"/authorize", nil)
		return err
	}},
	"source.canceled": {"stripe", "a Sofort source on a test clock left pending until it expires", func(ctx context.Context, tr *triggerRun) error {
		clk, at, err := tr.clock(ctx)
		if err != nil {
			return err
		}
		if _, err := tr.sofortSource(ctx, clk); err != nil {
			return err
		}
		return tr.advance(ctx, clk, at.Add(2*time.Hour))
	}},
	"payment_intent.succeeded": {"stripe", "a SEPA Direct Debit payment intent whose charge the bank confirms", func(ctx context.Context, tr *triggerRun) error {
		return tr.paymentIntent(ctx, "settle")
	}},
	"payment_intent.payment_failed": {"stripe", "a SEPA Direct Debit payment intent whose charge the bank refuses", func(ctx context.Context, tr *triggerRun) error {
		return tr.paymentIntent(ctx, "fail")
	}},
	"setup_intent.succeeded": {"stripe", "a SEPA Direct Debit setup intent confirmed with a mandate", func(ctx context.Context, tr *triggerRun) error {
		form := sepaPaymentMethodData(ibanSucceeds)
		form.Set("payment_method_types[]", "sepa_debit")
		form.Set("confirm", "true")
		addMandate(form)
		si, err := tr.cl.stripe(ctx, "POST", "/v1/setup_intents", form)
		if err == nil {
			tr.made("setup_intent", str(si, "id"))
		}
		return err
	}},
	"checkout.session.completed": {"stripe", "a Checkout Session paid by SEPA Direct Debit on the hosted page", func(ctx context.Context, tr *triggerRun) error {
		_, err := tr.checkoutSession(ctx)
		return err
	}},
	"checkout.session.async_payment_succeeded": {"stripe", "a Checkout Session paid by SEPA Direct Debit whose debit the bank confirms", func(ctx context.Context, tr *triggerRun) error {
		cs, err := tr.checkoutSession(ctx)
		if err != nil {
			return err
		}
		pi, err := tr.cl.stripe(ctx, "GET", "/v1/payment_intents/"+url.PathEscape(str(cs, "payment_intent")), nil)
		if err != nil {
			return err
		}
		ch := str(pi, "latest_charge")
		if ch == "" {
			return fmt.Errorf("payment intent %s has no charge (status %s)", str(pi, "id"), str(pi, "status"))
		}
		tr.made("payment_intent", str(pi, "id"))
		_, err = tr.cl.stripe(ctx, "POST", "/v1/test_helpers/charges/"+ch+"/settle", nil)
		return err
	}},
	"payment_captured": {"checkout", "a Checkout.com SEPA payment the bank collects", func(ctx context.Context, tr *triggerRun) error {
		_, err := tr.ckoPayment(ctx, ckoIBANPaid, "Bonneville", time.Minute)
		return err
	}},
	"payment_declined": {"checkout", "a Checkout.com SEPA payment the payer's bank rejects for insufficient funds (Kontor's test name decline_AM04)", func(ctx context.Context, tr *triggerRun) error {
		_, err := tr.ckoPayment(ctx, ckoIBANPaid, "decline_AM04", time.Minute)
		return err
	}},
	"payment_refunded": {"checkout", "a paid Checkout.com SEPA payment refunded in full", func(ctx context.Context, tr *triggerRun) error {
		pay, err := tr.ckoPayment(ctx, ckoIBANPaid, "Bonneville", time.Hour*24*3)
		if err != nil {
			return err
		}
		re, err := tr.cl.cko(ctx, "POST", "/payments/"+pay.id+"/refunds", map[string]any{"reference": "kontor trigger"})
		if err != nil {
			return err
		}
		tr.made("refund action", str(re, "action_id"))
		return tr.advance(ctx, pay.clock, pay.at.Add(time.Hour*24*6))
	}},
	"payment_chargeback": {"checkout", "a paid Checkout.com SEPA payment the payer's bank charges back", func(ctx context.Context, tr *triggerRun) error {
		_, err := tr.ckoPayment(ctx, ckoIBANChargeback, "Bonneville", time.Hour*24*30)
		return err
	}},
}

func triggerCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("trigger", "kontor trigger EVENT [flags] | kontor trigger --list")
	var cf clientFlags
	cf.register(c)
	listOnly := c.fs.Bool("list", false, "list the events that can be triggered")
	if help, err := c.parse(args, stdout, stderr, true); help || err != nil {
		return err
	}
	if *listOnly {
		names := make([]string, 0, len(triggers))
		for name := range triggers {
			names = append(names, name)
		}
		sort.Slice(names, func(i, j int) bool {
			if triggers[names[i]].dialect != triggers[names[j]].dialect {
				return triggers[names[i]].dialect > triggers[names[j]].dialect
			}
			return names[i] < names[j]
		})
		for _, name := range names {
			fmt.Fprintf(stdout, "%-32s %-9s %s\n", name, triggers[name].dialect, triggers[name].about)
		}
		return nil
	}
	if c.fs.NArg() != 1 {
		return errors.New("usage: kontor trigger EVENT (kontor trigger --list lists them)")
	}
	name := c.fs.Arg(0)
	tg, ok := triggers[name]
	if !ok {
		return fmt.Errorf("kontor trigger cannot make %q happen; kontor trigger --list lists what it can", name)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	if err := tg.run(ctx, &triggerRun{cl: cl, out: stdout}); err != nil {
		return fmt.Errorf("trigger %s: %w", name, err)
	}
	fmt.Fprintf(stdout, "triggered %s\n", name)
	return nil
}

// sepaCharge charges a customer whose SEPA Direct Debit source has iban.
func (tr *triggerRun) sepaCharge(ctx context.Context, iban string) (string, error) {
	src, err := tr.cl.stripe(ctx, "POST", "/v1/sources", url.Values{"type": {"sepa_debit"}, "currency": {"eur"},
		"owner[name]": {"Jenny Rosen"}, "sepa_debit[iban]": {iban}})
	if err != nil {
		return "", err
	}
	tr.made("source", str(src, "id"))
	cus, err := tr.cl.stripe(ctx, "POST", "/v1/customers", url.Values{"source": {str(src, "id")}, "email": {"jenny.rosen@example.com"}})
	if err != nil {
		return "", err
	}
	tr.made("customer", str(cus, "id"))
	ch, err := tr.cl.stripe(ctx, "POST", "/v1/charges", url.Values{"amount": {"1099"}, "currency": {"eur"}, "customer": {str(cus, "id")}})
	if err != nil {
		return "", err
	}
	tr.made("charge", str(ch, "id"))
	return str(ch, "id"), nil
}

// settledCharge is a SEPA Direct Debit charge the bank has confirmed.
func (tr *triggerRun) settledCharge(ctx context.Context) (string, error) {
	ch, err := tr.sepaCharge(ctx, ibanSucceeds)
	if err != nil {
		return "", err
	}
	_, err = tr.cl.stripe(ctx, "POST", "/v1/test_helpers/charges/"+ch+"/settle", nil)
	return ch, err
}

func (tr *triggerRun) sofortSource(ctx context.Context, clock string) (string, error) {
	form := url.Values{"type": {"sofort"}, "amount": {"1099"}, "currency": {"eur"}, "sofort[country]": {"DE"},
		"redirect[return_url]": {"https://example.com/return"}, "owner[name]": {"Jenny Rosen"}}
	if clock != "" {
		form.Set("test_clock", clock)
	}
	src, err := tr.cl.stripe(ctx, "POST", "/v1/sources", form)
	if err != nil {
		return "", err
	}
	tr.made("source", str(src, "id"))
	return str(src, "id"), nil
}

func sepaPaymentMethodData(iban string) url.Values {
	return url.Values{"payment_method_data[type]": {"sepa_debit"}, "payment_method_data[sepa_debit][iban]": {iban},
		"payment_method_data[billing_details][name]": {"Jenny Rosen"}, "payment_method_data[billing_details][email]": {"jenny.rosen@example.com"}}
}

func addMandate(form url.Values) {
	form.Set("mandate_data[customer_acceptance][type]", "online")
	form.Set("mandate_data[customer_acceptance][online][ip_address]", "198.51.100.4")
	form.Set("mandate_data[customer_acceptance][online][user_agent]", "kontor-cli")
}

// paymentIntent confirms a SEPA Direct Debit payment intent and has the
// bank settle or fail its charge (outcome "settle" or "fail").
func (tr *triggerRun) paymentIntent(ctx context.Context, outcome string) error {
	form := sepaPaymentMethodData(ibanSucceeds)
	form.Set("amount", "1099")
	form.Set("currency", "eur")
	form.Set("payment_method_types[]", "sepa_debit")
	form.Set("confirm", "true")
	addMandate(form)
	pi, err := tr.cl.stripe(ctx, "POST", "/v1/payment_intents", form)
	if err != nil {
		return err
	}
	tr.made("payment_intent", str(pi, "id"))
	ch := str(pi, "latest_charge")
	if ch == "" {
		return fmt.Errorf("payment intent %s has no charge (status %s)", str(pi, "id"), str(pi, "status"))
	}
	_, err = tr.cl.stripe(ctx, "POST", "/v1/test_helpers/charges/"+ch+"/"+outcome, nil)
	return err
}

// clock makes a test clock at the present time.
func (tr *triggerRun) clock(ctx context.Context) (string, time.Time, error) {
	at := time.Now().Truncate(time.Second)
	clk, err := tr.cl.stripe(ctx, "POST", "/v1/test_helpers/test_clocks", url.Values{"frozen_time": {strconv.FormatInt(at.Unix(), 10)}, "name": {"kontor trigger"}})
	if err != nil {
		return "", at, err
	}
	tr.made("test_clock", str(clk, "id"))
	return str(clk, "id"), at, nil
}

// advance moves a test clock to at and waits until it is ready.
func (tr *triggerRun) advance(ctx context.Context, clock string, at time.Time) error {
	return advanceClock(ctx, tr.cl, clock, at.UTC().Format(time.RFC3339), 50*time.Millisecond, io.Discard, false)
}

// checkoutSession creates a payment-mode Checkout Session and pays it on
// the hosted page as a payer's browser without JavaScript would: it loads
// the page, then submits its form (SEPA Direct Debit from the test IBAN
// that succeeds) from the page's own origin. It returns the session once
// the page has sent the payer on to the success URL.
func (tr *triggerRun) checkoutSession(ctx context.Context) (map[string]any, error) {
	cs, err := tr.cl.stripe(ctx, "POST", "/v1/checkout/sessions", url.Values{"mode": {"payment"},
		"payment_method_types[]": {"sepa_debit"}, "customer_email": {"jenny.rosen@example.com"},
		"success_url":                                   {"https://example.com/success?session_id={CHECKOUT_SESSION_ID}"},
		"line_items[0][quantity]":                       {"1"},
		"line_items[0][price_data][currency]":           {"eur"},
		"line_items[0][price_data][unit_amount]":        {"1099"},
		"line_items[0][price_data][product_data][name]": {"kontor trigger"}})
	if err != nil {
		return nil, err
	}
	tr.made("checkout_session", str(cs, "id"))
	page := str(cs, "url")
	if page == "" {
		return nil, fmt.Errorf("checkout session %s has no url", str(cs, "id"))
	}
	form := url.Values{"payment_method": {"sepa_debit"}, "iban": {ibanSucceeds}, "name": {"Jenny Rosen"}}
	if err := tr.cl.submitPage(ctx, page, form, "https://example.com/success"); err != nil {
		return nil, fmt.Errorf("paying checkout session %s on its page: %w", str(cs, "id"), err)
	}
	return tr.cl.stripe(ctx, "GET", "/v1/checkout/sessions/"+url.PathEscape(str(cs, "id")), nil)
}

type ckoPay struct {
	id, clock string
	at        time.Time
}

// ckoPayment requests a Checkout.com SEPA payment from iban, of an account
// holder named Sophie lastName, on a new test clock and advances the clock
// by after.
func (tr *triggerRun) ckoPayment(ctx context.Context, iban, lastName string, after time.Duration) (ckoPay, error) {
	clk, at, err := tr.clock(ctx)
	if err != nil {
		return ckoPay{}, err
	}
	src, err := tr.cl.cko(ctx, "POST", "/sources", map[string]any{
		"type": "sepa", "reference": "KONTOR-TRIGGER", "test_clock": clk,
		"source_data": map[string]any{"first_name": "Sophie", "last_name": lastName, "account_iban": iban, "bic": ckoSandboxBIC,
			"billing_descriptor": "kontor trigger", "mandate_type": "single"},
		"billing_address": map[string]any{"address_line1": "101 Avenue de Gaulle", "city": "Paris", "zip": "75013", "country": "FR"},
		"customer":        map[string]any{"email": "sophie.bonneville@example.com"},
	})
	if err != nil {
		return ckoPay{}, err
	}
	tr.made("source", str(src, "id"))
	pay, err := tr.cl.cko(ctx, "POST", "/payments", map[string]any{
		"source": map[string]any{"type": "id", "id": str(src, "id")}, "amount": 1099, "currency": "EUR", "reference": "KONTOR-TRIGGER"})
	if err != nil {
		return ckoPay{}, err
	}
	tr.made("payment", str(pay, "id"))
	p := ckoPay{id: str(pay, "id"), clock: clk, at: at}
	return p, tr.advance(ctx, clk, at.Add(after))
}
