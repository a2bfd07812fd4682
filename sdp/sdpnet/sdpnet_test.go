//go:build linux

package sdpnet_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/v2gstack/iso15118/internal/netns"
	"github.com/v2gstack/iso15118/sdp"
	"github.com/v2gstack/iso15118/sdp/sdpnet"
)

var tlsTCP = sdp.Request{Security: sdp.SecurityTLS, Transport: sdp.TransportTCP}

// logBuf collects log records from the server goroutine.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startServer starts a server inside h's namespace and stops it when the
// test ends.
func startServer(t *testing.T, h netns.Host, cfg sdpnet.ServerConfig) *sdpnet.Server {
	t.Helper()
	if cfg.Interface == "" {
		cfg.Interface = h.Iface
	}
	var srv *sdpnet.Server
	if err := h.Do(func() (err error) {
		srv, err = sdpnet.Listen(context.Background(), cfg)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

func discover(t *testing.T, ctx context.Context, h netns.Host, c *sdpnet.Client, req sdp.Request) (res sdp.Result, err error) {
	t.Helper()
	if derr := h.Do(func() error {
		res, err = c.Discover(ctx, h.Iface, req)
		return nil
	}); derr != nil {
		t.Fatal(derr)
	}
	return res, err
}

func linkLocal(t *testing.T, h netns.Host) netip.Addr {
	t.Helper()
	a, ok := netip.AddrFromSlice(h.LinkLocal)
	if !ok {
		t.Fatalf("bad link-local address %v", h.LinkLocal)
	}
	return a.Unmap()
}

func TestDiscover(t *testing.T) {
	l := netns.New(t)
	var logs logBuf
	srv := startServer(t, l.B, sdpnet.ServerConfig{TLSPort: 50000, Logger: logs.logger()})
	c := &sdpnet.Client{Config: sdp.Config{Grace: 50 * time.Millisecond}}
	res, err := discover(t, context.Background(), l.A, c, tlsTCP)
	if err != nil {
		t.Fatal(err)
	}
	want := sdp.Response{Addr: linkLocal(t, l.B), Port: 50000, Security: sdp.SecurityTLS, Transport: sdp.TransportTCP}
	if res.Answer.Response != want {
		t.Fatalf("answer %+v, want %+v", res.Answer.Response, want)
	}
	if srv.Offer().Addr != want.Addr {
		t.Errorf("server offers %v", srv.Offer().Addr)
	}
	if res.Answer.From.Addr().WithZone("") != want.Addr || res.Answer.From.Port() != sdp.Port {
		t.Errorf("answer came from %v", res.Answer.From)
	}
	if len(res.Conflicts) != 0 || res.Requests != 1 {
		t.Errorf("result %+v", res)
	}
	// A -20-only SECC answers a request without TLS with its TLS endpoint.
	res, err = discover(t, context.Background(), l.A, c, sdp.Request{Security: sdp.SecurityNone})
	if err != nil || res.Answer.Security != sdp.SecurityTLS || res.Answer.Port != 50000 {
		t.Fatalf("no-TLS request: %+v, %v", res, err)
	}
}

func TestDiscoverMixedStation(t *testing.T) {
	l := netns.New(t)
	startServer(t, l.B, sdpnet.ServerConfig{TLSPort: 50000, TCPPort: 50001})
	c := &sdpnet.Client{Config: sdp.Config{Grace: -1}}
	res, err := discover(t, context.Background(), l.A, c, sdp.Request{Security: sdp.SecurityNone})
	if err != nil || res.Answer.Security != sdp.SecurityNone || res.Answer.Port != 50001 {
		t.Fatalf("%+v, %v", res, err)
	}
	res, err = discover(t, context.Background(), l.A, c, tlsTCP)
	if err != nil || res.Answer.Security != sdp.SecurityTLS || res.Answer.Port != 50000 {
		t.Fatalf("%+v, %v", res, err)
	}
}

// requireTool skips (or fails with CI=true) when a command is missing.
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found, and CI=true", name)
		}
		t.Skipf("skipping: %s not found", name)
	}
}

func nft(t *testing.T, h netns.Host, args ...string) string {
	t.Helper()
	out, err := h.Command("nft", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("nft %s in %s: %v: %s", strings.Join(args, " "), h.NS, err, out)
	}
	return string(out)
}

// inputRule installs an nftables input rule in h's namespace (which
// belongs to the test, not to the machine).
func inputRule(t *testing.T, h netns.Host, rule string) {
	t.Helper()
	nft(t, h, "add", "table", "inet", "sdptest")
	nft(t, h, "add", "chain", "inet", "sdptest", "in", "{ type filter hook input priority 0 ; }")
	nft(t, h, append([]string{"add", "rule", "inet", "sdptest", "in"}, strings.Fields(rule)...)...)
}

