package ckoapi

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
)

// A payment's chargeback is also a dispute, as Checkout.com's Disputes API
// shows them: dsp_ and an id derived from the engine's dispute. A SEPA
// chargeback cannot be represented (seed 003: a mandate the customer did
// not agree to is settled with the customer, not the bank), so a dispute is
// lost as it opens, and evidence is refused; the merchant may accept it,
// which closes it as accepted.

// Dispute statuses the dialect shows.
const (
	disputeLost     = "lost"
	disputeAccepted = "accepted"
	// acceptedKey marks an accepted dispute in the engine dispute's metadata.
	acceptedKey = "cko_accepted_on"
)

// disputeCategories maps the engine's dispute reasons to Checkout.com's
// dispute categories; others are "general".
var disputeCategories = map[string]string{
	"fraudulent":            "fraudulent",
	"debit_not_authorized":  "unrecognized",
	"duplicate":             "duplicate",
	"subscription_canceled": "canceled_recurring",
	"product_not_received":  "product_service_not_received",
	"credit_not_processed":  "credit_not_issued",
}

// disputePayment is the payment a dispute is about.
type disputePayment struct {
	ID          string `json:"id"`
	ActionID    string `json:"action_id"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Method      string `json:"method"`
	ProcessedOn string `json:"processed_on"`
}

// disputeJSON is a dispute as GET /disputes/{id} answers it.
type disputeJSON struct {
	ID               string         `json:"id"`
	Category         string         `json:"category"`
	Status           string         `json:"status"`
	Amount           int64          `json:"amount"`
	Currency         string         `json:"currency"`
	ReasonCode       string         `json:"reason_code"`
	RelevantEvidence []string       `json:"relevant_evidence"`
	ReceivedOn       string         `json:"received_on"`
	LastUpdate       string         `json:"last_update"`
	Payment          disputePayment `json:"payment"`
	Links            links          `json:"_links"`
}

// disputeSummary is a dispute as GET /disputes lists it.
type disputeSummary struct {
	ID               string `json:"id"`
	Category         string `json:"category"`
	Status           string `json:"status"`
	Amount           int64  `json:"amount"`
	Currency         string `json:"currency"`
	ReasonCode       string `json:"reason_code"`
	PaymentID        string `json:"payment_id"`
	PaymentActionID  string `json:"payment_action_id"`
	PaymentReference string `json:"payment_reference,omitempty"`
	PaymentMethod    string `json:"payment_method"`
	ReceivedOn       string `json:"received_on"`
	LastUpdate       string `json:"last_update"`
	Links            links  `json:"_links"`
}

// Paging of GET /disputes: limit defaults to 50 and is at most 250.
const (
	disputesDefaultLimit = 50
	disputesMaxLimit     = 250
	disputesScan         = 10000
)

func (a *API) disputeRoutes() {
	a.handle("GET /disputes", route{h: listDisputes})
	a.handle("GET /disputes/{id}", route{h: getDisputeDetails})
	a.handle("POST /disputes/{id}/accept", route{write: true, h: acceptDispute})
	for _, p := range []string{"PUT /disputes/{id}/evidence", "POST /disputes/{id}/evidence"} {
		a.handle(p, route{write: true, h: refuseEvidence})
	}
	a.handle("GET /disputes/{id}/evidence", route{h: refuseEvidence})
}

// dispute is an engine dispute with the payment it is about, as announced.
type dispute struct {
	d *engine.Dispute
	p *payment
}

func (x dispute) id() string { return derivedID("dsp_", x.d.ID) }

func (x dispute) status() string {
	if x.d.Metadata[acceptedKey] != "" {
		return disputeAccepted
	}
	return disputeLost
}

func (x dispute) lastUpdate() string {
	if at := x.d.Metadata[acceptedKey]; at != "" {
		return at
	}
	return timestamp(x.p.chargebackAt.Unix())
}

func (x dispute) category() string {
	if c, ok := disputeCategories[x.d.Reason]; ok {
		return c
	}
	return "general"
}

// announcedDisputes returns the account's disputes whose chargeback has
// been announced (see chargebackAt), newest first.
func announcedDisputes(op *engine.Op) ([]dispute, error) {
	ds, err := engine.List[engine.Dispute](op, engine.ListParams{Kind: Dialect, Limit: disputesScan})
	if err != nil {
		return nil, err
	}
	var out []dispute
	for _, d := range ds {
		c, err := engine.Get[engine.Charge](op, d.Charge)
		if err != nil {
			return nil, err
		}
		p, err := loadPayment(op, c)
		if err != nil {
			return nil, err
		}
		if p.dispute == nil || op.Now(c.ClockID).Before(p.chargebackAt) {
			continue
		}
		out = append(out, dispute{d: d, p: p})
	}
	return out, nil
}

// pathDispute returns the announced dispute the path names.
func pathDispute(c *call, op *engine.Op) (dispute, error) {
	all, err := announcedDisputes(op)
	if err != nil {
		return dispute{}, err
	}
	i := slices.IndexFunc(all, func(x dispute) bool { return x.id() == c.r.PathValue("id") })
	if i < 0 {
		return dispute{}, errNotFound
	}
	return all[i], nil
}

func disputeLinks(base string, x dispute) links {
	return links{"self": {base + "/disputes/" + x.id()}, "payment": {base + "/payments/" + x.p.charge.ID}}
}

// listDisputes answers the account's disputes, newest first, optionally of
// one payment (payment_id) or payment reference, in some statuses
// (statuses, comma-separated) and received between from and to, paged by
// limit and skip.
func listDisputes(c *call, op *engine.Op) (int, any, error) {
	var ck checks
	q := c.r.URL.Query()
	limit, skip := ck.paging(q, disputesDefaultLimit, disputesMaxLimit)
	var from, to time.Time
	for _, f := range []struct {
		key string
		dst *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(f.key); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				ck.add(f.key + "_invalid")
			}
			*f.dst = t
		}
	}
	if err := ck.err(); err != nil {
		return 0, nil, err
	}
	all, err := announcedDisputes(op)
	if err != nil {
		return 0, nil, err
	}
	statuses := splitList(q.Get("statuses"))
	all = slices.DeleteFunc(all, func(x dispute) bool {
		at := x.p.chargebackAt
		return q.Get("payment_id") != "" && x.p.charge.ID != q.Get("payment_id") ||
			q.Get("payment_reference") != "" && x.p.charge.Reference != q.Get("payment_reference") ||
			q.Get("id") != "" && x.id() != q.Get("id") ||
			len(statuses) > 0 && !slices.Contains(statuses, x.status()) ||
			!from.IsZero() && at.Before(from) || !to.IsZero() && at.After(to)
	})
	out := listOf[disputeSummary]{Limit: limit, Skip: skip, TotalCount: len(all), Data: []disputeSummary{}}
	for _, x := range page(all, limit, skip) {
		out.Data = append(out.Data, disputeSummary{ID: x.id(), Category: x.category(), Status: x.status(), Amount: x.d.Amount,
			Currency: "EUR", ReasonCode: x.d.ReturnReason, PaymentID: x.p.charge.ID,
			PaymentActionID: actionID(x.p.charge.ID, actionChargeback), PaymentReference: x.p.charge.Reference,
			PaymentMethod: "SEPA", ReceivedOn: timestamp(x.p.chargebackAt.Unix()), LastUpdate: x.lastUpdate(),
			Links: disputeLinks(c.baseURL(), x)})
	}
	return http.StatusOK, out, nil
}

// splitList splits a comma-separated query value, dropping empty items.
func splitList(v string) []string {
	return slices.DeleteFunc(strings.Split(v, ","), func(s string) bool { return s == "" })
}

func getDisputeDetails(c *call, op *engine.Op) (int, any, error) {
	x, err := pathDispute(c, op)
	if err != nil {
		return 0, nil, err
	}
	ch := x.p.charge
	capture := x.p.action(actionID(ch.ID, actionCapture))
	return http.StatusOK, disputeJSON{ID: x.id(), Category: x.category(), Status: x.status(), Amount: x.d.Amount, Currency: "EUR",
		ReasonCode: x.d.ReturnReason, RelevantEvidence: []string{}, ReceivedOn: timestamp(x.p.chargebackAt.Unix()),
		LastUpdate: x.lastUpdate(), Payment: disputePayment{ID: ch.ID, ActionID: capture.ID, Amount: ch.Amount, Currency: "EUR",
			Method: "SEPA", ProcessedOn: capture.ProcessedOn}, Links: disputeLinks(c.baseURL(), x)}, nil
}

// acceptDispute closes the dispute as accepted: 204; accepting it again
// changes nothing.
func acceptDispute(c *call, op *engine.Op) (int, any, error) {
	x, err := pathDispute(c, op)
	if err != nil {
		return 0, nil, err
	}
	if x.status() == disputeAccepted {
		return http.StatusNoContent, nil, nil
	}
	at := timestamp(op.Now(x.p.charge.ClockID).Unix())
	if _, err := op.UpdateDispute(x.d.ID, engine.MetadataUpdate{Set: map[string]string{acceptedKey: at}}); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// refuseEvidence answers every evidence request of a known dispute with
// 403: a SEPA chargeback cannot be represented.
func refuseEvidence(c *call, op *engine.Op) (int, any, error) {
	if _, err := pathDispute(c, op); err != nil {
		return 0, nil, err
	}
	return 0, nil, notAllowed("dispute_evidence_not_allowed")
}
