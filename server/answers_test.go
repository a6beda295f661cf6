package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/server"
)

// TestAnswersCarryTheirLength: a JSON answer names its length, also one
// larger than net/http's 2 KiB buffer, which would otherwise go out chunked.
func TestAnswersCarryTheirLength(t *testing.T) {
	srv := startServer(t, server.Config{})
	base, key := srv.URL(), "sk_test_lengths"
	form := url.Values{}
	for i := range 10 {
		form.Set("metadata[k"+strconv.Itoa(i)+"]", strings.Repeat("v", 400))
	}
	req, _ := http.NewRequest("POST", base+"/v1/customers", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(key, "")
	created := answer(t, req, 200)
	var cu struct{ ID string }
	if err := json.Unmarshal(created, &cu); err != nil || cu.ID == "" {
		t.Fatalf("create customer: %s", created)
	}
	req, _ = http.NewRequest("GET", base+"/v1/customers/"+cu.ID, nil)
	req.SetBasicAuth(key, "")
	if body := answer(t, req, 200); len(body) < 4000 {
		t.Fatalf("retrieve customer: %d bytes, want the metadata's 4,000 and more", len(body))
	}
	req, _ = http.NewRequest("GET", base+"/v1/customers/cus_doesnotexist", nil)
	req.SetBasicAuth(key, "")
	answer(t, req, 404)
}

// answer does req, checks its status and that it named its length, and returns its body.
func answer(t *testing.T, req *http.Request, status int) []byte {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s: %d %s %s", req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
		t.Errorf("%s %s: Content-Length %d, Transfer-Encoding %v, for a body of %d bytes", req.Method, req.URL.Path, resp.ContentLength, resp.TransferEncoding, len(body))
	}
	return body
}
