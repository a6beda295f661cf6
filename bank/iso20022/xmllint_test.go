package iso20022

import (
	"testing"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
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

// lint runs xmllint and returns its complaint, or nil for a valid file; it
// fails the test when xmllint or the schema is missing.
func lint(t *testing.T, typ string, content []byte) error {
	t.Helper()
	err := testbank.Lint(schemaDir, typ, content)
	if err != nil && !testbank.IsInvalid(err) {
		t.Fatal(err)
	}
	return err
}
