package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// httpClients is the number of concurrent HTTP clients in the parallel runs:
// enough that many creates wait on the same commit.
const httpClients = 64

// customerForm is the body of every create: a few fields, as an SDK sends them.
var customerForm = url.Values{
	"email":           {"jenny.rosen@example.com"},
	"name":            {"Jenny Rosen"},
	"description":     {"benchmark customer"},
	"phone":           {"+4930123456"},
	"metadata[order]": {"6735"},
}.Encode()

// apiClient issues Stripe API requests with one key.
type apiClient struct {
	base string
	key  string
	http *http.Client
}

func newAPIClient(base string, conns int) *apiClient {
	return &apiClient{base: base, key: testKey(), http: newClient(conns)}
}

// do sends one request and reads the whole response, so that the connection
// goes back to the pool; it fails on anything but 200.
func (c *apiClient) do(method, path, body string) ([]byte, error) {
	return c.doKeyed(method, path, body, "")
}

// doKeyed is do with an Idempotency-Key header when key is not empty.
func (c *apiClient) doKeyed(method, path, body, key string) ([]byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out, nil
}

func (c *apiClient) createCustomer() (string, error) {
	out, err := c.do("POST", "/v1/customers", customerForm)
	if err != nil {
		return "", err
	}
	var cu struct{ ID string }
	if err := json.Unmarshal(out, &cu); err != nil {
		return "", err
	}
	return cu.ID, nil
}

// benchHTTP runs op once per iteration, serially (clients=1: every create
// pays a commit of its own) and from httpClients goroutines in parallel (many
// creates share a commit), for each driver.
func benchHTTP(b *testing.B, setup func(b *testing.B, c *apiClient) func(c *apiClient, i int64) error) {
	for _, drv := range drivers {
		b.Run("driver="+drv, func(b *testing.B) {
			b.Run("clients=1", func(b *testing.B) {
				c := newAPIClient(startServer(b, drv), 1)
				op := setup(b, c)
				lat := make([]time.Duration, 0, b.N)
				l := &latencies{}
				b.ResetTimer()
				l.start()
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					if err := op(c, int64(i)); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				b.StopTimer()
				l.all = lat
				l.report(b, "req/s")
			})
			p, n := parallelism(httpClients)
			b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
				c := newAPIClient(startServer(b, drv), n)
				op := setup(b, c)
				var seq atomic.Int64
				var l latencies
				b.SetParallelism(p)
				b.ResetTimer()
				l.start()
				b.RunParallel(func(pb *testing.PB) {
					lat := make([]time.Duration, 0, 1024)
					defer func() { l.add(lat) }()
					for pb.Next() {
						t0 := time.Now()
						if err := op(c, seq.Add(1)); err != nil {
							b.Error(err)
							return
						}
						lat = append(lat, time.Since(t0))
					}
				})
				b.StopTimer()
				l.report(b, "req/s")
			})
		})
	}
}

// BenchmarkCreateCustomer measures POST /v1/customers: one durable commit per
// 2xx, shared between concurrent requests by group commit.
func BenchmarkCreateCustomer(b *testing.B) {
	benchHTTP(b, func(b *testing.B, c *apiClient) func(*apiClient, int64) error {
		// Provision the account outside the timed loop.
		if _, err := c.createCustomer(); err != nil {
			b.Fatal(err)
		}
		return func(c *apiClient, _ int64) error {
			_, err := c.createCustomer()
			return err
		}
	})
}

// retrieveSet is how many customers BenchmarkRetrieveCustomer reads in turn.
const retrieveSet = 256

// BenchmarkRetrieveCustomer measures GET /v1/customers/{id}: a read on the
// reader pool, no commit.
func BenchmarkRetrieveCustomer(b *testing.B) {
	benchHTTP(b, func(b *testing.B, c *apiClient) func(*apiClient, int64) error {
		ids := make([]string, retrieveSet)
		for i := range ids {
			id, err := c.createCustomer()
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = id
		}
		return func(c *apiClient, i int64) error {
			_, err := c.do("GET", "/v1/customers/"+ids[i%retrieveSet], "")
			return err
		}
	})
}

// chargeCustomers is how many customers BenchmarkCreateCharge charges in turn.
const chargeCustomers = 64

// BenchmarkCreateCharge measures POST /v1/charges as bench/compare sends it:
// a customer whose default source is a reusable SEPA Direct Debit source, a
// fresh Idempotency-Key per request. Each 2xx is one durable commit with the
// charge, its events, its bank timer and its idempotency row.
func BenchmarkCreateCharge(b *testing.B) {
	benchHTTP(b, func(b *testing.B, c *apiClient) func(*apiClient, int64) error {
		ids := make([]string, chargeCustomers)
		for i := range ids {
			out, err := c.do("POST", "/v1/sources", url.Values{"type": {"sepa_debit"}, "currency": {"eur"},
				"sepa_debit[iban]": {"DE89370400440532013000"}, "owner[name]": {"Jenny Rosen"}}.Encode())
			if err != nil {
				b.Fatal(err)
			}
			var src struct{ ID string }
			if err := json.Unmarshal(out, &src); err != nil {
				b.Fatal(err)
			}
			if out, err = c.do("POST", "/v1/customers", url.Values{"source": {src.ID}}.Encode()); err != nil {
				b.Fatal(err)
			}
			var cu struct{ ID string }
			if err := json.Unmarshal(out, &cu); err != nil {
				b.Fatal(err)
			}
			ids[i] = cu.ID
		}
		run := strconv.FormatInt(time.Now().UnixNano(), 36)
		return func(c *apiClient, i int64) error {
			body := "amount=1999&currency=eur&customer=" + ids[i%chargeCustomers]
			_, err := c.doKeyed("POST", "/v1/charges", body, run+"-"+strconv.FormatInt(i, 10))
			return err
		}
	})
}
