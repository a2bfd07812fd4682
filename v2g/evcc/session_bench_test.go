package evcc_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
)

// runSession runs one DC_BPT session between the two engines in memory
// on a fake clock and returns the number of request/response exchanges.
func runSession(b *testing.B, dynamic bool) int {
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE()})
	if err != nil {
		b.Fatal(err)
	}
	bat := evcc.NewSimBattery()
	bat.Discharge, bat.MinPct, bat.Step = true, 50, 10*time.Second
	v, err := evcc.New(evcc.Config{Vehicle: bat, BPT: true, Dynamic: dynamic})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Unix(1795453144, 0)
	s.Start(now)
	req, err := v.Start(now)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for ; !req.Done; n++ {
		now = now.Add(100 * time.Millisecond)
		res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
		if err != nil {
			b.Fatal(err)
		}
		req, err = v.HandleMessage(now, res.PayloadType, res.Payload)
		if err != nil {
			b.Fatal(err)
		}
	}
	if req.Reason != nil || !bat.Discharging() {
		b.Fatalf("session ended with %v, discharging %v", req.Reason, bat.Discharging())
	}
	return n
}

// BenchmarkSessionBPT is one whole DC_BPT session (charge to 80 %, then
// discharge to 50 %), secc.Engine against evcc.Engine in memory: every
// message encoded and decoded once on each side.
func BenchmarkSessionBPT(b *testing.B) {
	for _, mode := range []struct {
		name    string
		dynamic bool
	}{{"Scheduled", false}, {"Dynamic", true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n = runSession(b, mode.dynamic)
			}
			b.ReportMetric(float64(n), "exchanges/op")
		})
	}
}

// setupRequests returns a supportedAppProtocolReq and a SessionSetupReq as
// an EVCC engine sends them.
func setupRequests(b *testing.B) (sap, setup evcc.Request) {
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE()})
	if err != nil {
		b.Fatal(err)
	}
	v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), BPT: true, Dynamic: true})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Unix(1795453144, 0)
	s.Start(now)
	sap, err = v.Start(now)
	if err != nil {
		b.Fatal(err)
	}
	res, err := s.HandleMessage(now, sap.PayloadType, sap.Payload)
	if err != nil {
		b.Fatal(err)
	}
	setup, err = v.HandleMessage(now, res.PayloadType, res.Payload)
	if err != nil {
		b.Fatal(err)
	}
	return sap, setup
}

// BenchmarkIdleSessionMemory measures the heap an SECC engine holds after
// SessionSetup while it waits for the next request: 1000 engines per
// iteration, each with its own SimEVSE, heap in use after a GC.
func BenchmarkIdleSessionMemory(b *testing.B) {
	sap, setup := setupRequests(b)
	const n = 1000
	engines := make([]*secc.Engine, n)
	var total float64
	b.ReportAllocs()
	for b.Loop() {
		clear(engines)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		now := time.Unix(1795453144, 0)
		for i := range engines {
			e, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE()})
			if err != nil {
				b.Fatal(err)
			}
			e.Start(now)
			for _, r := range []evcc.Request{sap, setup} {
				res, err := e.HandleMessage(now, r.PayloadType, r.Payload)
				if err != nil || res.Close {
					b.Fatalf("%+v %v", res, err)
				}
			}
			if e.SessionID() == nil {
				b.Fatal("no session after SessionSetup")
			}
			engines[i] = e
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		total += float64(after.HeapAlloc) - float64(before.HeapAlloc)
		runtime.KeepAlive(engines)
	}
	b.ReportMetric(total/float64(b.N)/n, "B/session")
}
