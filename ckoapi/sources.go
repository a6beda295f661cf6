package ckoapi

import (
	"net/http"
	"net/mail"
	"strings"

	"github.com/kontorpay/kontor/bank/sim"
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/sepa"
)

// SandboxBIC is the only BIC Checkout.com's sandbox accepts for SEPA sources.
const SandboxBIC = "PBNKDEFFXXX"

// link is one entry of a _links object.
type link struct {
	Href string `json:"href"`
}

// links is a _links object: relation name to absolute href.
type links map[string]link

// customerRef names a customer in a request: by id, by e-mail, or neither.
type customerRef struct {
	ID, Email, Name string
}

// createSourceRequest is a validated POST /sources body.
type createSourceRequest struct {
	params   sourceParams
	customer customerRef
}

// parseCreateSource validates a POST /sources body, collecting every
// invalid field's code.
func parseCreateSource(b object) (*createSourceRequest, error) {
	var ck checks
	req := &createSourceRequest{}
	p := &req.params
	switch typ, ok := b.str("type"); {
	case !ok:
		ck.add("source_type_invalid")
	case typ == "":
		ck.add("source_type_required")
	case !strings.EqualFold(typ, "sepa"):
		ck.add("source_type_invalid")
	}
	p.Reference = ck.text(b, "reference", "reference", false, 50)
	sd, ok := b.obj("source_data")
	switch {
	case !ok:
		ck.add("source_data_invalid")
	case sd == nil:
		// The sandbox answers a body without source_data with this one
		// code, whatever else is missing (checkout-sdk-node's recorded answer).
		ck.add("request_data_required")
		return nil, ck.err()
	default:
		p.FirstName = ck.text(sd, "first_name", "first_name", true, 50)
		p.LastName = ck.text(sd, "last_name", "last_name", true, 50)
		if raw := ck.text(sd, "account_iban", "account_iban", true, 50); raw != "" {
			iban, err := engine.ParseIBAN(raw, "account_iban_invalid", "account_iban")
			// Checkout.com's sandbox takes sources for its test accounts only;
			// any other account is refused as its invalid-details account is.
			if err != nil || !sim.CkoSandboxIBAN(string(iban)) {
				ck.add("account_iban_invalid")
			}
			p.IBAN = iban
		}
		if raw := ck.text(sd, "bic", "bic", false, 11); raw != "" {
			// The sandbox accepts one BIC only, as Checkout.com's does.
			if bic, err := sepa.ParseBIC(raw); err != nil || bic != SandboxBIC {
				ck.add("bic_invalid")
			} else {
				p.BIC = bic
			}
		}
		p.Descriptor = ck.text(sd, "billing_descriptor", "billing_descriptor", true, 65)
		switch mt := strings.ToLower(ck.text(sd, "mandate_type", "mandate_type", true, 0)); mt {
		case "", "single":
		case "recurring":
			p.Recurring = true
		default:
			ck.add("mandate_type_invalid")
		}
	}
	p.Address = parseBillingAddress(&ck, b)
	if ph, ok := b.obj("phone"); !ok {
		ck.add("phone_invalid")
	} else if ph != nil {
		cc := ck.text(ph, "country_code", "phone_country_code", false, 7)
		num := ck.text(ph, "number", "phone_number", false, 25)
		p.Phone = strings.TrimSpace(cc + " " + num)
	}
	if cu, ok := b.obj("customer"); !ok {
		ck.add("customer_invalid")
	} else if cu != nil {
		req.customer.ID = ck.text(cu, "id", "customer_id", false, 100)
		req.customer.Email = ck.text(cu, "email", "customer_email", false, 255)
		req.customer.Name = ck.text(cu, "name", "customer_name", false, 255)
		if req.customer.Email != "" {
			if a, err := mail.ParseAddress(req.customer.Email); err != nil || a.Address != req.customer.Email {
				ck.add("customer_email_invalid")
			}
		}
	}
	// Kontor's extension: bind the mandate and its payments to a Stripe-style test clock.
	p.TestClock = ck.text(b, "test_clock", "test_clock", false, 100)
	if err := ck.err(); err != nil {
		return nil, err
	}
	return req, nil
}

// parseBillingAddress reads the required billing_address: line 1, city,
// zip and an ISO 3166-1 alpha-2 country.
func parseBillingAddress(ck *checks, b object) *engine.Address {
	ba, ok := b.obj("billing_address")
	switch {
	case !ok:
		ck.add("billing_address_invalid")
		return nil
	case ba == nil:
		ck.add("billing_address_required")
		return nil
	}
	line1 := ck.text(ba, "address_line1", "address_line1", true, 200)
	line2 := ck.text(ba, "address_line2", "address_line2", false, 200)
	city := ck.text(ba, "city", "city", true, 50)
	state := ck.text(ba, "state", "state", false, 50)
	zip := ck.text(ba, "zip", "zip", true, 50)
	country := ck.text(ba, "country", "country", true, 2)
	if country != "" && !sepa.IsCountryCode(country) {
		ck.add("country_invalid")
	}
	a := &engine.Address{Line1: &line1, City: &city, PostalCode: &zip, Country: &country}
	if line2 != "" {
		a.Line2 = &line2
	}
	if state != "" {
		a.State = &state
	}
	return a
}

