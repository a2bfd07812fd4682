package replay_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/conformance/replay"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/trace"
)

// TestReplayOwnTraces records sessions of our EVCC against our SECC with
// the trace writer, one file per side, and replays each file in both
// roles: the writer's output is a replay input, and our engines follow
// each other's recordings, in Scheduled and Dynamic mode, DC_BPT and
// AC_BPT.
func TestReplayOwnTraces(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ac, dynamic bool
	}{
		{"DC_BPT/Scheduled", false, false},
		{"DC_BPT/Dynamic", false, true},
		{"AC_BPT/Scheduled", true, false},
		{"AC_BPT/Dynamic", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sbuf, vbuf bytes.Buffer
			sw, vw := trace.NewWriter(&sbuf), trace.NewWriter(&vbuf)
			evse := secc.NewSimEVSE()
			evse.AuthorizeRounds, evse.CableCheckRounds = 1, 2
			scfg := secc.Config{EVSE: evse, Trace: sw.Hook()}
			if tc.ac {
				scfg.Services = []uint16{secc.ServiceAC, secc.ServiceACBPT}
			}
			s, err := secc.New(scfg)
			if err != nil {
				t.Fatal(err)
			}
			bat := evcc.NewSimBattery()
			bat.Step = 30 * time.Second
			v, err := evcc.New(evcc.Config{Vehicle: bat, BPT: true, AC: tc.ac, Dynamic: tc.dynamic, Trace: vw.Hook()})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			s.Start(now)
			req, err := v.Start(now)
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; !req.Done; n++ {
				if n > 1000 {
					t.Fatal("session does not end")
				}
				now = now.Add(20 * time.Millisecond)
				res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
				if err != nil {
					t.Fatal(err)
				}
				now = now.Add(20 * time.Millisecond)
				if req, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
					t.Fatal(err)
				}
			}
			if v.ChargeLoops() < 3 {
				t.Fatalf("%d charge loops", v.ChargeLoops())
			}
			for side, buf := range map[string]*bytes.Buffer{"secc": &sbuf, "evcc": &vbuf} {
				recs, err := trace.Parse(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
					res, err := replay.Run(recs, role)
					if err != nil {
						t.Fatalf("%s file, role %v: %v", side, role, err)
					}
					if !res.OK() || len(res.Exchanges) != len(recs)/2 {
						t.Errorf("%s file, role %v: %d records\n%s%s", side, role, len(recs), lines(res), res.Summary())
					}
				}
			}
		})
	}
}
