// Command figures measures Kontor's background machinery on this machine:
// test clock advance settlements per second, the lateness of the oldest due
// wall-clock timer under write load, webhook deliveries per second from a
// backlog, how long a hung receiver delays the webhooks of another account
// and of another endpoint of its own account, and SQLite bytes per charge. It runs the kontor binary it is
// given on fresh databases in -dir, on free 127.0.0.1 ports, and drives it
// over HTTP; the receivers are its own loopback servers. Every figure is
// bounded by a count and a time limit. bench/compare/run.sh background runs it.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

var (
	kontorBin    = flag.String("kontor", "", "path of the kontor binary (required)")
	dir          = flag.String("dir", os.TempDir(), "directory for the databases and logs")
	only         = flag.String("only", "", "comma-separated figures to run: clock,lag,webhooks,hung,storage (default all)")
	clockCharges = flag.Int("clock-charges", 2000, "charges settled by one test clock advance")
	lagFor       = flag.Duration("lag-for", 10*time.Second, "how long the write load of the scheduler-lag figure runs")
	conns        = flag.Int("conns", 48, "concurrent clients of the write loads")
	backlog      = flag.Int("webhook-backlog", 2000, "webhook deliveries queued before the receiver answers")
	hungEvents   = flag.Int("hung-events", 100, "events for the hung receiver's account before the other account's")
	storeCharges = flag.Int("storage-charges", 2000, "charges whose rows the storage figure measures")
)

