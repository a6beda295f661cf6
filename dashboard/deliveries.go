package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/kontorpay/kontor/store"
)

// Webhook deliveries and their attempts are no API object of either
// dialect, so the dashboard reads them from the store, scoped to the
// session's account. Resending an event goes through Options.Resend.

// maxDeliveries bounds the deliveries read for one endpoint page.
const maxDeliveries = 5000

// deliveryRow is one delivery in a table.
type deliveryRow struct {
	ID          string
	Href        string
	EventID     string
	EventType   string
	EndpointID  string
	EndpointURL string
	Status      cell
	Attempts    int
	Last        *attemptRow
	NextAttempt string
}

// attemptRow is one HTTP attempt of a delivery.
type attemptRow struct {
	At       string
	Status   cell
	Latency  string
	Error    string
	Response string
}

type deliveriesView struct {
	CSRF    string
	EventID string // set on an event's page: rows resend to their endpoint
	Rows    []deliveryRow
	Prev    string
	Next    string
}

type deliveryBody struct {
	Delivery deliveryRow
	Attempts []attemptRow
}

func msTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000 UTC")
}

func attemptView(a store.DeliveryAttempt) attemptRow {
	st := cell{Text: "no response", Badge: "failed"}
	if a.StatusCode > 0 {
		st = cell{Text: strconv.Itoa(a.StatusCode) + " " + http.StatusText(a.StatusCode), Badge: "failed"}
		if a.StatusCode >= 200 && a.StatusCode < 300 {
			st.Badge = "succeeded"
		}
	}
	return attemptRow{At: msTime(a.At), Status: st, Latency: fmt.Sprintf("%d ms", a.DurationMS), Error: scrub(a.Error),
		Response: scrub(a.Response)}
}

// deliveryView renders dl with its event's type, named as its dialect
// names it, and its last attempt, read in tx.
func (d *Dashboard) deliveryView(ctx context.Context, tx store.Tx, dl store.Delivery) (deliveryRow, error) {
	row := deliveryRow{ID: dl.ID, EventID: dl.EventID, EndpointID: dl.EndpointID, Attempts: dl.Attempts,
		Href:   Prefix + "webhook_endpoints/" + url.PathEscape(dl.EndpointID) + "/deliveries/" + url.PathEscape(dl.ID),
		Status: cell{Text: dl.Status, Badge: dl.Status}}
	if dl.Status == "pending" {
		row.NextAttempt = msTime(dl.NextAttemptAt)
	}
	ev, err := tx.GetEvent(ctx, dl.Account, dl.EventID)
	if err != nil {
		return row, err
	}
	row.EventType = ev.Type
	if d.opt.EventType != nil {
		row.EventType = d.opt.EventType(ev.Dialect, ev.Type)
	}
	atts, err := tx.ListDeliveryAttempts(ctx, dl.ID)
	if err != nil {
		return row, err
	}
	if n := len(atts); n > 0 {
		last := attemptView(atts[n-1])
		row.Last = &last
	}
	return row, nil
}

