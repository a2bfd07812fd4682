package evcc_test

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
)

func acF(r *ac.RationalNumber) float64 {
	if r == nil {
		return math.NaN()
	}
	return session.Float(r.Exponent, r.Value)
}

// presentAC returns the EVSEPresentActivePower of an AC_ChargeLoopRes.
func presentAC(r *ac.ACChargeLoopRes) float64 {
	switch {
	case r.ScheduledACCLResControlMode != nil:
		return acF(r.ScheduledACCLResControlMode.EVSEPresentActivePower)
	case r.BPTScheduledACCLResControlMode != nil:
		return acF(r.BPTScheduledACCLResControlMode.EVSEPresentActivePower)
	case r.DynamicACCLResControlMode != nil:
		return acF(r.DynamicACCLResControlMode.EVSEPresentActivePower)
	case r.BPTDynamicACCLResControlMode != nil:
		return acF(r.BPTDynamicACCLResControlMode.EVSEPresentActivePower)
	}
	return math.NaN()
}

// askedAC returns the largest power an AC_ChargeLoopReq allows.
func askedAC(r *ac.ACChargeLoopReq) float64 {
	f := func(x ac.RationalNumber) float64 { return session.Float(x.Exponent, x.Value) }
	switch {
	case r.ScheduledACCLReqControlMode != nil:
		return acF(r.ScheduledACCLReqControlMode.EVMaximumChargePower)
	case r.BPTScheduledACCLReqControlMode != nil:
		c := r.BPTScheduledACCLReqControlMode
		return max(acF(c.EVMaximumChargePower), acF(c.EVMaximumDischargePower))
	case r.DynamicACCLReqControlMode != nil:
		return f(r.DynamicACCLReqControlMode.EVMaximumChargePower)
	case r.BPTDynamicACCLReqControlMode != nil:
		c := r.BPTDynamicACCLReqControlMode
		return max(f(c.EVMaximumChargePower), f(c.EVMaximumDischargePower))
	}
	return -1
}

var acCombos = []struct {
	name         string
	bpt, dynamic bool
}{
	{"AC/Scheduled", false, false},
	{"AC/Dynamic", false, true},
	{"AC_BPT/Scheduled", true, false},
	{"AC_BPT/Dynamic", true, true},
}

func newACSECC(t *testing.T, evse secc.EVSE, store secc.PausedStore, cert [64]byte) *secc.Engine {
	t.Helper()
	s, err := secc.New(secc.Config{EVSE: evse, Paused: store, Services: []uint16{secc.ServiceAC, secc.ServiceACBPT}})
	if err != nil {
		t.Fatal(err)
	}
	s.SetPeerCertificateHash(cert)
	return s
}

