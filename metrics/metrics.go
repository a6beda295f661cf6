// Package metrics is Kontor's Prometheus instrumentation: HTTP requests by
// dialect, route and status, the SQLite store's group commits, the
// scheduler's and the webhook dispatcher's backlog, and webhook attempts.
// The other packages know nothing of Prometheus: they expose small observer
// hooks, which the server connects to a Metrics.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kontorpay/kontor/store"
)

// Metrics holds one server's collectors in its own registry.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	commitBatch    prometheus.Histogram
	commitSeconds  prometheus.Histogram
	attempts       *prometheus.CounterVec
	attemptSeconds *prometheus.HistogramVec
}

// New returns a Metrics with the Go runtime and process collectors registered.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kontor_http_requests_total",
		Help: "HTTP requests answered, by dialect, route pattern and status code.",
	}, []string{"dialect", "route", "status"})
	m.requestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kontor_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by dialect, route pattern and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"dialect", "route", "status"})
	m.commitBatch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kontor_store_commit_batch_size",
		Help:    "Write transactions committed together in one SQLite group commit.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	m.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kontor_store_commit_duration_seconds",
		Help:    "Time a SQLite group commit takes, from BEGIN to a durable COMMIT.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	})
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kontor_webhook_attempts_total",
		Help: "Webhook delivery attempts by dialect and outcome (succeeded: a 2xx; rejected: another status; error: no response).",
	}, []string{"dialect", "outcome"})
	m.attemptSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kontor_webhook_attempt_duration_seconds",
		Help:    "Time a webhook receiver took to answer, by dialect and outcome.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"dialect", "outcome"})
	m.reg.MustRegister(m.requests, m.requestSeconds, m.commitBatch, m.commitSeconds, m.attempts, m.attemptSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for tests and for embedding collectors of one's own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveCommit records one group commit of n transactions that took d.
func (m *Metrics) ObserveCommit(n int, d time.Duration) {
	m.commitBatch.Observe(float64(n))
	m.commitSeconds.Observe(d.Seconds())
}

// WatchSpeculations reports, at every scrape, the store's writes by how
// their speculation went (ADR 0020): counts returns them by outcome
// ("applied", "stale", "skipped", "failed", and "redone" for those that
// failed half way in the writer and had their batch run again, ADR 0029),
// as totals since the start.
func (m *Metrics) WatchSpeculations(counts func() map[string]int64) {
	for _, outcome := range []string{"applied", "stale", "skipped", "failed", "redone"} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "kontor_store_speculations_total",
			Help:        "SQLite writes by how their speculation went: applied by the writer, stale and made again, run by the writer only (skipped), failed on their snapshot; redone: failed half way in the writer, their batch run again (also counted as applied or stale).",
			ConstLabels: prometheus.Labels{"outcome": outcome},
		}, func() float64 { return float64(counts()[outcome]) }))
	}
}

// Webhook attempt outcomes.
const (
	OutcomeSucceeded = "succeeded" // the receiver answered 2xx
	OutcomeRejected  = "rejected"  // the receiver answered another status
	OutcomeError     = "error"     // no answer: connection refused, timeout, a render error
)

// ObserveAttempt records one webhook attempt. dialect is "stripe" or "cko".
func (m *Metrics) ObserveAttempt(dialect, outcome string, d time.Duration) {
	m.attempts.WithLabelValues(dialect, outcome).Inc()
	m.attemptSeconds.WithLabelValues(dialect, outcome).Observe(d.Seconds())
}

// WatchBacklog reports the store's due work at every scrape: the due
// wall-clock timers and how late the oldest is, and the webhook outbox. It
// reads the store's Backlog in a View; a store whose Tx does not implement
// store.BacklogReader reports nothing. now is the wall clock in Unix ms.
func (m *Metrics) WatchBacklog(st store.Store, now func() int64, log *slog.Logger) {
	m.reg.MustRegister(&backlogCollector{st: st, now: now, log: log})
}

