package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// health asks a server on this machine whether it serves (/healthz) or is
// ready (/readyz, with --ready), exiting 0 only for a 200: a container's
// health check needs no curl.
func health(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCommand("health", "kontor health [--addr ADDR] [--ready]")
	addr := c.fs.String("addr", "127.0.0.1:12111", "the server's listen address (0.0.0.0 and :: are asked on loopback)")
	c.env("addr", "KONTOR_ADDR")
	ready := c.fs.Bool("ready", false, "ask /readyz (the store answers, migrations applied) instead of /healthz")
	if help, err := c.parse(args, stdout, stderr, false); help || err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", *addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	u := "http://" + net.JoinHostPort(host, port) + path
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", u, resp.StatusCode, body)
	}
	fmt.Fprintf(stdout, "%s", body)
	return nil
}
