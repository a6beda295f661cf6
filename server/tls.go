package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"time"
)

// The HTTPS listener serves the same handler as the plain one, over TLS with
// HTTP/2 (and HTTP/1.1 for clients that do not offer h2), as stripe-mock
// serves HTTPS on 12112 beside HTTP on 12111.

// tlsCertificate loads the operator's certificate and key (PEM files) or,
// without them, makes a self-signed certificate for the names a local
// client uses: localhost, 127.0.0.1, ::1, and the hosts of the HTTPS
// address and the public URL.
func tlsCertificate(cfg Config, httpsAddr string) (tls.Certificate, error) {
	switch {
	case cfg.TLSCert != "" && cfg.TLSKey != "":
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("TLS certificate %s and key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
		}
		return cert, nil
	case cfg.TLSCert != "" || cfg.TLSKey != "":
		return tls.Certificate{}, errors.New("a TLS certificate needs both the certificate and its key (--tls-cert and --tls-key)")
	}
	names := []string{"localhost"}
	if host, _, err := net.SplitHostPort(httpsAddr); err == nil && host != "" {
		names = append(names, host)
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" {
		names = append(names, u.Hostname())
	}
	return SelfSigned(names, time.Now())
}

// SelfSigned makes a self-signed ECDSA P-256 certificate for names (host
// names and IP addresses; 127.0.0.1 and ::1 are always included), valid
// from an hour before now for a year.
func SelfSigned(names []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"Kontor"}, CommonName: "Kontor self-signed"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Its own issuer: a client trusts it by adding it to its roots.
		IsCA:                  true,
		BasicConstraintsValid: true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if ip := net.ParseIP(n); ip != nil {
			if !ip.IsLoopback() && !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
			continue
		}
		tmpl.DNSNames = append(tmpl.DNSNames, n)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// Fingerprint is the SHA-256 fingerprint of a certificate, in hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// listenTLS opens the HTTPS listener and its server over handler.
func (s *Server) listenTLS(cfg Config, handler http.Handler, lim Limits) error {
	cert, err := tlsCertificate(cfg, cfg.HTTPSAddr)
	if err != nil {
		return err
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("TLS certificate %s: %w", cfg.TLSCert, err)
		}
	}
	ln, err := net.Listen("tcp", cfg.HTTPSAddr)
	if err != nil {
		return err
	}
	s.tlsCert = cert.Leaf
	s.httpsLn = ln
	// A connection past the limit is closed before its handshake: a plain
	// 503 would be garbage to a TLS client.
	limited := &limitListener{Listener: ln, slots: make(chan struct{}, lim.MaxConnections)}
	s.httpsLnTLS = tls.NewListener(limited, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"}})
	s.https = &http.Server{Handler: lim.deadlines(handler), ReadHeaderTimeout: lim.ReadHeader, IdleTimeout: lim.Idle,
		ErrorLog: s.http.ErrorLog}
	return nil
}

// HTTPSURL returns the base URL of the HTTPS listener, "" when there is none.
func (s *Server) HTTPSURL() string {
	if s.httpsLn == nil {
		return ""
	}
	return "https://" + s.httpsLn.Addr().String()
}

// TLSCertificate returns the certificate the HTTPS listener presents (the
// generated one unless a certificate was given), nil without HTTPS.
func (s *Server) TLSCertificate() *x509.Certificate { return s.tlsCert }
