package engine

import (
	"errors"
	"fmt"

	"github.com/kontorpay/kontor/store"
)

// Kind classifies an engine error; each dialect maps kinds to its own status codes once.
type Kind int

// Error kinds.
const (
	KindInvalid     Kind = iota + 1 // the request is malformed or breaks a rule
	KindNotFound                    // a named object does not exist in the account
	KindState                       // the object is in a state that does not allow the operation
	KindPayment                     // the payment was declined
	KindAuth                        // no valid credentials
	KindPermission                  // valid credentials that may not do this
	KindIdempotency                 // an idempotency key was reused with other parameters
	KindInFlight                    // an idempotency key is in use by a request still executing
	KindUnavailable                 // the payment method is not available to the account
	KindRateLimit                   // too many requests
	KindInternal                    // a fault of the server
)

// Error is the one error type the engine returns for anything a client caused or should see.
// Code is a stable machine-readable code; Param names the offending parameter in
// the dialect-neutral dotted form ("owner.name"), which dialects render their way.
// Data holds the values a dialect's message names (an object's kind and
// status, an action). Message, when set, is a plain-English fallback; a
// dialect words the codes it knows itself, and an empty Message means the
// dialect must (parameter_missing, …_unexpected_state).
type Error struct {
	Kind        Kind
	Code        string
	Param       string
	Message     string
	DeclineCode string
	Data        map[string]string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (%s) %v", e.Code, e.Param, e.Data)
	}
	if e.Param != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Param, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error of the given kind, code and parameter.
func Errorf(kind Kind, code, param, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a KindInvalid error.
func Invalid(code, param, format string, args ...any) *Error {
	return Errorf(KindInvalid, code, param, format, args...)
}

// Missing returns the error for a required parameter the request lacks
// (code parameter_missing); each dialect words it.
func Missing(param string) *Error {
	return &Error{Kind: KindInvalid, Code: "parameter_missing", Param: param}
}

// NotFound returns the error for an id that does not exist (or belongs to
// another account). Data names the object ("object") and the id ("id"), so
// that a dialect can tell an id of the request's path from one among its
// parameters.
func NotFound(param, what, id string) *Error {
	return &Error{Kind: KindNotFound, Code: "resource_missing", Param: param, Message: fmt.Sprintf("No such %s: '%s'", what, id),
		Data: map[string]string{"object": what, "id": id}}
}

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// NotFoundOr answers the error of looking up id: NotFound (in the words of
// param, what and id) when the store found no such row, else err unchanged.
// A failed read is never reported as a missing object.
func NotFoundOr(err error, param, what, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return NotFound(param, what, id)
	}
	return err
}
