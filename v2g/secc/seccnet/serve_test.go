package seccnet_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
	"github.com/v2gstack/iso15118/v2gtls"
)

// countingListener counts the connections it hands out and how many of
// them were closed.
type countingListener struct {
	net.Listener
	accepted, closed atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	return &countedConn{Conn: c, l: l}, nil
}

// SetDeadline lets v2gtls.Listener interrupt Accept when its ctx is
// cancelled.
func (l *countingListener) SetDeadline(t time.Time) error {
	return l.Listener.(*net.TCPListener).SetDeadline(t)
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.closed.Add(1) })
	return c.Conn.Close()
}

// tlsListener returns a -20 TLS listener on loopback over a counting TCP
// listener, and a dialer with the matching client config, over a P-521
// test PKI generated now.
func tlsListener(t *testing.T) (*v2gtls.Listener, *countingListener, func(context.Context) (*v2gtls.Conn, error)) {
	t.Helper()
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyP521, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	staple, err := p.Staple(pki.RoleSECCLeaf, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	scfg, err := v2gtls.ServerConfig(v2gtls.ServerOptions{
		Chain: p.Chain(pki.RoleSECCLeaf), Key: p.Get(pki.RoleSECCLeaf).Key,
		ClientRoots: []*pki.Certificate{p.Root(pki.RoleVehicleLeaf)},
		OCSPStaple:  staple[0],
	})
	if err != nil {
		t.Fatal(err)
	}
	ccfg, err := v2gtls.ClientConfig(v2gtls.ClientOptions{
		Chain: p.Chain(pki.RoleVehicleLeaf), Key: p.Get(pki.RoleVehicleLeaf).Key,
		Roots: []*pki.Certificate{p.Root(pki.RoleSECCLeaf)}, RequireOCSP: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: inner}
	ln := v2gtls.NewListener(cl, scfg)
	t.Cleanup(func() { _ = ln.Close() })
	return ln, cl, func(ctx context.Context) (*v2gtls.Conn, error) {
		return dialWith(ctx, ln.Addr().String(), ccfg)
	}
}

func dialWith(ctx context.Context, addr string, cfg *tls.Config) (*v2gtls.Conn, error) {
	return v2gtls.Dial(ctx, "tcp", addr, cfg)
}

// appProtocol sends a supportedAppProtocolReq on c and checks that the
// SECC accepts -20 DC.
func appProtocol(t *testing.T, c net.Conn) {
	t.Helper()
	req := &apphand.SupportedAppProtocolReq{AppProtocol: []apphand.AppProtocol{{
		ProtocolNamespace: session.NamespaceDC, VersionNumberMajor: session.VersionMajor,
		VersionNumberMinor: session.VersionMinor, SchemaID: 1, Priority: 1,
	}}}
	b, err := req.AppendEXI(nil, exi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	defer func() { _ = c.SetDeadline(time.Time{}) }()
	if _, err := c.Write(v2gtp.AppendFrame(nil, v2gtp.SAP, b)); err != nil {
		t.Fatal(err)
	}
	f, err := v2gtp.NewReader(c, 0).ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	var res apphand.SupportedAppProtocolRes
	if err := res.DecodeEXI(f.Payload, exi.Options{}); err != nil {
		t.Fatal(err)
	}
	if res.ResponseCode != apphand.ResponseCodeOKSuccessfulNegotiation {
		t.Fatalf("response code %v", res.ResponseCode)
	}
}

// serve runs srv.Serve in a goroutine; the returned function cancels it
// and returns its result.
func serve(srv *seccnet.Server, ln *v2gtls.Listener) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return func() error { cancel(); return <-done }
}

// TestServeConcurrentSessions: with NewEVSE, sessions overlap, each with
// the EVSE made for its connection, and cancelling ctx ends them all
// before Serve returns.
func TestServeConcurrentSessions(t *testing.T) {
	ln, cl, dial := tlsListener(t)
	var mu sync.Mutex
	evses := map[string]*secc.SimEVSE{} // by remote address
	srv := &seccnet.Server{NewEVSE: func(c net.Conn) (secc.EVSE, error) {
		mu.Lock()
		defer mu.Unlock()
		e := secc.NewSimEVSE()
		evses[c.RemoteAddr().String()] = e
		return e, nil
	}}
	stop := serve(srv, ln)
	const n = 4
	var conns []*v2gtls.Conn
	for range n {
		c, err := dial(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		conns = append(conns, c)
	}
	// Every session answers while all the others are still open.
	for _, c := range conns {
		appProtocol(t, c)
	}
	mu.Lock()
	for _, c := range conns {
		if evses[c.LocalAddr().String()] == nil {
			t.Errorf("no EVSE made for %v", c.LocalAddr())
		}
	}
	if len(evses) != n {
		t.Errorf("%d EVSEs made for %d connections", len(evses), n)
	}
	mu.Unlock()
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if a, c := cl.accepted.Load(), cl.closed.Load(); a != n || c != n {
		t.Fatalf("when Serve returned: %d connections accepted, %d closed", a, c)
	}
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("read after Serve returned: %v", err)
		}
	}
}

// TestServeNoGoroutineLeak: after Serve returns, no goroutine of the
// sessions it ran is left.
func TestServeNoGoroutineLeak(t *testing.T) {
	ln, _, dial := tlsListener(t)
	srv := &seccnet.Server{NewEVSE: func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil }}
	before := runtime.NumGoroutine()
	stop := serve(srv, ln)
	var conns []*v2gtls.Conn
	for range 8 {
		c, err := dial(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		appProtocol(t, c)
		conns = append(conns, c)
	}
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	// Closed client connections may still be winding down in the runtime
	// poller for a moment; sessions goroutines are gone already.
	var now int
	for range 100 {
		if now = runtime.NumGoroutine(); now <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines before Serve, %d after:\n%s", before, now, buf[:runtime.Stack(buf, true)])
}

// TestServeSharedEVSESerial: with only Config.EVSE, a second connection
// is not served while the first session is open.
func TestServeSharedEVSESerial(t *testing.T) {
	ln, _, dial := tlsListener(t)
	srv := &seccnet.Server{Config: secc.Config{EVSE: secc.NewSimEVSE()}}
	stop := serve(srv, ln)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	first, err := dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	appProtocol(t, first)
	// The handshake of the second needs the accepting goroutine, which
	// is busy with the first session.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	second, err := dial(ctx)
	cancel()
	if err == nil {
		_ = second.Close()
		t.Fatal("second connection served while the first session is open")
	}
	_ = first.Close()
	third, err := dial(context.Background())
	if err != nil {
		t.Fatalf("after the first session: %v", err)
	}
	defer func() { _ = third.Close() }()
	appProtocol(t, third)
}

// TestServeMaxSessions: with MaxSessions, a connection beyond the limit
// waits until a session ends.
func TestServeMaxSessions(t *testing.T) {
	ln, _, dial := tlsListener(t)
	srv := &seccnet.Server{
		NewEVSE:     func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil },
		MaxSessions: 2,
	}
	stop := serve(srv, ln)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	var open []*v2gtls.Conn
	for range 2 {
		c, err := dial(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		appProtocol(t, c)
		open = append(open, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	c, err := dial(ctx)
	cancel()
	if err == nil {
		_ = c.Close()
		t.Fatal("third session accepted with MaxSessions 2")
	}
	_ = open[0].Close()
	c, err = dial(context.Background())
	if err != nil {
		t.Fatalf("after a session ended: %v", err)
	}
	appProtocol(t, c)
	_ = c.Close()
	_ = open[1].Close()
}

// TestServeNewEVSEError: a connection whose EVSE cannot be found is
// closed, and the next one served.
func TestServeNewEVSEError(t *testing.T) {
	ln, _, dial := tlsListener(t)
	var calls atomic.Int64
	srv := &seccnet.Server{NewEVSE: func(net.Conn) (secc.EVSE, error) {
		if calls.Add(1) == 1 {
			return nil, fmt.Errorf("no connector")
		}
		return secc.NewSimEVSE(), nil
	}}
	stop := serve(srv, ln)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	c, err := dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read on a refused connection: %v", err)
	}
	_ = c.Close()
	c, err = dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	appProtocol(t, c)
}

// TestServeConnNewEVSE: ServeConn takes the EVSE from NewEVSE and reports
// its error.
func TestServeConnNewEVSE(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = b.Close() }()
	errNone := errors.New("no connector")
	srv := &seccnet.Server{NewEVSE: func(net.Conn) (secc.EVSE, error) { return nil, errNone }}
	if err := srv.ServeConn(context.Background(), a); !errors.Is(err, errNone) {
		t.Fatalf("err = %v", err)
	}
	a, b = net.Pipe()
	defer func() { _ = b.Close() }()
	srv = &seccnet.Server{NewEVSE: func(net.Conn) (secc.EVSE, error) { return nil, nil }}
	if err := srv.ServeConn(context.Background(), a); err == nil {
		t.Fatal("nil EVSE accepted")
	}
}

// TestServeStalledHandshake: with NewEVSE, a client that connects and
// never starts its handshake holds one of the Handshakes goroutines, not
// the Server.
func TestServeStalledHandshake(t *testing.T) {
	ln, _, dial := tlsListener(t)
	srv := &seccnet.Server{
		NewEVSE:    func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil },
		Handshakes: 2,
	}
	stop := serve(srv, ln)
	stalled, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stalled.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := dial(ctx)
	if err != nil {
		t.Fatalf("with a stalled handshake pending: %v", err)
	}
	defer func() { _ = c.Close() }()
	appProtocol(t, c)
	// Cancelling ends the stalled handshake too.
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
