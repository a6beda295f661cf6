package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// pageSize is how many rows a list page shows.
const pageSize = 25

// relatedSize is how many rows a list on a detail page shows.
const relatedSize = 10

// row is one line of a list table.
type row struct {
	Href  string
	Cells []cell
}

// table is a rendered list.
type table struct {
	Columns []column
	Rows    []row
	Prev    string
	Next    string
	More    string // a link to the full list, on detail pages
	Empty   string
}

type listBody struct {
	Kind    *kind
	Filters []filterField
	Table   table
	Notice  string
}

type filterField struct{ Name, Label, Value string }

// home shows the account and the latest charges.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request, s *session) {
	k := kindNamed("charges")
	rep := d.get(r.Context(), s, stripeDialect, k.List, url.Values{"limit": {fmt.Sprint(relatedSize)}})
	if !rep.ok() {
		d.failed(w, r, s, fmt.Errorf("list charges: %d %s", rep.status, rep.message()))
		return
	}
	items, more := listItems(rep.body)
	t := d.table(k.Name, items)
	if more {
		t.More = Prefix + k.Name
	}
	d.show(w, r, s, http.StatusOK, "home", view{Title: "Home", Body: t})
}

// table renders items with the columns of the named kind; rows link to the
// kind's pages when it has them.
func (d *Dashboard) table(kindName string, items []map[string]any) table {
	t := table{Columns: columnsOf(kindName), Empty: "Nothing yet."}
	linked := kindNamed(kindName) != nil
	for _, it := range items {
		rw := row{}
		for _, c := range t.Columns {
			rw.Cells = append(rw.Cells, render(it, c))
		}
		if id, _ := it["id"].(string); linked && id != "" {
			rw.Href = Prefix + kindName + "/" + url.PathEscape(id)
		}
		t.Rows = append(t.Rows, rw)
	}
	return t
}

// list shows one page of a kind: from the dialect's list where it has one,
// else from the store's index with each object rendered by the dialect.
func (d *Dashboard) list(k *kind) func(w http.ResponseWriter, r *http.Request, s *session) {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		q := r.URL.Query()
		after, before := q.Get("starting_after"), q.Get("ending_before")
		body := listBody{Kind: k}
		params := url.Values{"limit": {fmt.Sprint(pageSize)}}
		kept := url.Values{}
		for _, f := range k.Filter {
			v := strings.TrimSpace(q.Get(f))
			body.Filters = append(body.Filters, filterField{Name: f, Label: filterLabel(f), Value: v})
			if v != "" {
				params.Set(f, v)
				kept.Set(f, v)
			}
		}
		var (
			items []map[string]any
			more  bool
		)
		if k.List != "" {
			if after != "" {
				params.Set("starting_after", after)
			} else if before != "" {
				params.Set("ending_before", before)
			}
			rep := d.get(r.Context(), s, k.Dialect, k.List, params)
			switch {
			case rep.status == http.StatusNotFound || rep.status == http.StatusBadRequest:
				// A cursor or filter naming nothing of this account.
				body.Notice = scrub(rep.message())
			case !rep.ok():
				d.failed(w, r, s, fmt.Errorf("list %s: %d %s", k.Name, rep.status, rep.message()))
				return
			default:
				items, more = listItems(rep.body)
			}
		} else {
			var err error
			list := objectsOf(s.account, k)
			if k.Events != "" {
				list = eventsOf(s.account, k.Events)
			}
			items, more, err = storedPage(r.Context(), d.opt.Store, list, after, before, pageSize,
				func(id string) (map[string]any, bool, error) {
					rep := d.get(r.Context(), s, k.Dialect, detailPath(k.Detail, id), nil)
					if rep.status == http.StatusNotFound {
						return nil, false, nil // not this dialect's (e.g. another dialect's mandate)
					}
					if !rep.ok() {
						return nil, false, fmt.Errorf("get %s %s: %d %s", k.Single, id, rep.status, rep.message())
					}
					m := rep.object()
					if m != nil && m["id"] == nil {
						m["id"] = id // Checkout.com's mandates do not name themselves
					}
					return m, m != nil, nil
				})
			if err != nil {
				d.failed(w, r, s, err)
				return
			}
		}
		body.Table = d.table(k.Name, items)
		body.Table.Prev, body.Table.Next = pager(Prefix+k.Name, kept, items, after, before, more)
		d.show(w, r, s, http.StatusOK, "list", view{Title: k.Title, Active: k.Name, Body: body})
	}
}

// pager returns the links to the previous and the next page of a list
// shown newest first; more is whether the list goes on in the direction
// the page was read.
func pager(base string, kept url.Values, items []map[string]any, after, before string, more bool) (prev, next string) {
	if len(items) == 0 {
		return "", ""
	}
	first, _ := items[0]["id"].(string)
	last, _ := items[len(items)-1]["id"].(string)
	link := func(param, id string) string {
		v := url.Values{}
		for k, vs := range kept {
			v[k] = vs
		}
		v.Set(param, id)
		return base + "?" + v.Encode()
	}
	if after != "" || (before != "" && more) {
		prev = link("ending_before", first)
	}
	if (before == "" && more) || before != "" {
		next = link("starting_after", last)
	}
	return prev, next
}