// createSourceResponse is the 201 answer of POST /sources.
type createSourceResponse struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	ResponseCode string            `json:"response_code"`
	ResponseData map[string]string `json:"response_data"`
	Customer     customerJSON      `json:"customer"`
	Links        links             `json:"_links"`
}

// customerJSON is a customer as payments and sources show it.
type customerJSON struct {
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

func renderCustomer(cu *engine.Customer) customerJSON {
	out := customerJSON{ID: cu.ID}
	if cu.Email != nil {
		out.Email = *cu.Email
	}
	if cu.Name != nil {
		out.Name = *cu.Name
	}
	return out
}

func (a *API) sourceRoutes() {
	a.handle("POST /sources", route{write: true, h: createSource})
	a.handle("GET /sources/{id}", route{h: getSource})
}

// createSource creates a SEPA source: the customer (found or created) and
// a mandate whose reference the answer carries. Its links are the source
// itself and the mandate under /sepa-external/, as seed 003 shows them.
func createSource(c *call, op *engine.Op) (int, any, error) {
	req, err := parseCreateSource(c.body)
	if err != nil {
		return 0, nil, err
	}
	cu, err := resolveCustomer(op, req.customer)
	if err != nil {
		return 0, nil, err
	}
	p := req.params
	p.Customer = cu.ID
	if cu.Email != nil {
		p.Email = *cu.Email
	}
	m, err := createMandate(op, p)
	if err != nil {
		return 0, nil, err
	}
	mandate := c.baseURL() + mandateLinkPath + m.ID
	return http.StatusCreated, createSourceResponse{ID: m.ID, Type: "Sepa", ResponseCode: "10000",
		ResponseData: map[string]string{"mandate_reference": m.Reference}, Customer: renderCustomer(cu),
		Links: links{"self": {c.baseURL() + "/sources/" + m.ID}, "sepa:mandate-cancel": {mandate + "/cancel"},
			"sepa:mandate-get": {mandate}}}, nil
}

// sourceParams create a SEPA source: a mandate of the dialect whose id is
// the source's id.
type sourceParams struct {
	IBAN       sepa.IBAN
	BIC        string
	FirstName  string
	LastName   string
	Email      string
	Address    *engine.Address
	Customer   string
	Recurring  bool
	Descriptor string
	// Reference and Phone are kept in the mandate's metadata under the keys
	// "reference" and "phone".
	Reference string
	Phone     string
	// TestClock binds the mandate and its payments to a test clock.
	TestClock string
}

// createMandate validates the test clock and records the source's mandate
// with a 7-digit reference. The bank network may reject the account (the
// engine's account_invalid error on parameter iban).
func createMandate(op *engine.Op, p sourceParams) (*engine.Mandate, error) {
	var clockID string
	if p.TestClock != "" {
		tc, err := op.GetTestClock(p.TestClock)
		if err != nil {
			return nil, err
		}
		clockID = tc.ID
	}
	md := map[string]string{}
	if p.Reference != "" {
		md["reference"] = p.Reference
	}
	if p.Phone != "" {
		md["phone"] = p.Phone
	}
	holder := strings.TrimSpace(p.FirstName + " " + p.LastName)
	return op.CreateMandate(engine.MandateParams{ID: newID("src_"), IBAN: p.IBAN, BIC: p.BIC,
		HolderName: holder, FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, Address: p.Address,
		Customer: p.Customer, SingleUse: !p.Recurring, ClockID: clockID, Descriptor: p.Descriptor,
		NumericReference: true, Metadata: md})
}

// resolveCustomer returns the customer a source belongs to: the one named
// by id, else the newest with the e-mail address, else a new one.
func resolveCustomer(op *engine.Op, ref customerRef) (*engine.Customer, error) {
	if ref.ID != "" {
		return op.LiveCustomer(ref.ID, "customer.id")
	}
	if ref.Email != "" {
		cu, err := op.FindCustomer(ref.Email)
		if err != nil || cu != nil {
			return cu, err
		}
	}
	p := engine.DialectCustomerParams{ID: newID("cus_")}
	if ref.Email != "" {
		p.Email = engine.Some(ref.Email)
	}
	if ref.Name != "" {
		p.Name = engine.Some(ref.Name)
	}
	return op.CreateDialectCustomer(p)
}

// sourceJSON is the answer of GET /sources/{id}.
type sourceJSON struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Links links  `json:"_links"`
}

func getSource(c *call, op *engine.Op) (int, any, error) {
	m, err := op.GetMandate(c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	base := c.baseURL()
	return http.StatusOK, sourceJSON{ID: m.ID, Type: "sepa", Links: links{
		"self": {base + "/sources/" + m.ID}, "sepa:mandate": {base + "/sepa/mandates/" + m.ID}}}, nil
}
