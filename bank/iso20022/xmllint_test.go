package iso20022

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// schemaDir is where the official XSDs live: beside the repository, as CI
// checks it out.
const schemaDir = "../../../shared/xsd"

// validate runs xmllint --schema over content against the XSD of typ and
// fails the test with xmllint's complaint if the file is not valid.
func validate(t *testing.T, typ string, content []byte) {
	t.Helper()
	if err := lint(t, typ, content); err != nil {
		t.Fatalf("%s does not validate: %v\n%s", typ, err, content)
	}
}

// lint runs xmllint and returns its complaint, or nil for a valid file.
func lint(t *testing.T, typ string, content []byte) error {
	t.Helper()
	xsd := filepath.Join(schemaDir, typ+".xsd")
	if _, err := os.Stat(xsd); err != nil {
		t.Fatalf("schema %s: %v", xsd, err)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint is needed (apt-get install libxml2-utils): %v", err)
	}
	f := filepath.Join(t.TempDir(), typ+".xml")
	if err := os.WriteFile(f, content, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		return &lintError{strings.TrimSpace(string(out))}
	}
	return nil
}

type lintError struct{ out string }

func (e *lintError) Error() string { return e.out }
