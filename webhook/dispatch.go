package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// Rendered is what a dialect produces for one delivery.
type Rendered struct {
	Body    []byte
	Headers http.Header
}

// Dialect renders and schedules one dialect's deliveries.
type Dialect struct {
	// Render renders the event for the endpoint and signs it.
	Render func(op *engine.Op, ev store.Event, ep *engine.WebhookEndpoint, now time.Time) (Rendered, error)
	// Retries are the delays after each failed attempt; a delivery that has
	// failed once more than there are delays is abandoned.
	Retries []time.Duration
}

// errNoDialect: an endpoint of a dialect this server does not speak.
var errNoDialect = errors.New("webhook: no dialect")

// Timeout is how long a receiver has to answer with a 2xx.
const Timeout = 10 * time.Second

const (
	// Workers bounds the deliveries in flight on one node. A worker waiting
	// on a receiver is an idle goroutine and one connection, so there are
	// many: Workers/PerEndpoint endpoints must hang at once to fill them.
	Workers = 1024
	// PerEndpoint bounds the deliveries in flight to one endpoint, so that a
	// slow or hanging receiver occupies at most that many workers and the
	// others keep serving every other endpoint. A dispatcher claims up to
	// PerEndpoint more of an endpoint's deliveries ahead, so that a finished
	// request is followed by the next one without waiting for a claim.
	PerEndpoint = 16
	// poll is how often the dispatcher looks for retries that have come
	// due while nothing else woke it.
	poll = 500 * time.Millisecond
	// maxRecord bounds the outcomes recorded in one transaction.
	maxRecord = 512
)

// Dispatcher delivers webhooks.
type Dispatcher struct {
	e        *engine.Engine
	log      *slog.Logger
	client   *http.Client
	dialects map[string]Dialect
	workers  int
	perEP    int
	lease    time.Duration
	observe  func(Attempt)
}

