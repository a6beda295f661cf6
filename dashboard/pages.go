package dashboard

import (
	"bytes"
	"html/template"
	"net/http"
)

// pages holds one parsed template set per page, each with the layout.
type pages struct {
	signin *template.Template
	byName map[string]*template.Template
}

var pageNames = []string{"home", "list", "detail", "delivery", "message"}

func parsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	p.signin = template.Must(template.New("signin.html").ParseFS(files, "templates/signin.html", "templates/parts.html"))
	for _, name := range pageNames {
		p.byName[name] = template.Must(template.New("layout.html").ParseFS(files, "templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return p
}

// view is what every signed-in page's layout reads.
type view struct {
	Title       string
	Account     string
	AccountName string
	CSRF        string
	Nav         []navGroup
	Active      string // the kind whose menu entry is highlighted
	Query       string // the find box
	Flash       string
	Error       string
	Refresh     bool // reload the page every few seconds (a test clock advancing)
	Body        any
}

type navGroup struct {
	Title string
	Items []navItem
}

type navItem struct{ Name, Title, Href string }

// navigation is the menu, grouped as the kinds table groups them.
var navigation = func() []navGroup {
	var out []navGroup
	for _, k := range kinds {
		if len(out) == 0 || out[len(out)-1].Title != k.Group {
			out = append(out, navGroup{Title: k.Group})
		}
		g := &out[len(out)-1]
		g.Items = append(g.Items, navItem{Name: k.Name, Title: k.Title, Href: Prefix + k.Name})
	}
	return out
}()

// show renders a signed-in page with the layout.
func (d *Dashboard) show(w http.ResponseWriter, r *http.Request, s *session, status int, name string, v view) {
	v.Account, v.AccountName, v.CSRF, v.Nav = s.account, s.accountName, s.csrf, navigation
	if v.Flash == "" {
		v.Flash = flashes[r.URL.Query().Get("done")]
	}
	d.write(w, status, d.pages.byName[name], v)
}

// flashes are the notices a redirect after a form may ask for with ?done=.
var flashes = map[string]string{
	"resent":    "The event is queued for delivery again; the new delivery is listed below once made.",
	"advancing": "The clock is advancing: its timers fire in order until it reaches the new time.",
}

// write executes t into a buffer first, so that a template error answers
// 500 instead of half a page.
func (d *Dashboard) write(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		d.log.Error("dashboard template", "template", t.Name(), "err", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// message is the body of a page that only says something.
type message struct {
	Heading string
	Text    string
	ID      string
}

// notFound answers 404 for an id that the account does not have; another
// account's id and a made-up one get the very same page.
func (d *Dashboard) notFound(w http.ResponseWriter, r *http.Request, s *session, id string) {
	m := message{Heading: "Not found", Text: "There is no such page in the dashboard."}
	if id != "" {
		m = message{Heading: "Not found", Text: "This account has no object with the id", ID: id}
	}
	d.show(w, r, s, http.StatusNotFound, "message", view{Title: "Not found", Body: m})
}

// failed answers a dialect's or the store's failure without its details.
func (d *Dashboard) failed(w http.ResponseWriter, r *http.Request, s *session, err error) {
	d.log.Error("dashboard", "path", r.URL.Path, "err", err)
	d.show(w, r, s, http.StatusInternalServerError, "message",
		view{Title: "Error", Body: message{Heading: "Something went wrong", Text: "The server could not answer this page. The server's log says why."}})
}

// refuse answers a request the dashboard will not carry out, with or
// without a session (the page then has no menu).
func (d *Dashboard) refuse(w http.ResponseWriter, r *http.Request, status int, text string) {
	d.write(w, status, d.pages.signin, signinView{Refused: text, Title: http.StatusText(status)})
}