// counted sums the packet counters of the rules in h's test table.
func counted(t *testing.T, h netns.Host) int {
	t.Helper()
	out := nft(t, h, "list", "table", "inet", "sdptest")
	n := 0
	for _, m := range regexp.MustCompile(`packets (\d+)`).FindAllStringSubmatch(out, -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

func TestDiscoverWithLoss(t *testing.T) {
	requireTool(t, "nft")
	l := netns.New(t)
	// 50 % loss each way: requests into the SECC, answers into the EVCC.
	inputRule(t, l.B, "udp dport 15118 numgen random mod 2 0 counter drop")
	inputRule(t, l.A, "udp sport 15118 numgen random mod 2 0 counter drop")
	startServer(t, l.B, sdpnet.ServerConfig{TLSPort: 50000})
	want := linkLocal(t, l.B)

	// The first discovery uses the standard's timers.
	c := &sdpnet.Client{Config: sdp.Config{Grace: -1}}
	res, err := discover(t, context.Background(), l.A, c, tlsTCP)
	if err != nil || res.Answer.Addr != want {
		t.Fatalf("discovery with the default timers: %+v, %v", res, err)
	}
	// More rounds with a short interval, so that drops surely happened.
	c.Config.RetryInterval = 30 * time.Millisecond
	requests := res.Requests
	const rounds = 10
	for range rounds {
		res, err := discover(t, context.Background(), l.A, c, tlsTCP)
		if err != nil || res.Answer.Addr != want || res.Answer.Port != 50000 {
			t.Fatalf("discovery under loss: %+v, %v", res, err)
		}
		requests += res.Requests
	}
	drops := counted(t, l.A) + counted(t, l.B)
	t.Logf("%d discoveries, %d requests, %d datagrams dropped", rounds+1, requests, drops)
	if drops == 0 {
		t.Fatal("no datagram was dropped: the loss rules did not apply")
	}
}

func TestDiscoverNoServer(t *testing.T) {
	requireTool(t, "nft")
	l := netns.New(t)
	// Count what arrives at B: multicast to ff02::1 with hop limit 1.
	inputRule(t, l.B, "ip6 daddr ff02::1 ip6 hoplimit 1 udp dport 15118 counter")
	c := &sdpnet.Client{Config: sdp.Config{RetryInterval: 20 * time.Millisecond}}
	start := time.Now()
	_, err := discover(t, context.Background(), l.A, c, tlsTCP)
	var nr *sdp.NoResponseError
	if !errors.Is(err, sdp.ErrNoResponse) || !errors.As(err, &nr) || nr.Requests != sdp.DefaultMaxRequests {
		t.Fatalf("error %v, want NoResponseError after %d requests", err, sdp.DefaultMaxRequests)
	}
	if d := time.Since(start); d < 49*20*time.Millisecond {
		t.Errorf("gave up after %v", d)
	}
	if n := counted(t, l.B); n != sdp.DefaultMaxRequests {
		t.Errorf("%d requests to ff02::1 with hop limit 1 arrived, want %d", n, sdp.DefaultMaxRequests)
	}
}

func TestDiscoverCancel(t *testing.T) {
	checkGoroutines(t)
	l := netns.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := discover(t, ctx, l.A, &sdpnet.Client{}, tlsTCP)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the context's", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned %v after the context ended", d)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := discover(t, ctx, l.A, &sdpnet.Client{}, tlsTCP); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before the start: %v", err)
	}
}

func reusePort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

func TestDiscoverTwoServers(t *testing.T) {
	checkGoroutines(t)
	l := netns.New(t)
	// Two SECCs on the link, both on port 15118 (SO_REUSEPORT: multicast
	// reaches every socket), advertising different endpoints.
	startServer(t, l.B, sdpnet.ServerConfig{TLSPort: 50000, Control: reusePort})
	startServer(t, l.B, sdpnet.ServerConfig{TLSPort: 50001, Control: reusePort})
	res, err := discover(t, context.Background(), l.A, &sdpnet.Client{}, tlsTCP)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) != 1 {
		t.Fatalf("answer %+v, conflicts %+v: want both servers", res.Answer, res.Conflicts)
	}
	ports := map[uint16]bool{res.Answer.Port: true, res.Conflicts[0].Port: true}
	if !ports[50000] || !ports[50001] {
		t.Fatalf("ports %v", ports)
	}
}

