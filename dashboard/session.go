package dashboard

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Cookie names. Both are HttpOnly, SameSite=Strict and scoped to the
// dashboard's path.
const (
	sessionCookie = "kontor_dashboard"
	// signinCookie carries the sign-in form's CSRF token before a session
	// exists (a double-submit token).
	signinCookie = "kontor_dashboard_signin"
)

// session is one signed-in browser. It lives in the server's memory only:
// the cookie holds a random session id, never the key, and signing out or
// restarting the server ends it.
type session struct {
	account     string
	accountName string
	key         string // the secret key, sent to the dialects in-process
	csrf        string
	expires     time.Time
}

// sessions holds the live sessions by the SHA-256 of their cookie value.
type sessions struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[[32]byte]*session
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{ttl: ttl, m: map[[32]byte]*session{}}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("dashboard: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session and returns the cookie value that names it.
func (ss *sessions) create(account, name, key string, now time.Time) string {
	id := randomToken()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for h, s := range ss.m {
		if now.After(s.expires) {
			delete(ss.m, h)
		}
	}
	ss.m[sha256.Sum256([]byte(id))] = &session{account: account, accountName: name, key: key, csrf: randomToken(), expires: now.Add(ss.ttl)}
	return id
}

// get returns the live session a cookie value names, or nil.
func (ss *sessions) get(id string, now time.Time) *session {
	if id == "" {
		return nil
	}
	h := sha256.Sum256([]byte(id))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[h]
	if s != nil && now.After(s.expires) {
		delete(ss.m, h)
		return nil
	}
	return s
}

// end forgets the session a cookie value names.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	delete(ss.m, sha256.Sum256([]byte(id)))
	ss.mu.Unlock()
}

// cookie returns a dashboard cookie; maxAge < 0 deletes it.
func (d *Dashboard) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/dashboard", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: d.secure}
}

// current returns the request's live session, or nil.
func (d *Dashboard) current(r *http.Request) (*session, string) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, ""
	}
	return d.sessions.get(c.Value, time.Now()), c.Value
}

// signedIn wraps a handler that needs a session: without one, a GET is sent
// to the sign-in page and anything else is refused. Every non-GET request
// must carry the session's CSRF token in its form.
func (d *Dashboard) signedIn(h func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, _ := d.current(r)
		if s == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
				return
			}
			d.refuse(w, r, http.StatusForbidden, "You are not signed in, or your session has ended. Sign in again.")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if !sameToken(r.PostFormValue("csrf_token"), s.csrf) {
				d.refuse(w, r, http.StatusForbidden, "The form's security token is missing or out of date. Go back, reload the page and try again.")
				return
			}
		}
		h(w, r, s)
	}
}

// sameToken compares two tokens in constant time; an empty token never matches.
func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
