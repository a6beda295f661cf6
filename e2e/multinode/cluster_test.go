// Package multinode runs several `kontor serve` processes on one PostgreSQL
// database and checks what the issue promises of them: any node answers any
// request, idempotency keys hold across nodes, each due timer fires once,
// every event reaches its webhook endpoint at least once, and a node killed
// with SIGKILL loses nothing it acknowledged. With -tags faults it also
// runs the kill -9 cycles of `make crash` (crash_test.go), on SQLite and on
// PostgreSQL, and the store faults (store_faults_test.go): the disk
// filling up, PostgreSQL restarting, connections cut.
//
// The nodes are real processes of the real binary, built once per test
// binary (with -race when the tests run with -race), so that a kill is a
// kill. PostgreSQL comes from store/postgres/pgtest: a throwaway cluster
// from the installed binaries, or KONTOR_TEST_POSTGRES_DSN. Without
// PostgreSQL the tests skip with one line, except under CI=true.
package multinode

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store/postgres/pgtest"
)

var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// kontorBinary builds ./cmd/kontor once per test binary and returns its path.
func kontorBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "kontor-multinode-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "kontor")
		args := []string{"build", "-o", binary}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "github.com/kontorpay/kontor/cmd/kontor")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// cluster is a PostgreSQL database and the kontor nodes serving it.
type cluster struct {
	t     *testing.T
	bin   string
	dsn   string
	dir   string
	delay time.Duration
	nodes []*node
}

// node is one `kontor serve` process on a fixed port.
type node struct {
	i    int
	addr string
	URL  string
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// startCluster starts a fresh database, migrates it with `kontor migrate`
// and starts n nodes on it. Everything stops when the test ends.
func startCluster(t *testing.T, n int, sandboxDelay time.Duration) *cluster {
	t.Helper()
	return startNodes(t, pgtest.Start(t), n, sandboxDelay) // pgtest skips (or fails under CI=true) without PostgreSQL
}

// startNodes migrates the database dsn (PostgreSQL, or a SQLite file for
// a single node) and starts n nodes on it.
func startNodes(t *testing.T, dsn string, n int, sandboxDelay time.Duration) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: kontorBinary(t), dsn: dsn, dir: t.TempDir(), delay: sandboxDelay}
	if out, err := exec.Command(c.bin, "migrate", "--db", dsn).CombinedOutput(); err != nil {
		t.Fatalf("kontor migrate: %v\n%s", err, out)
	}
	t.Cleanup(c.stopAll)
	for i := range n {
		nd := &node{i: i, addr: freeAddr(t), log: filepath.Join(c.dir, fmt.Sprintf("node%d.log", i))}
		nd.URL = "http://" + nd.addr
		c.nodes = append(c.nodes, nd)
	}
	// Start the nodes at once: their engines race to create the data key.
	var wg sync.WaitGroup
	for _, nd := range c.nodes {
		wg.Add(1)
		go func() { defer wg.Done(); c.start(nd) }()
	}
	wg.Wait()
	for _, nd := range c.nodes {
		c.waitUp(nd)
	}
	return c
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs `kontor serve` for nd, appending its output to nd.log.
func (c *cluster) start(nd *node) {
	logf, err := os.OpenFile(nd.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Error(err)
		return
	}
	cmd := exec.Command(c.bin, "serve", "--db", c.dsn, "--addr", nd.addr, "--sandbox-delay", c.delay.String(),
		"--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		c.t.Errorf("start node %d: %v", nd.i, err)
		return
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	nd.mu.Lock()
	nd.cmd, nd.done = cmd, done
	nd.mu.Unlock()
}

// waitUp waits until nd answers HTTP (any status) or fails the test.
func (c *cluster) waitUp(nd *node) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(nd.URL + "/v1/charges")
		if err == nil {
			resp.Body.Close()
			return
		}
		nd.mu.Lock()
		done := nd.done
		nd.mu.Unlock()
		select {
		case <-done:
			c.t.Fatalf("node %d exited at start:\n%s", nd.i, tail(nd.log))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("node %d did not come up: %v\n%s", nd.i, err, tail(nd.log))
		}
	}
}

// kill stops nd with SIGKILL and waits until the process is gone.
func (c *cluster) kill(nd *node) {
	nd.mu.Lock()
	cmd, done := nd.cmd, nd.done
	nd.mu.Unlock()
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// restart starts nd again on the same address and waits until it answers.
func (c *cluster) restart(nd *node) {
	c.start(nd)
	c.waitUp(nd)
}

// stopAll stops every node with SIGTERM (SIGKILL after 15 s) and reports
// the log lines of nodes that logged errors.
func (c *cluster) stopAll() {
	for _, nd := range c.nodes {
		nd.mu.Lock()
		cmd, done := nd.cmd, nd.done
		nd.mu.Unlock()
		if cmd == nil {
			continue
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			c.t.Errorf("node %d did not stop on SIGTERM", nd.i)
			cmd.Process.Kill()
			<-done
		}
	}
	for _, nd := range c.nodes {
		if errs := errorLines(nd.log); len(errs) > 0 {
			c.t.Logf("node %d logged errors:\n%s", nd.i, bytes.Join(errs, []byte("\n")))
		}
	}
}

// errorLines returns the lines of a node's log at level ERROR.
func errorLines(path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte("level=ERROR")) {
			out = append(out, append([]byte(nil), sc.Bytes()...))
		}
	}
	return out
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitFor polls cond every 50 ms until it holds or deadline passes; it
// returns cond's last explanation when it never held.
func waitFor(ctx context.Context, deadline time.Duration, cond func() (bool, string)) (bool, string) {
	end := time.Now().Add(deadline)
	for {
		ok, why := cond()
		if ok {
			return true, ""
		}
		if time.Now().After(end) || ctx.Err() != nil {
			return false, why
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
