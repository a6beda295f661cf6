package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/internal/testenv"
)

// chromiumPath is where the headless-browser tests look for Chromium.
const chromiumPath = "/usr/bin/chromium"

// browser returns a chromedp context for a headless Chromium, skipping the
// test when Chromium is missing (and failing it on CI, where it must be).
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		testenv.Missing(t, "headless Chromium is needed to drive the hosted pages: install it with `apt-get install -y chromium` ("+err.Error()+")")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true))
	alloc, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// Generous, for a loaded machine: a dashboard test visits many pages.
	ctx, cancel = context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestSofortPageInBrowser presses "Authorize test payment" in a real
// browser with JavaScript turned off, and lands on the merchant's return URL.
func TestSofortPageInBrowser(t *testing.T) {
	e := newEnv(t, payments)
	ctx := browser(t)
	var (
		mu     sync.Mutex
		landed *url.URL
	)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/return" {
			mu.Lock()
			landed = r.URL
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>Shop</title><p id="back">Back at the shop</p>`))
	}))
	t.Cleanup(shop.Close)

	p := sofortParams(1099)
	p.Redirect.ReturnURL = stripe.String(shop.URL + "/return?order=7")
	p.StatementDescriptor = stripe.String("ORDER 7")
	s := e.createSource(p)

	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(ctx, noScript, chromedp.Navigate(s.Redirect.URL)); err != nil {
		t.Fatalf("browser: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//button[normalize-space()="Authorize test payment"]`))); err != nil {
		t.Fatalf("press the button: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("back"))); err != nil {
		t.Fatalf("back at the shop: %v", err)
	}
	for _, want := range []string{"€ 10.99", "ORDER 7", "Germany (DE)", "Authorize test payment", "Fail test payment"} {
		if !strings.Contains(text, want) {
			t.Errorf("page text lacks %q: %s", want, text)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if landed == nil || landed.Path != "/return" || landed.Query().Get("order") != "7" || landed.Query().Get("source") != s.ID ||
		landed.Query().Get("client_secret") != s.ClientSecret || landed.Query().Get("livemode") != "false" {
		t.Errorf("landed on %v", landed)
	}
	e.event("source.chargeable", s.ID)
}
