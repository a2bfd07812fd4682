package evcc_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// TestTraceHooks runs a DC_BPT session with a trace hook on each engine:
// each side sees every message once, the SECC's record of a message is the
// EVCC's with the direction turned, and the EXI is what went over the wire.
func TestTraceHooks(t *testing.T) {
	t.Run("DC_BPT", func(t *testing.T) { traceHooks(t, false, "DC_ChargeLoopReq", "ISO_V20_DC") })
	t.Run("AC_BPT", func(t *testing.T) { traceHooks(t, true, "AC_ChargeLoopReq", "ISO_V20_AC") })
}

func traceHooks(t *testing.T, acSession bool, loopName, loopNS string) {
	var sr, vr []session.TraceRecord
	keep := func(to *[]session.TraceRecord) session.TraceFunc {
		return func(r session.TraceRecord) {
			r.EXI = bytes.Clone(r.EXI)
			*to = append(*to, r)
		}
	}
	scfg := secc.Config{EVSE: secc.NewSimEVSE(), Trace: keep(&sr)}
	if acSession {
		scfg.Services = []uint16{secc.ServiceAC, secc.ServiceACBPT}
	}
	s, err := secc.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), BPT: true, AC: acSession, Trace: keep(&vr)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1795453144, 0)
	s.Start(now)
	req, err := v.Start(now)
	if err != nil {
		t.Fatal(err)
	}
	var wire [][]byte
	for n := 0; !req.Done; n++ {
		if n > 10000 {
			t.Fatal("session does not end")
		}
		wire = append(wire, bytes.Clone(req.Payload))
		now = now.Add(50 * time.Millisecond)
		res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
		if err != nil {
			t.Fatal(err)
		}
		wire = append(wire, bytes.Clone(res.Payload))
		now = now.Add(50 * time.Millisecond)
		if req, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
			t.Fatal(err)
		}
	}
	if len(sr) != len(wire) || len(vr) != len(wire) {
		t.Fatalf("%d messages on the wire, SECC traced %d, EVCC %d", len(wire), len(sr), len(vr))
	}
	t0 := time.Unix(1795453144, 0)
	for i := range wire {
		a, b := vr[i], sr[i]
		wantV, wantS := session.DirTx, session.DirRx
		if i%2 == 1 {
			wantV, wantS = session.DirRx, session.DirTx
		}
		if a.Dir != wantV || b.Dir != wantS {
			t.Fatalf("message %d: EVCC %v, SECC %v", i, a.Dir, b.Dir)
		}
		if !bytes.Equal(a.EXI, wire[i]) || !bytes.Equal(b.EXI, wire[i]) {
			t.Fatalf("message %d (%s): traced EXI differs from the wire", i, a.Name)
		}
		if a.Name != b.Name || a.Namespace != b.Namespace || a.Name != session.MessageName(a.Msg) {
			t.Fatalf("message %d: EVCC %s/%s, SECC %s/%s", i, a.Namespace, a.Name, b.Namespace, b.Name)
		}
		if want := t0.Add(time.Duration(i-i%2+1) * 50 * time.Millisecond); !b.Time.Equal(want) {
			t.Fatalf("message %d: SECC time %v, want %v", i, b.Time, want)
		}
	}
	first, last := vr[0], vr[len(vr)-1]
	if first.Name != "supportedAppProtocolReq" || first.Namespace != "SAP" ||
		last.Name != "SessionStopRes" || last.Namespace != "ISO_V20_COMMON_MSG" {
		t.Fatalf("first %s/%s, last %s/%s", first.Namespace, first.Name, last.Namespace, last.Name)
	}
	loops := 0
	for _, r := range vr {
		if r.Name == loopName && r.Namespace == loopNS {
			loops++
		}
	}
	if loops == 0 || loops != v.ChargeLoops() {
		t.Fatalf("%d DC_ChargeLoopReq traced, %d loops", loops, v.ChargeLoops())
	}
}
