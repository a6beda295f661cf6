package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

// command is one subcommand's flag set. Each flag may have an environment
// twin; a twin that is set is parsed exactly as the flag would be, before the
// command line (so the flag wins), and an invalid value is an error naming the
// variable.
type command struct {
	fs    *flag.FlagSet
	usage string            // the synopsis line, e.g. "kontor migrate [flags]"
	envs  map[string]string // flag name → environment variable
}

func newCommand(name, synopsis string) *command {
	c := &command{fs: flag.NewFlagSet(name, flag.ContinueOnError), usage: synopsis, envs: map[string]string{}}
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {}
	return c
}

// env names the environment twin of the flag name and mentions it in the flag's help.
func (c *command) env(name, variable string) {
	f := c.fs.Lookup(name)
	if f == nil {
		panic("kontor: no flag " + name)
	}
	c.envs[name] = variable
	f.Usage += " (" + variable + ")"
}

// parse applies the environment twins, then args. A help request prints the
// command's usage to stdout and reports help = true; any other problem prints
// the usage to stderr and returns the error. Positional arguments are refused
// unless positional is true.
func (c *command) parse(args []string, stdout, stderr io.Writer, positional bool) (help bool, err error) {
	names := make([]string, 0, len(c.envs))
	for name := range c.envs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		variable := c.envs[name]
		v, ok := os.LookupEnv(variable)
		if !ok {
			continue
		}
		if err := c.fs.Set(name, v); err != nil {
			return false, fmt.Errorf("environment variable %s=%q is invalid: %s", variable, v, want(c.fs.Lookup(name), err))
		}
	}
	err = c.fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.printUsage(stdout)
		return true, nil
	}
	if err == nil && !positional && c.fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", c.fs.Arg(0))
	}
	if err != nil {
		c.printUsage(stderr)
		return false, err
	}
	return false, nil
}

func (c *command) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n", c.usage)
	n := 0
	c.fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	c.fs.SetOutput(w)
	c.fs.PrintDefaults()
	c.fs.SetOutput(io.Discard)
}

// want describes the values a flag accepts, for an error about a bad one.
func want(f *flag.Flag, err error) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "want true or false (or 1 or 0)"
	}
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			return "want a duration such as 2s, 500ms or 1m30s"
		case int, int64, uint, uint64:
			return "want an integer"
		}
	}
	return err.Error()
}
