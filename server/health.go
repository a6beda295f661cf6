package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kontorpay/kontor/store"
)

// readier is implemented by stores that can tell whether their schema is
// current (store/sqlite and store/postgres).
type readier interface {
	Ready(ctx context.Context) error
}

// healthz answers 200 while the process serves HTTP: a liveness probe.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if !probeMethod(w, r) {
		return
	}
	writeProbe(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store answers and its migrations are applied,
// and 503 otherwise or once shutdown has begun: a readiness probe, so that
// a load balancer sends no requests to a node that cannot serve them.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !probeMethod(w, r) {
		return
	}
	if s.draining.Load() {
		writeProbe(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "shutting down"})
		return
	}
	if err := s.storeReady(r.Context()); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		writeProbe(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	writeProbe(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) storeReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if rd, ok := s.store.(readier); ok {
		return rd.Ready(ctx)
	}
	return s.store.View(ctx, func(tx store.Tx) error {
		_, err := tx.ListAccounts(ctx)
		return err
	})
}

func probeMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeProbe(w, http.StatusMethodNotAllowed, map[string]string{"status": "error", "error": "use GET"})
	return false
}

func writeProbe(w http.ResponseWriter, status int, body map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
