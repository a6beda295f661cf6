package ckoapi

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

func (a *API) paymentRoutes() {
	a.handle("POST /payments", route{write: true, idempotent: true, h: createPayment})
	a.handle("GET /payments", route{h: listPayments})
	a.handle("GET /payments/{id}", route{h: getPayment})
	a.handle("GET /payments/{id}/actions", route{h: getActions})
	a.handle("POST /payments/{id}/refunds", route{write: true, idempotent: true, h: refundPayment})
}

// createPaymentRequest is a validated POST /payments body.
type createPaymentRequest struct {
	source     string
	amount     int64
	reference  string
	desc       engine.Opt[string]
	metadata   map[string]string
	customerID string
	descriptor engine.Opt[string]
	// fields are kept with the charge: payment_type and the descriptor's city.
	fields map[string]string
}

// paymentTypes are Checkout.com's payment types, as its API spells them.
var paymentTypes = []string{"Regular", "Recurring", "MOTO", "Installment", "Unscheduled"}

// Keys of the payment's fields the engine keeps for the dialect.
const (
	fieldPaymentType    = "payment_type"
	fieldDescriptorCity = "billing_descriptor_city"
)

// parseCreatePayment validates a POST /payments body. capture:false and
// merchant_initiated:false (which the Go SDK always sends) and other card
// fields are ignored: a SEPA payment is collected, never only authorised.
func parseCreatePayment(b object) (*createPaymentRequest, error) {
	var ck checks
	req := &createPaymentRequest{}
	switch src, ok := b.obj("source"); {
	case !ok:
		ck.add("payment_source_invalid")
	case src == nil:
		ck.add("payment_source_required")
	default:
		switch typ, ok := src.str("type"); {
		case !ok:
			ck.add("payment_source_type_invalid")
		case typ == "":
			ck.add("payment_source_type_required")
		case !strings.EqualFold(typ, "id") && !strings.EqualFold(typ, "sepa"):
			ck.add("payment_source_type_invalid")
		}
		req.source = ck.text(src, "id", "source_id", true, 100)
		if req.source != "" && !strings.HasPrefix(req.source, "src_") {
			ck.add("source_id_invalid")
		}
	}
	if !b.has("amount") {
		ck.add("amount_required")
	} else if n, ok := b.int("amount"); !ok || n <= 0 || n > 99999999999 {
		ck.add("amount_invalid")
	} else {
		req.amount = n
	}
	switch cur := ck.text(b, "currency", "currency", true, 3); {
	case cur == "":
	case cur != "EUR":
		// SEPA Direct Debit collects euros only.
		ck.add("currency_invalid")
	}
	req.reference = ck.text(b, "reference", "reference", false, 50)
	if d := ck.text(b, "description", "description", false, 100); d != "" {
		req.desc = engine.Some(d)
	}
	req.metadata = ck.metadata(b, "metadata")
	if cu, ok := b.obj("customer"); !ok {
		ck.add("customer_invalid")
	} else if cu != nil {
		req.customerID = ck.text(cu, "id", "customer_id", false, 100)
	}
	req.fields = map[string]string{fieldPaymentType: paymentTypes[0]}
	if pt := ck.text(b, "payment_type", "payment_type", false, 0); pt != "" {
		i := slices.IndexFunc(paymentTypes, func(t string) bool { return strings.EqualFold(t, pt) })
		if i < 0 {
			ck.add("payment_type_invalid")
		} else {
			req.fields[fieldPaymentType] = paymentTypes[i]
		}
	}
	// A billing descriptor has both a name and a city.
	if bd, ok := b.obj("billing_descriptor"); !ok {
		ck.add("billing_descriptor_invalid")
	} else if bd != nil {
		if name := ck.text(bd, "name", "billing_descriptor_name", true, 25); name != "" {
			req.descriptor = engine.Some(name)
		}
		if city := ck.text(bd, "city", "billing_descriptor_city", true, 13); city != "" {
			req.fields[fieldDescriptorCity] = city
		}
	}
	if err := ck.err(); err != nil {
		return nil, err
	}
	return req, nil
}

// paymentResponse is the 202 answer of POST /payments.
type paymentResponse struct {
	ID              string        `json:"id"`
	ActionID        string        `json:"action_id"`
	Amount          int64         `json:"amount"`
	Currency        string        `json:"currency"`
	Approved        bool          `json:"approved"`
	Status          string        `json:"status"`
	ResponseCode    string        `json:"response_code"`
	ResponseSummary string        `json:"response_summary"`
	Reference       string        `json:"reference,omitempty"`
	Source          sourceRef     `json:"source"`
	Customer        *customerJSON `json:"customer,omitempty"`
	ProcessedOn     string        `json:"processed_on"`
	Links           links         `json:"_links"`
}

