package evcc_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// TestSessionAgainstSECC runs our EVCC against our SECC in memory through
// full DC and DC_BPT sessions, Scheduled and Dynamic, on a fake clock.
func TestSessionAgainstSECC(t *testing.T) {
	for _, tc := range []struct {
		name         string
		bpt, dynamic bool
	}{
		{"DC_BPT/Scheduled", true, false},
		{"DC_BPT/Dynamic", true, true},
		{"DC/Scheduled", false, false},
		{"DC/Dynamic", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evse := secc.NewSimEVSE()
			evse.AuthorizeRounds = 2
			evse.CableCheckRounds = 3
			s, err := secc.New(secc.Config{EVSE: evse})
			if err != nil {
				t.Fatal(err)
			}
			bat := evcc.NewSimBattery()
			v, err := evcc.New(evcc.Config{Vehicle: bat, BPT: tc.bpt, Dynamic: tc.dynamic})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Unix(1795453144, 0)
			s.Start(now)
			req, err := v.Start(now)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[session.Message]int{}
			for n := 0; !req.Done; n++ {
				if n > 100000 {
					t.Fatal("session does not end")
				}
				now = now.Add(50 * time.Millisecond)
				if err := s.HandleTimeout(now); err != nil {
					t.Fatal(err)
				}
				res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
				if err != nil {
					t.Fatalf("SECC in %v: %v", s.Stage(), err)
				}
				if res.Close && res.Reason != nil {
					t.Fatalf("SECC closes: %v", res.Reason)
				}
				m, err := session.Dispatch(res.PayloadType, session.PhaseDC, res.Payload)
				if err == nil {
					k, _ := session.Kind(m)
					seen[k]++
				}
				now = now.Add(150 * time.Millisecond)
				if err := v.HandleTimeout(now); err != nil {
					t.Fatal(err)
				}
				req, err = v.HandleMessage(now, res.PayloadType, res.Payload)
				if err != nil {
					t.Fatalf("EVCC: %v", err)
				}
				if req.Done != res.Close {
					t.Fatalf("EVCC done %v, SECC close %v", req.Done, res.Close)
				}
			}
			if closed, reason := s.Closed(); !closed || reason != nil {
				t.Fatalf("SECC Closed() = %v, %v", closed, reason)
			}
			if closed, reason := v.Closed(); !closed || reason != nil {
				t.Fatalf("EVCC Closed() = %v, %v", closed, reason)
			}
			want := session.ServicePair{ServiceID: secc.ServiceDC, ParameterSetID: secc.ParameterSetScheduled}
			if tc.bpt {
				want.ServiceID = secc.ServiceDCBPT
			}
			if tc.dynamic {
				want.ParameterSetID = secc.ParameterSetDynamic
			}
			if got := s.Selected(); got != want {
				t.Errorf("selected %+v, want %+v", got, want)
			}
			if bat.SOCPercent < bat.TargetPct {
				t.Errorf("SOC %.1f %% below target %.1f %%", bat.SOCPercent, bat.TargetPct)
			}
			for _, k := range []session.Message{
				session.MsgSessionSetup, session.MsgAuthorizationSetup, session.MsgAuthorization,
				session.MsgServiceDiscovery, session.MsgServiceDetail, session.MsgServiceSelection,
				session.MsgDCChargeParameterDiscovery, session.MsgScheduleExchange, session.MsgDCCableCheck,
				session.MsgDCPreCharge, session.MsgPowerDelivery, session.MsgDCChargeLoop,
				session.MsgDCWeldingDetection, session.MsgSessionStop,
			} {
				if seen[k] == 0 {
					t.Errorf("no %v exchanged", k)
				}
			}
			if seen[session.MsgAuthorization] != 3 || seen[session.MsgDCCableCheck] != 4 || seen[session.MsgPowerDelivery] != 2 {
				t.Errorf("exchanges: %v", seen)
			}
			var events []secc.EventKind
			for ev, ok := s.NextEvent(); ok; ev, ok = s.NextEvent() {
				events = append(events, ev.Kind)
			}
			wantEvents := []secc.EventKind{secc.EventSessionEstablished, secc.EventAuthorized,
				secc.EventPowerOn, secc.EventPowerOff, secc.EventClosed}
			if fmt.Sprint(events) != fmt.Sprint(wantEvents) {
				t.Errorf("events %v, want %v", events, wantEvents)
			}
			if v.ChargeLoops() < 10 {
				t.Errorf("only %d charge loops", v.ChargeLoops())
			}
			t.Logf("%d charge loops, SOC %.1f %%", v.ChargeLoops(), bat.SOCPercent)
		})
	}
}

func TestEVCCStopsOnFailed(t *testing.T) {
	bat := evcc.NewSimBattery()
	v, err := evcc.New(evcc.Config{Vehicle: bat})
	if err != nil {
		t.Fatal(err)
	}
	evse := secc.NewSimEVSE()
	s, err := secc.New(secc.Config{EVSE: evse})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1795453144, 0)
	req, _ := v.Start(now)
	res, _ := s.HandleMessage(now, req.PayloadType, req.Payload)
	req, _ = v.HandleMessage(now, res.PayloadType, res.Payload) // SessionSetupReq
	res, _ = s.HandleMessage(now, req.PayloadType, req.Payload)
	if _, err := v.HandleMessage(now, res.PayloadType, res.Payload); err != nil { // AuthorizationSetupReq
		t.Fatal(err)
	}
	// Answer with a FAILED AuthorizationSetupRes.
	bad := &iso20.AuthorizationSetupRes{
		ResponseCode:              iso20.ResponseCodeFAILED,
		AuthorizationServices:     []iso20.Authorization{iso20.AuthorizationEIM},
		EIMASResAuthorizationMode: &iso20.EIMASResAuthorizationMode{},
	}
	session.SetHeader(bad, v.SessionID(), 0)
	pt, b, err := session.Encode(nil, bad)
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.HandleMessage(now, pt, b)
	if !errors.Is(err, evcc.ErrFailed) || !r.Done {
		t.Fatalf("got %+v, %v", r, err)
	}
}

func TestEVCCTimeout(t *testing.T) {
	v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1795453144, 0)
	if _, err := v.Start(now); err != nil {
		t.Fatal(err)
	}
	d, ok := v.Deadline()
	if !ok || !d.Equal(now.Add(session.EVCCMsgTimeout)) {
		t.Fatalf("deadline %v %v", d, ok)
	}
	if err := v.HandleTimeout(d); !errors.Is(err, evcc.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
}
