package evccnet_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
)

// sessionEVSE is a simulated EVSE that records what its session asked
// of it. Its EIM authorization stays pending until the sessions of all
// the EVSEs sharing gate have asked for it.
type sessionEVSE struct {
	*secc.SimEVSE
	gate              *gate
	asked             bool
	evccIDs           []string
	charge, discharge int // SetTarget calls with a positive / negative current
	powerOn, powerOff int
}

func (e *sessionEVSE) AuthorizeEIM(now time.Time, id string) secc.AuthorizationStatus {
	e.evccIDs = append(e.evccIDs, id)
	if !e.asked {
		e.asked = true
		e.gate.arrived.Add(1)
	}
	if e.gate.arrived.Load() < e.gate.n {
		// The EVCC repeats its request at once; pace the repetitions.
		time.Sleep(200 * time.Millisecond)
		return secc.AuthorizationPending
	}
	return e.SimEVSE.AuthorizeEIM(now, id)
}

// gate counts the sessions waiting for authorization.
type gate struct {
	n       int64
	arrived atomic.Int64
}

func (e *sessionEVSE) SetTarget(now time.Time, t secc.DCTarget) {
	switch {
	case t.Current > 0:
		e.charge++
	case t.Current < 0:
		e.discharge++
	}
	e.SimEVSE.SetTarget(now, t)
}

func (e *sessionEVSE) SetPower(now time.Time, on bool) error {
	if on {
		e.powerOn++
	} else {
		e.powerOff++
	}
	return e.SimEVSE.SetPower(now, on)
}

// peakBattery records the highest state of charge its SimBattery reached.
type peakBattery struct {
	*evcc.SimBattery
	start, peak float64
}

func (b *peakBattery) Measure(now time.Time, v, i float64) {
	b.SimBattery.Measure(now, v, i)
	b.peak = max(b.peak, b.SOCPercent)
}

