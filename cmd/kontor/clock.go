package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

const clockUsage = `usage: kontor clock create [--name N] [--frozen-time RFC3339]
       kontor clock list
       kontor clock advance --clock clock_… --to 2027-01-01T00:00:00Z|+14d|+36h`

func clockCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(clockUsage)
	}
	sub := args[0]
	c := newCommand("clock "+sub, "kontor clock "+sub+" [flags]")
	var cf clientFlags
	cf.register(c)
	var name, frozen, id, to *string
	var every *time.Duration
	switch sub {
	case "create":
		name = c.fs.String("name", "", "the clock's name")
		frozen = c.fs.String("frozen-time", "", "the clock's starting time, RFC 3339 (default: now)")
	case "list":
	case "advance":
		id = c.fs.String("clock", "", "the clock to advance (clock_…)")
		to = c.fs.String("to", "", "the new frozen time: RFC 3339 (2027-01-01T00:00:00Z) or +DURATION from the clock's time (+14d, +36h, +90m)")
		every = c.fs.Duration("interval", 200*time.Millisecond, "how often to ask whether the clock is ready")
	default:
		return errors.New(clockUsage)
	}
	if help, err := c.parse(args[1:], stdout, stderr, false); help || err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		t := time.Now()
		if *frozen != "" {
			if t, err = time.Parse(time.RFC3339, *frozen); err != nil {
				return fmt.Errorf("--frozen-time %q is not an RFC 3339 time (2027-01-01T00:00:00Z)", *frozen)
			}
		}
		form := url.Values{"frozen_time": {strconv.FormatInt(t.Unix(), 10)}}
		if *name != "" {
			form.Set("name", *name)
		}
		clk, err := cl.stripe(ctx, "POST", "/v1/test_helpers/test_clocks", form)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, clockLine(clk))
		return nil
	case "list":
		page, err := cl.stripe(ctx, "GET", "/v1/test_helpers/test_clocks", url.Values{"limit": {"100"}})
		if err != nil {
			return err
		}
		for _, clk := range list(page) {
			fmt.Fprintln(stdout, clockLine(clk))
		}
		return nil
	}
	if *id == "" || *to == "" {
		return errors.New("clock advance needs --clock and --to")
	}
	ctx, stop := interruptible(ctx)
	defer stop()
	return advanceClock(ctx, cl, *id, *to, *every, stdout, isTerminal(stdout))
}

func clockLine(clk map[string]any) string {
	name := str(clk, "name")
	if name == "" {
		name = "-"
	}
	return fmt.Sprintf("%s  %-9s %s  %s", str(clk, "id"), str(clk, "status"), time.Unix(num(clk, "frozen_time"), 0).UTC().Format(time.RFC3339), name)
}

// parseTarget reads --to: an RFC 3339 time, or +N followed by d (days) or
// any Go duration unit, counted from the clock's frozen time.
func parseTarget(to string, frozen time.Time) (time.Time, error) {
	if rest, ok := strings.CutPrefix(to, "+"); ok {
		if days, ok := strings.CutSuffix(rest, "d"); ok {
			n, err := strconv.Atoi(days)
			if err != nil || n <= 0 {
				return time.Time{}, fmt.Errorf("--to %q: want +Nd with N a positive whole number of days", to)
			}
			return frozen.AddDate(0, 0, n), nil
		}
		d, err := time.ParseDuration(rest)
		if err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("--to %q: want +14d, +36h, +90m or an RFC 3339 time", to)
		}
		return frozen.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339, to)
	if err != nil {
		return time.Time{}, fmt.Errorf("--to %q: want an RFC 3339 time (2027-01-01T00:00:00Z) or +14d", to)
	}
	return t, nil
}

// advanceClock advances a test clock and waits until it is ready,
// reporting the timers fired of those due by the target (Kontor's
// kontor_advance on the clock): a bar redrawn in place on a terminal, a
// plain line a second otherwise.
func advanceClock(ctx context.Context, cl *apiClient, id, to string, every time.Duration, out io.Writer, tty bool) error {
	path := "/v1/test_helpers/test_clocks/" + url.PathEscape(id)
	clk, err := cl.stripe(ctx, "GET", path, nil)
	if err != nil {
		return err
	}
	target, err := parseTarget(to, time.Unix(num(clk, "frozen_time"), 0))
	if err != nil {
		return err
	}
	start := time.Now()
	if clk, err = cl.stripe(ctx, "POST", path+"/advance", url.Values{"frozen_time": {strconv.FormatInt(target.Unix(), 10)}}); err != nil {
		return err
	}
	lastLine := time.Time{}
	for {
		fired, due := timersOf(clk)
		ready := str(clk, "status") == "ready"
		elapsed := time.Since(start).Round(100 * time.Millisecond)
		switch {
		case tty:
			fmt.Fprintf(out, "\r[%s] %s → %s  %d/%d timers  %s ", progressBar(fired, due, ready, 20), id, target.UTC().Format(time.RFC3339), fired, due, elapsed)
		case ready || time.Since(lastLine) >= time.Second:
			fmt.Fprintf(out, "advancing %s to %s: %s, %d of %d timers fired, %s\n", id, target.UTC().Format(time.RFC3339), str(clk, "status"), fired, due, elapsed)
			lastLine = time.Now()
		}
		if ready {
			if tty {
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "%s is ready at %s (%d timers fired in %s)\n", id, time.Unix(num(clk, "frozen_time"), 0).UTC().Format(time.RFC3339), fired, elapsed)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting; %s is still %s and goes on advancing on the server", id, str(clk, "status"))
		case <-time.After(every):
		}
		if clk, err = cl.stripe(ctx, "GET", path, nil); err != nil {
			return err
		}
	}
}

// timersOf reads the timers fired and due of the clock's latest advance.
func timersOf(clk map[string]any) (fired, due int64) {
	adv, _ := clk["kontor_advance"].(map[string]any)
	return num(adv, "timers_fired"), num(adv, "timers_due")
}

// progressBar draws fired of due as width characters; full once ready.
func progressBar(fired, due int64, ready bool, width int) string {
	n := width
	if !ready {
		n = 0
		if due > 0 {
			n = int(min(fired, due) * int64(width) / due)
		}
	}
	return strings.Repeat("=", n) + strings.Repeat(" ", width-n)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