// filterLabel names a list filter for its search field.
func filterLabel(param string) string {
	switch param {
	case "email":
		return "E-mail"
	case "type":
		return "Event type"
	}
	s := strings.ReplaceAll(param, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// detailPath puts an id into a dialect path.
func detailPath(pattern, id string) string {
	return strings.ReplaceAll(pattern, "{id}", url.PathEscape(id))
}

type detailBody struct {
	Kind       *kind
	ID         string
	Fields     []summary
	JSON       string
	Related    []relatedView
	Deliveries *deliveriesView
	Clock      *clockView
	File       *fileView
}

type relatedView struct {
	Title string
	Table table
}

// detail shows one object: its fields, its JSON and the lists hanging off it.
func (d *Dashboard) detail(k *kind) func(w http.ResponseWriter, r *http.Request, s *session) {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		d.showDetail(w, r, s, k, r.PathValue("id"), http.StatusOK, "")
	}
}

// showDetail renders the page of object id of kind k; problem, when set, is
// shown above it (a form on the page was refused) with status.
func (d *Dashboard) showDetail(w http.ResponseWriter, r *http.Request, s *session, k *kind, id string, status int, problem string) {
	{
		rep := d.get(r.Context(), s, k.Dialect, detailPath(k.Detail, id), nil)
		if rep.status == http.StatusNotFound || rep.status == http.StatusBadRequest {
			d.notFound(w, r, s, id)
			return
		}
		if !rep.ok() {
			d.failed(w, r, s, fmt.Errorf("get %s %s: %d %s", k.Single, id, rep.status, rep.message()))
			return
		}
		body := detailBody{Kind: k, ID: id, Fields: summarize(rep.body, id), JSON: pretty(rep.body)}
		for _, rel := range k.Related {
			rv, err := d.relatedList(r, s, rel, id)
			if err != nil {
				d.failed(w, r, s, err)
				return
			}
			body.Related = append(body.Related, rv)
		}
		if err := d.extras(r, s, k, id, rep, &body); err != nil {
			d.failed(w, r, s, err)
			return
		}
		d.show(w, r, s, status, "detail", view{Title: k.Single + " " + id, Active: k.Name, Error: problem, Body: body,
			Refresh: body.Clock != nil && body.Clock.Advancing})
	}
}

// relatedList renders the first rows of a list hanging off object id.
func (d *Dashboard) relatedList(r *http.Request, s *session, rel related, id string) (relatedView, error) {
	q := url.Values{}
	if rel.Dialect == stripeDialect {
		q.Set("limit", fmt.Sprint(relatedSize))
	}
	if rel.Param != "" {
		q.Set(rel.Param, id)
	}
	rep := d.get(r.Context(), s, rel.Dialect, detailPath(rel.Path, id), q)
	if !rep.ok() {
		return relatedView{}, fmt.Errorf("list %s of %s: %d %s", rel.Title, id, rep.status, rep.message())
	}
	items, more := listItems(rep.body)
	t := d.table(rel.Kind, items)
	t.Empty = "None."
	if target := kindNamed(rel.Kind); more && target != nil && rel.Param != "" {
		for _, f := range target.Filter {
			if f == rel.Param {
				t.More = Prefix + target.Name + "?" + url.Values{f: {id}}.Encode()
			}
		}
	}
	return relatedView{Title: rel.Title, Table: t}, nil
}

// extras adds what some kinds show beyond their fields: deliveries of
// events and endpoints, the advance form of test clocks.
func (d *Dashboard) extras(r *http.Request, s *session, k *kind, id string, rep reply, body *detailBody) error {
	var err error
	switch k.Name {
	case "events", "cko_events":
		body.Deliveries, err = d.eventDeliveries(r.Context(), s, id)
	case "webhook_endpoints", "cko_webhooks":
		body.Deliveries, err = d.endpointDeliveries(r.Context(), s, k, id, r.URL.Query().Get("page"))
	case "test_clocks":
		body.Clock = clockForm(rep.object())
	case "bank_files":
		body.File, err = d.bankFile(r.Context(), s, id)
	}
	return err
}

// find sends an id to its object's page, and an e-mail address to the
// customers who have it.
func (d *Dashboard) find(w http.ResponseWriter, r *http.Request, s *session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	if strings.Contains(q, "@") {
		http.Redirect(w, r, Prefix+"customers?"+url.Values{"email": {q}}.Encode(), http.StatusSeeOther)
		return
	}
	k, err := d.kindOf(r, s, q)
	if err != nil {
		d.failed(w, r, s, err)
		return
	}
	if k == nil {
		d.notFound(w, r, s, q)
		return
	}
	target := Prefix + k.Name + "/" + url.PathEscape(q)
	if done := r.URL.Query().Get("done"); flashes[done] != "" {
		target += "?done=" + done // a form's notice, passed on
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// kindOf returns the kind of the account's object, event or bank file id,
// or nil when the account has none such.
func (d *Dashboard) kindOf(r *http.Request, s *session, id string) (*kind, error) {
	if k, ok, err := d.storedKind(r.Context(), s.account, id); ok || err != nil {
		return k, err
	}
	dialectName, isEvent, err := d.storedEvent(r.Context(), s.account, id)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		switch {
		case isEvent && k.Events == dialectName && k.Events != "":
			return k, nil
		case isEvent && dialectName == "" && k.Name == "events":
			return k, nil
		case !isEvent && k.IDPrefix != "" && strings.HasPrefix(id, k.IDPrefix):
			// Kept outside the object index: the dialect says whether it exists.
			rep := d.get(r.Context(), s, k.Dialect, detailPath(k.Detail, id), nil)
			if rep.ok() {
				return k, nil
			}
			if rep.status != http.StatusNotFound && rep.status != http.StatusBadRequest {
				return nil, fmt.Errorf("get %s %s: %d %s", k.Single, id, rep.status, rep.message())
			}
		}
	}
	return nil, nil
}