func main() {
	flag.Parse()
	if *kontorBin == "" {
		fmt.Fprintln(os.Stderr, "figures: -kontor is required")
		os.Exit(2)
	}
	figures := []struct {
		name string
		run  func() error
	}{
		{"clock", clockAdvance},
		{"lag", schedulerLag},
		{"webhooks", webhookBacklog},
		{"hung", hungReceiver},
		{"storage", storage},
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	failed := false
	for _, f := range figures {
		if len(want) > 0 && !want[f.name] {
			continue
		}
		if err := f.run(); err != nil {
			fmt.Printf("%s: FAILED: %v\n", f.name, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// kontor is one running `kontor serve`.
type kontor struct {
	url string
	db  string
	cmd *exec.Cmd
	key string
}

var runs atomic.Int64

func startKontor(db string, args ...string) (*kontor, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(filepath.Join(*dir, fmt.Sprintf("figures-kontor-%d.log", runs.Add(1))))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(*kontorBin, append([]string{"serve", "--db", db, "--addr", addr, "--log-level", "warn"}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	k := &kontor{url: "http://" + addr, db: db, cmd: cmd, key: newKey()}
	for i := 0; i < 600; i++ {
		if resp, err := http.Get(k.url + "/v1/charges"); err == nil {
			resp.Body.Close()
			return k, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	k.stop()
	return nil, fmt.Errorf("kontor on %s did not start (log: %s)", addr, logf.Name())
}

// cpu is the CPU time (user and system) the server has used so far, from
// /proc (Linux).
func (k *kontor) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", k.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command's name, which is in parentheses: state
	// is the first, utime and stime the 12th and 13th, in clock ticks.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat: %q", b)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100, nil // USER_HZ
}

// stop shuts the server down gracefully (SIGINT) and waits for it.
func (k *kontor) stop() {
	k.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { k.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		k.cmd.Process.Kill()
		<-done
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var keySeq atomic.Int64

func newKey() string {
	return fmt.Sprintf("sk_test_figures%d%d", time.Now().UnixNano(), keySeq.Add(1))
}

var client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}}

// call sends a form request with the key and decodes the JSON answer; a
// non-2xx answer is an error.
func (k *kontor) call(method, path, key string, form url.Values, idem string) (map[string]any, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, k.url+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}

func (k *kontor) post(path string, form url.Values) (string, error) {
	out, err := k.call("POST", path, k.key, form, "")
	if err != nil {
		return "", err
	}
	id, _ := out["id"].(string)
	return id, nil
}

// customerWithSource creates a customer (on clock, if not "") with a
// reusable SEPA Direct Debit source as its default source.
func (k *kontor) customerWithSource(clock string) (string, error) {
	src, err := k.post("/v1/sources", url.Values{"type": {"sepa_debit"}, "currency": {"eur"},
		"sepa_debit[iban]": {"DE89370400440532013000"}, "owner[name]": {"Jenny Rosen"}})
	if err != nil {
		return "", err
	}
	f := url.Values{"source": {src}}
	if clock != "" {
		f.Set("test_clock", clock)
	}
	return k.post("/v1/customers", f)
}

func (k *kontor) customers(n int, clock string) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		var err error
		if out[i], err = k.customerWithSource(clock); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// charge creates one charge of the customer with a fresh idempotency key.
func (k *kontor) charge(cus string, n int64) error {
	_, err := k.call("POST", "/v1/charges", k.key, url.Values{"amount": {"1999"}, "currency": {"eur"}, "customer": {cus}},
		fmt.Sprintf("figures-%d-%d", time.Now().UnixNano(), n))
	return err
}

// load runs fn from conns goroutines until count calls have been made (count
// > 0) or until the deadline, and returns the number of successful calls.
func load(conns, count int, until time.Time, fn func(i int64) error) (int64, error) {
	var next, ok atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if (count > 0 && i > int64(count)) || (count == 0 && time.Now().After(until)) {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	return ok.Load(), firstErr
}

func openDB(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+url.PathEscape(path)+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
}

func dbPath(name string) string { return filepath.Join(*dir, name) }

// clockAdvance: charges on a test clock, one advance past their settlement.
func clockAdvance() error {
	k, err := startKontor(dbPath("figures-clock.db"))
	if err != nil {
		return err
	}
	defer k.stop()
	start := time.Now().Add(-time.Hour).Unix()
	clock, err := k.post("/v1/test_helpers/test_clocks", url.Values{"frozen_time": {strconv.FormatInt(start, 10)}})
	if err != nil {
		return err
	}
	custs, err := k.customers(16, clock)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := load(16, *clockCharges, time.Time{}, func(i int64) error { return k.charge(custs[i%int64(len(custs))], i) }); err != nil {
		return err
	}
	created := time.Since(t0)
	t0 = time.Now()
	cpu0, cpuErr := k.cpu()
	if _, err := k.post("/v1/test_helpers/test_clocks/"+clock+"/advance",
		url.Values{"frozen_time": {strconv.FormatInt(start+7*86400, 10)}}); err != nil {
		return err
	}
	limit := t0.Add(10 * time.Minute)
	for {
		out, err := k.call("GET", "/v1/test_helpers/test_clocks/"+clock, k.key, nil, "")
		if err != nil {
			return err
		}
		if out["status"] == "ready" {
			break
		}
		if time.Now().After(limit) {
			return fmt.Errorf("the clock was not ready after %s", time.Since(t0))
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(t0)
	cpu1, err := k.cpu()
	if cpuErr == nil {
		cpuErr = err
	}
	db, err := openDB(k.db)
	if err != nil {
		return err
	}
	defer db.Close()
	var settled int
	// The charges of the clock's customers: only customers have the clock in their row (engine.Index).
	if err := db.QueryRow(`SELECT COUNT(*) FROM objects WHERE type = 'charge' AND status = 'succeeded' AND customer IN
		(SELECT id FROM objects WHERE type = 'customer' AND clock_id = ?)`, clock).Scan(&settled); err != nil {
		return err
	}
	fmt.Printf("test clock advance: %d charges (created in %.1f s), %d settled in %.2f s: %.0f settlements/s",
		*clockCharges, created.Seconds(), settled, took.Seconds(), float64(settled)/took.Seconds())
	if cpuErr == nil && settled > 0 {
		fmt.Printf(", server CPU %.0f µs per settlement", float64((cpu1-cpu0).Microseconds())/float64(settled))
	}
	fmt.Println()
	if settled != *clockCharges {
		return fmt.Errorf("%d of %d charges settled", settled, *clockCharges)
	}
	return nil
}

// schedulerLag: charges that settle after one second, created by conns
// clients for -lag-for; the oldest due wall-clock timer's lateness is
// sampled from the database every 50 ms.
func schedulerLag() error {
	k, err := startKontor(dbPath("figures-lag.db"), "--sandbox-delay", "1s")
	if err != nil {
		return err
	}
	defer k.stop()
	custs, err := k.customers(64, "")
	if err != nil {
		return err
	}
	db, err := openDB(k.db)
	if err != nil {
		return err
	}
	defer db.Close()
	var worst, last int64
	var samples int
	stop := make(chan struct{})
	sampled := make(chan error, 1)
	go func() {
		for {
			var due sql.NullInt64
			if err := db.QueryRow(`SELECT MIN(due) FROM timers WHERE clock_id = ''`).Scan(&due); err != nil {
				sampled <- err
				return
			}
			lag := int64(0)
			if due.Valid {
				lag = max(0, time.Now().UnixMilli()-due.Int64)
			}
			worst, last = max(worst, lag), lag
			samples++
			select {
			case <-stop:
				sampled <- nil
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	t0 := time.Now()
	n, err := load(*conns, 0, t0.Add(*lagFor), func(i int64) error { return k.charge(custs[i%int64(len(custs))], i) })
	ran := time.Since(t0)
	close(stop)
	if serr := <-sampled; serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	// How long the scheduler needs after the load to fire what is due.
	t1 := time.Now()
	var behind int
	for {
		if err := db.QueryRow(`SELECT COUNT(*) FROM timers WHERE clock_id = '' AND due <= ?`, t1.UnixMilli()).Scan(&behind); err != nil {
			return err
		}
		if behind == 0 || time.Since(t1) > 2*time.Minute {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("scheduler lag: %d charges by %d clients in %.1f s (%.0f/s), each settling 1 s later; oldest due timer late by at most %d ms (%d samples, %d ms at the end of the load); timers due at the end fired %.1f s later\n",
		n, *conns, ran.Seconds(), float64(n)/ran.Seconds(), worst, samples, last, time.Since(t1).Seconds())
	if behind > 0 {
		return fmt.Errorf("%d timers still due two minutes after the load", behind)
	}
	return nil
}

// receiver counts the distinct events POSTed to it and when each first arrived.
type receiver struct {
	srv  *http.Server
	url  string
	mu   sync.Mutex
	seen map[string]time.Time
	// about holds the id of the object each event is about.
	about map[string]string
	posts int
	gate  chan struct{} // while open (not closed), requests wait; nil means answer at once
	hang  bool          // answer nothing until the client gives up
	all   chan struct{}
	want  int
}

func newReceiver(gated, hang bool, want int) (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + l.Addr().String() + "/hook", seen: map[string]time.Time{}, about: map[string]string{}, hang: hang, want: want, all: make(chan struct{})}
	if gated {
		r.gate = make(chan struct{})
	}
	r.srv = &http.Server{Handler: r}
	go r.srv.Serve(l)
	return r, nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.hang {
		<-req.Context().Done()
		return
	}
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-req.Context().Done():
			return
		}
	}
	var ev struct {
		ID   string `json:"id"`
		Data struct {
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		} `json:"data"`
	}
	json.Unmarshal(body, &ev)
	r.mu.Lock()
	r.posts++
	if _, ok := r.seen[ev.ID]; !ok && ev.ID != "" {
		r.seen[ev.ID] = time.Now()
		r.about[ev.ID] = ev.Data.Object.ID
		if len(r.seen) == r.want {
			close(r.all)
		}
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
	r.srv.Close()
}

func (k *kontor) endpoint(key, target string) error {
	_, err := k.call("POST", "/v1/webhook_endpoints", key, url.Values{"url": {target}, "enabled_events[]": {"customer.created"}}, "")
	return err
}

// webhookBacklog: -webhook-backlog customer.created events queue up while
// the receiver holds its requests; then it answers at once, and the figure
// is the rate at which the backlog drains.
func webhookBacklog() error {
	k, err := startKontor(dbPath("figures-webhooks.db"))
	if err != nil {
		return err
	}
	defer k.stop()
	rcv, err := newReceiver(true, false, *backlog)
	if err != nil {
		return err
	}
	defer rcv.close()
	if err := k.endpoint(k.key, rcv.url); err != nil {
		return err
	}
	if _, err := load(16, *backlog, time.Time{}, func(int64) error {
		_, err := k.post("/v1/customers", url.Values{"name": {"Jenny Rosen"}})
		return err
	}); err != nil {
		return err
	}
	t0 := time.Now()
	close(rcv.gate)
	select {
	case <-rcv.all:
	case <-time.After(5 * time.Minute):
	}
	took := time.Since(t0)
	rcv.mu.Lock()
	got, posts := len(rcv.seen), rcv.posts
	rcv.mu.Unlock()
	fmt.Printf("webhook backlog: %d of %d events delivered in %.2f s: %.0f deliveries/s (%d POSTs)\n",
		got, *backlog, took.Seconds(), float64(got)/took.Seconds(), posts)
	if got < *backlog {
		return errors.New("the backlog did not drain within five minutes")
	}
	return nil
}

// hungReceiver: account X's endpoint never answers; after -hung-events
// events of X, five events of account Y and five more of X, a pair a
// second, go to receivers that answer at once: Y's endpoint and X's second
// endpoint. The figures are how late those events arrive.
func hungReceiver() error {
	k, err := startKontor(dbPath("figures-hung.db"))
	if err != nil {
		return err
	}
	defer k.stop()
	hung, err := newReceiver(false, true, 0)
	if err != nil {
		return err
	}
	defer hung.close()
	const ys = 5
	fast, err := newReceiver(false, false, ys)
	if err != nil {
		return err
	}
	defer fast.close()
	// X's second endpoint gets X's backlog and X's later events.
	sibling, err := newReceiver(false, false, *hungEvents+ys)
	if err != nil {
		return err
	}
	defer sibling.close()
	keyX, keyY := k.key, newKey()
	if err := k.endpoint(keyX, hung.url); err != nil {
		return err
	}
	if err := k.endpoint(keyY, fast.url); err != nil {
		return err
	}
	if err := k.endpoint(keyX, sibling.url); err != nil {
		return err
	}
	if _, err := load(16, *hungEvents, time.Time{}, func(int64) error {
		_, err := k.call("POST", "/v1/customers", keyX, url.Values{"name": {"Hung Receiver"}}, "")
		return err
	}); err != nil {
		return err
	}
	sent := map[string]time.Time{}
	for i := 0; i < ys; i++ {
		for _, key := range []string{keyY, keyX} {
			out, err := k.call("POST", "/v1/customers", key, url.Values{"name": {"Other Endpoint"}}, "")
			if err != nil {
				return err
			}
			sent[out["id"].(string)] = time.Now()
		}
		time.Sleep(time.Second)
	}
	for _, r := range []*receiver{fast, sibling} {
		select {
		case <-r.all:
		case <-time.After(3 * time.Minute):
		}
	}
	// The events name their customer.
	delays := func(r *receiver) ([]time.Duration, time.Duration, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		var ds []time.Duration
		for evt, at := range r.seen {
			if s, ok := sent[r.about[evt]]; ok {
				ds = append(ds, at.Sub(s))
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		var worst time.Duration
		if len(ds) > 0 {
			worst = ds[len(ds)-1]
		}
		return ds, worst, nil
	}
	dy, worstY, err := delays(fast)
	if err != nil {
		return err
	}
	dx, worstX, err := delays(sibling)
	if err != nil {
		return err
	}
	fmt.Printf("hung receiver: account X's endpoint never answers (%d events queued); account Y's %d events arrived %d of %d, the latest %.0f ms after its request (delays %v); X's other endpoint got X's %d later events %d of %d, the latest %.0f ms after (delays %v)\n",
		*hungEvents, ys, len(dy), ys, float64(worstY.Microseconds())/1000, roundAll(dy),
		ys, len(dx), ys, float64(worstX.Microseconds())/1000, roundAll(dx))
	if len(dy) < ys || len(dx) < ys {
		return errors.New("some of account Y's events or of X's later events did not arrive within three minutes")
	}
	return nil
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// storage: the database's size (after a checkpoint, free pages excluded)
// before and after -storage-charges charges, each with its events, timers,
// idempotency row and the mandate's updates.
func storage() error {
	path := dbPath("figures-storage.db")
	k, err := startKontor(path, "--sandbox-delay", "1h")
	if err != nil {
		return err
	}
	custs, err := k.customers(64, "")
	if err != nil {
		k.stop()
		return err
	}
	k.stop()
	before, _, err := dbSize(path)
	if err != nil {
		return err
	}
	key := k.key
	if k, err = startKontor(path, "--sandbox-delay", "1h"); err != nil {
		return err
	}
	k.key = key
	_, err = load(16, *storeCharges, time.Time{}, func(i int64) error { return k.charge(custs[i%int64(len(custs))], i) })
	k.stop()
	if err != nil {
		return err
	}
	after, tables, err := dbSize(path)
	if err != nil {
		return err
	}
	fmt.Printf("storage: %d charges added %d bytes: %.0f bytes per charge (by table and index, whole database: %s)\n",
		*storeCharges, after-before, float64(after-before)/float64(*storeCharges), tables)
	return nil
}

// dbSize returns the bytes in use in the database file and, where SQLite
// has the dbstat table, the bytes of each table and index.
func dbSize(path string) (int64, string, error) {
	db, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, "", err
	}
	var pages, free, size int64
	for q, v := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &size} {
		if err := db.QueryRow(q).Scan(v); err != nil {
			return 0, "", err
		}
	}
	var b bytes.Buffer
	rows, err := db.Query(`SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC`)
	if err == nil {
		for rows.Next() {
			var name string
			var n int64
			if rows.Scan(&name, &n) == nil && n > 2*size {
				fmt.Fprintf(&b, "%s %d KiB, ", name, n/1024)
			}
		}
		rows.Close()
	}
	return (pages - free) * size, strings.TrimSuffix(b.String(), ", "), nil
}
