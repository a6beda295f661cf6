package testbank

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Lint validates content against the official XSD of message type typ
// (pain.008.001.08, …) in schemaDir with xmllint --schema, and returns
// xmllint's complaint for a file that is not valid. xmllint is libxml2's
// (Debian's libxml2-utils).
func Lint(schemaDir, typ string, content []byte) error {
	xsd := filepath.Join(schemaDir, typ+".xsd")
	if _, err := os.Stat(xsd); err != nil {
		return fmt.Errorf("schema of %s: %w", typ, err)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return fmt.Errorf("xmllint is needed (apt-get install libxml2-utils): %w", err)
	}
	dir, err := os.MkdirTemp("", "kontor-xmllint-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f := filepath.Join(dir, typ+".xml")
	if err := os.WriteFile(f, content, 0o600); err != nil {
		return err
	}
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		return &InvalidError{Complaint: strings.TrimSpace(string(out))}
	}
	return nil
}

// InvalidError is xmllint's complaint about a file that breaks its schema.
type InvalidError struct{ Complaint string }

func (e *InvalidError) Error() string { return e.Complaint }

// IsInvalid reports whether err says the file breaks its schema (rather
// than that xmllint or the schema could not be found).
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}
