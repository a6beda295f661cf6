package ckoapi

import (
	"net/http"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

// mandatePaths are every path under which Checkout.com's clients reach a
// SEPA mandate: the Go SDK and the docs use /sepa/, the Node SDK uses
// /sepa-external/ when its host contains "sandbox", and the PPRO variants
// are /ppro/sepa[-external]/ (Node) and /apms/ppro/sepa/ (Go).
// Every mandate link names mandateLinkPath, whichever of them the client
// called: seed 003's create answer and the SDK's recorded sandbox answers
// do (only seed 003's GET /sources answer names /sepa/, see getSource).
var mandatePaths = []string{
	"/sepa/mandates/",
	"/sepa-external/mandates/",
	"/ppro/sepa/mandates/",
	"/ppro/sepa-external/mandates/",
	"/apms/ppro/sepa/mandates/",
}

const mandateLinkPath = "/sepa-external/mandates/"

// mandateStates names the engine's mandate states as Checkout.com shows them.
var mandateStates = map[string]string{
	"":         "Active", // active
	"canceled": "Canceled",
	"detached": "Canceled",
	"lapsed":   "Expired", // 36 months without a collection
	"consumed": "Used",    // a single mandate after its one payment
}

// mandateState returns m's state in Checkout.com's words.
func mandateState(m *engine.Mandate) string {
	if m.Active() {
		return mandateStates[""]
	}
	if s, ok := mandateStates[m.EndReason]; ok {
		return s
	}
	return "Inactive"
}

// mandateType returns "Single" or "Recurring", capitalised as Checkout.com shows it.
func mandateType(m *engine.Mandate) string {
	if m.Type == "single_use" {
		return "Single"
	}
	return "Recurring"
}

// mandateJSON is the answer of GET …/mandates/{id}.
type mandateJSON struct {
	MandateReference    string `json:"mandate_reference"`
	CustomerID          string `json:"customer_id"`
	FirstName           string `json:"first_name"`
	LastName            string `json:"last_name"`
	AddressLine1        string `json:"address_line1"`
	City                string `json:"city"`
	Zip                 string `json:"zip"`
	Country             string `json:"country"`
	MaskedAccountIBAN   string `json:"masked_account_iban"`
	AccountCurrencyCode string `json:"account_currency_code"`
	AccountCountryCode  string `json:"account_country_code"`
	MandateState        string `json:"mandate_state"`
	BillingDescriptor   string `json:"billing_descriptor"`
	MandateType         string `json:"mandate_type"`
	Links               links  `json:"_links"`
}

func (a *API) mandateRoutes() {
	for _, p := range mandatePaths {
		a.handle("GET "+p+"{id}", route{h: getMandate})
		a.handle("POST "+p+"{id}/cancel", route{write: true, h: cancelMandate})
	}
}

// getMandate answers GET <prefix>{id}.
func getMandate(c *call, op *engine.Op) (int, any, error) {
	m, err := op.GetMandate(c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	iban, err := op.IBAN(m.Account)
	if err != nil {
		return 0, nil, err
	}
	self := c.baseURL() + mandateLinkPath + m.ID
	out := mandateJSON{MandateReference: m.Reference, CustomerID: m.Customer, FirstName: m.FirstName,
		LastName: m.LastName, MaskedAccountIBAN: iban.Masked(), AccountCurrencyCode: "EUR",
		AccountCountryCode: m.Account.Country, MandateState: mandateState(m), MandateType: mandateType(m),
		BillingDescriptor: mandateDescriptor(m),
		Links:             links{"self": {self}, "sepa:mandate-cancel": {self + "/cancel"}}}
	if ad := m.Address; ad != nil {
		out.AddressLine1, out.City, out.Zip, out.Country = deref(ad.Line1), deref(ad.City), deref(ad.PostalCode), deref(ad.Country)
	}
	return http.StatusOK, out, nil
}

// mandateDescriptor is what the debtor's statement shows: the billing
// descriptor followed by the mandate reference.
func mandateDescriptor(m *engine.Mandate) string {
	return strings.TrimPrefix(m.Descriptor+" - Mandate: "+m.Reference, " - ")
}

// cancelMandate answers POST <prefix>{id}/cancel: the mandate ends and no
// payment may use the source any more. Canceling an ended mandate changes
// nothing and answers the same.
func cancelMandate(c *call, op *engine.Op) (int, any, error) {
	m, err := op.GetMandate(c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if _, err := op.EndMandate(m, "canceled"); err != nil {
		return 0, nil, err
	}
	get := c.baseURL() + mandateLinkPath + m.ID
	return http.StatusOK, map[string]links{"_links": {"self": {get + "/cancel"}, "sepa:mandate-get": {get}}}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
