// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// When KONTOR_TEST_POSTGRES_DSN names a server, Start creates a database on
// it for each call and drops it when the test ends. Otherwise the first
// Start of a test binary runs a throwaway cluster of its own: initdb into a
// temporary directory (fsync on, as in production), then postgres listening
// on a free port of 127.0.0.1 and on a unix socket inside that directory.
// Every later Start shares that cluster and gets its own database.
//
// The cluster outlives single tests, so t.Cleanup drops only the test's
// database; the cluster itself is stopped and its directory removed by a
// small reaper process as soon as the test binary exits, however it exits
// (even by kill -9), so no TestMain is needed.
//
// PostgreSQL refuses to run as root. When the tests run as root (as in the
// development sandbox), initdb and postgres run as the "postgres" system
// user, or as "nobody" when there is none, and the temporary directory is
// handed to that user.
//
// The server binaries are looked up in PATH, in `pg_config --bindir` and in
// /usr/lib/postgresql/*/bin. Without them Start fails the test saying so, or
// skips it when KONTOR_TEST_ALLOW_MISSING=1 (testenv.Missing).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kontorpay/kontor/internal/testenv"
)

// EnvDSN names the environment variable that points the tests at an
// existing server instead of a throwaway cluster. Its user must be allowed
// to create databases.
const EnvDSN = "KONTOR_TEST_POSTGRES_DSN"

var (
	clusterOnce sync.Once
	clusterDSN  string // admin DSN of the shared cluster, without a database
	clusterErr  error
	// reaperPipe is the write end of the reaper's stdin. It stays open (and
	// referenced, so that no finalizer closes it) until the binary exits.
	reaperPipe *os.File
)

// Start returns the DSN of a fresh, empty database that is dropped when t
// ends. It skips t (fails it when CI=true) when PostgreSQL is not installed.
func Start(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDSN)
	if admin == "" {
		clusterOnce.Do(func() { clusterDSN, clusterErr = startCluster() })
		if clusterErr != nil {
			fail(t, clusterErr)
			return ""
		}
		admin = clusterDSN
	}
	name := "kontor_test_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, admin, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvDSN, err)
	}
	return dsn
}

// errMissing marks the error of a machine without the PostgreSQL server binaries.
var errMissing = errors.New("pgtest: PostgreSQL server binaries not found")

// fail fails t, or skips it when PostgreSQL is missing and the developer
// opted out (testenv.OptOut).
func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, errMissing) {
		testenv.Missing(t, err.Error())
		return
	}
	t.Fatal(err.Error())
}

