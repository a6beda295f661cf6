package testbank

import (
	"errors"

	"github.com/kontorpay/kontor/bank/iso20022/xsd"
)

// Lint validates content against the official XSD of message type typ
// (pain.008.001.08, …) in schemaDir with xmllint --schema, and returns
// xmllint's complaint for a file that is not valid (see IsInvalid).
func Lint(schemaDir, typ string, content []byte) error {
	v, err := xsd.New(schemaDir)
	if err != nil {
		return err
	}
	return v.Validate(typ, content)
}

// IsInvalid reports whether err says the file breaks its schema (rather
// than that xmllint or the schema could not be found).
func IsInvalid(err error) bool {
	var ie *xsd.Invalid
	return errors.As(err, &ie)
}
