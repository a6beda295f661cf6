package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/kontorpay/kontor/internal/testenv"
)

// checkoutBrowser starts a headless Chromium for the Checkout tests, with
// scripts turned off (the hosted pages must work without JavaScript) and a
// fresh profile. Without Chromium the test fails with a clear message
// (testenv.Missing).
func checkoutBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else {
			msg := "headless Chromium is needed to drive the hosted pages: install it with `apt-get install -y chromium` (looked for " + chromiumPath + " and chromium on PATH)"
			testenv.Missing(t, msg)
		}
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("no-default-browser-check", true)}
	alloc, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(ctx, noScript); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// shop is the merchant's site: it serves the success and cancel pages the
// hosted Checkout page sends the payer to and records where the payer landed.
type shop struct {
	URL   string
	mu    sync.Mutex
	hit   []*url.URL
	pages map[string][]byte // the shop's own pages (servePage), not counted as landings
}

// servePage has the shop serve html at path.
func (s *shop) servePage(path string, html []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = html
}

func newShop(t *testing.T) *shop {
	s := &shop{pages: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		page, own := s.pages[r.URL.Path]
		if !own {
			s.hit = append(s.hit, r.URL)
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if own {
			w.Write(page)
			return
		}
		w.Write([]byte(`<!doctype html><title>Shop</title><h1 id="landed">` + strings.TrimPrefix(r.URL.Path, "/") + `</h1>`))
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// landed returns the last page of the shop the payer reached.
func (s *shop) landed() *url.URL {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.hit) == 0 {
		return nil
	}
	return s.hit[len(s.hit)-1]
}

// pageText returns the text of the page's main element.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return text
}

// browse runs steps in the browser and fails the test with what on error.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}
