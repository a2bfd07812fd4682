package evcc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// codeOf returns the response code of rm.
func codeOf(t *testing.T, rm any) iso20.ResponseCode {
	t.Helper()
	c, ok := session.ResponseCode(rm.(exi.Message))
	if !ok {
		t.Fatalf("%T has no response code", rm)
	}
	return c
}

// TestRefusalsInTheLoop: requests of the new flows that the charge loop
// does not admit.
func TestRefusalsInTheLoop(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   secc.Config
		req   exi.Message
		code  iso20.ResponseCode
		close bool
		stage session.Stage
	}{
		{"ServiceRenegotiationLive", secc.Config{},
			&iso20.SessionStopReq{ChargingSession: iso20.ChargingSessionServiceRenegotiation},
			iso20.ResponseCodeFAILEDSequenceError, true, session.StageSessionStopped},
		{"ServiceRenegotiationUnsupported", secc.Config{NoServiceRenegotiation: true},
			&iso20.SessionStopReq{ChargingSession: iso20.ChargingSessionServiceRenegotiation},
			iso20.ResponseCodeFAILEDNoServiceRenegotiationSupported, true, session.StageSessionStopped},
		{"StandbyRefused", secc.Config{RefuseStandby: true},
			&iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressStandby},
			iso20.ResponseCodeWARNINGStandbyNotAllowed, false, session.StageChargeLoop},
		{"Terminate", secc.Config{},
			&iso20.SessionStopReq{ChargingSession: iso20.ChargingSessionTerminate},
			iso20.ResponseCodeOK, true, session.StageSessionStopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.EVSE = secc.NewSimEVSE()
			s, err := secc.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
			toLoop(t, s, v, t0)
			rm, res := inject(t, s, t0, tc.req)
			if c := codeOf(t, rm); c != tc.code || res.Close != tc.close || s.Stage() != tc.stage {
				t.Fatalf("answered %v, close %v, stage %v", c, res.Close, s.Stage())
			}
		})
	}
}

// TestRefusalsBeforePower: PowerDelivery(Start) straight after
// ScheduleExchange (no cable check, power off) and
// ScheduleRenegotiation or Standby from pre-charge are refused.
func TestRefusalsBeforePower(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stage session.Stage // run the EVCC until the SECC is here
		req   exi.Message
		code  iso20.ResponseCode
		close bool
	}{
		{"StartWithoutCableCheck", session.StageScheduleExchange,
			&iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressStart},
			iso20.ResponseCodeFAILEDSequenceError, true},
		{"ScheduleRenegotiationInPreCharge", session.StagePreCharge,
			&iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressScheduleRenegotiation},
			iso20.ResponseCodeFAILEDScheduleRenegotiation, true},
		{"StandbyInPreCharge", session.StagePreCharge,
			&iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressStandby},
			iso20.ResponseCodeWARNINGStandbyNotAllowed, false},
		{"PauseInPreCharge", session.StagePreCharge,
			&iso20.SessionStopReq{ChargingSession: iso20.ChargingSessionPause},
			iso20.ResponseCodeFAILEDSequenceError, true}, // SessionStop is not admitted in pre-charge
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := secc.New(secc.Config{EVSE: secc.NewSimEVSE()})
			v, _ := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
			now := t0
			s.Start(now)
			req, _ := v.Start(now)
			for s.Stage() != tc.stage {
				res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
				if err != nil || res.Close {
					t.Fatalf("%v %v", err, res.Reason)
				}
				if req, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
					t.Fatal(err)
				}
			}
			rm, res := inject(t, s, now, tc.req)
			if c := codeOf(t, rm); c != tc.code || res.Close != tc.close {
				t.Fatalf("answered %v, close %v", c, res.Close)
			}
		})
	}
}

// TestResumeNeedsStoreAndCertificate: without a store, without a
// certificate or after the entry expired, the resume gets a new session.
func TestResumeNeedsStoreAndCertificate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		noCert   bool
		noStore  bool
		ttl      time.Duration
		after    time.Duration
		resumed  bool
		storeLen int
	}{
		{"Resumed", false, false, time.Hour, 59 * time.Minute, true, 0},
		{"Expired", false, false, time.Hour, 61 * time.Minute, false, 0},
		{"NoCertificate", true, false, time.Hour, time.Minute, false, 0},
		{"NoStore", false, true, time.Hour, time.Minute, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := secc.NewMemoryStore(tc.ttl)
			cfg := secc.Config{EVSE: secc.NewSimEVSE(), Paused: store}
			if tc.noStore {
				cfg.Paused = nil
			}
			mk := func() *secc.Engine {
				s, err := secc.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				if !tc.noCert {
					s.SetPeerCertificate([]byte("vehicle leaf DER"))
				}
				return s
			}
			veh := &evcc.ScriptedVehicle{Vehicle: evcc.NewSimBattery(), At: map[int]evcc.Action{2: evcc.ActionPause}}
			ecfg := evcc.Config{Vehicle: veh}
			v1, _ := evcc.New(ecfg)
			p1 := pump(t, mk(), v1, t0)
			noError(t, p1)
			r, ok := v1.Paused()
			if !ok {
				t.Fatal("not paused")
			}
			v2, _ := evcc.NewResumed(ecfg, r)
			s2 := mk()
			// The first session pauses well under a minute after t0.
			p2 := pump(t, s2, v2, t0.Add(tc.after))
			noError(t, p2)
			setup, _ := p2.first(session.MsgSessionSetup)
			want := iso20.ResponseCodeOKNewSessionEstablished
			if tc.resumed {
				want = iso20.ResponseCodeOKOldSessionJoined
			}
			if setup.code != want || v2.Resumed() != tc.resumed || s2.Resumed() != tc.resumed {
				t.Fatalf("SessionSetup answered %v; resumed EVCC %v, SECC %v", setup.code, v2.Resumed(), s2.Resumed())
			}
			if store.Len() != tc.storeLen {
				t.Errorf("store holds %d", store.Len())
			}
		})
	}
}

