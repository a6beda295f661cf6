package ckoapi

import (
	"net/http"
	"net/mail"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

// The customers a SEPA source makes (POST /sources), as Checkout.com's
// customers API shows and changes them.

// phoneJSON is a customer's phone as Checkout.com spells it.
type phoneJSON struct {
	CountryCode string `json:"country_code,omitempty"`
	Number      string `json:"number,omitempty"`
}

// customerDetails is the answer of GET /customers/{id}.
type customerDetails struct {
	ID          string            `json:"id"`
	Email       string            `json:"email,omitempty"`
	Name        string            `json:"name,omitempty"`
	Phone       *phoneJSON        `json:"phone,omitempty"`
	Metadata    map[string]string `json:"metadata"`
	Instruments []any             `json:"instruments"`
}

func (a *API) customerRoutes() {
	a.handle("GET /customers/{id}", route{h: getCustomer})
	a.handle("PATCH /customers/{id}", route{write: true, h: updateCustomer})
	a.handle("DELETE /customers/{id}", route{write: true, h: deleteCustomer})
}

// pathCustomer returns the live Checkout.com customer the path names by id
// or, as Checkout.com allows, by e-mail address.
func pathCustomer(c *call, op *engine.Op) (*engine.Customer, error) {
	id := c.r.PathValue("id")
	if strings.Contains(id, "@") {
		cu, err := op.FindCustomer(id)
		if err == nil && cu == nil {
			return nil, errNotFound
		}
		return cu, err
	}
	return op.LiveCustomer(id, "id")
}

func getCustomer(c *call, op *engine.Op) (int, any, error) {
	cu, err := pathCustomer(c, op)
	if err != nil {
		return 0, nil, err
	}
	out := customerDetails{ID: cu.ID, Email: deref(cu.Email), Name: deref(cu.Name), Metadata: cu.Metadata, Instruments: []any{}}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if cu.Phone != nil {
		cc, num, _ := strings.Cut(*cu.Phone, " ")
		if num == "" {
			cc, num = "", cc
		}
		out.Phone = &phoneJSON{CountryCode: cc, Number: num}
	}
	return http.StatusOK, out, nil
}

// updateCustomer changes what the body names (email, name, phone,
// metadata; metadata replaces the customer's) and answers 204.
func updateCustomer(c *call, op *engine.Op) (int, any, error) {
	cu, err := pathCustomer(c, op)
	if err != nil {
		return 0, nil, err
	}
	var ck checks
	var p engine.CustomerParams
	if c.body.has("email") {
		email := ck.text(c.body, "email", "customer_email", true, 255)
		if a, err := mail.ParseAddress(email); email != "" && (err != nil || a.Address != email) {
			ck.add("customer_email_invalid")
		}
		p.Email = engine.Some(email)
	}
	if c.body.has("name") {
		p.Name = engine.Some(ck.text(c.body, "name", "customer_name", false, 255))
	}
	if ph, ok := c.body.obj("phone"); !ok {
		ck.add("phone_invalid")
	} else if ph != nil {
		cc := ck.text(ph, "country_code", "phone_country_code", false, 7)
		num := ck.text(ph, "number", "phone_number", false, 25)
		p.Phone = engine.Some(strings.TrimSpace(cc + " " + num))
	}
	if c.body.has("metadata") {
		p.Metadata = engine.MetadataUpdate{Clear: true, Set: ck.metadata(c.body, "metadata")}
	}
	if err := ck.err(); err != nil {
		return 0, nil, err
	}
	if _, err := op.UpdateCustomer(cu.ID, p); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// deleteCustomer deletes the customer: 204, and 404 from then on. Its
// sources stay usable, as the mandates are the customer's bank's.
func deleteCustomer(c *call, op *engine.Op) (int, any, error) {
	cu, err := pathCustomer(c, op)
	if err != nil {
		return 0, nil, err
	}
	if _, err := op.DeleteCustomer(cu.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
