package ckoapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// apiError is an error as Checkout.com answers it: an HTTP status and, for
// 403, 409 and 422, a body of the error type and one or more error codes.
// 401 and 404 answer with no body, as Checkout.com does.
type apiError struct {
	status int
	typ    string
	codes  []string
}

// statusClientGone is the status of a request whose client went away
// before its answer (its context was canceled); the answer is not sent.
const statusClientGone = 499

func (e *apiError) Error() string {
	return http.StatusText(e.status) + ": " + strings.Join(e.codes, ", ")
}

func (e *apiError) hasBody() bool { return len(e.codes) > 0 }

// errorBody is Checkout.com's error envelope.
type errorBody struct {
	RequestID  string   `json:"request_id"`
	ErrorType  string   `json:"error_type"`
	ErrorCodes []string `json:"error_codes"`
}

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized}
	errNotFound     = &apiError{status: http.StatusNotFound}
	// errTooManyRequests answers a request whose idempotency key is still
	// executing, and one that lost a race for the same object: worth a retry.
	errTooManyRequests = &apiError{status: http.StatusTooManyRequests}
)

// invalid returns a 422 request_invalid error with the codes.
func invalid(codes ...string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, typ: "request_invalid", codes: codes}
}

// notAllowed returns a 403 error: the action is not allowed in the object's state.
func notAllowed(codes ...string) *apiError {
	return &apiError{status: http.StatusForbidden, typ: "action_not_allowed", codes: codes}
}

// engineCodes maps the engine's error codes that Checkout.com answers in
// its own words; the others keep their code under their kind's status.
var engineCodes = map[string]*apiError{
	"account_invalid":              invalid("account_iban_invalid"),
	"invalid_amount":               invalid("amount_invalid"),
	"invalid_currency":             invalid("currency_invalid"),
	"payment_method_not_available": invalid("payment_method_not_supported"),
	"refund_not_allowed":           notAllowed("refund_not_allowed"),
	"charge_not_refundable":        notAllowed("refund_not_allowed"),
	"charge_disputed":              notAllowed("payment_disputed"),
	"charge_expired_for_refund":    notAllowed("refund_period_expired"),
	"amount_too_large":             invalid("refund_amount_exceeds_balance"),
	"invalid_refund_amount":        invalid("amount_invalid"),
	"url_invalid":                  invalid("url_invalid"),
	"parameter_invalid_empty":      invalid("event_types_invalid"),
	"invalid_reason":               invalid("reason_invalid"),
}

// endedMandateCodes maps the end reason of an inactive mandate (the engine's
// mandate_inactive error) to Checkout.com's code.
var endedMandateCodes = map[string]*apiError{
	"canceled": invalid("mandate_canceled"),
	"detached": invalid("mandate_canceled"),
	"lapsed":   invalid("mandate_expired"),
	"consumed": invalid("mandate_already_used"),
}

// notFoundParams maps the request fields whose unknown ids are validation
// errors (422) rather than missing resources (404).
var notFoundParams = map[string]string{
	"source.id":   "source_id_invalid",
	"customer.id": "customer_id_invalid",
	"test_clock":  "test_clock_invalid",
}

// kindStatus maps the engine's error kinds to HTTP statuses, once.
var kindStatus = map[engine.Kind]int{
	engine.KindInvalid:     http.StatusUnprocessableEntity,
	engine.KindNotFound:    http.StatusNotFound,
	engine.KindState:       http.StatusUnprocessableEntity,
	engine.KindPayment:     http.StatusUnprocessableEntity,
	engine.KindAuth:        http.StatusUnauthorized,
	engine.KindPermission:  http.StatusForbidden,
	engine.KindIdempotency: http.StatusUnprocessableEntity,
	engine.KindInFlight:    http.StatusConflict,
	engine.KindUnavailable: http.StatusUnprocessableEntity,
	engine.KindRateLimit:   http.StatusTooManyRequests,
	engine.KindInternal:    http.StatusInternalServerError,
}

// toAPIError converts any error into what the client sees. Errors that are
// neither the dialect's nor the engine's are internal: 500 with no body.
func toAPIError(err error) *apiError {
	if errors.Is(err, context.Canceled) {
		// The client went away before its answer: nginx's 499 "client
		// closed request", not a failure of the server.
		return &apiError{status: statusClientGone}
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if e, ok := engine.AsError(err); ok {
		if m, ok := engineCodes[e.Code]; ok {
			return m
		}
		if m, ok := endedMandateCodes[e.Data["end_reason"]]; ok && e.Code == "mandate_inactive" {
			return m
		}
		if e.Kind == engine.KindNotFound {
			if code, ok := notFoundParams[e.Param]; ok {
				return invalid(code)
			}
			return errNotFound
		}
		status, ok := kindStatus[e.Kind]
		if !ok || status >= 500 {
			return &apiError{status: http.StatusInternalServerError}
		}
		if status == http.StatusUnauthorized {
			return errUnauthorized
		}
		return &apiError{status: status, typ: "request_invalid", codes: []string{e.Code}}
	}
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrRetry) {
		// A concurrent change of the same object won the race.
		return errTooManyRequests
	}
	return &apiError{status: http.StatusInternalServerError}
}