var (
	timersDueDesc = prometheus.NewDesc("kontor_timers_due",
		"Wall-clock timers whose due time has passed and that have not fired yet.", nil, nil)
	timerLagDesc = prometheus.NewDesc("kontor_timers_oldest_due_lag_seconds",
		"How late the oldest due wall-clock timer is (0 when none is due).", nil, nil)
	outboxDesc = prometheus.NewDesc("kontor_webhook_outbox_depth",
		"Webhook deliveries pending (neither succeeded nor abandoned).", nil, nil)
	outboxDueDesc = prometheus.NewDesc("kontor_webhook_outbox_due",
		"Pending webhook deliveries whose next attempt is due.", nil, nil)
)

type backlogCollector struct {
	st  store.Store
	now func() int64
	log *slog.Logger
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- timersDueDesc
	ch <- timerLagDesc
	ch <- outboxDesc
	ch <- outboxDueDesc
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.now()
	var b store.Backlog
	found := false
	err := c.st.View(ctx, func(tx store.Tx) error {
		br, ok := tx.(store.BacklogReader)
		if !ok {
			return nil
		}
		found = true
		var err error
		b, err = br.Backlog(ctx, now)
		return err
	})
	if err != nil {
		if c.log != nil {
			c.log.Warn("metrics: read the store's backlog", "err", err)
		}
		return
	}
	if !found {
		return
	}
	lag := 0.0
	if b.TimersDue > 0 {
		lag = float64(now-b.OldestTimerDue) / 1000
	}
	ch <- prometheus.MustNewConstMetric(timersDueDesc, prometheus.GaugeValue, float64(b.TimersDue))
	ch <- prometheus.MustNewConstMetric(timerLagDesc, prometheus.GaugeValue, lag)
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(b.DeliveriesPending))
	ch <- prometheus.MustNewConstMetric(outboxDueDesc, prometheus.GaugeValue, float64(b.DeliveriesDue))
}

// Router is implemented by a handler that can name the route pattern a
// request matches ("" for none), for handlers whose inner ServeMux sees a
// copy of the request.
type Router interface {
	Route(r *http.Request) string
}

// Instrument wraps the server's top-level mux. dialect names the part of the
// server a request reached by the top-level pattern it matched; the route is
// the pattern of the handler that served it (the dialect's own mux,
// through Router when the handler implements it), never the raw path, so
// that ids do not multiply the series. A request no route matched counts
// as route "unmatched".
func (m *Metrics) Instrument(mux *http.ServeMux, dialect func(pattern string) string) http.Handler {
	var series sync.Map // requestLabels -> *requestSeries
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		h, top := mux.Handler(r)
		var route string
		if rt, ok := h.(Router); ok {
			// A dialect matches its routes itself: the request need not be
			// matched against mux a second time (mux.ServeHTTP would only
			// add the top-level pattern, which no Router reads).
			h.ServeHTTP(rec, r)
			route = rt.Route(r)
		} else {
			mux.ServeHTTP(rec, r)
			if route = r.Pattern; route == top && top != "" && top[len(top)-1] == '/' {
				route = "" // a subtree pattern that no inner mux refined: unmatched inside it
			}
		}
		if route == "" {
			route = "unmatched"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s := m.series(&series, requestLabels{top, route, rec.status}, dialect)
		s.count.Inc()
		s.seconds.Observe(time.Since(start).Seconds())
	})
}

// requestLabels name a request's series: its top-level pattern (which
// names the dialect), its route and its status.
type requestLabels struct {
	top, route string
	status     int
}

// requestSeries are the counter and histogram of one requestLabels, looked
// up once: finding them by label values hashes the values on every request.
type requestSeries struct {
	count   prometheus.Counter
	seconds prometheus.Observer
}

func (m *Metrics) series(cache *sync.Map, l requestLabels, dialect func(pattern string) string) *requestSeries {
	if v, ok := cache.Load(l); ok {
		return v.(*requestSeries)
	}
	d, status := dialect(l.top), strconv.Itoa(l.status)
	v, _ := cache.LoadOrStore(l, &requestSeries{m.requests.WithLabelValues(d, l.route, status),
		m.requestSeconds.WithLabelValues(d, l.route, status)})
	return v.(*requestSeries)
}

// recorder remembers the status code a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