// TestManySessionsOverTLS runs 100 EVCCs at once against one SECC over
// loopback TCP with the -20 TLS profile (mutual, P-521): DC_BPT sessions,
// half Scheduled and half Dynamic, that charge and then discharge, each
// EVCC with its own battery and each session with its own EVSE. EIM
// authorization is granted once all 100 sessions wait for it, so all of
// them are open at the same time and charge and discharge together.
func TestManySessionsOverTLS(t *testing.T) {
	n := manyN
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	ln, dial := listen(t, ctx)

	g := &gate{n: int64(n)}
	var mu sync.Mutex
	evses := map[string]*sessionEVSE{} // by the EVCC's address
	var closed, established atomic.Int64
	srv := &seccnet.Server{
		Config: secc.Config{Services: []uint16{secc.ServiceDCBPT}},
		NewEVSE: func(c net.Conn) (secc.EVSE, error) {
			e := &sessionEVSE{SimEVSE: secc.NewSimEVSE(), gate: g}
			mu.Lock()
			defer mu.Unlock()
			evses[c.RemoteAddr().String()] = e
			return e, nil
		},
		Logger: logger(t), Handshakes: manyHandshakes,
		OnEvent: func(ev secc.Event) {
			switch ev.Kind {
			case secc.EventSessionEstablished:
				established.Add(1)
			case secc.EventClosed:
				if ev.Err == nil {
					closed.Add(1)
				}
			}
		},
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()

	type result struct {
		addr      string
		id        string
		sessionID []byte
		bat       *peakBattery
		loops     int
		dial, run time.Duration
		err       error
	}
	results := make([]result, n)
	// The EVCCs arrive at once but handshake a few at a time, as many as
	// the SECC handshakes in parallel: P-521 handshakes saturate the CPU,
	// and the sessions already running must still answer within the
	// protocol's timeouts.
	dialing := make(chan struct{}, manyHandshakes)
	var active, peak atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := &results[i]
			sim := evcc.NewSimBattery()
			sim.ID = fmt.Sprintf("WMIV2GSTACK%06d", i)
			sim.CapacityWh, sim.SOCPercent, sim.TargetPct, sim.MinPct = 400, 20, 60, 40
			sim.Discharge, sim.Step = true, 10*time.Second
			r.id, r.bat = sim.ID, &peakBattery{SimBattery: sim, start: sim.SOCPercent, peak: sim.SOCPercent}
			eng, err := evcc.New(evcc.Config{Vehicle: r.bat, BPT: true, Dynamic: i%2 == 1})
			if err != nil {
				r.err = err
				return
			}
			t0 := time.Now()
			dialing <- struct{}{}
			c, err := dial(ctx)
			<-dialing
			if err != nil {
				r.err = fmt.Errorf("dial: %w", err)
				return
			}
			defer func() { _ = c.Close() }()
			r.addr = c.LocalAddr().String()
			t1 := time.Now()
			a := active.Add(1)
			for p := peak.Load(); a > p && !peak.CompareAndSwap(p, a); p = peak.Load() {
			}
			r.err = evccnet.Run(ctx, c, eng)
			active.Add(-1)
			r.dial, r.run = t1.Sub(t0), time.Since(t1)
			r.sessionID, r.loops = eng.SessionID(), eng.ChargeLoops()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}

	ids := map[string]bool{}
	var maxDial, maxRun time.Duration
	loops := 0
	for i, r := range results {
		if r.err != nil {
			t.Errorf("EVCC %d: %v", i, r.err)
			continue
		}
		ids[hex.EncodeToString(r.sessionID)] = true
		maxDial, maxRun, loops = max(maxDial, r.dial), max(maxRun, r.run), loops+r.loops
		b := r.bat
		if !(b.peak >= b.TargetPct && b.SOCPercent <= b.MinPct+1 && b.SOCPercent < b.peak) {
			t.Errorf("EVCC %d: SOC %.1f %% -> peak %.1f %% -> %.1f %%", i, b.start, b.peak, b.SOCPercent)
		}
		if in, out := b.Transferred(); in <= 0 || out <= 0 {
			t.Errorf("EVCC %d: charged %.0f Wh, discharged %.0f Wh", i, in, out)
		}
		e := evses[r.addr]
		if e == nil {
			t.Errorf("EVCC %d: no EVSE for %s", i, r.addr)
			continue
		}
		for _, id := range e.evccIDs {
			if id != r.id {
				t.Errorf("EVCC %d (%s): its EVSE was asked to authorize %s", i, r.id, id)
			}
		}
		if len(e.evccIDs) == 0 {
			t.Errorf("EVCC %d (%s): its EVSE authorized nothing", i, r.id)
		}
		if e.charge == 0 || e.discharge == 0 || e.powerOn != 1 || e.powerOff != 1 {
			t.Errorf("EVCC %d: its EVSE saw %d charge and %d discharge targets, power on %d, off %d",
				i, e.charge, e.discharge, e.powerOn, e.powerOff)
		}
	}
	if len(ids) != n || ids[hex.EncodeToString(make([]byte, 8))] {
		t.Errorf("%d distinct session IDs for %d sessions", len(ids), n)
	}
	if len(evses) != n {
		t.Errorf("%d EVSEs made for %d connections", len(evses), n)
	}
	if p := peak.Load(); p != int64(n) {
		t.Errorf("at most %d sessions at once", p)
	}
	if e, c := established.Load(), closed.Load(); e != int64(n) || c != int64(n) {
		t.Errorf("%d sessions established, %d closed normally", e, c)
	}
	t.Logf("%d sessions in %v (at most %d at once; slowest dial %v, slowest session %v), %d charge loops",
		n, elapsed.Round(time.Millisecond), peak.Load(), maxDial.Round(time.Millisecond), maxRun.Round(time.Millisecond), loops)
}

var manyN = 100
var manyHandshakes = 2
