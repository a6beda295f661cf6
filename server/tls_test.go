package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/kontorpay/kontor/server"
	"github.com/kontorpay/kontor/store/sqlite"
)

// startTLS starts a server with HTTPS on a free port.
func startTLS(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.HTTPSAddr, cfg.Store = "127.0.0.1:0", "127.0.0.1:0", st
	srv, err := server.New(ctx, cfg)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		st.Close()
	})
	return srv
}

// trusting is an HTTP client that trusts only cert, offering HTTP/2.
func trusting(cert *x509.Certificate, serverName string) *http.Client {
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: serverName}}}
}

// TestHTTPS: --https-addr serves the API over TLS with HTTP/2 and a
// self-signed certificate for localhost and the loopback addresses, made at
// start; stripe-go pointed at the https URL works; plain HTTP goes on.
func TestHTTPS(t *testing.T) {
	srv := startTLS(t, server.Config{})
	u := srv.HTTPSURL()
	if !strings.HasPrefix(u, "https://127.0.0.1:") {
		t.Fatalf("HTTPSURL %q", u)
	}
	cert := srv.TLSCertificate()
	if cert == nil || time.Until(cert.NotAfter) < 300*24*time.Hour {
		t.Fatalf("certificate %+v", cert)
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := cert.VerifyHostname(name); err != nil {
			t.Errorf("the self-signed certificate does not cover %s: %v", name, err)
		}
	}
	for _, serverName := range []string{"", "localhost"} {
		resp, err := trusting(cert, serverName).Get(u + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz over TLS (server name %q): %v", serverName, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Proto != "HTTP/2.0" || resp.TLS == nil || resp.TLS.NegotiatedProtocol != "h2" {
			t.Errorf("GET /healthz: %d over %s (ALPN %v)", resp.StatusCode, resp.Proto, resp.TLS)
		}
	}
	// A client that trusts nothing else refuses the self-signed certificate.
	if _, err := (&http.Client{Timeout: 30 * time.Second}).Get(u + "/healthz"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an untrusting client connected: %v", err)
	}
	// HTTP/1.1 over TLS for clients that do not offer h2.
	h1 := trusting(cert, "")
	h1.Transport.(*http.Transport).ForceAttemptHTTP2 = false
	h1.Transport.(*http.Transport).TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	if resp, err := h1.Get(u + "/healthz"); err != nil || resp.Proto != "HTTP/1.1" {
		t.Errorf("HTTP/1.1 over TLS: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// stripe-go against https.
	sc := stripe.NewClient("sk_test_"+strings.Repeat("h", 24), stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL: stripe.String(u), HTTPClient: trusting(cert, ""), MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})))
	cus, err := sc.V1Customers.Create(context.Background(), &stripe.CustomerCreateParams{Email: stripe.String("tls@example.com")})
	if err != nil {
		t.Fatalf("stripe-go over https: %v", err)
	}
	if got, err := sc.V1Customers.Retrieve(context.Background(), cus.ID, nil); err != nil || got.Email != "tls@example.com" {
		t.Fatalf("retrieve over https: %v %+v", err, got)
	}
	// The same state on the plain port.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/customers/"+cus.ID, nil)
	req.Header.Set("Authorization", "Bearer sk_test_"+strings.Repeat("h", 24))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the customer on the plain port: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestHTTPSWithGivenCertificate: --tls-cert and --tls-key are presented as
// given; unreadable ones stop the server from starting, naming the files.
func TestHTTPSWithGivenCertificate(t *testing.T) {
	made, err := server.SelfSigned([]string{"pay.example.test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	der, err := x509.MarshalPKCS8PrivateKey(made.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: made.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)

	srv := startTLS(t, server.Config{TLSCert: certFile, TLSKey: keyFile})
	if got := srv.TLSCertificate(); got == nil || server.Fingerprint(got) != server.Fingerprint(made.Leaf) {
		t.Fatalf("the server presents %v, not the given certificate", got)
	}
	c := trusting(made.Leaf, "pay.example.test")
	c.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, strings.TrimPrefix(srv.HTTPSURL(), "https://"))
	}
	resp, err := c.Get("https://pay.example.test/healthz")
	if err != nil {
		t.Fatalf("GET with the given certificate: %v", err)
	}
	resp.Body.Close()
	if resp.Proto != "HTTP/2.0" || resp.TLS.PeerCertificates[0].Subject.CommonName != made.Leaf.Subject.CommonName {
		t.Errorf("%s, peer %v", resp.Proto, resp.TLS.PeerCertificates[0].Subject)
	}

	ctx := context.Background()
	for _, cfg := range []server.Config{
		{TLSCert: filepath.Join(dir, "missing.pem"), TLSKey: keyFile},
		{TLSCert: keyFile, TLSKey: certFile},
		{TLSCert: certFile},
	} {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Addr, cfg.HTTPSAddr, cfg.Store = "127.0.0.1:0", "127.0.0.1:0", st
		if srv, err := server.New(ctx, cfg); err == nil {
			srv.Shutdown(ctx)
			t.Errorf("a server started with %s / %s", cfg.TLSCert, cfg.TLSKey)
		} else if !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s / %s: %v", cfg.TLSCert, cfg.TLSKey, err)
		}
		st.Close()
	}
}
