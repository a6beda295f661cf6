package e2e

import (
	"bytes"
	"net/http"
	"sync"
	"testing"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

func TestIdempotentReplay(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client

	params := func() *stripe.CustomerCreateParams {
		p := &stripe.CustomerCreateParams{Email: stripe.String("once@example.com"), Metadata: map[string]string{"n": "1"}}
		p.SetIdempotencyKey("create-once")
		return p
	}
	first, err := sc.V1Customers.Create(ctx, params())
	if err != nil {
		t.Fatal(err)
	}
	if first.LastResponse.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("first execution marked as replayed")
	}
	second, err := sc.V1Customers.Create(ctx, params())
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID {
		t.Errorf("replay created another customer: %s vs %s", second.ID, first.ID)
	}
	if got := second.LastResponse.Header.Get("Idempotent-Replayed"); got != "true" {
		t.Errorf("Idempotent-Replayed = %q, want true", got)
	}
	if !bytes.Equal(second.LastResponse.RawJSON, first.LastResponse.RawJSON) {
		t.Errorf("replayed body differs:\n%s\n%s", first.LastResponse.RawJSON, second.LastResponse.RawJSON)
	}
	if second.LastResponse.StatusCode != first.LastResponse.StatusCode {
		t.Errorf("replayed status %d, first %d", second.LastResponse.StatusCode, first.LastResponse.StatusCode)
	}
	if ids := customerIDs(t, a, nil); len(ids) != 1 {
		t.Errorf("customers after a replay: %v, want one", ids)
	}
	created := a.Client.V1Events.List(ctx, &stripe.EventListParams{Type: stripe.String("customer.created")})
	n := 0
	for ev, err := range created.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ev.Request == nil || ev.Request.IdempotencyKey != "create-once" || ev.Request.ID != first.LastResponse.RequestID {
			t.Errorf("event request = %+v, want id %s and idempotency_key create-once", ev.Request, first.LastResponse.RequestID)
		}
	}
	if n != 1 {
		t.Errorf("%d customer.created events, want 1", n)
	}

	// The same key with other parameters is an idempotency_error.
	other := &stripe.CustomerCreateParams{Email: stripe.String("twice@example.com")}
	other.SetIdempotencyKey("create-once")
	_, err = sc.V1Customers.Create(ctx, other)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeIdempotency, "")
	// … and so is the same key on another path.
	upd := &stripe.CustomerUpdateParams{Email: stripe.String("once@example.com"), Metadata: map[string]string{"n": "1"}}
	upd.SetIdempotencyKey("create-once")
	_, err = sc.V1Customers.Update(ctx, first.ID, upd)
	stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeIdempotency, "")

	// Keys are per account: another account may use the same key for its own request.
	b := kontortest.Start(t, kontortest.Options{}).NewAccount(t)
	theirs, err := b.Client.V1Customers.Create(ctx, params())
	if err != nil || theirs.ID == first.ID || theirs.LastResponse.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("another account's first use of the key: %v %+v", err, theirs)
	}

	// Keys longer than 255 characters are refused (stripe-go refuses them itself, so raw HTTP).
	r := a.Do(t, "POST", "/v1/customers", "name=long", map[string]string{"Idempotency-Key": string(bytes.Repeat([]byte("k"), 256))})
	if e := r.Error(t); r.Status != 400 || e["type"] != "invalid_request_error" {
		t.Errorf("256-character key: %d %v", r.Status, e)
	}
	if ids := customerIDs(t, a, nil); len(ids) != 1 {
		t.Errorf("customers after the rejected requests: %v, want one", ids)
	}
}

func TestIdempotencyValidationFailureNotStored(t *testing.T) {
	e := newEnv(t, envOptions{})
	a, ctx := e.acct, e.ctx
	sc := a.Client
	bad := &stripe.CustomerCreateParams{Email: stripe.String("v@example.com")}
	bad.AddExtra("nonsense", "1")
	bad.SetIdempotencyKey("retry-after-fix")
	_, err := sc.V1Customers.Create(ctx, bad)
	invalid(t, err, "parameter_unknown", "nonsense")

	good := &stripe.CustomerCreateParams{Email: stripe.String("v@example.com")}
	good.SetIdempotencyKey("retry-after-fix")
	c, err := sc.V1Customers.Create(ctx, good)
	if err != nil {
		t.Fatalf("the key of a request that failed validation must be usable again: %v", err)
	}
	if c.LastResponse.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("a fresh execution is marked replayed")
	}
	// A request that failed on a missing object executed nothing either.
	nf := &stripe.CustomerCreateParams{TestClock: stripe.String("clock_missing")}
	nf.SetIdempotencyKey("missing-clock")
	_, err = sc.V1Customers.Create(ctx, nf)
	stripeErr(t, err, http.StatusBadRequest, "", stripe.ErrorCodeResourceMissing)
	clk, err := sc.V1TestHelpersTestClocks.Create(ctx, &stripe.TestHelpersTestClockCreateParams{FrozenTime: stripe.Int64(1767225600)})
	if err != nil {
		t.Fatal(err)
	}
	ok := &stripe.CustomerCreateParams{TestClock: stripe.String(clk.ID)}
	ok.SetIdempotencyKey("missing-clock")
	if _, err := sc.V1Customers.Create(ctx, ok); err != nil {
		t.Errorf("key reused after a 404: %v", err)
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	e := newEnv(t, envOptions{})
	s, a := e.srv, e.acct
	const n = 10
	type result struct {
		status   int
		replayed bool
		id, typ  string
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.URL+"/v1/customers", bytes.NewBufferString("email=race%40example.com&metadata[k]=v"))
			req.Header.Set("Authorization", "Bearer "+a.Key)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Idempotency-Key", "same-key-10")
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			r := &kontortest.Response{Status: resp.StatusCode, Header: resp.Header}
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			r.Body = buf.Bytes()
			res := result{status: resp.StatusCode, replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
			if resp.StatusCode == 200 {
				res.id, _ = r.JSON(t)["id"].(string)
			} else {
				res.typ, _ = r.Error(t)["type"].(string)
			}
			results[i] = res
		}()
	}
	close(start)
	wg.Wait()

	executed, replays, conflicts := 0, 0, 0
	ids := map[string]bool{}
	for i, r := range results {
		switch {
		case r.status == 200 && !r.replayed:
			executed++
			ids[r.id] = true
		case r.status == 200 && r.replayed:
			replays++
			ids[r.id] = true
		case r.status == 409 && r.typ == "idempotency_error":
			conflicts++
		default:
			t.Errorf("request %d: unexpected outcome %+v", i, r)
		}
	}
	if executed != 1 || len(ids) != 1 {
		t.Errorf("executed %d times, ids %v; want exactly one execution", executed, ids)
	}
	t.Logf("%d executed, %d replayed, %d conflicts", executed, replays, conflicts)
	if got := customerIDs(t, a, nil); len(got) != 1 {
		t.Errorf("customers: %v, want exactly one", got)
	}
	if ec := eventCount(t, a); ec != 1 {
		t.Errorf("events: %d, want exactly one customer.created", ec)
	}
	// After the race, the key replays.
	r := a.Do(t, "POST", "/v1/customers", "email=race%40example.com&metadata[k]=v", map[string]string{"Idempotency-Key": "same-key-10"})
	if r.Status != 200 || r.Header.Get("Idempotent-Replayed") != "true" || !ids[r.JSON(t)["id"].(string)] {
		t.Errorf("replay after the race: %d %v %s", r.Status, r.Header, r.Body)
	}
}
