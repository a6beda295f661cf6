// Package xsd validates ISO 20022 files against their official XML schemas
// with libxml2's xmllint (Debian's libxml2-utils): the full schema, every
// element and facet, where bank/iso20022's readers check only the parts
// Kontor reads.
package xsd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Validator validates files against the XSDs of a directory, one file per
// message type named as the type (pain.008.001.08.xsd, …).
type Validator struct {
	dir     string
	xmllint string
}

// New returns a validator of the schemas in dir. It fails when dir is not a
// directory or xmllint is not on the PATH.
func New(dir string) (*Validator, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("xsd: %s is not a directory of XML schemas", dir)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return nil, fmt.Errorf("xsd: xmllint is needed (apt-get install libxml2-utils): %w", err)
	}
	return &Validator{dir: dir, xmllint: xmllint}, nil
}

// Invalid is the error of a file that breaks its schema.
type Invalid struct {
	// Problem is xmllint's first complaint, e.g. "line 12: Element 'Amt': …".
	Problem string
	// Output is everything xmllint said.
	Output string
}

func (e *Invalid) Error() string { return e.Problem }

// Validate checks content against the schema of message type typ. It
// answers an *Invalid for a file that breaks it, another error when the
// schema is missing or xmllint cannot run.
func (v *Validator) Validate(typ string, content []byte) error {
	schema := filepath.Join(v.dir, filepath.Base(typ)+".xsd")
	if _, err := os.Stat(schema); err != nil {
		return fmt.Errorf("xsd: no schema for %s: %w", typ, err)
	}
	cmd := exec.Command(v.xmllint, "--noout", "--nonet", "--schema", schema, "-")
	cmd.Stdin = bytes.NewReader(content)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == 3 || errors.As(err, &exit) && exit.ExitCode() == 1:
		// 3: the file does not validate; 1: it is not well-formed.
		return &Invalid{Problem: firstProblem(string(out)), Output: strings.TrimSpace(string(out))}
	default:
		return fmt.Errorf("xsd: xmllint: %v: %s", err, strings.TrimSpace(string(out)))
	}
}

// firstProblem turns xmllint's first complaint ("-:12: element Amt: Schemas
// validity error : Element '…': …") into "line 12: Element '…': …".
func firstProblem(out string) string {
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "- fails to validate" {
			continue
		}
		rest, ok := strings.CutPrefix(l, "-:")
		if !ok {
			return l
		}
		line, msg, _ := strings.Cut(rest, ":")
		if _, after, ok := strings.Cut(msg, "error : "); ok {
			msg = after
		}
		return "line " + line + ": " + strings.TrimSpace(msg)
	}
	return "the file does not validate against its schema"
}
