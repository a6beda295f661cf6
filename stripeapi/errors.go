package stripeapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// apiError is Stripe's error envelope body.
type apiError struct {
	status      int
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
	Param       string `json:"param,omitempty"`
	Message     string `json:"message"`
	DocURL      string `json:"doc_url,omitempty"`
	RequestLog  string `json:"request_log_url,omitempty"`
	// Payment errors name the object they concern.
	Charge        string `json:"charge,omitempty"`
	PaymentIntent any    `json:"payment_intent,omitempty"`
	SetupIntent   any    `json:"setup_intent,omitempty"`
	Source        any    `json:"source,omitempty"`
}

// StatusClientGone is the status of a request whose client went away
// before its answer (the request's context was canceled): nginx's 499
// "client closed request". Nothing went wrong on the server, so it is no
// 500 and no error in the log; the answer is not sent, since nobody reads it.
const StatusClientGone = 499

var errClientGone = &apiError{status: StatusClientGone}

// statusOf maps engine error kinds to Stripe's HTTP statuses and error types, once.
var statusOf = map[engine.Kind]struct {
	status int
	typ    string
}{
	engine.KindInvalid:     {http.StatusBadRequest, "invalid_request_error"},
	engine.KindNotFound:    {http.StatusBadRequest, "invalid_request_error"}, // 404 for ids in the path: call.pathNotFound
	engine.KindState:       {http.StatusBadRequest, "invalid_request_error"},
	engine.KindPayment:     {http.StatusPaymentRequired, "card_error"},
	engine.KindAuth:        {http.StatusUnauthorized, "invalid_request_error"},
	engine.KindPermission:  {http.StatusForbidden, "invalid_request_error"},
	engine.KindIdempotency: {http.StatusBadRequest, "idempotency_error"},
	engine.KindInFlight:    {http.StatusConflict, "idempotency_error"},
	engine.KindUnavailable: {http.StatusBadRequest, "invalid_request_error"},
	engine.KindRateLimit:   {http.StatusTooManyRequests, "invalid_request_error"},
	engine.KindInternal:    {http.StatusInternalServerError, "api_error"},
}

// MarshalJSON writes the envelope with the doc_url Stripe links from every coded error.
func (e *apiError) MarshalJSON() ([]byte, error) {
	type plain apiError
	p := plain(*e)
	if p.DocURL == "" {
		p.DocURL = docURL(p.Code)
	}
	return json.Marshal(p)
}

// docURL returns the page of Stripe's error-code reference that explains
// code, as Stripe links it from every coded error ("" for no code).
func docURL(code string) string {
	if code == "" {
		return ""
	}
	return "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(code, "_", "-")
}

var dotted = regexp.MustCompile(`\.([A-Za-z0-9_]+)`)

// stripeParam turns the engine's dotted parameter names into Stripe's bracket form.
func stripeParam(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	return dotted.ReplaceAllString(p, "[$1]")
}

// objectNames are Stripe's names of engine objects in messages.
var objectNames = map[string]string{"payment_intent": "PaymentIntent", "setup_intent": "SetupIntent"}

