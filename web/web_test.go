package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestReturnURL(t *testing.T) {
	params := url.Values{"source": {"src_1"}, "livemode": {"false"}, "client_secret": {"src_client_secret_x"}}
	for _, c := range []struct{ raw, want string }{
		{"https://shop.example/return", "https://shop.example/return?client_secret=src_client_secret_x&livemode=false&source=src_1"},
		{"https://shop.example/r?order=42&source=old&livemode=true", "https://shop.example/r?client_secret=src_client_secret_x&livemode=false&order=42&source=src_1"},
		{"https://shop.example/r?source=a&source=b", "https://shop.example/r?client_secret=src_client_secret_x&livemode=false&source=src_1"},
		{"https://shop.example/r#done", "https://shop.example/r?client_secret=src_client_secret_x&livemode=false&source=src_1#done"},
		{"myapp://checkout/done?x=1", "myapp://checkout/done?client_secret=src_client_secret_x&livemode=false&source=src_1&x=1"},
	} {
		if got := returnURL(c.raw, params); got != c.want {
			t.Errorf("returnURL(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   string
		want  string
	}{
		{1099, "eur", "€ 10.99"}, {100, "eur", "€ 1.00"}, {5, "eur", "€ 0.05"}, {123456, "eur", "€ 1234.56"},
		{700, "gbp", "£ 7.00"}, {850, "chf", "CHF 8.50"}, {7500, "sek", "SEK 75.00"},
	} {
		if got := FormatAmount(c.minor, c.cur); got != c.want {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", c.minor, c.cur, got, c.want)
		}
	}
}

func TestMandateText(t *testing.T) {
	txt := MandateText("Rocket Rides GmbH")
	for _, want := range []string{
		"you authorise (A) Rocket Rides GmbH and its payment service provider to send instructions to your bank to debit your account",
		"(B) your bank to debit your account in accordance with those instructions",
		"entitled to a refund from your bank",
		"within eight weeks starting from the date on which your account was debited",
		"explained in a statement that you can obtain from your bank",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("mandate text lacks %q", want)
		}
	}
}

func TestHostedURLs(t *testing.T) {
	if got := AuthorizeURL("http://127.0.0.1:12111", "acct_1", "src_2", "src_client_secret_3"); got != "http://127.0.0.1:12111/hosted/authorize/acct_1/src_2?client_secret=src_client_secret_3" {
		t.Errorf("AuthorizeURL = %q", got)
	}
	if got := MandateURL("https://pay.example", "acct_1", "src_2", "a b"); got != "https://pay.example/hosted/mandates/acct_1/src_2?client_secret=a+b" {
		t.Errorf("MandateURL = %q", got)
	}
}

func TestLink(t *testing.T) {
	for raw, want := range map[string]string{
		"https://shop.example/r?a=1": "https://shop.example/r?a=1",
		"myapp://done?source=src_1":  "myapp://done?source=src_1",
		"com.example.app:/callback":  "com.example.app:/callback",
		"javascript:alert(1)":        "",
		"JavaScript:alert(1)":        "",
		"data:text/html,<b>x</b>":    "",
		"vbscript:msgbox":            "",
		"file:///etc/passwd":         "",
		"/relative":                  "",
		"":                           "",
	} {
		if got := string(link(raw)); got != want {
			t.Errorf("link(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestRenderAppLink renders the decided Sofort page and the completed
// Checkout page with app links, and with a link the pages must refuse.
func TestRenderAppLink(t *testing.T) {
	p := New(nil, Options{})
	for _, c := range []struct {
		page string
		data any
		want string
	}{
		{"authorize", authorizeView{payment: &payment{Title: "Sofort test payment"}, BackURL: link("myapp://done?source=src_1")}, `href="myapp://done?source=src_1"`},
		{"checkout", &checkoutView{Closed: &closedView{Title: "Payment details received", URL: link("myapp://ok"), Link: "Continue"}}, `href="myapp://ok"`},
		{"authorize", authorizeView{payment: &payment{Title: "Sofort test payment"}, BackURL: link("javascript:alert(1)")}, ""},
		{"checkout", &checkoutView{Closed: &closedView{Title: "Payment details received", URL: link("data:text/html,x"), Link: "Continue"}}, ""},
	} {
		w := httptest.NewRecorder()
		p.render(w, http.StatusOK, c.page, c.data)
		body := w.Body.String()
		if strings.Contains(body, "ZgotmplZ") || strings.Contains(body, "javascript:") || strings.Contains(body, "data:") {
			t.Errorf("%s page renders an unsafe or filtered link:\n%s", c.page, body)
		}
		if c.want != "" && !strings.Contains(body, c.want) {
			t.Errorf("%s page lacks %s:\n%s", c.page, c.want, body)
		}
		if c.want == "" && strings.Contains(body, "class=\"button\" href") {
			t.Errorf("%s page links a refused URL:\n%s", c.page, body)
		}
	}
}
