package evccnet_test

import (
	"context"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
	"github.com/v2gstack/iso15118/v2gtls"
)

// benchTLS returns a -20 TLS listener on loopback and a dialer with the
// matching client config, over a P-521 test PKI generated now.
func benchTLS(b *testing.B) (*v2gtls.Listener, func(context.Context) (*v2gtls.Conn, error)) {
	b.Helper()
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyP521, Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	staple, err := p.Staple(pki.RoleSECCLeaf, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	scfg, err := v2gtls.ServerConfig(v2gtls.ServerOptions{
		Chain: p.Chain(pki.RoleSECCLeaf), Key: p.Get(pki.RoleSECCLeaf).Key,
		ClientRoots: []*pki.Certificate{p.Root(pki.RoleVehicleLeaf)},
		OCSPStaple:  staple[0],
	})
	if err != nil {
		b.Fatal(err)
	}
	ccfg, err := v2gtls.ClientConfig(v2gtls.ClientOptions{
		Chain: p.Chain(pki.RoleVehicleLeaf), Key: p.Get(pki.RoleVehicleLeaf).Key,
		Roots: []*pki.Certificate{p.Root(pki.RoleSECCLeaf)}, RequireOCSP: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := v2gtls.Listen(context.Background(), "tcp", "127.0.0.1:0", scfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ln.Close() })
	return ln, func(ctx context.Context) (*v2gtls.Conn, error) {
		return v2gtls.Dial(ctx, "tcp", ln.Addr().String(), ccfg)
	}
}

// serveBench runs srv on ln until the benchmark ends.
func serveBench(b *testing.B, srv *seccnet.Server, ln *v2gtls.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("Serve: %v", err)
		}
	})
}

// BenchmarkChargeLoopTLS is one DC_ChargeLoop round trip over loopback
// TLS (-20 profile, P-521): the EVCC writes its request, the SECC reads,
// decodes, handles, encodes and writes its response, the EVCC reads it,
// decodes it and encodes its next request. The battery is too large to
// fill, so the session stays in the charge loop.
func BenchmarkChargeLoopTLS(b *testing.B) {
	for _, mode := range []struct {
		name    string
		dynamic bool
	}{{"Scheduled", false}, {"Dynamic", true}} {
		b.Run(mode.name, func(b *testing.B) {
			ln, dial := benchTLS(b)
			serveBench(b, &seccnet.Server{NewEVSE: func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil }}, ln)
			bat := evcc.NewSimBattery()
			bat.CapacityWh = 1e12
			eng, err := evcc.New(evcc.Config{Vehicle: bat, BPT: true, Dynamic: mode.dynamic})
			if err != nil {
				b.Fatal(err)
			}
			c, err := dial(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			rd := v2gtp.NewReader(c, 0)
			var out []byte
			exchange := func(req evcc.Request) evcc.Request {
				out = v2gtp.AppendFrame(out[:0], req.PayloadType, req.Payload)
				if _, err := c.Write(out); err != nil {
					b.Fatal(err)
				}
				f, err := rd.ReadFrame()
				if err != nil {
					b.Fatal(err)
				}
				next, err := eng.HandleMessage(time.Now(), f.Type, f.Payload)
				if err != nil || next.Done {
					b.Fatalf("%v, done %v", err, next.Done)
				}
				return next
			}
			req, err := eng.Start(time.Now())
			if err != nil {
				b.Fatal(err)
			}
			for eng.ChargeLoops() == 0 {
				req = exchange(req)
			}
			durs := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				req = exchange(req)
				durs = append(durs, time.Since(t0))
			}
			b.StopTimer()
			if eng.ChargeLoops() != b.N+1 {
				b.Fatalf("%d charge loops for %d iterations", eng.ChargeLoops(), b.N)
			}
			slices.Sort(durs)
			pct := func(p float64) float64 { return float64(durs[int(p*float64(len(durs)-1))].Nanoseconds()) }
			b.ReportMetric(pct(0.50), "p50-ns")
			b.ReportMetric(pct(0.99), "p99-ns")
		})
	}
}

// BenchmarkIdleConnMemory measures what one idle session of
// seccnet.Server.ServeConn holds after SessionSetup: its goroutine's
// stack, the engine, the V2GTP reader and the SimEVSE, over net.Pipe (no
// TLS, no socket). 200 sessions per iteration; heap in use and stacks in
// use after a GC, the client ends' share (the pipe and its writes)
// included.
func BenchmarkIdleConnMemory(b *testing.B) {
	sap, setup := idleRequests(b)
	const n = 200
	srv := &seccnet.Server{NewEVSE: func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil }}
	var total float64
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, n)
		clients := make([]net.Conn, n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range clients {
			a, c := net.Pipe()
			clients[i] = c
			go func() { done <- srv.ServeConn(ctx, a) }()
			rd := v2gtp.NewReader(c, 0)
			for _, r := range []evcc.Request{sap, setup} {
				if _, err := c.Write(v2gtp.AppendFrame(nil, r.PayloadType, r.Payload)); err != nil {
					b.Fatal(err)
				}
				if _, err := rd.ReadFrame(); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		total += float64(after.HeapAlloc+after.StackInuse) - float64(before.HeapAlloc+before.StackInuse)
		cancel()
		for range n {
			<-done
		}
		for _, c := range clients {
			_ = c.Close()
		}
	}
	b.ReportMetric(total/float64(b.N)/n, "B/session")
}

// BenchmarkIdleTLSConnMemory is BenchmarkIdleConnMemory over loopback
// TLS (-20, P-521) with seccnet.Server.Serve: both ends of each connection
// live in this process, so the figure counts the EVCC's TLS connection
// as well as the SECC's session.
func BenchmarkIdleTLSConnMemory(b *testing.B) {
	sap, setup := idleRequests(b)
	const n = 50
	ln, dial := benchTLS(b)
	serveBench(b, &seccnet.Server{NewEVSE: func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil }}, ln)
	var total float64
	for b.Loop() {
		clients := make([]*v2gtls.Conn, n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range clients {
			c, err := dial(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			clients[i] = c
			rd := v2gtp.NewReader(c, 0)
			for _, r := range []evcc.Request{sap, setup} {
				if _, err := c.Write(v2gtp.AppendFrame(nil, r.PayloadType, r.Payload)); err != nil {
					b.Fatal(err)
				}
				if _, err := rd.ReadFrame(); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		total += float64(after.HeapAlloc+after.StackInuse) - float64(before.HeapAlloc+before.StackInuse)
		for _, c := range clients {
			_ = c.Close()
		}
	}
	b.ReportMetric(total/float64(b.N)/n, "B/session")
}

// idleRequests returns the supportedAppProtocolReq and SessionSetupReq an
// EVCC engine sends.
func idleRequests(b *testing.B) (sap, setup evcc.Request) {
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE()})
	if err != nil {
		b.Fatal(err)
	}
	v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	s.Start(now)
	if sap, err = v.Start(now); err != nil {
		b.Fatal(err)
	}
	res, err := s.HandleMessage(now, sap.PayloadType, sap.Payload)
	if err != nil {
		b.Fatal(err)
	}
	if setup, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
		b.Fatal(err)
	}
	return sap, setup
}
