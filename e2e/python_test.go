package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/e2e/kontortest"
)

// debianPython is the interpreter Debian's python3-stripe package installs for.
const debianPython = "/usr/bin/python3"

// TestPythonSuite runs e2e/python/suite.py (Debian's python3-stripe) against
// an in-process server: the seed flows through the Python client.
func TestPythonSuite(t *testing.T) {
	t.Parallel()
	if err := exec.Command(debianPython, "-c", "import stripe").Run(); err != nil {
		missing(t, "python3-stripe is not installed for "+debianPython+" (apt-get install python3-stripe)")
	}
	script, err := filepath.Abs(filepath.Join("python", "suite.py"))
	if err != nil {
		t.Fatal(err)
	}
	s := kontortest.Start(t, kontortest.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, script)
	cmd.Env = append(os.Environ(), "KONTOR_URL="+s.URL, "KONTOR_KEY="+kontortest.NewKey())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, line := range lines {
		t.Log(line)
	}
	if err != nil {
		t.Fatalf("python suite: %v", err)
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, " passed, 0 failed") || strings.HasPrefix(last, "0 passed") {
		t.Fatalf("python suite summary %q", last)
	}
}
