package server

import (
	"cmp"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kontorpay/kontor/dashboard"
)

// Limits bound what one client can hold of the server: connections that
// send nothing, bodies that trickle in, answers nobody reads. Zero fields
// take the defaults below.
type Limits struct {
	// MaxConnections is how many client connections are open at once;
	// one more is answered 503 and closed. Default 1000.
	MaxConnections int
	// ReadHeader is how long a request's headers may take. Default 10 s.
	ReadHeader time.Duration
	// Idle is how long a keep-alive connection may wait for its next
	// request. Default 60 s.
	Idle time.Duration
	// API is how long a request of either API may take, from its headers to
	// the last byte of the answer, body included. Default 60 s.
	API time.Duration
	// Pages is the same for the hosted pages and the dashboard, which
	// browsers fetch. Default 30 s.
	Pages time.Duration
}

func (l Limits) withDefaults() Limits {
	l.MaxConnections = cmp.Or(l.MaxConnections, 1000)
	l.ReadHeader = cmp.Or(l.ReadHeader, 10*time.Second)
	l.Idle = cmp.Or(l.Idle, 60*time.Second)
	l.API = cmp.Or(l.API, 60*time.Second)
	l.Pages = cmp.Or(l.Pages, 30*time.Second)
	return l
}

// deadlines gives each request the time of its route: the body must
// arrive, and the answer be taken, within it. A request past it has its
// connection closed (and its context canceled), so that a body sent one
// byte every few seconds holds no handler for long. Deadlines are set
// afresh for each request of a keep-alive connection.
func (l Limits) deadlines(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := l.API
		if strings.HasPrefix(r.URL.Path, "/hosted/") || strings.HasPrefix(r.URL.Path, dashboard.Prefix) {
			d = l.Pages
		}
		rc := http.NewResponseController(w)
		end := time.Now().Add(d)
		rc.SetReadDeadline(end)
		rc.SetWriteDeadline(end)
		defer rc.SetWriteDeadline(time.Time{})
		h.ServeHTTP(w, r)
	})
}

// limitListener accepts at most cap(slots) connections at once. A
// connection past the limit is answered 503 and closed at once, rather than
// left waiting in the backlog, so that clients learn to retry.
type limitListener struct {
	net.Listener
	slots chan struct{}
	// refusal is written to a connection past the limit before it is
	// closed; empty closes it at once (a TLS listener's, before any handshake).
	refusal string
}

func limitConnections(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), refusal: tooManyConnections}
}

const tooManyBody = "Too many connections; retry in a moment.\n"

var tooManyConnections = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n" +
	"Connection: close\r\nContent-Length: " + strconv.Itoa(len(tooManyBody)) + "\r\n\r\n" + tooManyBody

// Accept returns the next connection within the limit.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			if l.refusal != "" {
				c.SetWriteDeadline(time.Now().Add(time.Second))
				io.WriteString(c, l.refusal)
			}
			c.Close()
		}
	}
}

// limitedConn frees its slot when closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
