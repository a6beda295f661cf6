package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

func eventsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "tail" {
		return errors.New("usage: kontor events tail [--type charge.*|a,b] [--api URL] [--key sk_test_…]")
	}
	c := newCommand("events tail", "kontor events tail [flags]")
	var cf clientFlags
	cf.register(c)
	types := c.fs.String("type", "", "only events of this type; a trailing * matches a prefix (charge.*); several types separated by commas")
	every := c.fs.Duration("interval", 500*time.Millisecond, "how often to ask the server for new events")
	if help, err := c.parse(args[1:], stdout, stderr, false); help || err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	filter := url.Values{}
	switch ts := splitList(*types); {
	case len(ts) == 1:
		filter.Set("type", ts[0])
	case len(ts) > 1:
		for _, t := range ts {
			filter.Add("types[]", t)
		}
	}
	ctx, stop := interruptible(ctx)
	defer stop()
	ready := func() { fmt.Fprintf(stderr, "tailing events of %s on %s (Ctrl-C to stop)\n", keyHint(cl.key), cl.base) }
	return tailEvents(ctx, cl, filter, *every, ready, func(ev map[string]any) {
		fmt.Fprintln(stdout, eventLine(ev))
	})
}

// tailEvents calls fn with every event created after it starts, oldest
// first, until ctx ends. It asks for the events newer than the newest one
// seen (ending_before), the way Stripe's list pagination works.
// ready is called once the start is marked.
func tailEvents(ctx context.Context, cl *apiClient, filter url.Values, every time.Duration, ready func(), fn func(map[string]any)) error {
	// The newest event of the account (whatever its type) marks the start.
	first, err := cl.stripe(ctx, "GET", "/v1/events", url.Values{"limit": {"1"}})
	if err != nil {
		return err
	}
	last := ""
	if evs := list(first); len(evs) > 0 {
		last = str(evs[0], "id")
	}
	ready()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			q := url.Values{"limit": {"100"}}
			for k, v := range filter {
				q[k] = v
			}
			if last != "" {
				q.Set("ending_before", last)
			}
			page, err := cl.stripe(ctx, "GET", "/v1/events", q)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
			evs := list(page)
			for i := len(evs) - 1; i >= 0; i-- { // newest first on the wire
				fn(evs[i])
			}
			if len(evs) > 0 {
				last = str(evs[0], "id")
			}
			if more, _ := page["has_more"].(bool); !more {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// eventLine is the one line a tailed event prints: its time, type, id and object.
func eventLine(ev map[string]any) string {
	obj := ""
	if data, ok := ev["data"].(map[string]any); ok {
		if o, ok := data["object"].(map[string]any); ok {
			obj = str(o, "id")
		}
	}
	return fmt.Sprintf("%s  %-40s %s  %s", time.Unix(num(ev, "created"), 0).UTC().Format(time.RFC3339), str(ev, "type"), str(ev, "id"), obj)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// keyHint names a key without revealing it.
func keyHint(key string) string {
	if len(key) <= 12 {
		return "sk_test_…"
	}
	return key[:8] + "…" + key[len(key)-4:]
}