// New returns a Dispatcher; dialects maps a dialect name ("" for Stripe) to its
// Dialect. timeout is how long a receiver has to answer (0 means Timeout).
func New(e *engine.Engine, log *slog.Logger, dialects map[string]Dialect, timeout time.Duration) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if timeout <= 0 {
		timeout = Timeout
	}
	// One keep-alive pool per receiver (host and port) with room for every
	// delivery that may be in flight to it.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = Workers
	tr.MaxIdleConnsPerHost = Workers
	// A claimed delivery waits at most one timeout for its endpoint's
	// in-flight requests to end, then has one timeout to be answered; the
	// third leaves time to record the outcome before another node may claim it.
	return &Dispatcher{e: e, log: log, dialects: dialects, workers: Workers, perEP: PerEndpoint, lease: 3 * timeout,
		client: &http.Client{Timeout: timeout, Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// outcome is what became of one claimed delivery, for the recorder: an
// attempt (att set), or the delivery handed back without one, due again at
// once (release) or at retryAt.
type outcome struct {
	dl      store.Delivery // as claimed: LeaseUntil is the claim's lease
	att     *store.DeliveryAttempt
	ok      bool
	retries []time.Duration
	at      time.Time // when the attempt ended
	retryAt int64     // without an attempt: when it is due again; 0 keeps its due time
	report  *Attempt  // reported once recorded
}

// Run delivers due webhooks until ctx ends. kick wakes it after a commit;
// a finished request wakes it too.
//
// One goroutine (this one) owns the claimed deliveries: it claims in
// batches, fairly across endpoints, at most 2*PerEndpoint held per endpoint
// (in flight and queued) and keeps at most PerEndpoint of them in flight;
// one claim runs at a time, beside the deliveries. Outcomes go to a recorder
// that writes every outcome that is ready in one transaction. A receiver's
// slowness occupies its own endpoint's workers, never the API nor other
// endpoints.
func (d *Dispatcher) Run(ctx context.Context, kick <-chan struct{}) {
	outcomes := make(chan outcome, d.workers)
	recorded := make(chan struct{})
	go func() { d.record(outcomes); close(recorded) }()

	var wg sync.WaitGroup
	done := make(chan string, d.workers)
	claimed := make(chan []job, 1)
	queues := map[string][]job{} // endpoint id -> claimed and prepared, not started, in due order
	inflight := map[string]int{} // endpoint id -> requests in flight
	busy, queued := 0, 0
	claiming, want := false, true
	ticker := time.NewTicker(poll)
	defer func() {
		ticker.Stop()
		wg.Wait()
		var back []job
		if claiming {
			back = append(back, <-claimed...)
		}
		for _, q := range queues {
			back = append(back, q...)
		}
		for _, j := range back {
			outcomes <- outcome{dl: j.dl} // released: due again at the next start
		}
		close(outcomes)
		<-recorded
	}()
	for {
		for ep, q := range queues {
			for len(q) > 0 && inflight[ep] < d.perEP && busy < d.workers {
				j := q[0]
				q = q[1:]
				queued--
				inflight[ep]++
				busy++
				wg.Add(1)
				go func() {
					defer wg.Done()
					outcomes <- d.send(ctx, j)
					done <- j.dl.EndpointID
				}()
			}
			if len(q) == 0 {
				delete(queues, ep)
			} else {
				queues[ep] = q
			}
		}
		if want && !claiming {
			if free := 2*d.workers - busy - queued; free > 0 {
				held := make(map[string]int, len(inflight)+len(queues))
				for ep, n := range inflight {
					held[ep] += n
				}
				for ep, q := range queues {
					held[ep] += len(q)
				}
				claiming, want = true, false
				go func() { claimed <- d.prepare(ctx, d.claim(free, held)) }()
			}
		}
		select {
		case <-ctx.Done():
			return
		case js := <-claimed:
			claiming = false
			for _, j := range js {
				queues[j.dl.EndpointID] = append(queues[j.dl.EndpointID], j)
			}
			queued += len(js)
			want = want || len(js) > 0 // there may be more
		case ep := <-done:
			d.finished(ep, inflight, &busy)
			// Collect every other completion that is ready, then claim once.
			for more := true; more; {
				select {
				case ep := <-done:
					d.finished(ep, inflight, &busy)
				default:
					more = false
				}
			}
			want = true
		case <-kick:
			want = true
		case <-ticker.C:
			want = true
		}
	}
}

func (d *Dispatcher) finished(ep string, inflight map[string]int, busy *int) {
	*busy--
	if inflight[ep]--; inflight[ep] <= 0 {
		delete(inflight, ep)
	}
}

// claim leases up to free due deliveries, fairly across endpoints, at most
// 2*PerEndpoint held per endpoint counting those in held. It runs beside
// the deliveries and to its end even when shutdown begins: Run hands back
// what it claimed.
func (d *Dispatcher) claim(free int, held map[string]int) []store.Delivery {
	ctx := context.Background()
	now := d.e.WallNow().UnixMilli()
	var ds []store.Delivery
	err := d.e.Store().Update(ctx, func(tx store.Tx) error {
		var err error
		ds, err = tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: now, LeaseUntil: now + d.lease.Milliseconds(),
			Limit: free, PerEndpoint: 2 * d.perEP, Held: held})
		return err
	})
	if err != nil {
		d.log.Error("claim deliveries", "err", err)
		return nil
	}
	return ds
}

// send makes one attempt of a prepared delivery and returns its outcome.
func (d *Dispatcher) send(ctx context.Context, j job) outcome {
	dl := j.dl
	if j.settled != nil {
		return *j.settled
	}
	start := time.Now()
	att := &store.DeliveryAttempt{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.ep.URL, bytes.NewReader(j.out.Body))
	if err == nil {
		req.Header = j.out.Headers
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("User-Agent", "Kontor/1.0 (+webhooks)")
		var resp *http.Response
		resp, err = d.client.Do(req)
		if err == nil {
			att.StatusCode = resp.StatusCode
			att.Response = excerpt(resp.Body)
			// The rest of a short answer is read so that the connection
			// goes back to the receiver's keep-alive pool.
			io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
			resp.Body.Close()
		}
	}
	took := time.Since(start)
	att.DurationMS = took.Milliseconds()
	if err != nil {
		att.Error = attemptError(err)
	}
	if ctx.Err() != nil {
		return outcome{dl: dl} // shutting down: released, retried at the next start
	}
	ok := err == nil && att.StatusCode >= 200 && att.StatusCode < 300
	if !ok && att.Error == "" {
		att.Error = "non-2xx response"
	}
	return outcome{dl: dl, att: att, ok: ok, retries: j.dialect.Retries, at: d.e.WallNow(),
		report: &Attempt{Dialect: j.ep.Dialect, DeliveryID: dl.ID, EventType: j.evType, EventID: dl.EventID, EndpointID: j.ep.ID,
			URL: RedactURL(j.ep.URL), Status: att.StatusCode, Duration: took, Err: att.Error, OK: ok}}
}

