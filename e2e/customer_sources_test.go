package e2e

import (
	"net/http"
	"testing"

	"github.com/stripe/stripe-go/v85"
)

// customerSourceIDs lists a customer's sources (every page).
func (e *env) customerSourceIDs(cus string, object string) []string {
	e.t.Helper()
	p := &stripe.PaymentSourceListParams{Customer: stripe.String(cus)}
	if object != "" {
		p.Object = stripe.String(object)
	}
	var out []string
	for ps, err := range e.sc.V1PaymentSources.List(e.ctx, p).All(e.ctx) {
		if err != nil {
			e.t.Fatalf("list customer sources: %v", err)
		}
		if ps.Type != stripe.PaymentSourceTypeSource || ps.Source == nil {
			e.t.Errorf("customer source %s is not a source object", ps.ID)
		}
		out = append(out, ps.ID)
	}
	return out
}

// TestCustomerSources covers attaching, listing, retrieving and detaching
// sources, default_source, sources on the expanded customer and the events.
func TestCustomerSources(t *testing.T) {
	e := newEnv(t, payments)
	first := e.sepaDebit("DE89370400440532013000", "")
	cus := mustCustomer(t, e.acct, &stripe.CustomerCreateParams{Email: stripe.String("paying.user@example.com"), Source: stripe.String(first.ID)})
	if cus.DefaultSource == nil || cus.DefaultSource.ID != first.ID {
		t.Fatalf("default_source = %v", cus.DefaultSource)
	}
	if cus.Sources != nil {
		t.Errorf("sources present without expand")
	}
	e.event("customer.source.created", first.ID)
	if got := e.source(first.ID); got.Customer != cus.ID {
		t.Errorf("source.customer = %q, want %s", got.Customer, cus.ID)
	}

	// Attaching to an existing customer does not change the default.
	second := e.creditTransfer("c@example.com", "")
	ps, err := e.sc.V1PaymentSources.Create(e.ctx, &stripe.PaymentSourceCreateParams{Customer: stripe.String(cus.ID),
		Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(second.ID)}, Metadata: map[string]string{"slot": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	if ps.Type != stripe.PaymentSourceTypeSource || ps.Source == nil || ps.Source.ID != second.ID || ps.Source.Customer != cus.ID ||
		ps.Source.Metadata["slot"] != "2" {
		t.Errorf("attach answered %s", rawJSON(ps))
	}
	e.event("customer.source.created", second.ID)
	got, err := e.sc.V1Customers.Retrieve(e.ctx, cus.ID, &stripe.CustomerRetrieveParams{Expand: []*string{stripe.String("sources"), stripe.String("default_source")}})
	if err != nil {
		t.Fatal(err)
	}
	if got.DefaultSource == nil || got.DefaultSource.ID != first.ID || got.DefaultSource.Source == nil || got.DefaultSource.Source.Type != "sepa_debit" {
		t.Errorf("expanded default_source = %s", rawJSON(got.DefaultSource))
	}
	if got.Sources == nil || len(got.Sources.Data) != 2 || got.Sources.URL != "/v1/customers/"+cus.ID+"/sources" || got.Sources.HasMore {
		t.Errorf("expanded sources = %s", rawJSON(got.Sources))
	}
	if ids := e.customerSourceIDs(cus.ID, ""); len(ids) != 2 || ids[0] != second.ID || ids[1] != first.ID {
		t.Errorf("sources = %v, want newest first", ids)
	}
	if ids := e.customerSourceIDs(cus.ID, "source"); len(ids) != 2 {
		t.Errorf("sources with object=source = %v", ids)
	}
	if ids := e.customerSourceIDs(cus.ID, "card"); len(ids) != 0 {
		t.Errorf("cards = %v", ids)
	}
	one, err := e.sc.V1PaymentSources.Retrieve(e.ctx, second.ID, &stripe.PaymentSourceRetrieveParams{Customer: stripe.String(cus.ID)})
	if err != nil || one.ID != second.ID {
		t.Errorf("retrieve customer source: %v %s", err, rawJSON(one))
	}
	// Another customer's source is not this customer's.
	other := mustCustomer(t, e.acct, nil)
	_, err = e.sc.V1PaymentSources.Retrieve(e.ctx, second.ID, &stripe.PaymentSourceRetrieveParams{Customer: stripe.String(other.ID)})
	stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	// Attach errors change nothing.
	e.unchanged(func() {
		_, err := e.sc.V1PaymentSources.Create(e.ctx, &stripe.PaymentSourceCreateParams{Customer: stripe.String(other.ID),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(second.ID)}})
		invalid(t, err, "source_already_attached", "source")
	})
	e.unchanged(func() {
		_, err := e.sc.V1PaymentSources.Create(e.ctx, &stripe.PaymentSourceCreateParams{Customer: stripe.String(other.ID),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String("src_nope")}})
		stripeErr(t, err, http.StatusBadRequest, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	})
	e.unchanged(func() {
		_, err := e.sc.V1PaymentSources.Create(e.ctx, &stripe.PaymentSourceCreateParams{Customer: stripe.String("cus_nope"),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(second.ID)}})
		stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	})
	r := e.get("/v1/customers/cus_nope/sources")
	apiErr(t, r, http.StatusNotFound, "resource_missing", "")

	// Updating a customer's source: owner and metadata (customer.source.updated).
	if _, err := e.sc.V1PaymentSources.Update(e.ctx, first.ID, &stripe.PaymentSourceUpdateParams{Customer: stripe.String(cus.ID),
		Metadata: map[string]string{"note": "main"}}); err != nil {
		t.Fatal(err)
	}
	if ev := e.event("customer.source.updated", first.ID); ev.Data.PreviousAttributes == nil {
		t.Errorf("customer.source.updated without previous_attributes")
	}

	// Charging with the customer alone uses the default source.
	ch := e.charge("", cus.ID, 1234)
	e.waitCharge(ch.ID, "succeeded") // so that its events do not land amid the checks below
	if ch.Source == nil || ch.Source.ID != first.ID || ch.Customer == nil || ch.Customer.ID != cus.ID {
		t.Errorf("default-source charge = %s", rawJSON(ch))
	}
	// An attached source needs its customer on the charge.
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(first.ID)}})
		invalid(t, err, "invalid_source_customer", "customer")
	})
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
			Customer: stripe.String(other.ID), Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(first.ID)}})
		invalid(t, err, "invalid_source_customer", "customer")
	})
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
			Customer: stripe.String(other.ID)})
		invalid(t, err, "missing", "source")
	})
	// The attached reusable source stays chargeable after charges.
	if st := e.source(first.ID).Status; st != "chargeable" {
		t.Errorf("attached source after a charge: %s", st)
	}

	// Detaching consumes the source; the default moves to the remaining one.
	det, err := e.sc.V1Sources.Detach(e.ctx, first.ID, &stripe.SourceDetachParams{Customer: stripe.String(cus.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if det.Status != "consumed" || det.ID != first.ID {
		t.Errorf("detach answered %s", rawJSON(det))
	}
	e.event("customer.source.deleted", first.ID)
	got, _ = e.sc.V1Customers.Retrieve(e.ctx, cus.ID, nil)
	if got.DefaultSource == nil || got.DefaultSource.ID != second.ID {
		t.Errorf("default_source after detach = %v", got.DefaultSource)
	}
	if ids := e.customerSourceIDs(cus.ID, ""); len(ids) != 1 || ids[0] != second.ID {
		t.Errorf("sources after detach = %v", ids)
	}
	e.unchanged(func() {
		_, err := e.sc.V1Charges.Create(e.ctx, &stripe.ChargeCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("eur"),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(first.ID)}})
		invalid(t, err, "invalid_source_usage", "source")
	})
	// A detached (consumed) source cannot be attached again, nor detached twice.
	e.unchanged(func() {
		_, err := e.sc.V1PaymentSources.Create(e.ctx, &stripe.PaymentSourceCreateParams{Customer: stripe.String(cus.ID),
			Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(first.ID)}})
		invalid(t, err, "invalid_source_usage", "source")
	})
	e.unchanged(func() {
		_, err := e.sc.V1PaymentSources.Delete(e.ctx, first.ID, &stripe.PaymentSourceDeleteParams{Customer: stripe.String(cus.ID)})
		stripeErr(t, err, http.StatusNotFound, stripe.ErrorTypeInvalidRequest, stripe.ErrorCodeResourceMissing)
	})

	// Updating the customer's source swaps the default: the old one is detached.
	third := e.sepaDebit("AT611904300234573201", "")
	if _, err := e.sc.V1Customers.Update(e.ctx, cus.ID, &stripe.CustomerUpdateParams{Source: stripe.String(third.ID)}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.sc.V1Customers.Retrieve(e.ctx, cus.ID, nil)
	if got.DefaultSource == nil || got.DefaultSource.ID != third.ID || e.source(second.ID).Status != "consumed" {
		t.Errorf("after source swap: default %v, old %s", got.DefaultSource, e.source(second.ID).Status)
	}
	// default_source picks among attached sources only.
	fourth := e.sepaDebit("BE62510007547061", "")
	e.unchanged(func() {
		_, err := e.sc.V1Customers.Update(e.ctx, cus.ID, &stripe.CustomerUpdateParams{DefaultSource: stripe.String(fourth.ID)})
		invalid(t, err, "resource_missing", "default_source")
	})
	if _, err := e.sc.V1PaymentSources.Create(e.ctx, &stripe.PaymentSourceCreateParams{Customer: stripe.String(cus.ID),
		Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(fourth.ID)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sc.V1Customers.Update(e.ctx, cus.ID, &stripe.CustomerUpdateParams{DefaultSource: stripe.String(fourth.ID)}); err != nil {
		t.Fatal(err)
	}
	if ch := e.charge("", cus.ID, 100); ch.Source.ID != fourth.ID {
		t.Errorf("charge used %s, want the new default %s", ch.Source.ID, fourth.ID)
	}

	// A single-use Sofort source attached anyway is charged once and consumed.
	so := e.chargeableSofort(500, "", "")
	if _, err := e.sc.V1PaymentSources.Create(e.ctx, &stripe.PaymentSourceCreateParams{Customer: stripe.String(other.ID),
		Source: &stripe.PaymentSourceSourceParams{Token: stripe.String(so.ID)}}); err != nil {
		t.Fatal(err)
	}
	e.charge(so.ID, other.ID, 500)
	if st := e.source(so.ID).Status; st != "consumed" {
		t.Errorf("attached single-use source after its charge: %s", st)
	}
	// A charge can name the customer with an unattached single-use source.
	so2 := e.chargeableSofort(600, "", "")
	if ch := e.charge(so2.ID, other.ID, 600); ch.Customer == nil || ch.Customer.ID != other.ID || ch.Source.ID != so2.ID {
		t.Errorf("charge with customer and unattached source = %s", rawJSON(ch))
	}
}