// sendFromA sends b from a fresh socket in A to dst and reports whether
// any answer arrived within wait.
func sendFromA(t *testing.T, l *netns.Link, dst *net.UDPAddr, b []byte, wait time.Duration) bool {
	t.Helper()
	got := false
	err := l.A.Do(func() error {
		c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6unspecified})
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.WriteToUDP(b, dst); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		buf := make([]byte, 100)
		_, _, err = c.ReadFromUDP(buf)
		got = err == nil
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestServerDrops(t *testing.T) {
	checkGoroutines(t)
	l := netns.New(t)
	var logs logBuf
	startServer(t, l.B, sdpnet.ServerConfig{TLSPort: 50000, Logger: logs.logger()})
	group := &net.UDPAddr{IP: net.ParseIP("ff02::1"), Port: sdp.Port, Zone: l.A.Iface}
	unicast := &net.UDPAddr{IP: l.B.LinkLocal, Port: sdp.Port, Zone: l.A.Iface}
	if !sendFromA(t, l, group, sdp.AppendRequest(nil, tlsTCP), time.Second) {
		t.Fatal("no answer to a good request")
	}
	cases := []struct {
		name   string
		dst    *net.UDPAddr
		b      []byte
		reason string
	}{
		{"unicast", unicast, sdp.AppendRequest(nil, tlsTCP), "not ff02::1"},
		{"response type", group, sdp.AppendResponse(nil, sdp.Response{}), "wrong payload type"},
		{"short", group, []byte{1, 0xfe, 0x90}, "short datagram"},
		{"bad security", group, sdp.AppendRequest(nil, sdp.Request{Security: 7}), "unknown security"},
		{"udp transport", group, sdp.AppendRequest(nil, sdp.Request{Transport: sdp.TransportUDP}), "not served"},
	}
	for _, c := range cases {
		if sendFromA(t, l, c.dst, c.b, 200*time.Millisecond) {
			t.Errorf("%s: answered", c.name)
		}
		if !strings.Contains(logs.String(), c.reason) {
			t.Errorf("%s: no log line with %q in\n%s", c.name, c.reason, logs.String())
		}
	}
	// Still serving.
	if !sendFromA(t, l, group, sdp.AppendRequest(nil, tlsTCP), time.Second) {
		t.Fatal("no answer after the bad datagrams")
	}
}

func TestServerStopsOnCancel(t *testing.T) {
	checkGoroutines(t)
	l := netns.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	var srv *sdpnet.Server
	if err := l.B.Do(func() (err error) {
		srv, err = sdpnet.Listen(ctx, sdpnet.ServerConfig{Interface: l.B.Iface, TLSPort: 50000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop")
	}
	// The port is free again.
	startServer(t, l.B, sdpnet.ServerConfig{TLSPort: 50000})
}

func TestListenErrors(t *testing.T) {
	l := netns.New(t)
	cases := []struct {
		cfg  sdpnet.ServerConfig
		want error
	}{
		{sdpnet.ServerConfig{Interface: l.B.Iface}, sdp.ErrNoEndpoint},
		{sdpnet.ServerConfig{Interface: "lo", TLSPort: 1}, sdp.ErrAddrNotLinkLocal},
	}
	for _, c := range cases {
		err := l.B.Do(func() error {
			s, err := sdpnet.Listen(context.Background(), c.cfg)
			if err == nil {
				s.Close()
			}
			return err
		})
		if !errors.Is(err, c.want) {
			t.Errorf("Listen(%+v) = %v, want %v", c.cfg, err, c.want)
		}
	}
	if err := l.B.Do(func() error {
		_, err := sdpnet.Listen(context.Background(), sdpnet.ServerConfig{Interface: "nonexistent0", TLSPort: 1})
		return err
	}); err == nil || !strings.HasPrefix(err.Error(), "sdp: ") {
		t.Errorf("unknown interface: %v", err)
	}
}

func TestDiscoverDowngradePolicy(t *testing.T) {
	l := netns.New(t)
	// A station serving only -2/DIN without TLS.
	startServer(t, l.B, sdpnet.ServerConfig{TCPPort: 50001})
	c := &sdpnet.Client{Config: sdp.Config{RetryInterval: 20 * time.Millisecond, MaxRequests: 5}}
	_, err := discover(t, context.Background(), l.A, c, tlsTCP)
	if !errors.Is(err, sdp.ErrNoResponse) || !errors.Is(err, sdp.ErrDowngrade) {
		t.Fatalf("TLS asked, none offered: %v, want a refused downgrade", err)
	}
	c.Config.AllowDowngrade = true
	res, err := discover(t, context.Background(), l.A, c, tlsTCP)
	if err != nil || res.Answer.Security != sdp.SecurityNone || res.Answer.Port != 50001 {
		t.Fatalf("downgrade allowed: %+v, %v", res, err)
	}
}

func TestNoInterface(t *testing.T) {
	if _, err := (&sdpnet.Client{}).Discover(context.Background(), "", tlsTCP); !errors.Is(err, sdpnet.ErrNoInterface) {
		t.Errorf("Discover: %v", err)
	}
	if _, err := sdpnet.Listen(context.Background(), sdpnet.ServerConfig{TLSPort: 1}); !errors.Is(err, sdpnet.ErrNoInterface) {
		t.Errorf("Listen: %v", err)
	}
}

// checkGoroutines fails the test if goroutines started during it are
// still running shortly after it ends.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
