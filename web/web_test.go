package web

import (
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
