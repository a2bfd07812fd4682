package v2gtls_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2gtls"
)

func writePKI(t *testing.T, p *testpki.PKI) string {
	t.Helper()
	dir := t.TempDir()
	if err := p.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sClient runs openssl s_client against addr with stdin "ping-v2g\n" and
// returns its combined output.
func sClient(t *testing.T, bin, addr string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args = append([]string{"s_client", "-connect", addr, "-quiet"}, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader("ping-v2g\n")
	out, _ := cmd.CombinedOutput() // failures are judged by the server's result
	return string(out)
}

// vehicleArgs are the s_client arguments presenting the vehicle chain and
// verifying the SECC against the V2G root.
func vehicleArgs(dir string) []string {
	return []string{
		"-tls1_3", "-groups", "P-521",
		"-cert", filepath.Join(dir, "vehicle-leaf.pem"), "-key", filepath.Join(dir, "vehicle-leaf.key"),
		"-cert_chain", filepath.Join(dir, "vehicle-leaf.chain.pem"),
		"-CAfile", filepath.Join(dir, "v2g-root.pem"), "-verify_return_error",
	}
}

func TestOpenSSLClientToSECC(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		t.Run(host, func(t *testing.T) {
			addr, results := echoServer(t, "tcp", host+":0", mustServer(t, serverOpts(t, p)), 1)
			out := sClient(t, bin, addr, vehicleArgs(dir)...)
			r := result(t, results)
			if r.err != nil {
				t.Fatalf("server: %v\nopenssl: %s", r.err, out)
			}
			if r.line != "ping-v2g\n" || !strings.Contains(out, "ping-v2g") {
				t.Errorf("echo: server read %q, openssl printed %q", r.line, out)
			}
			if r.profile != v2gtls.ProfileISO20 || r.state.CurveID != tls.CurveP521 || len(r.chain) != 3 || r.chain[0].Subject.CommonName != p.EVCCID {
				t.Errorf("profile %v curve %v chain %d", r.profile, r.state.CurveID, len(r.chain))
			}
		})
	}
}

func TestOpenSSLClientRefused(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	other := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	all := vehicleArgs(dir)
	noCert := append(append([]string{}, all[:3]...), all[9:]...) // drop -cert/-key/-cert_chain
	tls12 := append([]string{"-tls1_2"}, all[1:]...)
	cases := []struct {
		name  string
		srv   func(*v2gtls.ServerOptions)
		args  []string
		check func(error) bool
	}{
		{"no client certificate", nil, noCert, func(err error) bool { return errors.Is(err, v2gtls.ErrNoClientCertificate) }},
		{"untrusted vehicle root", func(o *v2gtls.ServerOptions) { o.ClientRoots = other.Roots()[2:] }, all, untrusted},
		{"expired vehicle certificate", func(o *v2gtls.ServerOptions) {
			o.Time = func() time.Time { return t0.AddDate(30, 0, 0) }
		}, all, func(err error) bool { return isReason(err, pki.ReasonExpired) }},
		{"TLS 1.2 only", nil, tls12, func(err error) bool { return errors.Is(err, v2gtls.ErrVersion) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			so := serverOpts(t, p)
			if tc.srv != nil {
				tc.srv(&so)
			}
			addr, results := echoServer(t, "tcp", "127.0.0.1:0", mustServer(t, so), 1)
			out := sClient(t, bin, addr, tc.args...)
			r := result(t, results)
			if !tc.check(r.err) {
				t.Errorf("server error %v\nopenssl: %s", r.err, out)
			}
			if strings.Contains(out, "ping-v2g") {
				t.Errorf("application data flowed: %s", out)
			}
		})
	}
}

// sServer starts openssl s_server on a free loopback port and returns its
// address; the process is killed and waited for in Cleanup.
func sServer(t *testing.T, bin string, args ...string) string {
	t.Helper()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args = append([]string{"s_server", "-accept", addr, "-rev"}, args...)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var mu sync.Mutex
	var log bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if !signalled && strings.HasPrefix(sc.Text(), "ACCEPT") {
				close(ready)
				signalled = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		wg.Wait()
		_ = cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("s_server stdout:\n%s\nstderr:\n%s", log.String(), stderr.String())
			mu.Unlock()
		}
	})
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("s_server did not start: %s", stderr.String())
	}
	return addr
}

