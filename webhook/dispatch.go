package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
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
	// on a receiver is an idle goroutine, so there are many.
	Workers = 256
	// PerEndpoint bounds the deliveries in flight to one endpoint, so that a
	// slow or hanging receiver occupies at most that many workers and the
	// others keep serving every other endpoint.
	PerEndpoint = 16
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
	// delivery that may be in flight to one endpoint.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = Workers
	tr.MaxIdleConnsPerHost = PerEndpoint
	return &Dispatcher{e: e, log: log, dialects: dialects, workers: Workers, perEP: PerEndpoint, lease: 2 * timeout,
		client: &http.Client{Timeout: timeout, Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Run delivers due webhooks until ctx ends. A receiver's slowness occupies
// at most PerEndpoint workers, never the API nor other endpoints. kick wakes
// the loop after a commit; a finished delivery wakes it too.
func (d *Dispatcher) Run(ctx context.Context, kick <-chan struct{}) {
	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan string, d.workers)
	inflight := map[string]int{} // endpoint id -> deliveries in flight
	busy := 0
	for {
		var claimed []store.Delivery
		if free := d.workers - busy; free > 0 {
			var err error
			if claimed, err = d.claim(ctx, free, inflight); err != nil && ctx.Err() == nil {
				d.log.Error("claim deliveries", "err", err)
			}
		}
		for _, dl := range claimed {
			inflight[dl.EndpointID]++
			busy++
			wg.Add(1)
			go func(dl store.Delivery) {
				defer wg.Done()
				d.deliver(ctx, dl)
				done <- dl.EndpointID
			}(dl)
		}
		if len(claimed) > 0 && busy < d.workers {
			continue // there may be more due for other endpoints
		}
		select {
		case <-ctx.Done():
			return
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
		case <-kick:
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (d *Dispatcher) finished(ep string, inflight map[string]int, busy *int) {
	*busy--
	if inflight[ep]--; inflight[ep] <= 0 {
		delete(inflight, ep)
	}
}

// claim leases up to free due deliveries, in due order, to endpoints that
// have room: endpoints at their limit are skipped by the query, and claimed
// deliveries beyond an endpoint's room are handed back in the same
// transaction, so that one endpoint's backlog never fills a claim meant for
// all of them.
func (d *Dispatcher) claim(ctx context.Context, free int, inflight map[string]int) ([]store.Delivery, error) {
	var full []string
	for ep, n := range inflight {
		if n >= d.perEP {
			full = append(full, ep)
		}
	}
	sort.Strings(full)
	now := d.e.WallNow().UnixMilli()
	var kept []store.Delivery
	err := d.e.Store().Update(ctx, func(tx store.Tx) error {
		kept = kept[:0]
		ds, err := tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: now, LeaseUntil: now + d.lease.Milliseconds(),
			Limit: free, ExcludeEndpoints: full})
		if err != nil {
			return err
		}
		room := map[string]int{}
		for _, dl := range ds {
			if _, ok := room[dl.EndpointID]; !ok {
				room[dl.EndpointID] = d.perEP - inflight[dl.EndpointID]
			}
			if room[dl.EndpointID] > 0 {
				room[dl.EndpointID]--
				kept = append(kept, dl)
				continue
			}
			dl.LeaseUntil = 0
			if err := tx.UpdateDelivery(ctx, &dl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return kept, nil
}

// deliver makes one attempt and records its outcome.
func (d *Dispatcher) deliver(ctx context.Context, dl store.Delivery) {
	var (
		ep      *engine.WebhookEndpoint
		out     Rendered
		dialect Dialect
		gone    bool
		evType  string
	)
	now := d.e.WallNow()
	rendering := false
	err := d.e.View(ctx, dl.Account, func(op *engine.Op) error {
		ev, err := op.Tx().GetEvent(ctx, dl.Account, dl.EventID)
		if err != nil {
			return err
		}
		evType = ev.Type
		ep, err = engine.Get[engine.WebhookEndpoint](op, dl.EndpointID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && ep.Status != "enabled") {
			gone = true
			return nil
		}
		if err != nil {
			return err
		}
		var ok bool
		if dialect, ok = d.dialects[ep.Dialect]; !ok {
			return fmt.Errorf("%w %s", errNoDialect, ep.Dialect)
		}
		rendering = true
		out, err = dialect.Render(op, ev, ep, now)
		return err
	})
	if ctx.Err() != nil {
		d.release(dl)
		return
	}
	if err != nil && !rendering && !errors.Is(err, errNoDialect) {
		// The store failed before there was anything to send (a lost
		// connection, a database restarting): not an attempt. The delivery
		// is handed back, due a second later; recorded as a failure without
		// its dialect's schedule, it would have been abandoned.
		d.log.Warn("prepare webhook", "delivery", dl.ID, "event", dl.EventID, "err", err)
		d.retryAfter(dl, time.Second)
		return
	}
	if err != nil {
		d.log.Error("render webhook", "delivery", dl.ID, "event", dl.EventID, "err", err)
		d.finish(ctx, dl, store.DeliveryAttempt{Error: "render: " + err.Error()}, dialect, false)
		return
	}
	if gone {
		d.finish(ctx, dl, store.DeliveryAttempt{Error: "endpoint deleted or disabled"}, Dialect{}, false)
		return
	}
	start := time.Now()
	att := store.DeliveryAttempt{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(out.Body))
	if err == nil {
		req.Header = out.Headers
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("User-Agent", "Kontor/1.0 (+webhooks)")
		var resp *http.Response
		resp, err = d.client.Do(req)
		if err == nil {
			att.StatusCode = resp.StatusCode
			att.Response = excerpt(resp.Body)
			resp.Body.Close()
		}
	}
	att.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		att.Error = attemptError(err)
	}
	if ctx.Err() != nil {
		d.release(dl) // shutting down: the delivery is retried at the next start
		return
	}
	ok := err == nil && att.StatusCode >= 200 && att.StatusCode < 300
	if !ok && att.Error == "" {
		att.Error = "non-2xx response"
	}
	d.report(Attempt{Dialect: ep.Dialect, DeliveryID: dl.ID, EventType: evType, EventID: dl.EventID, EndpointID: ep.ID,
		URL: RedactURL(ep.URL), Status: att.StatusCode, Duration: time.Since(start), Err: att.Error, OK: ok})
	d.finish(ctx, dl, att, dialect, ok)
}

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

// release gives up the lease on a delivery interrupted by shutdown, so that
// the next start (or another node) retries it at once instead of after
// the lease. The interrupted attempt is not recorded; the receiver may have
// seen it, which at-least-once delivery allows.
func (d *Dispatcher) release(dl store.Delivery) {
	dl.LeaseUntil = 0
	ctx := context.Background()
	if err := d.e.Store().Update(ctx, func(tx store.Tx) error { return tx.UpdateDelivery(ctx, &dl) }); err != nil {
		d.log.Warn("release webhook lease", "delivery", dl.ID, "err", err)
	}
}

// retryAfter hands back a delivery that could not be prepared, due again
// after wait, without recording an attempt. If the store fails again the
// lease runs out and the delivery is claimed then.
func (d *Dispatcher) retryAfter(dl store.Delivery, wait time.Duration) {
	dl.LeaseUntil = 0
	dl.NextAttemptAt = d.e.WallNow().Add(wait).UnixMilli()
	ctx := context.Background()
	if err := d.e.Store().Update(ctx, func(tx store.Tx) error { return tx.UpdateDelivery(ctx, &dl) }); err != nil {
		d.log.Warn("hand back webhook delivery", "delivery", dl.ID, "err", err)
	}
}

// finish records an attempt and schedules the next one or closes the delivery.
func (d *Dispatcher) finish(ctx context.Context, dl store.Delivery, att store.DeliveryAttempt, dialect Dialect, ok bool) {
	now := d.e.WallNow()
	att.DeliveryID, att.Account, att.At = dl.ID, dl.Account, now.UnixMilli()
	// The outcome is recorded even when shutdown begins meanwhile.
	ctx = context.WithoutCancel(ctx)
	err := d.e.Store().Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertDeliveryAttempt(ctx, att); err != nil {
			return err
		}
		if held, err := stillLeased(ctx, tx, dl); err != nil || !held {
			return err
		}
		dl.Attempts++
		dl.LeaseUntil = 0
		switch {
		case ok:
			dl.Status = "succeeded"
		case dl.Attempts > len(dialect.Retries):
			dl.Status = "failed"
		default:
			dl.NextAttemptAt = now.Add(dialect.Retries[dl.Attempts-1]).UnixMilli()
		}
		if err := tx.UpdateDelivery(ctx, &dl); err != nil {
			return err
		}
		if dl.Status != "pending" {
			return tx.AdjustPendingWebhooks(ctx, dl.Account, dl.EventID, -1)
		}
		return nil
	})
	if err != nil {
		d.log.Error("record webhook attempt", "delivery", dl.ID, "err", err)
	}
}

// stillLeased reports whether dl is still pending under the lease this node
// claimed it with. A node that stalled past its lease may find
// that another node claimed the delivery meanwhile; the other node then owns
// the outcome, and this one must neither overwrite its lease and attempt
// count nor settle the event's pending_webhooks a second time. The attempt
// itself is recorded all the same: the receiver may have got it.
func stillLeased(ctx context.Context, tx store.Tx, dl store.Delivery) (bool, error) {
	ds, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: dl.Account, EventID: dl.EventID, EndpointID: dl.EndpointID})
	if err != nil {
		return false, err
	}
	for _, cur := range ds {
		if cur.ID == dl.ID {
			return cur.Status == "pending" && cur.LeaseUntil == dl.LeaseUntil, nil
		}
	}
	return false, nil
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
