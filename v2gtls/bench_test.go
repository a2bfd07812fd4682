package v2gtls_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/v2gtls"
)

// BenchmarkHandshakeISO20 measures one full -20 handshake (TLS 1.3,
// P-521, mutual authentication with pki chain validation on both sides
// and OCSP staple verification) over loopback TCP.
func BenchmarkHandshakeISO20(b *testing.B) {
	p := genPKI(b, pki.FamilyP521)
	scfg := mustServer(b, serverOpts(b, p))
	ccfg := mustClient(b, clientOpts(p))
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	l := v2gtls.NewListener(inner, scfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept(ctx)
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				c.Close()
			}
			select {
			case done <- err:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		l.Close()
		wg.Wait()
	}()
	b.ReportAllocs()
	for b.Loop() {
		c, err := v2gtls.Dial(ctx, "tcp", l.Addr().String(), ccfg)
		if err != nil {
			b.Fatal(err)
		}
		// The server's side (vehicle chain validation) ends after the
		// client's; wait for it so each iteration is one whole handshake.
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
