package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/kontorpay/kontor/internal/jsonpath"
)

// signinView is the sign-in page (also used for refusals before a session).
type signinView struct {
	Title   string
	CSRF    string
	Error   string
	Refused string
}

// signInPage shows the sign-in form with a fresh double-submit token.
func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	if s, _ := d.current(r); s != nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	d.showSignIn(w, http.StatusOK, "")
}

func (d *Dashboard) showSignIn(w http.ResponseWriter, status int, problem string) {
	token := randomToken()
	http.SetCookie(w, d.cookie(signinCookie, token, 3600))
	d.write(w, status, d.pages.signin, signinView{Title: "Sign in", CSRF: token, Error: problem})
}

// signIn checks the form's token and the key, and starts a session. The key
// is checked by asking the Stripe dialect for the account it belongs to, so
// that a publishable key or an unknown key (with strict keys) is refused
// exactly as the API refuses it.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c, err := r.Cookie(signinCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf_token"), c.Value) {
		d.refuse(w, r, http.StatusForbidden, "The sign-in form's security token is missing or out of date. Reload the sign-in page and try again.")
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if !strings.HasPrefix(key, "sk_") {
		d.showSignIn(w, http.StatusUnauthorized, "Enter a secret key: it starts with sk_test_ (publishable keys cannot sign in).")
		return
	}
	probe := &session{key: key}
	rep := d.get(r.Context(), probe, stripeDialect, "/v1/account", nil)
	acct := rep.object()
	id, _ := acct["id"].(string)
	if !rep.ok() || id == "" {
		if rep.status >= 500 {
			d.log.Error("dashboard sign-in", "status", rep.status)
		}
		d.showSignIn(w, http.StatusUnauthorized, "This key was not accepted: "+scrub(rep.message()))
		return
	}
	name, _ := jsonpath.Lookup(acct, "business_profile.name").(string)
	sid := d.sessions.create(id, name, key, time.Now())
	http.SetCookie(w, d.cookie(sessionCookie, sid, 0))
	http.SetCookie(w, d.cookie(signinCookie, "", -1))
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// signOut ends the session and forgets its cookie.
func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request, _ *session) {
	if _, id := d.current(r); id != "" {
		d.sessions.end(id)
	}
	http.SetCookie(w, d.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}
