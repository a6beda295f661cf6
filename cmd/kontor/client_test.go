package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/ckoapi"
	"github.com/kontorpay/kontor/e2e/kontortest"
)

// background runs the command in a goroutine until the test stops it.
type background struct {
	out, errOut kontortest.Buffer
	cancel      context.CancelFunc
	done        chan error
}

func start(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- run(ctx, args, &b.out, &b.errOut) }()
	t.Cleanup(func() { b.stop(t) })
	return b
}

func (b *background) stop(t *testing.T) error {
	t.Helper()
	if b.cancel == nil {
		return nil
	}
	b.cancel()
	b.cancel = nil
	select {
	case err := <-b.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not stop")
		return nil
	}
}

// waitOut waits until the command's stdout matches re and returns the match.
func (b *background) waitOut(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(kontortest.WaitTimeout)
	for {
		if m := rx.FindStringSubmatch(b.out.String()); m != nil {
			return m
		}
		select {
		case err := <-b.done:
			t.Fatalf("the command ended (%v) before printing %s:\n%s\n%s", err, re, b.out.String(), b.errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no output matching %s; stdout:\n%s\nstderr:\n%s", re, b.out.String(), b.errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListenForwardsSignedEvents(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	s := kontortest.Start(t, kontortest.Options{WebhookRetries: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}})
	a := s.NewAccount(t)
	rcv := kontortest.NewReceiver(t)
	ctx := context.Background()

	l := start(t, "listen", "--api", s.URL, "--key", a.Key, "--forward-to", rcv.URL, "--events", "customer.created,customer.updated")
	m := l.waitOut(t, `signing secret is (whsec_\S+) \(endpoint (we_\S+)\)`)
	secret, endpoint := m[1], m[2]
	rcv.SetSecret(secret)
	eps := a.Client.V1WebhookEndpoints.List(ctx, &stripe.WebhookEndpointListParams{})
	n := 0
	for ep, err := range eps.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ep.ID != endpoint || !strings.HasPrefix(ep.URL, "http://127.0.0.1:") {
			t.Fatalf("endpoint %s %s, want %s on a loopback port", ep.ID, ep.URL, endpoint)
		}
	}
	if n != 1 {
		t.Fatalf("%d endpoints, want the one listen made", n)
	}

	rcv.Fail(1) // the first forward is refused: the server retries it through listen
	cus, err := a.Client.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Email: stripe.String("jenny@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	ev := rcv.WaitEvent(t, "customer.created", cus.ID) // verified with webhook.ConstructEvent
	l.waitOut(t, `customer\.created\s+\[`+ev.ID+`\]\s+<-- 500 `)
	l.waitOut(t, `customer\.created\s+\[`+ev.ID+`\]\s+<-- 200 \d+ms`)
	if _, err := a.Client.V1Customers.Update(ctx, cus.ID, &stripe.CustomerUpdateParams{Name: stripe.String("Jenny")}); err != nil {
		t.Fatal(err)
	}
	rcv.WaitEvent(t, "customer.updated", cus.ID)

	if err := l.stop(t); err != nil {
		t.Fatalf("listen: %v", err)
	}
	for ep, err := range a.Client.V1WebhookEndpoints.List(ctx, &stripe.WebhookEndpointListParams{}).All(ctx) {
		t.Fatalf("endpoint %v (%v) left behind after Ctrl-C", ep, err)
	}
}

func TestListenNeedsAForwardTarget(t *testing.T) {
	var out, errOut kontortest.Buffer
	for _, args := range [][]string{
		{"listen", "--key", "sk_test_x"},
		{"listen", "--key", "sk_test_x", "--forward-to", "localhost:4242"},
		{"listen", "--key", "sk_test_x", "--forward-to", "http://localhost:4242", "--dialect", "adyen"},
		{"listen", "--forward-to", "http://localhost:4242"},
	} {
		t.Setenv("KONTOR_KEY", "")
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("kontor %v succeeded", args)
		}
	}
}

func TestEventsTail(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	ctx := context.Background()
	before, err := a.Client.V1Customers.Create(ctx, &stripe.CustomerCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	tail := start(t, "events", "tail", "--api", s.URL, "--key", a.Key, "--type", "customer.created", "--interval", "20ms")
	kontortest.Eventually(t, "tail's first request", func() bool { return strings.Contains(tail.errOut.String(), "tailing events") })
	var ids []string
	for i := range 3 {
		c, err := a.Client.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Name: stripe.String(fmt.Sprint("n", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		if _, err := a.Client.V1Customers.Update(ctx, c.ID, &stripe.CustomerUpdateParams{Email: stripe.String("x@example.com")}); err != nil {
			t.Fatal(err)
		}
	}
	tail.waitOut(t, `customer\.created\s+evt_\S+\s+`+ids[2])
	out := tail.out.String()
	if strings.Contains(out, "customer.updated") {
		t.Errorf("the type filter let customer.updated through:\n%s", out)
	}
	if strings.Contains(out, before.ID) {
		t.Errorf("an event from before the tail started was printed:\n%s", out)
	}
	if i0, i1, i2 := strings.Index(out, ids[0]), strings.Index(out, ids[1]), strings.Index(out, ids[2]); !(i0 >= 0 && i0 < i1 && i1 < i2) {
		t.Errorf("events not printed once each, oldest first:\n%s", out)
	}
}

func TestClockCommands(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	var out, errOut kontortest.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"clock", "create", "--api", s.URL, "--key", a.Key, "--name", "renewals", "--frozen-time", "2027-01-01T00:00:00Z"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^(clock_\S+)\s+ready\s+2027-01-01T00:00:00Z\s+renewals\n$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("clock create printed %q", out.String())
	}
	id := m[1]
	// A SEPA Direct Debit charge of a customer on the clock, so that the
	// advance has timers to fire (the debit's collection and settlement).
	sp := &stripe.SourceCreateParams{Type: stripe.String("sepa_debit"), Currency: stripe.String("eur"), Owner: &stripe.SourceCreateOwnerParams{Name: stripe.String("Jenny Rosen")}}
	sp.AddExtra("sepa_debit[iban]", ibanSucceeds)
	src, err := a.Client.V1Sources.Create(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	cus, err := a.Client.V1Customers.Create(ctx, &stripe.CustomerCreateParams{TestClock: stripe.String(id), Source: stripe.String(src.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client.V1Charges.Create(ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(1099), Currency: stripe.String("eur"), Customer: stripe.String(cus.ID)}); err != nil {
		t.Fatal(err)
	}
	var adv kontortest.Buffer
	if err := run(ctx, []string{"clock", "advance", "--api", s.URL, "--key", a.Key, "--clock", id, "--to", "+14d", "--interval", "10ms"}, &adv, &errOut); err != nil {
		t.Fatalf("advance: %v", err)
	}
	m = regexp.MustCompile(id + ` is ready at 2027-01-15T00:00:00Z \(([0-9]+) timers fired in `).FindStringSubmatch(adv.String())
	if m == nil || !strings.Contains(adv.String(), "advancing "+id) {
		t.Fatalf("advance printed %q (plain lines, not a bar, when not on a terminal)", adv.String())
	}
	// The count is the server's: every timer due by the target, fired.
	clk, err := (&apiClient{base: s.URL, key: a.Key, http: http.DefaultClient}).stripe(ctx, "GET", "/v1/test_helpers/test_clocks/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	fired, due := timersOf(clk)
	if m[1] == "0" || m[1] != fmt.Sprint(fired) || fired != due {
		t.Fatalf("advance printed %s timers fired; the clock says %d of %d (%v)", m[1], fired, due, clk["kontor_advance"])
	}
	if !strings.Contains(adv.String(), fmt.Sprintf("ready, %d of %d timers fired", fired, due)) {
		t.Errorf("the last progress line does not count the timers: %q", adv.String())
	}
	for ch, err := range a.Client.V1Charges.List(ctx, &stripe.ChargeListParams{Customer: stripe.String(cus.ID)}).All(ctx) {
		if err != nil || ch.Status != "succeeded" {
			t.Errorf("the charge on the clock after the advance: %v %v", ch.Status, err)
		}
	}
	if strings.Contains(adv.String(), "\r") {
		t.Fatalf("advance drew a bar into a pipe: %q", adv.String())
	}
	if err := run(ctx, []string{"clock", "advance", "--api", s.URL, "--key", a.Key, "--clock", id, "--to", "2027-01-02T00:00:00Z"}, &adv, &errOut); err == nil ||
		!strings.Contains(err.Error(), "test_clock_advance_backwards") {
		t.Fatalf("advance backwards: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"clock", "list", "--api", s.URL, "--key", a.Key}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), id+"  ready     2027-01-15T00:00:00Z  renewals") {
		t.Fatalf("clock list printed %q", out.String())
	}
	for _, to := range []string{"+0d", "tomorrow", "+x"} {
		if err := run(ctx, []string{"clock", "advance", "--api", s.URL, "--key", a.Key, "--clock", id, "--to", to}, &adv, &errOut); err == nil {
			t.Errorf("--to %s accepted", to)
		}
	}
}

func TestTrigger(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	var out, errOut kontortest.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"trigger", "--list"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for name := range triggers {
		if !strings.Contains(out.String(), name+" ") {
			t.Errorf("trigger --list does not name %s", name)
		}
	}
	for name, tg := range triggers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := s.NewAccount(t)
			var got func() bool
			if tg.dialect == "checkout" {
				a = s.Account(kontortest.NewCkoKey()) // the dialect takes Checkout.com's key shapes only
				types := make(chan string, 64)
				rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					var ev struct{ Type string }
					json.NewDecoder(r.Body).Decode(&ev)
					types <- ev.Type
				}))
				defer rcv.Close()
				cl := &apiClient{base: s.URL, key: a.Key, http: http.DefaultClient}
				if _, err := cl.cko(ctx, "POST", "/webhooks", map[string]any{"url": rcv.URL, "event_types": ckoapi.EventTypes}); err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				got = func() bool {
					for {
						select {
						case ty := <-types:
							seen[ty] = true
						default:
							return seen[name]
						}
					}
				}
			} else {
				got = func() bool {
					for ev, err := range a.Client.V1Events.List(ctx, &stripe.EventListParams{Type: stripe.String(name)}).All(ctx) {
						return err == nil && string(ev.Type) == name
					}
					return false
				}
			}
			var out, errOut kontortest.Buffer
			if err := run(ctx, []string{"trigger", "--api", s.URL, "--key", a.Key, name}, &out, &errOut); err != nil {
				t.Fatalf("trigger %s: %v\n%s", name, err, out.String())
			}
			if !strings.Contains(out.String(), "created ") || !strings.HasSuffix(out.String(), "triggered "+name+"\n") {
				t.Errorf("trigger printed %q, want what it made", out.String())
			}
			kontortest.Eventually(t, name, got)
		})
	}
	if err := run(ctx, []string{"trigger", "--key", "sk_test_x", "charge.teleported"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--list") {
		t.Fatalf("unknown event: %v", err)
	}
}

// TestSubmitPageNamesThePagesProblem: a hosted form the page refuses is an
// error quoting what the page says, and the session stays open.
func TestSubmitPageNamesThePagesProblem(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	a := s.NewAccount(t)
	ctx := context.Background()
	cs, err := a.Client.V1CheckoutSessions.Create(ctx, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("setup"),
		PaymentMethodTypes: []*string{stripe.String("sepa_debit")}, SuccessURL: stripe.String("https://example.com/ok")})
	if err != nil {
		t.Fatal(err)
	}
	cl := &apiClient{base: s.URL, key: a.Key, http: http.DefaultClient}
	err = cl.submitPage(ctx, cs.URL, url.Values{"payment_method": {"sepa_debit"}, "iban": {"DE89"}, "name": {"Jenny Rosen"}}, "https://example.com/ok")
	t.Logf("refused: %v", err)
	if err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "IBAN") {
		t.Fatalf("a refused form: %v", err)
	}
	if got, err := a.Client.V1CheckoutSessions.Retrieve(ctx, cs.ID, nil); err != nil || got.Status != "open" {
		t.Fatalf("session after a refused form: %v %v", got.Status, err)
	}
	if err := cl.submitPage(ctx, s.URL+"/hosted/checkout/nope/cs_nope", url.Values{}, "https://example.com/ok"); err == nil {
		t.Fatal("a page that does not exist was submitted")
	}
}

func TestHealth(t *testing.T) {
	s := kontortest.Start(t, kontortest.Options{})
	addr := strings.TrimPrefix(s.URL, "http://")
	var out, errOut kontortest.Buffer
	for _, args := range [][]string{{"health", "--addr", addr}, {"health", "--addr", addr, "--ready"}} {
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("kontor %v: %v", args, err)
		}
	}
	if !strings.Contains(out.String(), `"ok"`) || !strings.Contains(out.String(), `"ready"`) {
		t.Fatalf("health printed %q", out.String())
	}
	t.Setenv("KONTOR_ADDR", "0.0.0.0:"+addr[strings.LastIndex(addr, ":")+1:])
	if err := run(context.Background(), []string{"health"}, &out, &errOut); err != nil {
		t.Fatalf("health with KONTOR_ADDR on 0.0.0.0: %v", err)
	}
	s.Stop()
	if err := run(context.Background(), []string{"health", "--addr", addr}, &out, &errOut); err == nil {
		t.Fatal("health of a stopped server succeeded")
	}
}