// message words an engine error the way Stripe does: the engine gives codes,
// parameters and data, and a plain fallback message for codes it has one for.
func message(e *engine.Error) string {
	switch {
	case e.Code == "parameter_missing" && e.Message == "":
		return "Missing required param: " + stripeParam(e.Param) + "."
	case strings.HasSuffix(e.Code, "_unexpected_state") && e.Data["action"] != "":
		return fmt.Sprintf("You cannot %s this %s because it has a status of %s.", e.Data["action"], objectNames[e.Data["object"]], e.Data["status"])
	case e.Kind == engine.KindNotFound && wireObjects[e.Data["object"]] != "":
		return fmt.Sprintf("No such %s: '%s'", wireObjects[e.Data["object"]], e.Data["id"])
	case e.Code == "payment_page_not_open" && e.Data["action"] == "expire":
		return "Only Checkout Sessions with a status of open can be expired; this one is " + e.Data["status"] + "."
	case e.Code == "payment_page_not_open":
		return "This Checkout Session is " + e.Data["status"] + "."
	case e.Code == "parameter_invalid_enum" && e.Param == "mode" && e.Data["object"] == "payment_page":
		return fmt.Sprintf("Kontor implements Checkout in payment and setup mode; %q is not available.", e.Data["value"])
	case e.Code == "parameter_invalid_enum" && e.Data["allowed"] != "":
		allowed := strings.Fields(e.Data["allowed"])
		slices.Sort(allowed)
		return fmt.Sprintf("Invalid %s: must be one of %s", stripeParam(e.Param), oneOf(allowed))
	case e.Code == "amount_too_small" && e.Data["minimum"] != "":
		if e.Param == "line_items" {
			return "The Checkout Session's total amount must be at least " + euros(e.Data["minimum"]) + " eur."
		}
		return "Amount must be at least " + euros(e.Data["minimum"]) + " eur"
	case e.Code == "amount_too_large" && e.Data["maximum"] != "":
		return "Amount must be no more than " + euros(e.Data["maximum"])
	}
	return e.Message
}

// euros writes an amount of cents as Stripe's messages write euros:
// €0.50, €999,999.99.
func euros(cents string) string {
	n, err := strconv.ParseInt(cents, 10, 64)
	if err != nil {
		return cents
	}
	whole := strconv.FormatInt(n/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("€%s.%02d", whole, n%100)
}

// pathParams are the names Stripe gives an unknown id of the request's path
// in its error, by object: "id" unless listed.
var pathParams = map[string]string{"payment_intent": "intent", "setup_intent": "intent", "payment_page": "session"}

// pathNames are the path wildcards of the routes that name objects.
var pathNames = []string{"id", "src", "pm", "mn", "txn"}

// pathNotFound turns ae, the envelope of err, into Stripe's answer for an
// unknown id of the request's path: 404, naming the path parameter. An
// unknown id among the parameters (customer=cus_nope on a charge) stays 400
// resource_missing naming its parameter, as Stripe answers it.
func (c *call) pathNotFound(err error, ae *apiError) {
	e, ok := engine.AsError(err)
	if !ok || e.Kind != engine.KindNotFound || e.Data["id"] == "" {
		return
	}
	for _, n := range pathNames {
		if c.r.PathValue(n) == e.Data["id"] {
			ae.status, ae.Param = http.StatusNotFound, cmp.Or(pathParams[e.Data["object"]], "id")
			return
		}
	}
}

// toAPIError converts any error into the envelope the client sees. Errors
// that are not engine errors are internal and their text is not shown.
func toAPIError(err error) *apiError {
	if errors.Is(err, context.Canceled) {
		return errClientGone
	}
	if e, ok := engine.AsError(err); ok {
		m := statusOf[e.Kind]
		if m.status == 0 {
			m = statusOf[engine.KindInternal]
		}
		return &apiError{status: m.status, Type: m.typ, Code: cmp.Or(wireCodes[e.Code], e.Code), DeclineCode: e.DeclineCode, Param: stripeParam(e.Param), Message: message(e)}
	}
	if errors.Is(err, store.ErrNotFound) {
		return &apiError{status: http.StatusNotFound, Type: "invalid_request_error", Code: "resource_missing", Message: "No such object."}
	}
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrRetry) {
		// A concurrent change of the same object (on this node or another)
		// won the race. Stripe answers such collisions with lock_timeout,
		// which its SDKs retry.
		return &apiError{status: http.StatusTooManyRequests, Type: "invalid_request_error", Code: "lock_timeout",
			Message: "This object cannot be accessed right now because another API request or Kontor process is currently accessing it. If you see this error intermittently, retry the request."}
	}
	return &apiError{status: http.StatusInternalServerError, Type: "api_error",
		Message: "An unexpected error occurred on the server. The request was logged with its Request-Id; please retry."}
}