// iso20ServerArgs returns the s_server arguments of a -20 SECC and the
// DER OCSP response it staples.
func iso20ServerArgs(t *testing.T, dir string, p *testpki.PKI) ([]string, []byte) {
	staple := filepath.Join(dir, "secc-leaf.ocsp.der")
	der := leafStaple(t, p)
	if err := os.WriteFile(staple, der, 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{
		"-tls1_3", "-groups", "P-521",
		"-cert", filepath.Join(dir, "secc-leaf.pem"), "-key", filepath.Join(dir, "secc-leaf.key"),
		"-cert_chain", filepath.Join(dir, "secc-leaf.chain.pem"),
		"-status_file", staple,
		"-Verify", "1", "-verify_return_error", "-CAfile", filepath.Join(dir, "oem-root.pem"),
	}, der
}

// revEcho writes a line and expects it back reversed (s_server -rev).
func revEcho(c net.Conn) error {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("ping-v2g\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimRight(line, "\r\n") != "g2v-gnip" {
		return fmt.Errorf("got %q", line)
	}
	return nil
}

func dial(t *testing.T, addr string, cfg *tls.Config) (*v2gtls.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return v2gtls.Dial(ctx, "tcp", addr, cfg)
}

func TestOpenSSLServerToEVCC(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	args, staple := iso20ServerArgs(t, dir, p)
	addr := sServer(t, bin, args...)
	c, err := dial(t, addr, mustClient(t, clientOpts(p)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cs := c.ConnectionState()
	if c.Profile() != v2gtls.ProfileISO20 || cs.CurveID != tls.CurveP521 || !bytes.Equal(cs.OCSPResponse, staple) {
		t.Errorf("profile %v curve %v staple %d bytes", c.Profile(), cs.CurveID, len(cs.OCSPResponse))
	}
	if len(c.PeerChain()) != 3 || !c.PeerChain()[0].Equal(p.Cert(pki.RoleSECCLeaf)) {
		t.Errorf("peer chain %d", len(c.PeerChain()))
	}
	if err := revEcho(c); err != nil {
		t.Error(err)
	}
}

func TestOpenSSLServerRefused(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP521)
	other := genPKI(t, pki.FamilyP521)
	dir := writePKI(t, p)
	args, _ := iso20ServerArgs(t, dir, p)
	addr := sServer(t, bin, args...)
	co := clientOpts(p)
	co.Roots = other.Roots()[:1]
	if c, err := dial(t, addr, mustClient(t, co)); !untrusted(err) {
		if c != nil {
			c.Close()
		}
		t.Errorf("foreign V2G root: %v", err)
	}
}

func TestOpenSSLServerISO2(t *testing.T) {
	bin := needTool(t, "openssl")
	p := genPKI(t, pki.FamilyP256)
	dir := writePKI(t, p)
	addr := sServer(t, bin, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256", "-groups", "P-256",
		"-cert", filepath.Join(dir, "secc-leaf.pem"), "-key", filepath.Join(dir, "secc-leaf.key"),
		"-cert_chain", filepath.Join(dir, "secc-leaf.chain.pem"))
	cfg, err := v2gtls.ClientConfigISO2(v2gtls.ClientOptions{Roots: p.Roots()[:1], Time: now})
	if err != nil {
		t.Fatal(err)
	}
	c, err := dial(t, addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cs := c.ConnectionState()
	if c.Profile() != v2gtls.ProfileISO2 || cs.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 || cs.CurveID != tls.CurveP256 {
		t.Errorf("profile %v suite %s curve %v", c.Profile(), tls.CipherSuiteName(cs.CipherSuite), cs.CurveID)
	}
	if err := revEcho(c); err != nil {
		t.Error(err)
	}
	c.Close() // s_server serves one connection at a time
	// The -20 client refuses the TLS 1.2 server.
	if c, err := dial(t, addr, mustClient(t, clientOpts(genPKI(t, pki.FamilyP521)))); !errors.Is(err, v2gtls.ErrVersion) {
		if c != nil {
			c.Close()
		}
		t.Errorf("-20 client against TLS 1.2 server: %v", err)
	}
}
