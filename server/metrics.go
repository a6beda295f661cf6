package server

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kontorpay/kontor/metrics"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/webhook"
)

// instrument builds the server's metrics, connects the store's and the
// engine's observers, serves /metrics on mux unless Config.MetricsAddr
// names a port of its own, and wraps mux to count every request.
func (s *Server) instrument(mux *http.ServeMux) (http.Handler, error) {
	m := metrics.New()
	s.metrics = m
	if c, ok := s.store.(interface {
		OnCommit(func(batch int, d time.Duration))
	}); ok {
		c.OnCommit(m.ObserveCommit)
	}
	if sp, ok := s.store.(*sqlite.Store); ok {
		m.WatchSpeculations(func() map[string]int64 {
			st := sp.Speculations()
			return map[string]int64{"applied": st.Applied, "stale": st.Stale, "skipped": st.Skipped, "failed": st.Failed,
				"redone": st.Redone}
		})
	}
	m.WatchBacklog(s.store, func() int64 { return s.engine.WallNow().UnixMilli() }, s.log)
	if s.cfg.MetricsAddr == "" {
		mux.Handle("/metrics", m.Handler())
	} else {
		ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			return nil, err
		}
		s.metricsLn = ln
		only := http.NewServeMux()
		only.Handle("/metrics", m.Handler())
		s.metricsHTTP = &http.Server{Handler: only, ReadHeaderTimeout: 10 * time.Second}
	}
	return m.Instrument(mux, dialectOf), nil
}

// dialectOf names the part of the server a top-level pattern belongs to.
func dialectOf(pattern string) string {
	switch {
	case pattern == "/v1/":
		return "stripe"
	case pattern == "/":
		return "cko"
	case strings.HasPrefix(pattern, "/hosted/"):
		return "hosted"
	case pattern == "/healthz", pattern == "/readyz", pattern == "/metrics":
		return "ops"
	}
	return strings.Trim(pattern, "/")
}

// observeAttempt counts a webhook attempt in the metrics.
func (s *Server) observeAttempt(a webhook.Attempt) {
	outcome := metrics.OutcomeSucceeded
	switch {
	case a.OK:
	case a.Status != 0:
		outcome = metrics.OutcomeRejected
	default:
		outcome = metrics.OutcomeError
	}
	dialect := a.Dialect
	if dialect == "" {
		dialect = "stripe"
	}
	s.metrics.ObserveAttempt(dialect, outcome, a.Duration)
}

// MetricsAddr returns the address /metrics is served on when it has a
// port of its own (Config.MetricsAddr), else "".
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

func (s *Server) serveMetrics() {
	if s.metricsHTTP == nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.metricsHTTP.Serve(s.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("metrics server", "err", err)
		}
	}()
}
