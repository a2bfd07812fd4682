package v2gtls_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/v2gtls"
)

func dialEcho(t *testing.T, addr string, cfg *tls.Config) (*v2gtls.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := v2gtls.Dial(ctx, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := c.Write([]byte("ping-v2g\n")); err != nil {
		c.Close()
		return nil, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		c.Close()
		return nil, err
	}
	if line != "ping-v2g\n" {
		c.Close()
		t.Fatalf("echo: %q, %v", line, err)
	}
	return c, nil
}

func TestISO20RoundTrip(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run(addr, func(t *testing.T) {
			srv, results := echoServer(t, "tcp", addr, mustServer(t, serverOpts(t, p)), 1)
			c, err := dialEcho(t, srv, mustClient(t, clientOpts(p)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cs := c.ConnectionState()
			if c.Profile() != v2gtls.ProfileISO20 || cs.Version != tls.VersionTLS13 || cs.CurveID != tls.CurveP521 {
				t.Errorf("profile %v version %x curve %v", c.Profile(), cs.Version, cs.CurveID)
			}
			if cs.DidResume || len(cs.OCSPResponse) == 0 {
				t.Errorf("resumed %v, staple %d bytes", cs.DidResume, len(cs.OCSPResponse))
			}
			if len(c.PeerChain()) != 3 || !c.PeerChain()[0].Equal(p.Cert(pki.RoleSECCLeaf)) {
				t.Errorf("client peer chain %d", len(c.PeerChain()))
			}
			r := result(t, results)
			if r.err != nil || r.profile != v2gtls.ProfileISO20 || len(r.chain) != 3 || !r.chain[0].Equal(p.Cert(pki.RoleVehicleLeaf)) {
				t.Errorf("server: %+v", r)
			}
		})
	}
}

func TestISO20ServerRefuses(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	other := genPKI(t, pki.FamilyP521)
	cases := []struct {
		name  string
		srv   func(*v2gtls.ServerOptions)
		cli   func(*v2gtls.ClientOptions)
		check func(error) bool
	}{
		{"untrusted vehicle root", func(o *v2gtls.ServerOptions) { o.ClientRoots = []*pki.Certificate{other.Root(pki.RoleVehicleLeaf)} }, nil,
			func(err error) bool { return untrusted(err) }},
		{"expired vehicle certificate", func(o *v2gtls.ServerOptions) {
			o.Time = func() time.Time { return t0.AddDate(30, 0, 0) }
		}, nil, func(err error) bool { return isReason(err, pki.ReasonExpired) }},
		{"wrong EVCCID", func(o *v2gtls.ServerOptions) { o.EVCCID = "OTHER" }, nil,
			func(err error) bool { return isReason(err, pki.ReasonProfile) }},
		{"TLS 1.2 offered", nil, func(o *v2gtls.ClientOptions) {}, func(err error) bool { return errors.Is(err, v2gtls.ErrVersion) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			so := serverOpts(t, p)
			if tc.srv != nil {
				tc.srv(&so)
			}
			srv, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, so), 1)
			ccfg := mustClient(t, clientOpts(p))
			if tc.cli != nil {
				ccfg.MinVersion, ccfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
			}
			if c, err := dialEcho(t, srv, ccfg); err == nil {
				c.Close()
				t.Error("client: handshake succeeded")
			}
			r := result(t, results)
			if !tc.check(r.err) {
				t.Errorf("server error %v", r.err)
			}
		})
	}
}

func TestISO20NoClientCertificate(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	srv, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, serverOpts(t, p)), 1)
	ccfg := mustClient(t, clientOpts(p))
	ccfg.Certificates = nil
	if c, err := dialEcho(t, srv, ccfg); err == nil {
		c.Close()
	}
	if r := result(t, results); !errors.Is(r.err, v2gtls.ErrNoClientCertificate) {
		t.Errorf("server error %v", r.err)
	}
}

func TestISO20ClientRefuses(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	other := genPKI(t, pki.FamilyP521)
	cases := []struct {
		name  string
		srv   func(*v2gtls.ServerOptions)
		cli   func(*v2gtls.ClientOptions)
		check func(error) bool
	}{
		{"untrusted SECC root", nil, func(o *v2gtls.ClientOptions) { o.Roots = other.Roots()[:1] },
			func(err error) bool { return untrusted(err) }},
		{"no staple", func(o *v2gtls.ServerOptions) { o.OCSPStaple = nil }, nil,
			func(err error) bool { return errors.Is(err, v2gtls.ErrOCSPMissing) }},
		{"foreign staple", func(o *v2gtls.ServerOptions) { o.OCSPStaple = leafStaple(t, other) }, nil,
			func(err error) bool {
				var ve *pki.ValidationError
				return errors.Is(err, v2gtls.ErrOCSPInvalid) && errors.As(err, &ve)
			}},
		{"revoked", func(o *v2gtls.ServerOptions) {
			r := p.Responder(pki.RoleCPOSubCA2, now)
			r.Status = func(*big.Int) pki.OCSPStatus {
				return pki.OCSPStatus{Status: pki.OCSPRevoked, RevokedAt: t0.Add(-time.Minute)}
			}
			o.OCSPStaple, o.OCSPResponder = nil, r
		}, nil, func(err error) bool {
			return errors.Is(err, v2gtls.ErrOCSPInvalid) && errors.Is(err, pki.ReasonRevoked)
		}},
		{"TLS 1.2 selected", func(o *v2gtls.ServerOptions) {}, nil, func(err error) bool { return errors.Is(err, v2gtls.ErrVersion) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			so := serverOpts(t, p)
			if tc.srv != nil {
				tc.srv(&so)
			}
			scfg := mustServer(t, so)
			if tc.name == "TLS 1.2 selected" {
				scfg.MinVersion, scfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
			}
			co := clientOpts(p)
			if tc.cli != nil {
				tc.cli(&co)
			}
			srv, results := echoServer(t, "tcp", "127.0.0.1:0", scfg, 1)
			c, err := dialEcho(t, srv, mustClient(t, co))
			if err == nil {
				c.Close()
			}
			if !tc.check(err) {
				t.Errorf("client error %v", err)
			}
			<-results
		})
	}
}

