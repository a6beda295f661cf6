package server_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/kontorpay/kontor/server"
)

// startLimited starts a server with short limits, so that each can be
// reached in a test.
func startLimited(t *testing.T, lim server.Limits) *server.Server {
	return startServer(t, server.Config{Limits: lim})
}

// guard is how long a test waits before it calls a connection held open:
// far longer than any limit under test.
const guard = 20 * time.Second

// closedByServer reads c until the server closes it and reports whether it
// did (rather than the guard running out), with any response it sent.
func closedByServer(t *testing.T, c net.Conn) (*http.Response, bool) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(guard))
	br := bufio.NewReader(c)
	var resp *http.Response
	if r, err := http.ReadResponse(br, nil); err == nil {
		resp = r
		io.Copy(io.Discard, r.Body)
	}
	_, err := io.Copy(io.Discard, br)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return resp, false
	}
	return resp, true
}

// TestIdleConnectionsAreClosed: a keep-alive connection that sent one
// request is closed once it has been idle for Limits.Idle.
func TestIdleConnectionsAreClosed(t *testing.T) {
	srv := startLimited(t, server.Limits{Idle: 200 * time.Millisecond})
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: kontor\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(guard))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("first request: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: read %v, want the server to close it", err)
	}
}

// TestSlowBodyIsCut sends a body one byte at a time: the request's time on
// its route runs out and the server closes the connection without serving it.
func TestSlowBodyIsCut(t *testing.T) {
	srv := startLimited(t, server.Limits{API: 300 * time.Millisecond})
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /v1/customers HTTP/1.1\r\nHost: kontor\r\nAuthorization: Bearer sk_test_0123456789abcdef01234567\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nn")
	go func() {
		// A trickling client: a byte every 50 ms until the server hangs up.
		for i := 0; i < 999; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := io.WriteString(c, "a"); err != nil {
				return
			}
		}
	}()
	resp, closed := closedByServer(t, c)
	if !closed {
		t.Fatal("the server still waits for a body sent a byte at a time")
	}
	if resp != nil && resp.StatusCode < 400 {
		t.Fatalf("the trickled request was served: %d", resp.StatusCode)
	}
}

// TestConnectionCap holds MaxConnections connections open: the next one
// is answered 503 and closed; once one is closed, connections are served again.
func TestConnectionCap(t *testing.T) {
	srv := startLimited(t, server.Limits{MaxConnections: 2})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// A request on each proves the server accepted it (a dial alone only reaches the backlog).
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: kontor\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(guard))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("held connection: %v %v", resp, err)
		}
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	io.WriteString(extra, "GET /healthz HTTP/1.1\r\nHost: kontor\r\n\r\n")
	resp, closed := closedByServer(t, extra)
	if !closed || (resp != nil && resp.StatusCode != http.StatusServiceUnavailable) {
		t.Fatalf("connection past the cap: %v closed=%v, want 503 and closed", resp, closed)
	}
	held[0].Close()
	deadline := time.Now().Add(guard)
	for {
		r, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get(srv.URL() + "/healthz")
		if err == nil && r.StatusCode == http.StatusOK {
			r.Body.Close()
			break
		}
		if r != nil {
			r.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection served after one closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling interval: the server frees the slot when it sees the close
	}
}
