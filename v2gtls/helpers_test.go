package v2gtls_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2gtls"
)

// t0 is the fixed clock of the test PKIs. OpenSSL peers use the system
// clock, so t0 is the real time at package start.
var t0 = time.Now().UTC().Truncate(time.Second)

func now() time.Time { return t0 }

func genPKI(tb testing.TB, f pki.Family) *testpki.PKI {
	tb.Helper()
	p, err := testpki.Generate(testpki.Options{Family: f, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func leafStaple(tb testing.TB, p *testpki.PKI) []byte {
	tb.Helper()
	st, err := p.Staple(pki.RoleSECCLeaf, now)
	if err != nil {
		tb.Fatal(err)
	}
	return st[0]
}

func serverOpts(tb testing.TB, p *testpki.PKI) v2gtls.ServerOptions {
	tb.Helper()
	s := p.Get(pki.RoleSECCLeaf)
	return v2gtls.ServerOptions{
		Chain:       p.Chain(pki.RoleSECCLeaf),
		Key:         s.Key,
		ClientRoots: []*pki.Certificate{p.Root(pki.RoleVehicleLeaf)},
		OCSPStaple:  leafStaple(tb, p),
		Time:        now,
	}
}

func clientOpts(p *testpki.PKI) v2gtls.ClientOptions {
	return v2gtls.ClientOptions{
		Chain:       p.Chain(pki.RoleVehicleLeaf),
		Key:         p.Get(pki.RoleVehicleLeaf).Key,
		Roots:       []*pki.Certificate{p.Root(pki.RoleSECCLeaf)},
		RequireOCSP: true,
		Time:        now,
	}
}

func mustServer(tb testing.TB, o v2gtls.ServerOptions) *tls.Config {
	tb.Helper()
	cfg, err := v2gtls.ServerConfig(o)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func mustClient(tb testing.TB, o v2gtls.ClientOptions) *tls.Config {
	tb.Helper()
	cfg, err := v2gtls.ClientConfig(o)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// acceptResult is what the echo server saw for one connection.
type acceptResult struct {
	conn    *v2gtls.Conn // closed already
	err     error
	profile v2gtls.Profile
	chain   []*pki.Certificate
	line    string
	state   tls.ConnectionState
}

// echoServer listens on network/addr with cfg and serves n connections:
// handshake, read one line, write it back, close. Each outcome goes to
// the returned channel. The serving goroutine is waited for in Cleanup.
func echoServer(tb testing.TB, network, addr string, cfg *tls.Config, n int) (string, <-chan acceptResult) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := v2gtls.Listen(ctx, network, addr, cfg)
	if err != nil {
		cancel()
		if network == "tcp6" || addr[0] == '[' {
			tb.Skipf("no IPv6 loopback: %v", err)
		}
		tb.Fatal(err)
	}
	out := make(chan acceptResult, n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range n {
			hctx, hcancel := context.WithTimeout(ctx, 10*time.Second)
			c, err := l.Accept(hctx)
			hcancel()
			if err != nil {
				out <- acceptResult{err: err}
				if ctx.Err() != nil {
					return
				}
				continue
			}
			r := acceptResult{conn: c, profile: c.Profile(), chain: c.PeerChain(), state: c.ConnectionState()}
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			r.line, r.err = line, err
			if err == nil {
				_, r.err = c.Write([]byte(line))
			}
			_ = c.Close()
			out <- r
		}
	}()
	tb.Cleanup(func() {
		cancel()
		_ = l.Close()
		wg.Wait()
	})
	return l.Addr().String(), out
}

func result(tb testing.TB, ch <-chan acceptResult) acceptResult {
	tb.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		tb.Fatal("server produced no result")
	}
	return acceptResult{}
}

// needTool returns the path of a binary, skipping the test when it is
// missing, except under CI=true, where a missing tool fails.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s not found but CI=true: apt-get install -y openssl tshark", name)
		}
		tb.Skipf("%s not found; install it to run this test", name)
	}
	return path
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func isReason(err error, r pki.Reason) bool {
	var ce *v2gtls.ChainError
	var ve *pki.ValidationError
	return errors.As(err, &ce) && errors.As(err, &ve) && ve.Reason == r
}

// untrusted reports a *ChainError for a chain that does not end at the
// configured root. testpki gives every PKI the same names, so a foreign
// chain fails on the root's signature rather than on its name.
func untrusted(err error) bool {
	return isReason(err, pki.ReasonUnknownAuthority) || isReason(err, pki.ReasonBadSignature)
}
