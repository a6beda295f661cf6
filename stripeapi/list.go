package stripeapi

import (
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// page holds a list request's limit and cursors.
type page struct {
	limit         int
	startingAfter string
	endingBefore  string
}

func (c *call) page() (page, error) {
	pg := page{limit: 10, startingAfter: c.p.String("starting_after"), endingBefore: c.p.String("ending_before")}
	if n, ok := c.p.Int("limit"); ok {
		if n < 1 || n > 100 {
			return pg, engine.Invalid("parameter_invalid_integer", "limit", "Invalid limit: must be between 1 and 100")
		}
		pg.limit = int(n)
	}
	if pg.startingAfter != "" && pg.endingBefore != "" {
		return pg, engine.Invalid("parameters_exclusive", "ending_before", "You may only specify one of these parameters: starting_after, ending_before.")
	}
	return pg, nil
}

// listQuery turns the request's paging and created filter into store parameters.
// seqOf resolves a cursor id to its Seq; an unknown cursor is an error naming the parameter.
func (c *call) listQuery(seqOf func(id string) (int64, error), what string) (store.ListObjectsParams, page, error) {
	var q store.ListObjectsParams
	pg, err := c.page()
	if err != nil {
		return q, pg, err
	}
	q.Limit = pg.limit + 1
	q.CreatedGTE, q.CreatedLTE = c.p.Range("created")
	if pg.startingAfter != "" {
		if q.AfterSeq, err = seqOf(pg.startingAfter); err != nil {
			return q, pg, engine.NotFoundOr(err, "starting_after", what, pg.startingAfter)
		}
	}
	if pg.endingBefore != "" {
		if q.BeforeSeq, err = seqOf(pg.endingBefore); err != nil {
			return q, pg, engine.NotFoundOr(err, "ending_before", what, pg.endingBefore)
		}
		q.Ascending = true
	}
	return q, pg, nil
}

// listObj builds a list object from items fetched with one extra row to tell has_more;
// for ending_before pages (fetched oldest first) it restores newest-first order.
func listObj[T any](c *call, op *engine.Op, items []T, pg page, url string, render func(T) (*Obj, error)) (*Obj, error) {
	hasMore := len(items) > pg.limit
	if hasMore {
		items = items[:pg.limit]
	}
	if pg.endingBefore != "" {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	data := make([]*Obj, 0, len(items))
	for _, it := range items {
		o, err := render(it)
		if err != nil {
			return nil, err
		}
		data = append(data, o)
	}
	l := &Obj{}
	l.Set("object", "list").Set("data", data).Set("has_more", hasMore).Set("url", url)
	return l, c.expandAll(op, l)
}

// listOf lists engine objects of type T with the standard paging; filter
// (nil for all) selects them.
func listOf[T any, PT interface {
	*T
	engine.Object
}](c *call, op *engine.Op, url, what string, filter engine.Filter) (*Obj, error) {
	var zero PT = new(T)
	q, pg, err := c.listQuery(func(id string) (int64, error) { return op.SeqOf(zero.ObjectType(), id) }, what)
	if err != nil {
		return nil, err
	}
	items, err := engine.ListWhere[T, PT](op, filter, q)
	if err != nil {
		return nil, err
	}
	return listObj(c, op, items, pg, url, func(o PT) (*Obj, error) { return c.render(op, o) })
}

// listOfWhere is listOf for filters the store cannot express: it keeps only
// the objects keep accepts, reading further rows until the page is full.
func listOfWhere[T any, PT interface {
	*T
	engine.Object
}](c *call, op *engine.Op, url, what string, filter engine.Filter, keep func(PT) bool) (*Obj, error) {
	var zero PT = new(T)
	q, pg, err := c.listQuery(func(id string) (int64, error) { return op.SeqOf(zero.ObjectType(), id) }, what)
	if err != nil {
		return nil, err
	}
	var items []PT
	for {
		batch, err := engine.ListWhere[T, PT](op, filter, q)
		if err != nil {
			return nil, err
		}
		for _, o := range batch {
			if keep(o) {
				items = append(items, o)
			}
		}
		if len(items) >= q.Limit || len(batch) < q.Limit {
			break
		}
		if last := batch[len(batch)-1].Seq(); q.Ascending {
			q.BeforeSeq = last
		} else {
			q.AfterSeq = last
		}
	}
	items = items[:min(len(items), q.Limit)]
	return listObj(c, op, items, pg, url, func(o PT) (*Obj, error) { return c.render(op, o) })
}