// deliveryRows renders deliveries, read in tx.
func (d *Dashboard) deliveryRows(ctx context.Context, tx store.Tx, ds []store.Delivery) ([]deliveryRow, error) {
	rows := make([]deliveryRow, 0, len(ds))
	for _, dl := range ds {
		row, err := d.deliveryView(ctx, tx, dl)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// eventDeliveries lists every delivery of an event, oldest first.
func (d *Dashboard) eventDeliveries(ctx context.Context, s *session, eventID string) (*deliveriesView, error) {
	v := &deliveriesView{CSRF: s.csrf, EventID: eventID}
	err := d.opt.Store.View(ctx, func(tx store.Tx) error {
		ds, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: s.account, EventID: eventID, Limit: maxDeliveries})
		if err != nil {
			return err
		}
		v.Rows, err = d.deliveryRows(ctx, tx, ds)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.endpointURLs(ctx, s, v.Rows)
	return v, nil
}

// endpointURLs fills in the endpoints' URLs as the dialects render them.
func (d *Dashboard) endpointURLs(ctx context.Context, s *session, rows []deliveryRow) {
	urls := map[string]string{}
	for i := range rows {
		id := rows[i].EndpointID
		u, ok := urls[id]
		if !ok {
			if rep := d.get(ctx, s, stripeDialect, detailPath("/v1/webhook_endpoints/{id}", id), nil); rep.ok() {
				u, _ = rep.object()["url"].(string)
			} else if rep := d.get(ctx, s, checkoutDialect, detailPath("/webhooks/{id}", id), nil); rep.ok() {
				u, _ = rep.object()["url"].(string)
			}
			urls[id] = u
		}
		rows[i].EndpointURL = scrub(u)
	}
}

// endpointDeliveries lists one page of an endpoint's deliveries, newest
// first. The endpoint's page has already checked that it is the account's.
func (d *Dashboard) endpointDeliveries(ctx context.Context, s *session, k *kind, endpointID, page string) (*deliveriesView, error) {
	n, _ := strconv.Atoi(page)
	n = max(n, 1)
	v := &deliveriesView{CSRF: s.csrf}
	var more bool
	err := d.opt.Store.View(ctx, func(tx store.Tx) error {
		ds, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: s.account, EndpointID: endpointID, Limit: maxDeliveries})
		if err != nil {
			return err
		}
		slices.Reverse(ds)
		from := min((n-1)*pageSize, len(ds))
		to := min(from+pageSize, len(ds))
		more = to < len(ds)
		v.Rows, err = d.deliveryRows(ctx, tx, ds[from:to])
		return err
	})
	if err != nil {
		return nil, err
	}
	base := Prefix + k.Name + "/" + url.PathEscape(endpointID) + "?page="
	if n > 1 {
		v.Prev = base + strconv.Itoa(n-1)
	}
	if more {
		v.Next = base + strconv.Itoa(n+1)
	}
	return v, nil
}

// delivery shows one delivery of an endpoint with every attempt.
func (d *Dashboard) delivery(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	endpointID, id := r.PathValue("id"), r.PathValue("delivery")
	var (
		body  deliveryBody
		found bool
	)
	err := d.opt.Store.View(ctx, func(tx store.Tx) error {
		ds, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: s.account, EndpointID: endpointID, Limit: maxDeliveries})
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ds, func(dl store.Delivery) bool { return dl.ID == id })
		if found = i >= 0; !found {
			return nil
		}
		if body.Delivery, err = d.deliveryView(ctx, tx, ds[i]); err != nil {
			return err
		}
		atts, err := tx.ListDeliveryAttempts(ctx, id)
		if err != nil {
			return err
		}
		body.Attempts = body.Attempts[:0]
		for _, a := range atts {
			if a.Account == s.account {
				body.Attempts = append(body.Attempts, attemptView(a))
			}
		}
		return nil
	})
	if err != nil {
		d.failed(w, r, s, err)
		return
	}
	if !found {
		d.notFound(w, r, s, id)
		return
	}
	rows := []deliveryRow{body.Delivery}
	d.endpointURLs(ctx, s, rows)
	body.Delivery = rows[0]
	d.show(w, r, s, http.StatusOK, "delivery", view{Title: "Delivery " + id, Active: "webhook_endpoints", Body: body})
}

// resend queues one more delivery of an event to one of the account's
// endpoints and goes back to where the form was.
func (d *Dashboard) resend(w http.ResponseWriter, r *http.Request, s *session) {
	eventID, endpointID := r.PathValue("id"), r.PostFormValue("endpoint")
	if d.opt.Resend == nil {
		d.failed(w, r, s, fmt.Errorf("resend is not wired"))
		return
	}
	if err := d.opt.Resend(r.Context(), s.account, eventID, endpointID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			d.notFound(w, r, s, eventID)
			return
		}
		d.failed(w, r, s, err)
		return
	}
	back := eventID
	if r.PostFormValue("back") == "endpoint" {
		back = endpointID
	}
	http.Redirect(w, r, findHref(back)+"&done=resent", http.StatusSeeOther)
}