// createPayment collects the amount under the source's mandate. The answer
// is 202 Pending: the bank's outcome arrives later (see the test IBANs).
// A source belongs to one customer: naming another is refused.
func createPayment(c *call, op *engine.Op) (int, any, error) {
	req, err := parseCreatePayment(c.body)
	if err != nil {
		return 0, nil, err
	}
	m, err := op.GetMandate(req.source)
	if err != nil {
		return 0, nil, invalid("source_id_invalid")
	}
	if req.customerID != "" && req.customerID != m.Customer {
		return 0, nil, invalid("customer_id_invalid")
	}
	ch, err := op.CollectUnderMandate(engine.CollectionParams{ID: newID("pay_"), Mandate: m.ID, Amount: req.amount, Currency: "eur",
		Reference: req.reference, Description: req.desc, Metadata: engine.MetadataUpdate{Set: req.metadata},
		StatementDescriptor: req.descriptor, DialectFields: req.fields})
	if err != nil {
		return 0, nil, err
	}
	p, err := paymentOf(op, ch)
	if err != nil {
		return 0, nil, err
	}
	auth := p.action(actionID(ch.ID, actionAuthorization))
	out := paymentResponse{ID: ch.ID, ActionID: auth.ID, Amount: ch.Amount, Currency: "EUR", Approved: true,
		Status: p.status, ResponseCode: auth.ResponseCode, ResponseSummary: auth.ResponseSummary, Reference: ch.Reference,
		Source: sourceRef{ID: m.ID, Type: "sepa"}, ProcessedOn: auth.ProcessedOn, Links: paymentLinks(c.baseURL(), p, op)}
	if p.customer != nil {
		cu := renderCustomer(p.customer)
		out.Customer = &cu
	}
	return http.StatusAccepted, out, nil
}

// paymentLinks are a payment's links: itself, its actions, and refund
// while a refund may be asked for.
func paymentLinks(base string, p *payment, op *engine.Op) links {
	self := base + "/payments/" + p.charge.ID
	l := links{"self": {self}, "actions": {self + "/actions"}}
	if p.refundable(op.Now(p.charge.ClockID)) {
		l["refund"] = link{self + "/refunds"}
	}
	return l
}

// actionSummary is an action as GET /payments/{id} lists it.
type actionSummary struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	ResponseCode    string `json:"response_code"`
	ResponseSummary string `json:"response_summary"`
}

// billingDescriptor is a payment's billing descriptor.
type billingDescriptor struct {
	Name string `json:"name"`
	City string `json:"city,omitempty"`
}

// paymentJSON is the answer of GET /payments/{id}.
type paymentJSON struct {
	ID                string             `json:"id"`
	RequestedOn       string             `json:"requested_on"`
	Source            sourceRef          `json:"source"`
	Amount            int64              `json:"amount"`
	Currency          string             `json:"currency"`
	PaymentType       string             `json:"payment_type"`
	Reference         string             `json:"reference,omitempty"`
	Description       string             `json:"description,omitempty"`
	Approved          bool               `json:"approved"`
	Status            string             `json:"status"`
	Customer          *customerJSON      `json:"customer,omitempty"`
	BillingDescriptor *billingDescriptor `json:"billing_descriptor,omitempty"`
	Metadata          map[string]string  `json:"metadata"`
	Actions           []actionSummary    `json:"actions"`
	Links             links              `json:"_links"`
}