// drainLimit bounds what is read of a receiver's answer beyond its excerpt.
const drainLimit = 64 << 10

// report logs an attempt and hands it to the observer.
func (d *Dispatcher) report(a Attempt) {
	lvl := slog.LevelInfo
	if !a.OK {
		lvl = slog.LevelWarn
	}
	d.log.Log(context.Background(), lvl, "webhook attempt", "event_type", a.EventType, "event", a.EventID,
		"endpoint", a.EndpointID, "url", a.URL, "status", a.Status, "duration_ms", a.Duration.Milliseconds(),
		"error", a.Err, "delivery", a.DeliveryID)
	if d.observe != nil {
		d.observe(a)
	}
}

// record writes the outcomes it receives until in is closed, every outcome
// that is ready in one transaction, and then reports their attempts.
func (d *Dispatcher) record(in <-chan outcome) {
	for o := range in {
		batch := []outcome{o}
	more:
		for len(batch) < maxRecord {
			select {
			case o, ok := <-in:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		d.write(batch)
		for _, o := range batch {
			if o.report != nil {
				d.report(*o.report)
			}
		}
	}
}

// write records a batch of outcomes in one transaction. The outcome is
// recorded even when shutdown has begun. Should the transaction fail, each
// outcome is tried in a transaction of its own, so that one bad outcome
// costs only itself; a delivery whose outcome is lost is attempted again
// when its lease ends (at-least-once).
func (d *Dispatcher) write(batch []outcome) {
	ctx := context.Background()
	commit := func(batch []outcome) error {
		return d.e.Store().Update(ctx, func(tx store.Tx) error {
			for _, o := range batch {
				if err := apply(ctx, tx, o); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := commit(batch); err == nil || len(batch) == 1 {
		if err != nil {
			d.log.Error("record webhook attempt", "delivery", batch[0].dl.ID, "err", err)
		}
		return
	}
	for _, o := range batch {
		if err := commit([]outcome{o}); err != nil {
			d.log.Error("record webhook attempt", "delivery", o.dl.ID, "err", err)
		}
	}
}

// apply records one outcome: the attempt, if there was one, and the
// delivery's next state, closed or due again after its dialect's delay.
//
// The delivery is written only while it is still pending under the lease
// this node claimed it with. A node that stalled past its lease may find
// that another node claimed the delivery meanwhile; the other node then owns
// the outcome, and this one must neither overwrite its lease and attempt
// count nor settle the event's pending_webhooks a second time. The attempt
// itself is recorded all the same: the receiver may have got it.
func apply(ctx context.Context, tx store.Tx, o outcome) error {
	dl := o.dl
	lease := dl.LeaseUntil
	dl.LeaseUntil = 0
	if o.att == nil {
		// Handed back without an attempt; the receiver may have seen an
		// interrupted one, which at-least-once delivery allows.
		if o.retryAt != 0 {
			dl.NextAttemptAt = o.retryAt
		}
		_, err := tx.UpdateLeasedDelivery(ctx, &dl, lease)
		return err
	}
	att := *o.att
	att.DeliveryID, att.Account, att.At = dl.ID, dl.Account, o.at.UnixMilli()
	if err := tx.InsertDeliveryAttempt(ctx, att); err != nil {
		return err
	}
	dl.Attempts++
	switch {
	case o.ok:
		dl.Status = "succeeded"
	case dl.Attempts > len(o.retries):
		dl.Status = "failed"
	default:
		dl.NextAttemptAt = o.at.Add(o.retries[dl.Attempts-1]).UnixMilli()
	}
	held, err := tx.UpdateLeasedDelivery(ctx, &dl, lease)
	if err != nil || !held || dl.Status == "pending" {
		return err
	}
	return tx.AdjustPendingWebhooks(ctx, dl.Account, dl.EventID, -1)
}

// excerpt reads the start of a receiver's answer for the attempt's record:
// at most store.MaxResponseExcerpt bytes, as valid UTF-8 without NUL bytes
// (which PostgreSQL's text refuses).
func excerpt(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, store.MaxResponseExcerpt))
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	for len(s) > store.MaxResponseExcerpt { // a replacement may have grown it
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
