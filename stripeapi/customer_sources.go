package stripeapi

import (
	"github.com/kontorpay/kontor/engine"
)

func init() { registerVirtual("customer", "sources", customerSources) }

// customerSources renders customer.sources, which appears only when expanded.
func customerSources(c *call, op *engine.Op, o *Obj) (any, error) {
	v, _ := o.Get("id")
	id, _ := v.(string)
	ss, err := op.CustomerSources(id, engine.ListParams{Limit: embeddedListSize + 1})
	if err != nil {
		return nil, err
	}
	return embeddedList(c, op, ss, "/v1/customers/"+id+"/sources")
}

// sourceObjects are the object types a customer's payment sources can have;
// Kontor keeps only sources, so filtering by another type lists nothing.
var sourceObjects = []string{"source", "card", "bank_account", "account", "alipay_account", "bitcoin_receiver"}

// liveCustomer loads a customer that is not deleted, for the nested routes.
func liveCustomer(op *engine.Op, id string) (*engine.Customer, error) {
	cu, err := op.GetCustomer(id)
	if err != nil {
		return nil, engine.NotFoundOr(err, "customer", "customer", id)
	}
	if cu.Deleted {
		return nil, engine.NotFound("customer", "customer", id)
	}
	return cu, nil
}

// pathCustomerSource loads the source {src} of the live customer {id} that
// the request's path names.
func pathCustomerSource(c *call, op *engine.Op) (*engine.Source, error) {
	cu, err := liveCustomer(op, c.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return op.GetCustomerSource(cu.ID, c.r.PathValue("src"))
}

// customerSourceRoutes registers /v1/customers/{id}/sources.
func (a *API) customerSourceRoutes() {
	a.handle("GET /v1/customers/{id}/sources", route{specs: listSpecs(pEnum("object", sourceObjects...)), h: func(c *call, op *engine.Op) (any, error) {
		cu, err := liveCustomer(op, c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		url := "/v1/customers/" + cu.ID + "/sources"
		return listOfWhere(c, op, url, "source", engine.SourceFilter{Customer: cu.ID},
			func(s *engine.Source) bool {
				return s.Customer == cu.ID && (c.p.String("object") == "" || c.p.String("object") == "source")
			})
	}})
	a.handle("POST /v1/customers/{id}/sources", route{write: true, specs: []spec{pStr("source").req(), pMeta(), pBool("validate"), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			s, err := op.AttachSource(c.r.PathValue("id"), c.p.String("source"))
			if err != nil {
				return nil, err
			}
			if md := c.p.Metadata(); md.Clear || len(md.Set) > 0 {
				if s, err = op.UpdateSource(s.ID, engine.SourceUpdate{Metadata: md}); err != nil {
					return nil, err
				}
			}
			return c.renderExpanded(op, s)
		}})
	a.handle("GET /v1/customers/{id}/sources/{src}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		s, err := pathCustomerSource(c, op)
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
	a.handle("POST /v1/customers/{id}/sources/{src}", route{write: true, specs: []spec{ownerSpec(), pMeta(), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			s, err := pathCustomerSource(c, op)
			if err != nil {
				return nil, err
			}
			if s, err = op.UpdateSource(s.ID, engine.SourceUpdate{Owner: ownerParams(c.p), Metadata: c.p.Metadata()}); err != nil {
				return nil, err
			}
			return c.renderExpanded(op, s)
		}})
	a.handle("DELETE /v1/customers/{id}/sources/{src}", route{write: true, specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		s, err := op.DetachSource(c.r.PathValue("id"), c.r.PathValue("src"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, s)
	}})
}
