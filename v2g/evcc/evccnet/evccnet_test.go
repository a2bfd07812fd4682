package evccnet_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2gtls"
)

// listen returns a -20 TLS listener on loopback and the matching client
// config, over a P-521 test PKI generated now.
func listen(t *testing.T, ctx context.Context) (*v2gtls.Listener, func(context.Context) (*v2gtls.Conn, error)) {
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
	ln, err := v2gtls.Listen(ctx, "tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln, func(ctx context.Context) (*v2gtls.Conn, error) {
		return v2gtls.Dial(ctx, "tcp", ln.Addr().String(), ccfg)
	}
}

func logger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// TestBPTSessionOverTLS runs DC_BPT sessions that charge and then
// discharge between the two drivers over loopback TCP with the -20 TLS
// profile.
func TestBPTSessionOverTLS(t *testing.T) {
	for _, dynamic := range []bool{false, true} {
		name := "Scheduled"
		if dynamic {
			name = "Dynamic"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ln, dial := listen(t, ctx)
			var mu sync.Mutex
			var events []secc.EventKind
			srv := &seccnet.Server{
				Config: secc.Config{EVSE: secc.NewSimEVSE()}, Logger: logger(t),
				OnEvent: func(ev secc.Event) {
					mu.Lock()
					defer mu.Unlock()
					events = append(events, ev.Kind)
				},
			}
			sctx, stop := context.WithCancel(ctx)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(sctx, ln) }()

			bat := evcc.NewSimBattery()
			bat.Discharge, bat.MinPct, bat.Step = true, 50, 10*time.Second
			eng, err := evcc.New(evcc.Config{Vehicle: bat, BPT: true, Dynamic: dynamic})
			if err != nil {
				t.Fatal(err)
			}
			c, err := dial(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.Profile() != v2gtls.ProfileISO20 {
				t.Errorf("profile %v", c.Profile())
			}
			runErr := evccnet.Run(ctx, c, eng)
			_ = c.Close()
			stop()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
			if runErr != nil {
				t.Fatalf("Run: %v", runErr)
			}
			in, out := bat.Transferred()
			if in <= 0 || out <= 0 || bat.SOCPercent > bat.MinPct+1 {
				t.Errorf("charged %.0f Wh, discharged %.0f Wh, SOC %.1f %%", in, out, bat.SOCPercent)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(events) == 0 || events[len(events)-1] != secc.EventClosed {
				t.Errorf("events %v", events)
			}
			t.Logf("%d charge loops, charged %.0f Wh, discharged %.0f Wh", eng.ChargeLoops(), in, out)
		})
	}
}

// TestRunTimeout: an SECC that never answers makes Run fail with
// evcc.ErrTimeout after V2G_EVCC_Msg_Timeout.
func TestRunTimeout(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = a.Close(); _ = b.Close() }()
	go func() { _, _ = b.Read(make([]byte, 4096)) }() // swallow the first request
	eng, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	if err != nil {
		t.Fatal(err)
	}
	if err := evccnet.Run(context.Background(), a, eng); !errors.Is(err, evcc.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
}

// TestRunCancel: cancelling ctx aborts a pending read.
func TestRunCancel(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = a.Close(); _ = b.Close() }()
	go func() { _, _ = b.Read(make([]byte, 4096)) }()
	eng, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := evccnet.Run(ctx, a, eng); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
