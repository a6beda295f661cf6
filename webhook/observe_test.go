package webhook

import (
	"errors"
	"net/url"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.example.com/stripe":                    "https://hooks.example.com/stripe",
		"https://user:pass@hooks.example.com/stripe?token=t1": "https://hooks.example.com/stripe?…",
		"http://token@127.0.0.1:4242/w#frag":                  "http://127.0.0.1:4242/w",
		"http://[::1":                                         "(invalid URL)",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAttemptErrorDropsTheURL(t *testing.T) {
	err := &url.Error{Op: "Post", URL: "http://u:p@h/x?token=s", Err: errors.New("dial tcp: connection refused")}
	if got := attemptError(err); got != "dial tcp: connection refused" {
		t.Fatalf("attemptError = %q", got)
	}
}
