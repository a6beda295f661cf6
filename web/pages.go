package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/sepa"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the templates, each parsed together with the layout.
var pages = map[string]*template.Template{}

func init() {
	for _, name := range []string{"authorize", "mandate", "error"} {
		pages[name] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
}

// routes registers the hosted pages. Each page family is one file.
func (p *Pages) routes() {
	static, _ := fs.Sub(staticFS, "static")
	p.mux.Handle("GET "+staticPath, http.StripPrefix(staticPath, http.FileServerFS(static)))
	p.authorizeRoutes()
	p.mandateRoutes()
	p.checkoutRoutes()
	p.mux.HandleFunc("/hosted/", func(w http.ResponseWriter, r *http.Request) { p.notFound(w) })
}

// render writes a page with the headers every hosted page carries: nothing
// is cached (URLs hold client secrets), nothing may frame the page, no
// referrer leaks the URL, and only the page's own stylesheet loads.
func (p *Pages) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout", data); err != nil {
		p.log.Error("hosted page", "page", name, "err", err)
		status, b = http.StatusInternalServerError, *bytes.NewBufferString("internal error")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// No form-action: browsers apply it to the redirect back to the
	// merchant's return URL, which may be any site or an app scheme.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// link lets a merchant's URL into a page's href. html/template would
// replace every scheme but http, https and mailto with #ZgotmplZ, yet app
// schemes (myapp://done) are how payers return to a mobile app. The URL
// must pass the rule the API checked it with on the way in
// (engine.ValidateReturnURL, which refuses javascript:, data:, vbscript:
// and file:); anything else gives no link at all.
func link(raw string) template.URL {
	if raw == "" || engine.ValidateReturnURL(raw, "") != nil {
		return ""
	}
	return template.URL(raw)
}

// errorView is the data of the error page.
type errorView struct {
	Title, Message string
}

func (p *Pages) notFound(w http.ResponseWriter) {
	p.render(w, http.StatusNotFound, "error", errorView{Title: "Page not found",
		Message: "This payment page does not exist, or the link is incomplete. Please return to the merchant and start again."})
}

// fail answers an engine error: an unknown object or a wrong client secret
// is a 404, anything else a 500 (logged, not shown).
func (p *Pages) fail(w http.ResponseWriter, err error) {
	if e, ok := engine.AsError(err); ok && e.Kind == engine.KindNotFound {
		p.notFound(w)
		return
	}
	if e, ok := engine.AsError(err); ok && (e.Kind == engine.KindInvalid || e.Kind == engine.KindState) {
		p.render(w, http.StatusBadRequest, "error", errorView{Title: "This request cannot be completed", Message: e.Message})
		return
	}
	p.log.Error("hosted page", "err", err)
	p.render(w, http.StatusInternalServerError, "error", errorView{Title: "Something went wrong",
		Message: "The payment page could not be shown. Please try again in a moment."})
}

// currencySymbols are the symbols amounts are shown with; others show the ISO code.
var currencySymbols = map[string]string{"eur": "€", "gbp": "£", "usd": "$"}

// FormatAmount shows an amount in minor units as payers read it: "€ 10.99".
func FormatAmount(minor int64, currency string) string {
	sym, ok := currencySymbols[currency]
	if !ok {
		sym = strings.ToUpper(currency)
	}
	return sym + " " + sepa.FormatAmount(minor)
}

// countryNames names the countries a payer's bank can be in (Sofort's and SEPA's most common).
var countryNames = map[string]string{
	"AT": "Austria", "BE": "Belgium", "CH": "Switzerland", "DE": "Germany", "EE": "Estonia", "ES": "Spain", "FI": "Finland",
	"FR": "France", "GB": "United Kingdom", "GI": "Gibraltar", "HR": "Croatia", "IE": "Ireland", "IT": "Italy",
	"LI": "Liechtenstein", "LT": "Lithuania", "LU": "Luxembourg", "NL": "Netherlands", "NO": "Norway", "PL": "Poland",
	"PT": "Portugal", "SE": "Sweden",
}

// countryName shows a country code as "Germany (DE)".
func countryName(code string) string {
	if n, ok := countryNames[code]; ok {
		return n + " (" + code + ")"
	}
	return code
}