// pathPayment loads the payment the request path names, with its state.
func pathPayment(c *call, op *engine.Op) (*engine.Charge, *payment, error) {
	ch, err := op.GetCharge(c.r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	p, err := loadPayment(op, ch)
	return ch, p, err
}

func getPayment(c *call, op *engine.Op) (int, any, error) {
	_, p, err := pathPayment(c, op)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderPayment(c.baseURL(), op, p), nil
}

// listOf is the answer of a paged list: GET /payments?reference=… and
// GET /disputes.
type listOf[T any] struct {
	Limit      int `json:"limit"`
	Skip       int `json:"skip"`
	TotalCount int `json:"total_count"`
	Data       []T `json:"data"`
}

// Paging of GET /payments: limit defaults to 10 and is at most 100; one
// list reads at most paymentsScan of the account's payments.
const (
	paymentsDefaultLimit = 10
	paymentsMaxLimit     = 100
	paymentsScan         = 10000
)

// listPayments answers the payments with a reference (required), newest
// first, paged by limit and skip, as GET /payments/{id} shows each.
func listPayments(c *call, op *engine.Op) (int, any, error) {
	var ck checks
	q := c.r.URL.Query()
	ref := q.Get("reference")
	if ref == "" {
		ck.add("reference_required")
	}
	limit, skip := ck.paging(q, paymentsDefaultLimit, paymentsMaxLimit)
	if err := ck.err(); err != nil {
		return 0, nil, err
	}
	charges, err := engine.List[engine.Charge](op, engine.ListParams{Kind: Dialect, Limit: paymentsScan})
	if err != nil {
		return 0, nil, err
	}
	charges = slices.DeleteFunc(charges, func(ch *engine.Charge) bool { return ch.Reference != ref })
	out := listOf[paymentJSON]{Limit: limit, Skip: skip, TotalCount: len(charges), Data: []paymentJSON{}}
	for _, ch := range page(charges, limit, skip) {
		p, err := loadPayment(op, ch)
		if err != nil {
			return 0, nil, err
		}
		out.Data = append(out.Data, renderPayment(c.baseURL(), op, p))
	}
	return http.StatusOK, out, nil
}

// renderPayment is a payment as GET /payments/{id} shows it.
func renderPayment(base string, op *engine.Op, p *payment) paymentJSON {
	ch := p.charge
	out := paymentJSON{ID: ch.ID, RequestedOn: timestamp(ch.Created), Source: sourceRef{ID: ch.Mandate, Type: "sepa"},
		Amount: ch.Amount, Currency: "EUR", PaymentType: cmp.Or(ch.DialectFields[fieldPaymentType], paymentTypes[0]),
		Reference: ch.Reference, Description: deref(ch.Description),
		Approved: p.approved(), Status: p.status, Metadata: ch.Metadata, Actions: []actionSummary{},
		Links: paymentLinks(base, p, op)}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if p.customer != nil {
		cu := renderCustomer(p.customer)
		out.Customer = &cu
	}
	if ch.StatementDescriptor != nil {
		out.BillingDescriptor = &billingDescriptor{Name: *ch.StatementDescriptor, City: ch.DialectFields[fieldDescriptorCity]}
	}
	for _, a := range p.actions {
		out.Actions = append(out.Actions, actionSummary{ID: a.ID, Type: a.Type, ResponseCode: a.ResponseCode, ResponseSummary: a.ResponseSummary})
	}
	return out
}

// getActions answers the payment's actions as a top-level JSON array,
// newest first (an object would break the Go SDK).
func getActions(c *call, op *engine.Op) (int, any, error) {
	ch, p, err := pathPayment(c, op)
	if err != nil {
		return 0, nil, err
	}
	type actionJSON struct {
		action
		Links links `json:"_links"`
	}
	self := c.baseURL() + "/payments/" + ch.ID
	out := make([]actionJSON, 0, len(p.actions))
	for _, a := range p.actions {
		out = append(out, actionJSON{action: a, Links: links{"payment": {self}}})
	}
	return http.StatusOK, out, nil
}

// refundResponse is the 202 answer of POST /payments/{id}/refunds.
type refundResponse struct {
	ActionID  string `json:"action_id"`
	Reference string `json:"reference,omitempty"`
	Links     links  `json:"_links"`
}

// refundPayment refunds all (no amount) or part of a captured payment
// within eight weeks of the debit. The refund is an action at once; the
// payment becomes (Partially) Refunded when the bank credits it, which the
// refundWindow is Checkout.com's refund rule: a payment can be refunded once
// captured, for the SEPA refund right's eight weeks after the debit.
var refundWindow = engine.RefundWindow{AfterSettlement: true}

// payment_refunded event announces.
func refundPayment(c *call, op *engine.Op) (int, any, error) {
	var ck checks
	var amount *int64
	if c.body.has("amount") {
		if n, ok := c.body.int("amount"); !ok || n <= 0 {
			ck.add("amount_invalid")
		} else {
			amount = &n
		}
	}
	ref := ck.text(c.body, "reference", "reference", false, 50)
	md := ck.metadata(c.body, "metadata")
	if err := ck.err(); err != nil {
		return 0, nil, err
	}
	id := c.r.PathValue("id")
	r, err := op.CreateRefund(engine.RefundParams{Window: refundWindow, ID: newID("act_"), Charge: id,
		Amount: amount, Reference: ref, Metadata: engine.MetadataUpdate{Set: md}})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, refundResponse{ActionID: r.ID, Reference: r.Reference,
		Links: links{"payment": {c.baseURL() + "/payments/" + id}}}, nil
}