// TestACPauseResume pauses an AC session after PowerDelivery(Stop) and
// resumes it at AC_ChargeParameterDiscovery.
func TestACPauseResume(t *testing.T) {
	for _, c := range acCombos {
		t.Run(c.name, func(t *testing.T) {
			store := secc.NewMemoryStore(time.Hour)
			evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE(), At: map[int]secc.Notification{4: secc.NotifyPause}}
			bat := evcc.NewSimBattery()
			veh := &evcc.ScriptedVehicle{Vehicle: bat}
			cfg := evcc.Config{Vehicle: veh, AC: true, BPT: c.bpt, Dynamic: c.dynamic}
			v1, err := evcc.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			s1 := newACSECC(t, evse, store, certA())
			p1 := pump(t, s1, v1, t0)
			noError(t, p1)
			r, ok := v1.Paused()
			if !ok {
				t.Fatal("not paused")
			}
			if want := []session.Stage{session.StageChargeLoop, session.StagePowerDeliveryStop, session.StageSessionStopped}; !contains(p1.stages(), want) {
				t.Errorf("stages %v lack %v", p1.stages(), want)
			}
			charged, _ := bat.Transferred()
			v2, err := evcc.NewResumed(cfg, r)
			if err != nil {
				t.Fatal(err)
			}
			s2 := newACSECC(t, evse, store, certA())
			p2 := pump(t, s2, v2, t0.Add(10*time.Minute))
			noError(t, p2)
			setup, _ := p2.first(session.MsgSessionSetup)
			if setup.code != iso20.ResponseCodeOKOldSessionJoined || !bytes.Equal(s2.SessionID(), r.SessionID) || !v2.Resumed() {
				t.Fatalf("SessionSetup answered %v, SessionID %x, paused %x", setup.code, s2.SessionID(), r.SessionID)
			}
			want := []session.Stage{session.StageAppProtocol, session.StageSessionResumed, session.StageChargeParameterDiscovery,
				session.StageScheduleExchange, session.StagePowerDeliveryStart, session.StageChargeLoop}
			if !slices.Equal(p2.stages()[:len(want)], want) {
				t.Errorf("stages %v, want %v first", p2.stages(), want)
			}
			if p2.count(session.MsgACChargeParameterDiscovery) != 1 || p2.count(session.MsgAuthorization) != 0 {
				t.Errorf("exchanges after the resume: %v", p2.stages())
			}
			if s2.Selected() != s1.Selected() {
				t.Errorf("selected %+v, before %+v", s2.Selected(), s1.Selected())
			}
			if after, _ := bat.Transferred(); after <= charged || charged <= 0 {
				t.Errorf("charged %.1f Wh before the pause, %.1f Wh in all", charged, after)
			}
		})
	}
}

// TestACRenegotiationAndStandby runs schedule renegotiation, service
// renegotiation and standby in AC sessions.
func TestACRenegotiationAndStandby(t *testing.T) {
	for _, c := range acCombos {
		t.Run(c.name+"/ScheduleRenegotiation", func(t *testing.T) {
			veh := &evcc.ScriptedVehicle{Vehicle: evcc.NewSimBattery(), At: map[int]evcc.Action{3: evcc.ActionScheduleRenegotiation}}
			v, _ := evcc.New(evcc.Config{Vehicle: veh, AC: true, BPT: c.bpt, Dynamic: c.dynamic})
			p := pump(t, newACSECC(t, secc.NewSimEVSE(), nil, certA()), v, t0)
			noError(t, p)
			want := []session.Stage{session.StageChargeLoop, session.StageScheduleRenegotiation,
				session.StageChargeParameterDiscovery, session.StageScheduleExchange,
				session.StagePowerDeliveryStart, session.StageChargeLoop}
			if !contains(p.stages(), want) || p.count(session.MsgScheduleExchange) != 2 {
				t.Errorf("stages %v", p.stages())
			}
		})
		t.Run(c.name+"/ServiceRenegotiation", func(t *testing.T) {
			evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE(), At: map[int]secc.Notification{3: secc.NotifyServiceRenegotiation}}
			veh := &evcc.ScriptedVehicle{Vehicle: evcc.NewSimBattery(),
				Services: []evcc.ServiceChoice{{BPT: !c.bpt, Dynamic: !c.dynamic}}}
			v, _ := evcc.New(evcc.Config{Vehicle: veh, AC: true, BPT: c.bpt, Dynamic: c.dynamic})
			s := newACSECC(t, evse, nil, certA())
			p := pump(t, s, v, t0)
			noError(t, p)
			want := []session.Stage{session.StagePowerDeliveryStop, session.StageServiceRenegotiation,
				session.StageServiceDiscovery, session.StageServiceDetail, session.StageServiceSelection,
				session.StageChargeParameterDiscovery}
			if !contains(p.stages(), want) {
				t.Errorf("stages %v lack %v", p.stages(), want)
			}
			wantSel := session.ServicePair{ServiceID: secc.ServiceAC, ParameterSetID: secc.ParameterSetScheduled}
			if !c.bpt {
				wantSel.ServiceID = secc.ServiceACBPT
			}
			if !c.dynamic {
				wantSel.ParameterSetID = secc.ParameterSetDynamic
			}
			if s.Selected() != wantSel || p.count(session.MsgAuthorization) != 1 {
				t.Errorf("selected %+v, want %+v; %d authorizations", s.Selected(), wantSel, p.count(session.MsgAuthorization))
			}
		})
		t.Run(c.name+"/Standby", func(t *testing.T) {
			evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE(), At: map[int]secc.Notification{9: secc.NotifyExitStandby}}
			veh := &evcc.ScriptedVehicle{Vehicle: evcc.NewSimBattery(), At: map[int]evcc.Action{3: evcc.ActionStandby}}
			v, _ := evcc.New(evcc.Config{Vehicle: veh, AC: true, BPT: c.bpt, Dynamic: c.dynamic})
			p := pump(t, newACSECC(t, evse, nil, certA()), v, t0)
			noError(t, p)
			var progress []string
			var inStandby, after []float64
			state := 0
			for _, st := range p.steps {
				switch st.req {
				case session.MsgPowerDelivery:
					progress = append(progress, st.progress.String()+":"+st.code.String())
					if st.progress == iso20.ChargeProgressStandby {
						state = 1
					} else if state == 1 && st.progress == iso20.ChargeProgressStart {
						state = 2
					}
				case session.MsgACChargeLoop:
					if state == 1 {
						inStandby = append(inStandby, st.current)
						if st.asked != 0 || st.stage != session.StageStandby {
							t.Errorf("standby loop asks %v in stage %v", st.asked, st.stage)
						}
					} else if state == 2 {
						after = append(after, st.current)
					}
				}
			}
			if want := "[Start:OK Standby:OK Start:OK Stop:OK]"; fmt.Sprint(progress) != want {
				t.Errorf("PowerDelivery %v, want %v", progress, want)
			}
			if len(inStandby) < 3 || slices.Max(inStandby) != 0 || slices.Min(inStandby) != 0 {
				t.Errorf("present power in standby %v", inStandby)
			}
			if len(after) == 0 || slices.Max(after) <= 0 {
				t.Errorf("present power after standby %v", after)
			}
		})
	}
}

