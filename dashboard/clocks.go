package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// clockView is a test clock's Advance form.
type clockView struct {
	Ready     bool
	Advancing bool
	Frozen    string // the frozen time, for the form's default
	Steps     []clockStep
	// Progress is how far the latest advance got in timers (the clock's
	// kontor_advance), "" before any advance.
	Progress string
}

// clockStep is one quick-advance button.
type clockStep struct {
	Label   string
	Seconds int64
}

var clockSteps = []clockStep{{"+1 hour", 3600}, {"+1 day", 86400}, {"+7 days", 7 * 86400}, {"+30 days", 30 * 86400}}

// datetimeLocal is the format of an <input type="datetime-local"> value.
const datetimeLocal = "2006-01-02T15:04"

func frozenTime(clock map[string]any) (int64, bool) {
	n, ok := clock["frozen_time"].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// clockForm builds the Advance form of a test clock as the dialect rendered it.
func clockForm(clock map[string]any) *clockView {
	v := &clockView{Steps: clockSteps}
	st, _ := clock["status"].(string)
	v.Ready, v.Advancing = st == "ready", st == "advancing"
	if ft, ok := frozenTime(clock); ok {
		v.Frozen = time.Unix(ft, 0).UTC().Add(24 * time.Hour).Format(datetimeLocal)
	}
	if adv, ok := clock["kontor_advance"].(map[string]any); ok {
		fired, due, target := adv["timers_fired"], adv["timers_due"], ""
		if t, ok := frozenTime(map[string]any{"frozen_time": adv["target_frozen_time"]}); ok {
			target = time.Unix(t, 0).UTC().Format("2006-01-02 15:04:05 UTC")
		}
		v.Progress = fmt.Sprintf("Latest advance, to %s: %v of %v timers fired.", target, fired, due)
	}
	return v
}

// advance moves a test clock forward through the Stripe dialect, which
// fires every timer due on the way; the clock's page then shows it
// advancing until it is ready again.
func (d *Dashboard) advance(w http.ResponseWriter, r *http.Request, s *session) {
	k := kindNamed("test_clocks")
	id := r.PathValue("id")
	rep := d.get(r.Context(), s, stripeDialect, detailPath(k.Detail, id), nil)
	if !rep.ok() {
		d.notFound(w, r, s, id)
		return
	}
	clock, _ := decode(rep.body)
	ft, ok := frozenTime(asObject(clock))
	if !ok {
		d.showDetail(w, r, s, k, id, http.StatusBadRequest, "The clock has no frozen time.")
		return
	}
	var target int64
	if by := r.PostFormValue("by"); by != "" {
		n, err := strconv.ParseInt(by, 10, 64)
		if err != nil || n <= 0 {
			d.showDetail(w, r, s, k, id, http.StatusBadRequest, "Choose how far to advance the clock.")
			return
		}
		target = ft + n
	} else {
		t, err := time.ParseInLocation(datetimeLocal, r.PostFormValue("to"), time.UTC)
		if err != nil {
			d.showDetail(w, r, s, k, id, http.StatusBadRequest, "Enter the new time as a date and a time (UTC).")
			return
		}
		target = t.Unix()
	}
	res := d.call(r.Context(), s, stripeDialect, http.MethodPost, detailPath(k.Detail, id)+"/advance", nil,
		url.Values{"frozen_time": {strconv.FormatInt(target, 10)}})
	if !res.ok() {
		d.showDetail(w, r, s, k, id, http.StatusBadRequest, "The clock was not advanced: "+scrub(res.message()))
		return
	}
	http.Redirect(w, r, Prefix+k.Name+"/"+url.PathEscape(id)+"?done=advancing", http.StatusSeeOther)
}

// asObject returns v as a JSON object, or an empty one.
func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}
