package multinode

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// twice sends the same request to nodes n1 and n2 at the same instant,
// without retries, and returns both answers.
func twice(t *testing.T, a *api, n1, n2 int, path string, body any, header map[string]string) [2]*response {
	t.Helper()
	var out [2]*response
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, n := range []int{n1, n2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r, err := a.do(t.Context(), n, http.MethodPost, path, body, header)
			if err != nil {
				t.Errorf("POST %s on node %d: %v", path, n, err)
				return
			}
			out[i] = r
		}()
	}
	close(gate)
	wg.Wait()
	if out[0] == nil || out[1] == nil {
		t.FailNow()
	}
	return out
}

// checkOnce checks that two answers to one key are one execution: both
// succeeded with the same body, and exactly one is a replay (marked by
// replayHeader, when the dialect marks replays).
func checkOnce(t *testing.T, round int, rs [2]*response, want int, replayHeader string) {
	t.Helper()
	for _, r := range rs {
		if r.Status != want {
			t.Errorf("round %d: node %d answered %d, want %d: %s", round, r.Node, r.Status, want, r.Body)
			return
		}
	}
	if !bytes.Equal(rs[0].Body, rs[1].Body) {
		t.Errorf("round %d: two answers to one key differ:\n%s\n%s", round, rs[0].Body, rs[1].Body)
	}
	if replayHeader == "" {
		return
	}
	replays := 0
	for _, r := range rs {
		if r.Header.Get(replayHeader) == "true" {
			replays++
		}
	}
	if replays != 1 {
		t.Errorf("round %d: %d answers carry %s, want exactly 1", round, replays, replayHeader)
	}
}

// TestSameKeyOnTwoNodes sends one idempotency key to two nodes at the same
// instant, many times, in both dialects: each key executes once, and the
// node that lost the race replays the winner's answer byte for byte. The
// sources charged are single-use, so a second execution could not even
// succeed: without the replay the loser would answer a 400. Two unkeyed
// changes of one object on two nodes at once never answer a 500.
func TestSameKeyOnTwoNodes(t *testing.T) {
	c := startCluster(t, 3, sandboxDelay)

	t.Run("stripe", func(t *testing.T) {
		a := &api{key: newKey(), nodes: c.nodes}
		const rounds = 50
		for i := range rounds {
			src := a.must(t, i%3, http.MethodPost, "/v1/sources", sourceForm(), nil, http.StatusOK).field("id")
			form := url.Values{"amount": {itoa(100 + i)}, "currency": {"eur"}, "source": {src}}
			rs := twice(t, a, i%3, (i+1)%3, "/v1/charges", form, map[string]string{"Idempotency-Key": fmt.Sprintf("same-%d", i)})
			checkOnce(t, i, rs, http.StatusOK, "Idempotent-Replayed")
		}
		charges, err := a.list(t.Context(), "/v1/charges", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(charges) != rounds {
			t.Errorf("%d charges for %d keys", len(charges), rounds)
		}
	})

	t.Run("checkout.com", func(t *testing.T) {
		a := &api{key: kontortest.NewCkoKey(), nodes: c.nodes}
		const rounds = 25
		for i := range rounds {
			src := a.must(t, i%3, http.MethodPost, "/sources", map[string]any{
				"type": "sepa",
				"source_data": map[string]any{"first_name": "Sophie", "last_name": "Bonneville",
					"account_iban": "DE25100100101234567893", "bic": "PBNKDEFFXXX", "billing_descriptor": "Thanks", "mandate_type": "single"},
				"billing_address": map[string]any{"address_line1": "101 Avenue de Gaulle", "city": "Paris", "zip": "75013", "country": "FR"},
			}, nil, http.StatusCreated).field("id")
			body := map[string]any{"source": map[string]any{"type": "id", "id": src}, "amount": 100 + i, "currency": "EUR"}
			rs := twice(t, a, i%3, (i+1)%3, "/payments", body, map[string]string{"Cko-Idempotency-Key": fmt.Sprintf("same-%d", i)})
			// Checkout.com marks no replay: the single-use source proves one execution.
			checkOnce(t, i, rs, http.StatusAccepted, "")
		}
	})
	// Two nodes changing one object at once, without keys: one wins, the
	// other answers what Stripe would, never a 500: the clock is advancing
	// already (test_clock_not_ready); 429 lock_timeout for a lost race, which
	// the SDKs retry; or, when the winner's advance has already finished (a
	// clock with no timers is ready again within milliseconds), the clock is
	// at the requested time now, and advancing it to that time again is
	// test_clock_advance_backwards, as for any request that comes second.
	t.Run("one object, two nodes", func(t *testing.T) {
		a := &api{key: newKey(), nodes: c.nodes}
		lost := map[string]int{}
		for i := range 20 {
			clk := a.must(t, i%3, http.MethodPost, "/v1/test_helpers/test_clocks", url.Values{"frozen_time": {"1767225600"}}, nil, http.StatusOK).field("id")
			rs := twice(t, a, i%3, (i+1)%3, "/v1/test_helpers/test_clocks/"+clk+"/advance", url.Values{"frozen_time": {"1767229200"}}, nil)
			won := 0
			for _, r := range rs {
				e, _ := r.json()["error"].(map[string]any)
				code, _ := e["code"].(string)
				switch {
				case r.Status == http.StatusOK:
					won++
				case r.Status == http.StatusBadRequest && (code == "test_clock_not_ready" || code == "test_clock_advance_backwards"),
					r.Status == http.StatusTooManyRequests && code == "lock_timeout":
					lost[code]++
				default:
					t.Errorf("round %d: node %d answered %d: %s", i, r.Node, r.Status, r.Body)
				}
			}
			if won != 1 {
				t.Errorf("round %d: %d advances won, want 1", i, won)
			}
		}
		t.Logf("losers answered %v", lost)
	})
}