// TestACStandbyHoldsZero: in AC standby the SECC holds zero active power
// even when the EV's Dynamic request asks for power.
func TestACStandbyHoldsZero(t *testing.T) {
	evse := secc.NewSimEVSE()
	s := newACSECC(t, evse, nil, certA())
	v, _ := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), AC: true, Dynamic: true})
	loop := toLoop(t, s, v, t0)
	power := func(req evcc.Request) float64 {
		t.Helper()
		res, err := s.HandleMessage(t0, req.PayloadType, req.Payload)
		if err != nil || res.Close {
			t.Fatalf("%v %v", err, res.Reason)
		}
		rm, err := session.Dispatch(res.PayloadType, session.PhaseAC, res.Payload)
		if err != nil {
			t.Fatal(err)
		}
		l, ok := rm.(*ac.ACChargeLoopRes)
		if !ok {
			t.Fatalf("got %T", rm)
		}
		return presentAC(l)
	}
	if p := power(loop); p <= 0 {
		t.Fatalf("no power before standby: %v", p)
	}
	m := &iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressStandby}
	session.SetHeader(m, s.SessionID(), 0)
	pt, b, err := session.Encode(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.HandleMessage(t0, pt, b); err != nil || res.Close || s.Stage() != session.StageStandby {
		t.Fatalf("Standby: %v, stage %v", err, s.Stage())
	}
	if p := evse.PresentActivePower(t0); p != 0 {
		t.Fatalf("%v W after PowerDelivery(Standby)", p)
	}
	for range 3 {
		if p := power(loop); p != 0 || s.Stage() != session.StageStandby {
			t.Fatalf("standby loop: %v W, stage %v", p, s.Stage())
		}
	}
}