func TestISO2RoundTrip(t *testing.T) {
	p := genPKI(t, pki.FamilyP256)
	so := serverOpts(t, p)
	scfg, err := v2gtls.ServerConfigISO2(so)
	if err != nil {
		t.Fatal(err)
	}
	ccfg, err := v2gtls.ClientConfigISO2(v2gtls.ClientOptions{Roots: p.Roots()[:1], RequireOCSP: true, Time: now})
	if err != nil {
		t.Fatal(err)
	}
	srv, results := echoServer(t, "tcp", "127.0.0.1:0", scfg, 1)
	c, err := dialEcho(t, srv, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cs := c.ConnectionState()
	if c.Profile() != v2gtls.ProfileISO2 || cs.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 || cs.CurveID != tls.CurveP256 {
		t.Errorf("profile %v suite %s curve %v", c.Profile(), tls.CipherSuiteName(cs.CipherSuite), cs.CurveID)
	}
	if r := result(t, results); r.err != nil || len(r.chain) != 0 || r.profile != v2gtls.ProfileISO2 {
		t.Errorf("server: %+v", r)
	}
}

func TestConfigNotModified(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	scfg := mustServer(t, serverOpts(t, p))
	ccfg := mustClient(t, clientOpts(p))
	sBefore, cBefore := snapshot(scfg), snapshot(ccfg)
	srv, results := echoServer(t, "tcp", "127.0.0.1:0", scfg, 1)
	c, err := dialEcho(t, srv, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	<-results
	if !reflect.DeepEqual(sBefore, snapshot(scfg)) || !reflect.DeepEqual(cBefore, snapshot(ccfg)) {
		t.Error("a config was modified")
	}
	if !scfg.SessionTicketsDisabled || scfg.ClientAuth != tls.RequestClientCert || ccfg.ClientSessionCache != nil {
		t.Error("resumption not disabled")
	}
}

func snapshot(c *tls.Config) []any {
	return []any{c.MinVersion, c.MaxVersion, c.CurvePreferences, c.CipherSuites, c.ServerName, c.InsecureSkipVerify,
		c.SessionTicketsDisabled, c.ClientAuth, len(c.Certificates), c.ClientSessionCache, c.NextProtos}
}

func TestAcceptContext(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	l, err := v2gtls.Listen(context.Background(), "tcp", "127.0.0.1:0", mustServer(t, serverOpts(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Accept(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept: %v", err)
	}
	// A client that stops after connecting is cut off by the context.
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := l.Accept(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept during handshake: %v", err)
	}
	// The listener still works afterwards.
	ccfg := mustClient(t, clientOpts(p))
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept(context.Background())
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	if c, err := v2gtls.Dial(dctx, "tcp", l.Addr().String(), ccfg); err != nil {
		t.Fatal(err)
	} else {
		c.Close()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDialCancelled(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := genPKI(t, pki.FamilyP521)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	// The listener never answers the ClientHello.
	if _, err := v2gtls.Dial(ctx, "tcp", l.Addr().String(), mustClient(t, clientOpts(p))); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial: %v", err)
	}
}

func TestBuilderErrors(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	p256 := genPKI(t, pki.FamilyP256)
	so := serverOpts(t, p)
	so.ClientRoots = nil
	if _, err := v2gtls.ServerConfig(so); err == nil {
		t.Error("ServerConfig without ClientRoots")
	}
	if _, err := v2gtls.ServerConfig(serverOpts(t, p256)); err == nil {
		t.Error("ServerConfig with P-256 credentials")
	}
	if _, err := v2gtls.ServerConfigISO2(serverOpts(t, p)); err == nil {
		t.Error("ServerConfigISO2 with P-521 credentials")
	}
	if _, err := v2gtls.ClientConfig(v2gtls.ClientOptions{Chain: clientOpts(p).Chain, Key: clientOpts(p).Key}); err == nil {
		t.Error("ClientConfig without Roots")
	}
}

func TestStapleSources(t *testing.T) {
	p := genPKI(t, pki.FamilyP521)
	der := leafStaple(t, p)
	file := filepath.Join(t.TempDir(), "ocsp.der")
	if err := os.WriteFile(file, der, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, set := range map[string]func(*v2gtls.ServerOptions){
		"file": func(o *v2gtls.ServerOptions) { o.OCSPStaple, o.OCSPStapleFile = nil, file },
		"responder": func(o *v2gtls.ServerOptions) {
			o.OCSPStaple, o.OCSPResponder = nil, p.Responder(pki.RoleCPOSubCA2, now)
		},
	} {
		t.Run(name, func(t *testing.T) {
			so := serverOpts(t, p)
			set(&so)
			addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, so), 1)
			c, err := dialEcho(t, addr, mustClient(t, clientOpts(p)))
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
			if r := result(t, results); r.err != nil {
				t.Fatal(r.err)
			}
		})
	}
	so := serverOpts(t, p)
	so.OCSPStaple, so.OCSPStapleFile = nil, file+".missing"
	if _, err := v2gtls.ServerConfig(so); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing staple file: %v", err)
	}
}
