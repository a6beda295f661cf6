//go:build faults

package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// loadFor is how long TestFaultMixedLoad runs: KONTOR_FAULT_LOAD_FOR,
// default one minute, at most ten.
func loadFor(t *testing.T) time.Duration {
	d := time.Minute
	if v := os.Getenv("KONTOR_FAULT_LOAD_FOR"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			t.Fatalf("KONTOR_FAULT_LOAD_FOR=%q: want a duration such as 1m", v)
		}
	}
	return min(d, 10*time.Minute)
}

// loadClient is one of the 50 connections: its own keep-alive connection
// and an account shared with nine others.
type loadClient struct {
	base, key string
	http      *http.Client
}

func (c *loadClient) do(method, path, ctype, body string, header map[string]string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	auth := "Bearer " + c.key
	if ctype == "application/json" {
		auth = c.key
	}
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m, nil
}

// TestFaultMixedLoad runs 50 connections for a minute against one server,
// five accounts of ten connections each, every connection cycling through
// a mix of both dialects: keyed customer and charge creations, SEPA
// sources, retrievals, lists and searches, Checkout.com sources and
// payments, test clocks advanced, and requests that must be refused. No
// request may answer 5xx or fail on the network, a refusal must stay a
// 4xx, and every 2xx creation must be retrievable afterwards.
func TestFaultMixedLoad(t *testing.T) {
	d := loadFor(t)
	s := kontortest.Start(t, kontortest.Options{})
	const conns, perAccount = 50, 10
	keys := make([]string, conns/perAccount)
	payers := make([]string, len(keys))
	for i := range keys {
		keys[i] = ckoKey()
		a := s.Account(keys[i])
		src := a.Do(t, "POST", "/v1/sources", url.Values{"type": {"sepa_debit"}, "sepa_debit[iban]": {"DE89370400440532013000"},
			"currency": {"eur"}, "owner[name]": {"Jenny Rosen"}}.Encode(), nil)
		if src.Status != 200 {
			t.Fatalf("source: %d %s", src.Status, src.Body)
		}
		cus := a.Do(t, "POST", "/v1/customers", "source="+src.JSON(t)["id"].(string), nil)
		if cus.Status != 200 {
			t.Fatalf("customer: %d %s", cus.Status, cus.Body)
		}
		payers[i] = cus.JSON(t)["id"].(string)
	}

	var (
		mu       sync.Mutex
		statuses = map[string]map[int]int{} // operation -> status -> count
		created  []string                   // "key path" of every 2xx creation
		total    atomic.Int64
	)
	record := func(op string, status int) {
		mu.Lock()
		if statuses[op] == nil {
			statuses[op] = map[int]int{}
		}
		statuses[op][status]++
		mu.Unlock()
		total.Add(1)
	}
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for n := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct := n / perAccount
			c := &loadClient{base: s.URL, key: keys[acct], http: &http.Client{Timeout: time.Minute,
				Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}}}
			defer c.http.CloseIdleConnections()
			var lastCharge, lastPayment string
			for i := 0; time.Now().Before(end); i++ {
				key := fmt.Sprintf("load-%d-%d", n, i)
				var op, method, path, ctype, body string
				var want func(int) bool // nil: any status below 500
				form, json := "application/x-www-form-urlencoded", "application/json"
				switch i % 12 {
				case 0, 6:
					op, method, path, ctype, body = "create customer", "POST", "/v1/customers", form, "email="+key+"%40example.com"
				case 1, 7:
					op, method, path, ctype, body = "create charge", "POST", "/v1/charges", form, "amount=1000&currency=eur&customer="+payers[acct]
				case 2:
					op, method, path = "retrieve charge", "GET", "/v1/charges/"+lastCharge
					if lastCharge == "" {
						path = "/v1/charges?limit=3"
					}
				case 3:
					op, method, path = "list customers", "GET", "/v1/customers?limit=10"
				case 4:
					op, method, path = "list events", "GET", "/v1/events?limit=5&type=charge.succeeded"
				case 5:
					op, method, path, ctype, body = "create source", "POST", "/v1/sources", form,
						"type=sepa_debit&sepa_debit[iban]=DE89370400440532013000&currency=eur&owner[name]=Jenny+Rosen"
				case 8:
					op, method, path, ctype = "create cko source", "POST", "/sources", json
					body = `{"type":"sepa","source_data":{"first_name":"Sophie","last_name":"Bonneville","account_iban":"DE25100100101234567893","bic":"PBNKDEFFXXX","billing_descriptor":"Thanks","mandate_type":"recurring"},"billing_address":{"address_line1":"101 Avenue de Gaulle","city":"Paris","zip":"75013","country":"FR"}}`
				case 9:
					op, method, path = "retrieve cko payment", "GET", "/payments/"+lastPayment
					if lastPayment == "" {
						op, path = "list webhooks", "/webhooks"
					}
				case 10:
					op, method, path, ctype, body = "refused", "POST", "/v1/charges", form, "amount=ten&currency=eur"
					want = func(st int) bool { return st == 400 }
				case 11:
					op, method, path, ctype, body = "test clock", "POST", "/v1/test_helpers/test_clocks", form,
						fmt.Sprintf("frozen_time=%d", time.Now().Unix())
				}
				var header map[string]string
				if method == "POST" && op != "refused" {
					header = map[string]string{"Idempotency-Key": key, "Cko-Idempotency-Key": key}
				}
				status, obj, err := c.do(method, path, ctype, body, header)
				if err != nil {
					t.Errorf("%s: %v", op, err)
					return
				}
				record(op, status)
				if status >= 500 || (want != nil && !want(status)) || (want == nil && status >= 400 && status != 404) {
					t.Errorf("%s %s: %d %v", method, path, status, obj)
					continue
				}
				id, _ := obj["id"].(string)
				switch {
				case op == "create charge" && status == 200:
					lastCharge = id
				case op == "create cko source" && status == 201:
					// Pay with it at once, in the dialect's other body shape.
					st, p, err := c.do("POST", "/payments", json, `{"source":{"type":"id","id":"`+id+`"},"amount":1000,"currency":"EUR","reference":"`+key+`"}`,
						map[string]string{"Cko-Idempotency-Key": key + "-pay"})
					if err != nil || st != 202 {
						t.Errorf("cko payment: %d %v %v", st, p, err)
						continue
					}
					record("create cko payment", st)
					lastPayment, _ = p["id"].(string)
					mu.Lock()
					created = append(created, keys[acct]+" /payments/"+lastPayment)
					mu.Unlock()
				case op == "test clock" && status == 200:
					st, _, err := c.do("POST", "/v1/test_helpers/test_clocks/"+id+"/advance", form,
						fmt.Sprintf("frozen_time=%d", time.Now().Add(30*24*time.Hour).Unix()), nil)
					if err != nil || st != 200 {
						t.Errorf("advance: %d %v", st, err)
					}
					record("advance test clock", st)
				}
				if method == "POST" && status < 300 && id != "" && !strings.HasPrefix(id, "clock_") {
					mu.Lock()
					created = append(created, keys[acct]+" "+path+"/"+id)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Every acknowledged creation is there.
	for _, kp := range created {
		key, path, _ := strings.Cut(kp, " ")
		if strings.HasPrefix(path, "/v1/sources/") || strings.HasPrefix(path, "/sources/") {
			continue // a source is retrieved with its client secret; its charge or payment is checked
		}
		c := &loadClient{base: s.URL, key: key, http: http.DefaultClient}
		ctype := "application/x-www-form-urlencoded"
		if !strings.HasPrefix(path, "/v1/") {
			ctype = "application/json"
		}
		if st, obj, err := c.do("GET", path, ctype, "", nil); err != nil || st != 200 {
			t.Errorf("GET %s after the load: %d %v %v", path, st, obj, err)
		}
	}
	var ops []string
	for op := range statuses {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var lines []string
	for _, op := range ops {
		lines = append(lines, fmt.Sprintf("%s %v", op, statuses[op]))
	}
	t.Logf("mixed-load figures: %d connections for %v: %d requests (%.0f/s), 0 answered 5xx, %d creations all retrievable after; by operation and status: %s",
		conns, d, total.Load(), float64(total.Load())/d.Seconds(), len(created), strings.Join(lines, "; "))
}