// TestResumeOtherEVSE: OK_OldSessionJoined from an SECC with another
// EVSEID than the one that paused ends the EVCC's session [V2G20-2539].
func TestResumeOtherEVSE(t *testing.T) {
	store := secc.NewMemoryStore(time.Hour)
	evse := secc.NewSimEVSE()
	veh := &evcc.ScriptedVehicle{Vehicle: evcc.NewSimBattery(), At: map[int]evcc.Action{2: evcc.ActionPause}}
	cfg := evcc.Config{Vehicle: veh}
	v1, _ := evcc.New(cfg)
	noError(t, pump(t, newSECC(t, evse, store, certA()), v1, t0))
	r, ok := v1.Paused()
	if !ok || r.EVSEID != evse.ID {
		t.Fatalf("paused %v, EVSEID %q", ok, r.EVSEID)
	}
	evse.ID = "DE*V2G*E0002"
	v2, _ := evcc.NewResumed(cfg, r)
	p := pump(t, newSECC(t, evse, store, certA()), v2, t0.Add(time.Minute))
	if !errors.Is(p.evErr, evcc.ErrRefused) {
		t.Fatalf("EVCC: %v", p.evErr)
	}
	if setup, _ := p.first(session.MsgSessionSetup); setup.code != iso20.ResponseCodeOKOldSessionJoined {
		t.Fatalf("SessionSetup answered %v", setup.code)
	}
}

func TestNewResumedChecks(t *testing.T) {
	cfg := evcc.Config{Vehicle: evcc.NewSimBattery()}
	for _, r := range []evcc.Resume{
		{SessionID: make([]byte, 8), Service: evcc.ServiceDC},
		{SessionID: []byte{1, 2, 3}, Service: evcc.ServiceDC},
		{SessionID: []byte{1, 2, 3, 4, 5, 6, 7, 8}, Service: 3}, // WPT
	} {
		if _, err := evcc.NewResumed(cfg, r); !errors.Is(err, evcc.ErrResume) {
			t.Errorf("NewResumed(%+v) = %v", r, err)
		}
	}
}

// TestServiceDiscoveryRenegotiationFlag: ServiceDiscoveryRes says
// whether service renegotiation is supported.
func TestServiceDiscoveryRenegotiationFlag(t *testing.T) {
	for _, no := range []bool{false, true} {
		s, _ := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), NoServiceRenegotiation: no})
		v, _ := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
		now := t0
		s.Start(now)
		req, _ := v.Start(now)
		for s.Stage() != session.StageServiceDiscovery {
			res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if s.Stage() == session.StageServiceDiscovery {
				rm, _ := session.Dispatch(res.PayloadType, session.PhaseDC, res.Payload)
				if got := rm.(*iso20.ServiceDiscoveryRes).ServiceRenegotiationSupported; got == no {
					t.Errorf("NoServiceRenegotiation %v: ServiceRenegotiationSupported %v", no, got)
				}
			}
			if req, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestEVSETerminate: NotifyTerminate in a charge-loop response makes the
// EV stop power and terminate.
func TestEVSETerminate(t *testing.T) {
	evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE(), At: map[int]secc.Notification{3: secc.NotifyTerminate}}
	bat := evcc.NewSimBattery()
	v, _ := evcc.New(evcc.Config{Vehicle: bat})
	p := pump(t, newSECC(t, evse, nil, certA()), v, t0)
	noError(t, p)
	if n := p.count(session.MsgDCChargeLoop); n != 3 {
		t.Errorf("%d charge loops, want 3", n)
	}
	stop, _ := p.first(session.MsgSessionStop)
	if stop.stop != iso20.ChargingSessionTerminate || bat.SOCPercent >= bat.TargetPct {
		t.Errorf("stop %v at SOC %.1f %%", stop.stop, bat.SOCPercent)
	}
}
