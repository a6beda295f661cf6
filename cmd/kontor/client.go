package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// clientFlags are the flags of every command that talks to a running
// server over its API.
type clientFlags struct {
	api string
	key string
}

func (f *clientFlags) register(c *command) {
	c.fs.StringVar(&f.api, "api", "http://127.0.0.1:12111", "base URL of the Kontor server")
	c.env("api", "KONTOR_API")
	c.fs.StringVar(&f.key, "key", "", "secret key (sk_test_…) of the account to act on")
	c.env("key", "KONTOR_KEY")
}

func (f *clientFlags) client() (*apiClient, error) {
	if f.key == "" {
		return nil, errors.New("no key: pass --key sk_test_… or set KONTOR_KEY")
	}
	u, err := url.Parse(f.api)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--api %q is not an http(s) URL", f.api)
	}
	return &apiClient{base: strings.TrimRight(f.api, "/"), key: f.key, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// apiClient calls the server's Stripe and Checkout.com APIs.
type apiClient struct {
	base string
	key  string
	http *http.Client
}

// apiError is an error answer of either dialect.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// stripe sends a form-encoded Stripe request and decodes the JSON answer.
func (c *apiClient) stripe(ctx context.Context, method, path string, form url.Values) (map[string]any, error) {
	var body io.Reader
	u := c.base + path
	if method == http.MethodGet || method == http.MethodDelete {
		if len(form) > 0 {
			u += "?" + form.Encode()
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	return c.do(req)
}

// cko sends a JSON Checkout.com request and decodes the JSON answer.
func (c *apiClient) cko(ctx context.Context, method, path string, in any) (map[string]any, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	return c.do(req)
}

func (c *apiClient) do(req *http.Request) (map[string]any, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &out); err != nil && resp.StatusCode < 300 {
			return nil, fmt.Errorf("%s %s: the answer is not JSON: %w", req.Method, req.URL.Path, err)
		}
	}
	if resp.StatusCode >= 300 {
		msg := strings.TrimSpace(string(b))
		if e, ok := out["error"].(map[string]any); ok { // Stripe
			msg = fmt.Sprint(e["message"])
			if code, ok := e["code"].(string); ok && code != "" {
				msg = code + ": " + msg
			}
		} else if codes, ok := out["error_codes"].([]any); ok { // Checkout.com
			msg = fmt.Sprint(out["error_type"], " ", codes)
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return nil, &apiError{Status: resp.StatusCode, Message: fmt.Sprintf("%s %s: %s", req.Method, req.URL.Path, msg)}
	}
	return out, nil
}

// str reads a string field of a decoded object ("" when absent).
func str(o map[string]any, key string) string {
	s, _ := o[key].(string)
	return s
}

// num reads a number field of a decoded object (0 when absent).
func num(o map[string]any, key string) int64 {
	f, _ := o[key].(float64)
	return int64(f)
}

// list reads the data of a Stripe list.
func list(o map[string]any) []map[string]any {
	var out []map[string]any
	data, _ := o["data"].([]any)
	for _, d := range data {
		if m, ok := d.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// submitPage loads a hosted page and posts its form as a browser would:
// from the page's own origin, redirects not followed. The page must answer
// with a redirect to a URL starting with next; any other answer is an
// error that quotes the page's problem.
func (c *apiClient) submitPage(ctx context.Context, page string, form url.Values, next string) error {
	u, err := url.Parse(page)
	if err != nil {
		return err
	}
	noFollow := *c.http
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return err
	}
	resp, err := noFollow.Do(get)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u.Path, resp.Status)
	}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, page, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", u.Scheme+"://"+u.Host)
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err = noFollow.Do(post)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, next) {
		return nil
	}
	return fmt.Errorf("POST %s: %s, not the redirect to %s: %s", u.Path, resp.Status, next, pageProblem(body))
}

// problemText finds the first alert or field error of a hosted page.
var problemText = regexp.MustCompile(`(?s)class="(?:field-error|notice)"[^>]*>(.*?)</p>|role="alert"[^>]*>.*?<p>(.*?)</p>`)

// pageProblem is what a hosted page says is wrong, as plain text.
func pageProblem(body []byte) string {
	m := problemText.FindSubmatch(body)
	if m == nil {
		return "the page names no problem"
	}
	return html.UnescapeString(strings.TrimSpace(string(append(m[1], m[2]...))))
}