// adminExec runs one statement on a connection of its own: tests call Start
// in parallel and a pgx.Conn serves one goroutine.
func adminExec(ctx context.Context, dsn, stmt string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// withDatabase returns dsn pointing at database name instead.
func withDatabase(dsn, name string) (string, error) {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("not a valid URL") // the error would quote the password
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// A key=value string: a later dbname overrides an earlier one.
	return dsn + " dbname=" + name, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// cluster is the shared throwaway cluster: where it lives and the running postgres.
type cluster struct {
	bin, dir, data, sock, logPath string
	cred                          *syscall.Credential
	port                          int

	mu     sync.Mutex
	proc   *exec.Cmd
	exited chan struct{}
}

// shared is the cluster of this test binary, once startCluster ran.
var shared *cluster

// startCluster creates and starts the shared cluster and returns its admin DSN.
func startCluster() (string, error) {
	bin, err := findBinaries()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "kontor-pgtest-")
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	c := &cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"), sock: filepath.Join(dir, "sock"), logPath: filepath.Join(dir, "postgres.log")}
	// From here on the reaper removes everything when the binary exits.
	if err := startReaper(dir, c.data); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if c.cred, err = credential(dir); err != nil {
		return "", err
	}
	if err := os.Mkdir(c.sock, 0o700); err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(c.sock, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return "", fmt.Errorf("pgtest: %w", err)
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	// The port is free when picked but could be taken before postgres binds
	// it; try a few ports.
	var lastErr error
	for range 3 {
		if c.port, err = freePort(); err != nil {
			lastErr = err
			continue
		}
		if lastErr = c.start(); lastErr == nil {
			shared = c
			return c.dsn(), nil
		}
	}
	return "", lastErr
}

// dsn is the cluster's admin DSN.
func (c *cluster) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// start runs postgres on c.port and waits until it accepts connections.
func (c *cluster) start() error {
	logFile, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	pg := exec.Command(filepath.Join(c.bin, "postgres"), "-D", c.data, "-p", strconv.Itoa(c.port), "-k", c.sock,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c", "synchronous_commit=on",
		"-c", "max_connections=300", "-c", "deadlock_timeout=200ms")
	pg.Dir = c.dir
	pg.Stdout, pg.Stderr = logFile, logFile
	// Its own process group keeps a Ctrl-C in the terminal from stopping
	// the server under the tests; the reaper stops it.
	pg.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	if err := pg.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = pg.Wait(); close(exited) }()
	if err := waitReady(c.dsn(), exited); err != nil {
		pg.Process.Kill()
		<-exited
		return fmt.Errorf("pgtest: postgres did not start (%v, exit: %v); its log ends:\n%s", err, waitErr, tail(c.logPath))
	}
	c.mu.Lock()
	c.proc, c.exited = pg, exited
	c.mu.Unlock()
	return nil
}

// stop shuts postgres down the way sig asks (SIGINT: fast, rolling back
// open transactions and cutting every connection; SIGQUIT: immediate, a
// crash that recovery replays at the next start) and waits until it exited.
func (c *cluster) stop(sig syscall.Signal) error {
	c.mu.Lock()
	pg, exited := c.proc, c.exited
	c.mu.Unlock()
	if pg == nil {
		return errors.New("pgtest: the cluster is not running")
	}
	pg.Process.Signal(sig)
	select {
	case <-exited:
		return nil
	case <-time.After(time.Minute):
		pg.Process.Kill()
		<-exited
		return errors.New("pgtest: postgres did not stop within a minute")
	}
}

// Down stops the shared cluster of this test binary, as a restart or a
// crash of the database server would (immediate: no shutdown checkpoint,
// every connection cut), and returns the function that starts it again on
// the same port, so DSNs stay valid. The cluster's other databases go down
// too: a test that calls Down must not run in parallel with other tests of
// its binary that use PostgreSQL. It skips t when the tests use a server of
// KONTOR_TEST_POSTGRES_DSN, which pgtest cannot restart.
func Down(t testing.TB) (up func()) {
	t.Helper()
	if os.Getenv(EnvDSN) != "" {
		t.Skipf("pgtest: %s names a server that the tests cannot restart", EnvDSN)
	}
	if shared == nil {
		t.Fatal("pgtest: Down before Start: there is no cluster yet")
	}
	if err := shared.stop(syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := shared.start(); err != nil {
			t.Fatal(err)
		}
	}
}

// Terminate cuts every connection to dsn's database from the server side
// (pg_terminate_backend), as a network failure or an administrator would,
// and returns how many it cut.
func Terminate(t testing.TB, dsn string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: terminate: %v", err)
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil {
		t.Fatalf("pgtest: terminate: %v", err)
	}
	return n
}

// findBinaries returns the directory that holds initdb and postgres.
func findBinaries() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	versions, _ := filepath.Glob(installDirs)
	slices.SortFunc(versions, func(a, b string) int { return versionOf(b) - versionOf(a) }) // newest first
	dirs = append(dirs, versions...)
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w (initdb, postgres) in PATH, `pg_config --bindir` or %s: install them (Debian: apt-get install postgresql) or set %s",
		errMissing, installDirs, EnvDSN)
}

// installDirs is where distributions install the server binaries of each major version.
var installDirs = "/usr/lib/postgresql/*/bin"

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// credential returns the unprivileged user to run PostgreSQL as when the
// tests run as root (nil otherwise) and hands dir to that user.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var u *user.User
	for _, name := range []string{"postgres", "nobody"} {
		if found, err := user.Lookup(name); err == nil {
			u = found
			break
		}
	}
	if u == nil {
		return nil, errors.New("pgtest: running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgtest: user %s: %w", u.Username, err)
	}
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return nil, fmt.Errorf("pgtest: hand %s to %s: %w", dir, u.Username, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// reaperScript waits until its stdin closes, which happens when the test
// binary exits, then stops postgres (fast shutdown; SIGKILL if it is still
// running ten seconds later) and removes the cluster's directory ($1; $2 is
// the data directory).
const reaperScript = `cat >/dev/null
if [ -e "$2/postmaster.pid" ]; then
	pid=$(head -n 1 "$2/postmaster.pid")
	kill -INT "$pid" 2>/dev/null
	i=0
	while [ -e "$2/postmaster.pid" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	[ -e "$2/postmaster.pid" ] && kill -KILL "$pid" 2>/dev/null
fi
rm -rf "$1"
`

// startReaper starts the process that cleans the cluster up after the binary exits.
func startReaper(dir, data string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer r.Close()
	reaper := exec.Command("/bin/sh", "-c", reaperScript, "pgtest-reaper", dir, data)
	reaper.Stdin = r
	// Its own process group, so that a Ctrl-C meant for the tests does not
	// stop it before it cleaned up; no stdout or stderr, so that go test
	// does not wait for it.
	reaper.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := reaper.Start(); err != nil {
		w.Close()
		return fmt.Errorf("pgtest: start the reaper: %w", err)
	}
	go reaper.Wait()
	reaperPipe = w
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: pick a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the server until it accepts connections, it exits, or a minute passes.
func waitReady(dsn string, exited <-chan struct{}) error {
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, dsn)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-exited:
			return errors.New("postgres exited")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// tail returns the last lines of the server log, for errors.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
