package seccnet_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
)

// servePlain starts ServePlainTCP on a loopback listener and returns its
// address; the server stops with the test.
func servePlain(t *testing.T, srv *seccnet.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServePlainTCP(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServePlainTCP: %v", err)
		}
		_ = ln.Close()
	})
	return ln.Addr().String()
}

// TestPlainTCPLegacySession runs DIN and -2 sessions of our EVCC against
// our SECC over plain TCP on loopback, through both drivers.
func TestPlainTCPLegacySession(t *testing.T) {
	for _, ns := range []string{session.NamespaceDIN, session.NamespaceISO2} {
		t.Run(ns, func(t *testing.T) {
			evse := secc.NewSimEVSE()
			events := make(chan secc.Event, 64)
			addr := servePlain(t, &seccnet.Server{
				Config:  secc.Config{EVSE: evse, PlainTCP: true, Protocols: []string{session.NamespaceDC, ns}},
				OnEvent: func(ev secc.Event) { events <- ev },
			})
			bat := evcc.NewSimBattery()
			bat.Step = 10 * time.Second
			eng, err := evcc.New(evcc.Config{Vehicle: bat, PlainTCP: true,
				AppProtocols: []string{session.NamespaceDC, ns}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := evccnet.Run(ctx, c, eng); err != nil {
				t.Fatalf("EVCC: %v", err)
			}
			want, _ := session.LegacyPhaseOf(ns)
			if eng.Phase() != want {
				t.Errorf("phase %v, want %v", eng.Phase(), want)
			}
			if bat.SOCPercent < bat.TargetPct {
				t.Errorf("SOC %.1f %%, want %.1f %%", bat.SOCPercent, bat.TargetPct)
			}
			for ev := range events {
				if ev.Kind == secc.EventClosed {
					if ev.Err != nil {
						t.Errorf("SECC session ended: %v", ev.Err)
					}
					break
				}
			}
		})
	}
}

// TestPlainTCPRefusesISO20: an EV that offers only -20 gets no session
// over plain TCP, and ServePlainTCP refuses a configuration that could
// negotiate -20.
func TestPlainTCPRefusesISO20(t *testing.T) {
	srv := &seccnet.Server{Config: secc.Config{EVSE: secc.NewSimEVSE(), Protocols: []string{session.NamespaceDC}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := srv.ServePlainTCP(context.Background(), ln); !errors.Is(err, seccnet.ErrNotPlainTCP) {
		t.Fatalf("ServePlainTCP without Config.PlainTCP: %v", err)
	}

	addr := servePlain(t, &seccnet.Server{Config: secc.Config{EVSE: secc.NewSimEVSE(), PlainTCP: true,
		Protocols: []string{session.NamespaceDC, session.NamespaceDIN}}})
	eng, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := evccnet.Run(ctx, c, eng); !errors.Is(err, evcc.ErrRefused) {
		t.Fatalf("-20 EV over plain TCP: %v, want evcc.ErrRefused", err)
	}
}

// TestPlainTCPConcurrent serves several DIN and -2 vehicles at once over
// plain TCP, each with its own EVSE.
func TestPlainTCPConcurrent(t *testing.T) {
	const n = 6
	var mu sync.Mutex
	evses := 0
	addr := servePlain(t, &seccnet.Server{
		Config:      secc.Config{PlainTCP: true, Protocols: []string{session.NamespaceDIN, session.NamespaceISO2}},
		MaxSessions: n,
		NewEVSE: func(net.Conn) (secc.EVSE, error) {
			mu.Lock()
			evses++
			mu.Unlock()
			return secc.NewSimEVSE(), nil
		},
	})
	errs := make(chan error, n)
	for i := range n {
		ns := session.NamespaceDIN
		if i%2 == 1 {
			ns = session.NamespaceISO2
		}
		go func() {
			bat := evcc.NewSimBattery()
			bat.Step = 10 * time.Second
			eng, err := evcc.New(evcc.Config{Vehicle: bat, PlainTCP: true, AppProtocols: []string{ns}})
			if err != nil {
				errs <- err
				return
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := evccnet.Run(ctx, c, eng); err != nil {
				errs <- err
				return
			}
			if bat.SOCPercent < bat.TargetPct {
				errs <- errors.New("SOC below target")
				return
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if evses != n {
		t.Errorf("%d EVSEs for %d sessions", evses, n)
	}
}
