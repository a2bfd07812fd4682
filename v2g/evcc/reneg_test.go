package evcc_test

import (
	"bytes"
	"crypto/sha512"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// step is one request/response pair as seen on the wire, decoded.
type step struct {
	req      session.Message
	code     iso20.ResponseCode
	stage    session.Stage // SECC stage after the response
	progress iso20.ChargeProgress
	stop     iso20.ChargingSession
	current  float64 // EVSEPresentCurrent of a DC_ChargeLoopRes, EVSEPresentActivePower in AC
	asked    float64 // current or power the charge-loop request asks for
	note     *dc.EvseNotification
	sid      []byte
}

type pumped struct {
	steps  []step
	events []secc.EventKind
	sccErr error // why the SECC closed (nil: normal)
	evErr  error // why the EVCC ended (nil: normal)
}

// stages returns the SECC stages in order.
func (p *pumped) stages() []session.Stage {
	var s []session.Stage
	for _, st := range p.steps {
		s = append(s, st.stage)
	}
	return s
}

func (p *pumped) count(m session.Message) int {
	n := 0
	for _, st := range p.steps {
		if st.req == m {
			n++
		}
	}
	return n
}

// first returns the first step of kind m.
func (p *pumped) first(m session.Message) (step, bool) {
	for _, st := range p.steps {
		if st.req == m {
			return st, true
		}
	}
	return step{}, false
}

// contains reports whether sub occurs in s as a contiguous run.
func contains(s, sub []session.Stage) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// pump runs v against s in memory on a fake clock until the EVCC is done
// or an engine fails, decoding every exchange.
func pump(t *testing.T, s *secc.Engine, v *evcc.Engine, now time.Time) *pumped {
	t.Helper()
	p := &pumped{}
	s.Start(now)
	req, err := v.Start(now)
	if err != nil {
		t.Fatal(err)
	}
	phase := session.PhaseSAP
	for n := 0; !req.Done; n++ {
		if n > 100000 {
			t.Fatal("session does not end")
		}
		now = now.Add(50 * time.Millisecond)
		var st step
		m, err := session.Dispatch(req.PayloadType, phase, req.Payload)
		if err != nil {
			t.Fatalf("request does not decode: %v", err)
		}
		st.req, _ = session.Kind(m)
		st.sid, _, _ = session.Header(m)
		switch r := m.(type) {
		case *iso20.PowerDeliveryReq:
			st.progress = r.ChargeProgress
		case *iso20.SessionStopReq:
			st.stop = r.ChargingSession
		case *dc.DCChargeLoopReq:
			st.asked = asked(r)
		case *ac.ACChargeLoopReq:
			st.asked = askedAC(r)
		}
		res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
		if err != nil {
			p.sccErr = err
			break
		}
		st.stage = s.Stage()
		if st.req != session.MsgSupportedAppProtocol {
			rm, err := session.Dispatch(res.PayloadType, phase, res.Payload)
			if err != nil {
				t.Fatalf("response does not decode: %v", err)
			}
			st.code, _ = session.ResponseCode(rm)
			if l, ok := rm.(*dc.DCChargeLoopRes); ok {
				st.current = session.Float(l.EVSEPresentCurrent.Exponent, l.EVSEPresentCurrent.Value)
				if l.EVSEStatus != nil {
					n := l.EVSEStatus.EVSENotification
					st.note = &n
				}
			}
			if l, ok := rm.(*ac.ACChargeLoopRes); ok {
				st.current = presentAC(l)
				if l.EVSEStatus != nil {
					n := dc.EvseNotification(l.EVSEStatus.EVSENotification)
					st.note = &n
				}
			}
		}
		p.steps = append(p.steps, st)
		if res.Close {
			p.sccErr = res.Reason
		}
		now = now.Add(150 * time.Millisecond)
		req, err = v.HandleMessage(now, res.PayloadType, res.Payload)
		if err != nil {
			p.evErr = err
			break
		}
		if phase == session.PhaseSAP {
			phase = v.Phase()
		}
		if req.Done != res.Close {
			t.Fatalf("EVCC done %v, SECC close %v after %v", req.Done, res.Close, st.req)
		}
	}
	for ev, ok := s.NextEvent(); ok; ev, ok = s.NextEvent() {
		p.events = append(p.events, ev.Kind)
	}
	return p
}

var t0 = time.Unix(1795453144, 0)

// asked returns what a DC_ChargeLoopReq asks for: the target current in
// Scheduled, the largest of the maximum currents and powers in Dynamic.
func asked(r *dc.DCChargeLoopReq) float64 {
	f := func(x dc.RationalNumber) float64 { return session.Float(x.Exponent, x.Value) }
	switch {
	case r.ScheduledDCCLReqControlMode != nil:
		return f(r.ScheduledDCCLReqControlMode.EVTargetCurrent)
	case r.BPTScheduledDCCLReqControlMode != nil:
		return f(r.BPTScheduledDCCLReqControlMode.EVTargetCurrent)
	case r.DynamicDCCLReqControlMode != nil:
		c := r.DynamicDCCLReqControlMode
		return max(f(c.EVMaximumChargeCurrent), f(c.EVMaximumChargePower))
	case r.BPTDynamicDCCLReqControlMode != nil:
		c := r.BPTDynamicDCCLReqControlMode
		return max(f(c.EVMaximumChargeCurrent), f(c.EVMaximumChargePower),
			f(c.EVMaximumDischargeCurrent), f(c.EVMaximumDischargePower))
	}
	return -1
}

func certA() [64]byte { return sha512.Sum512([]byte("vehicle leaf A")) }
func certB() [64]byte { return sha512.Sum512([]byte("vehicle leaf B")) }

func newSECC(t *testing.T, evse secc.EVSE, store secc.PausedStore, cert [64]byte) *secc.Engine {
	t.Helper()
	s, err := secc.New(secc.Config{EVSE: evse, Paused: store})
	if err != nil {
		t.Fatal(err)
	}
	s.SetPeerCertificateHash(cert)
	return s
}

func noError(t *testing.T, p *pumped) {
	t.Helper()
	if p.sccErr != nil || p.evErr != nil {
		t.Fatalf("SECC: %v; EVCC: %v", p.sccErr, p.evErr)
	}
}

var combos = []struct {
	name         string
	bpt, dynamic bool
}{
	{"DC/Scheduled", false, false},
	{"DC/Dynamic", false, true},
	{"DC_BPT/Scheduled", true, false},
	{"DC_BPT/Dynamic", true, true},
}

// TestPauseResume pauses after a few charge loops (the EV's plan or the
// EVSE's notification) and resumes on a second engine pair that shares
// the SECC's paused-session store.
func TestPauseResume(t *testing.T) {
	for _, c := range combos {
		for _, byEVSE := range []bool{false, true} {
			name := c.name + "/EV"
			if byEVSE {
				name = c.name + "/EVSE"
			}
			t.Run(name, func(t *testing.T) {
				store := secc.NewMemoryStore(time.Hour)
				sim := secc.NewSimEVSE()
				sim.AuthorizeRounds = 1
				evse := &secc.ScriptedEVSE{EVSE: sim}
				bat := evcc.NewSimBattery()
				veh := &evcc.ScriptedVehicle{Vehicle: bat}
				if byEVSE {
					evse.At = map[int]secc.Notification{5: secc.NotifyPause}
				} else {
					veh.At = map[int]evcc.Action{5: evcc.ActionPause}
				}
				cfg := evcc.Config{Vehicle: veh, BPT: c.bpt, Dynamic: c.dynamic}
				v1, err := evcc.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				s1 := newSECC(t, evse, store, certA())
				p1 := pump(t, s1, v1, t0)
				noError(t, p1)
				r, ok := v1.Paused()
				if !ok {
					t.Fatal("EVCC not paused")
				}
				stop, _ := p1.first(session.MsgSessionStop)
				if stop.stop != iso20.ChargingSessionPause || stop.code != iso20.ResponseCodeOK {
					t.Fatalf("SessionStop %v answered %v", stop.stop, stop.code)
				}
				if want := []session.Stage{session.StagePowerDeliveryStop, session.StageWeldingDetection, session.StageSessionStopped}; !contains(p1.stages(), want) {
					t.Errorf("stages %v lack %v", p1.stages(), want)
				}
				if !slices.Contains(p1.events, secc.EventPaused) || store.Len() != 1 {
					t.Fatalf("events %v, store %d", p1.events, store.Len())
				}
				if veh.Loops() != 5 {
					t.Errorf("paused after %d loops", veh.Loops())
				}
				if !bytes.Equal(r.SessionID, s1.SessionID()) || r.Service != s1.Selected().ServiceID ||
					r.ParameterSet != s1.Selected().ParameterSetID || r.EVSEID != sim.ID {
					t.Fatalf("resume %+v, SECC %x %+v", r, s1.SessionID(), s1.Selected())
				}
				charged, _ := bat.Transferred()

				v2, err := evcc.NewResumed(cfg, r)
				if err != nil {
					t.Fatal(err)
				}
				s2 := newSECC(t, evse, store, certA())
				p2 := pump(t, s2, v2, t0.Add(10*time.Minute))
				noError(t, p2)
				setup, _ := p2.first(session.MsgSessionSetup)
				if setup.code != iso20.ResponseCodeOKOldSessionJoined || !bytes.Equal(setup.sid, r.SessionID) {
					t.Fatalf("SessionSetup with %x answered %v", setup.sid, setup.code)
				}
				if !v2.Resumed() || !s2.Resumed() || !bytes.Equal(s2.SessionID(), r.SessionID) || !bytes.Equal(v2.SessionID(), r.SessionID) {
					t.Fatalf("resumed EVCC %v SECC %v, IDs %x %x", v2.Resumed(), s2.Resumed(), s2.SessionID(), v2.SessionID())
				}
				if want := []session.Stage{session.StageAppProtocol, session.StageSessionResumed, session.StageChargeParameterDiscovery, session.StageScheduleExchange}; !slices.Equal(p2.stages()[:4], want) {
					t.Errorf("stages %v, want %v first", p2.stages(), want)
				}
				for _, m := range []session.Message{session.MsgAuthorizationSetup, session.MsgAuthorization, session.MsgServiceDiscovery, session.MsgServiceDetail, session.MsgServiceSelection} {
					if p2.count(m) != 0 {
						t.Errorf("%v exchanged after the resume", m)
					}
				}
				if p2.count(session.MsgDCCableCheck) == 0 || p2.count(session.MsgDCPreCharge) == 0 {
					t.Error("no cable check and pre-charge after the resume")
				}
				if s2.Selected() != s1.Selected() {
					t.Errorf("selected %+v after resume, %+v before", s2.Selected(), s1.Selected())
				}
				after, _ := bat.Transferred()
				if after <= charged || bat.SOCPercent < bat.TargetPct {
					t.Errorf("charged %.1f Wh before, %.1f Wh after, SOC %.1f %%", charged, after, bat.SOCPercent)
				}
				if stop, _ := p2.first(session.MsgSessionStop); stop.stop != iso20.ChargingSessionTerminate {
					t.Errorf("second session stops with %v", stop.stop)
				}
				if _, ok := v2.Paused(); ok {
					t.Error("second session paused")
				}
				wantEvents := []secc.EventKind{secc.EventSessionResumed, secc.EventPowerOn, secc.EventPowerOff, secc.EventClosed}
				if fmt.Sprint(p2.events) != fmt.Sprint(wantEvents) {
					t.Errorf("events %v, want %v", p2.events, wantEvents)
				}
				if store.Len() != 0 {
					t.Errorf("store keeps %d sessions after the resume", store.Len())
				}
			})
		}
	}
}

// TestResumeOtherVehicle: the paused SessionID from another vehicle
// certificate, or an unknown SessionID, opens a new session.
func TestResumeOtherVehicle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cert    [64]byte
		mangle  bool
		keepOld int
	}{
		{"OtherCertificate", certB(), false, 1},
		{"UnknownSessionID", certA(), true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := secc.NewMemoryStore(time.Hour)
			evse := secc.NewSimEVSE()
			bat := evcc.NewSimBattery()
			veh := &evcc.ScriptedVehicle{Vehicle: bat, At: map[int]evcc.Action{3: evcc.ActionPause}}
			cfg := evcc.Config{Vehicle: veh, BPT: true}
			v1, _ := evcc.New(cfg)
			p1 := pump(t, newSECC(t, evse, store, certA()), v1, t0)
			noError(t, p1)
			r, ok := v1.Paused()
			if !ok {
				t.Fatal("not paused")
			}
			if tc.mangle {
				r.SessionID[0] ^= 0xff
			}
			v2, err := evcc.NewResumed(cfg, r)
			if err != nil {
				t.Fatal(err)
			}
			s2 := newSECC(t, evse, store, tc.cert)
			p2 := pump(t, s2, v2, t0.Add(time.Minute))
			noError(t, p2)
			setup, _ := p2.first(session.MsgSessionSetup)
			if setup.code != iso20.ResponseCodeOKNewSessionEstablished || !bytes.Equal(setup.sid, r.SessionID) {
				t.Fatalf("SessionSetup with %x answered %v", setup.sid, setup.code)
			}
			if v2.Resumed() || s2.Resumed() || bytes.Equal(s2.SessionID(), r.SessionID) || !bytes.Equal(v2.SessionID(), s2.SessionID()) {
				t.Fatalf("resumed %v/%v, SessionIDs %x %x (paused %x)", v2.Resumed(), s2.Resumed(), v2.SessionID(), s2.SessionID(), r.SessionID)
			}
			if p2.count(session.MsgAuthorization) == 0 || p2.count(session.MsgServiceSelection) == 0 {
				t.Error("new session without authorization and service selection")
			}
			if store.Len() != tc.keepOld {
				t.Errorf("store holds %d, want %d", store.Len(), tc.keepOld)
			}
		})
	}
}

// TestPauseNotAllowedLive: SessionStop(Pause) in the charge loop is
// refused with FAILED_PauseNotAllowed and nothing is stored.
func TestPauseNotAllowedLive(t *testing.T) {
	store := secc.NewMemoryStore(time.Hour)
	s := newSECC(t, secc.NewSimEVSE(), store, certA())
	v, _ := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	now := t0
	s.Start(now)
	req, _ := v.Start(now)
	for s.Stage() != session.StageChargeLoop {
		res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
		if err != nil || res.Close {
			t.Fatalf("%v %v", err, res.Reason)
		}
		if req, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
			t.Fatal(err)
		}
		now = now.Add(100 * time.Millisecond)
	}
	m := &iso20.SessionStopReq{ChargingSession: iso20.ChargingSessionPause}
	session.SetHeader(m, s.SessionID(), 0)
	pt, b, err := session.Encode(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.HandleMessage(now, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := session.Dispatch(res.PayloadType, session.PhaseDC, res.Payload)
	if c, _ := session.ResponseCode(rm); c != iso20.ResponseCodeFAILEDPauseNotAllowed || !res.Close {
		t.Fatalf("answered %v, close %v", c, res.Close)
	}
	if store.Len() != 0 {
		t.Fatal("live session stored")
	}
}

// TestScheduleRenegotiation renegotiates the schedule from the charge
// loop, by the EV's plan and by the EVSE's notification: the flow
// re-enters at ChargeParameterDiscovery and goes from ScheduleExchange
// straight to PowerDelivery(Start), without a new cable check.
func TestScheduleRenegotiation(t *testing.T) {
	for _, c := range combos {
		for _, byEVSE := range []bool{false, true} {
			name := c.name + "/EV"
			if byEVSE {
				name = c.name + "/EVSE"
			}
			t.Run(name, func(t *testing.T) {
				sim := secc.NewSimEVSE()
				evse := &secc.ScriptedEVSE{EVSE: sim}
				bat := evcc.NewSimBattery()
				veh := &evcc.ScriptedVehicle{Vehicle: bat}
				if byEVSE {
					evse.At = map[int]secc.Notification{4: secc.NotifyScheduleRenegotiation}
				} else {
					veh.At = map[int]evcc.Action{4: evcc.ActionScheduleRenegotiation}
				}
				v, _ := evcc.New(evcc.Config{Vehicle: veh, BPT: c.bpt, Dynamic: c.dynamic})
				s := newSECC(t, evse, nil, certA())
				p := pump(t, s, v, t0)
				noError(t, p)
				want := []session.Stage{session.StageChargeLoop, session.StageScheduleRenegotiation,
					session.StageChargeParameterDiscovery, session.StageScheduleExchange,
					session.StagePowerDeliveryStart, session.StageChargeLoop}
				if !contains(p.stages(), want) {
					t.Errorf("stages %v lack %v", p.stages(), want)
				}
				if n := p.count(session.MsgScheduleExchange); n != 2 {
					t.Errorf("%d ScheduleExchanges, want 2", n)
				}
				if n := p.count(session.MsgDCCableCheck); n != sim.CableCheckRounds+1 {
					t.Errorf("%d cable checks, want %d (one check only)", n, sim.CableCheckRounds+1)
				}
				var progress []iso20.ChargeProgress
				for _, st := range p.steps {
					if st.req == session.MsgPowerDelivery {
						progress = append(progress, st.progress)
						if st.code != iso20.ResponseCodeOK {
							t.Errorf("PowerDelivery(%v) answered %v", st.progress, st.code)
						}
					}
				}
				wantPD := []iso20.ChargeProgress{iso20.ChargeProgressStart, iso20.ChargeProgressScheduleRenegotiation,
					iso20.ChargeProgressStart, iso20.ChargeProgressStop}
				if !slices.Equal(progress, wantPD) {
					t.Errorf("PowerDelivery %v, want %v", progress, wantPD)
				}
				if !slices.Contains(p.events, secc.EventScheduleRenegotiation) {
					t.Errorf("events %v", p.events)
				}
				if st := p.stages(); st[len(st)-1] != session.StageSessionStopped {
					t.Errorf("stages %v", st)
				}
				if bat.SOCPercent < bat.TargetPct {
					t.Errorf("SOC %.1f %%", bat.SOCPercent)
				}
			})
		}
	}
}

// TestServiceRenegotiation: the EVSE's notification (or the EV's plan)
// stops power and continues at ServiceDiscovery with the authorization
// kept; the EV selects another service, which gets a new cable check.
func TestServiceRenegotiation(t *testing.T) {
	for _, byEVSE := range []bool{false, true} {
		name := "EV"
		if byEVSE {
			name = "EVSE"
		}
		t.Run(name, func(t *testing.T) {
			sim := secc.NewSimEVSE()
			sim.AuthorizeRounds = 1
			evse := &secc.ScriptedEVSE{EVSE: sim}
			bat := evcc.NewSimBattery()
			veh := &evcc.ScriptedVehicle{Vehicle: bat, Services: []evcc.ServiceChoice{{BPT: false, Dynamic: true}}}
			if byEVSE {
				evse.At = map[int]secc.Notification{4: secc.NotifyServiceRenegotiation}
			} else {
				veh.At = map[int]evcc.Action{4: evcc.ActionServiceRenegotiation}
			}
			v, _ := evcc.New(evcc.Config{Vehicle: veh, BPT: true})
			s := newSECC(t, evse, nil, certA())
			p := pump(t, s, v, t0)
			noError(t, p)
			want := []session.Stage{session.StagePowerDeliveryStop, session.StageWeldingDetection,
				session.StageServiceRenegotiation, session.StageServiceDiscovery, session.StageServiceDetail,
				session.StageServiceSelection, session.StageChargeParameterDiscovery, session.StageScheduleExchange,
				session.StageCableCheck}
			if !contains(p.stages(), want) {
				t.Errorf("stages %v lack %v", p.stages(), want)
			}
			var stops []iso20.ChargingSession
			for _, st := range p.steps {
				if st.req == session.MsgSessionStop {
					stops = append(stops, st.stop)
				}
			}
			if !slices.Equal(stops, []iso20.ChargingSession{iso20.ChargingSessionServiceRenegotiation, iso20.ChargingSessionTerminate}) {
				t.Errorf("SessionStops %v", stops)
			}
			if n := p.count(session.MsgAuthorization); n != sim.AuthorizeRounds+1 {
				t.Errorf("%d Authorization exchanges, want %d (authorization kept)", n, sim.AuthorizeRounds+1)
			}
			if p.count(session.MsgServiceSelection) != 2 || p.count(session.MsgDCCableCheck) < 3 {
				t.Errorf("%d selections, %d cable checks", p.count(session.MsgServiceSelection), p.count(session.MsgDCCableCheck))
			}
			if got := s.Selected(); got != (session.ServicePair{ServiceID: secc.ServiceDC, ParameterSetID: secc.ParameterSetDynamic}) {
				t.Errorf("selected %+v after renegotiation", got)
			}
			wantEvents := []secc.EventKind{secc.EventSessionEstablished, secc.EventAuthorized, secc.EventPowerOn,
				secc.EventPowerOff, secc.EventServiceRenegotiation, secc.EventPowerOn, secc.EventPowerOff, secc.EventClosed}
			if fmt.Sprint(p.events) != fmt.Sprint(wantEvents) {
				t.Errorf("events %v, want %v", p.events, wantEvents)
			}
			if bat.SOCPercent < bat.TargetPct {
				t.Errorf("SOC %.1f %%", bat.SOCPercent)
			}
		})
	}
}

// TestServiceRenegotiationRefused: an SECC configured without service
// renegotiation answers FAILED_NoServiceRenegotiationSupported.
func TestServiceRenegotiationRefused(t *testing.T) {
	veh := &evcc.ScriptedVehicle{Vehicle: evcc.NewSimBattery(), At: map[int]evcc.Action{3: evcc.ActionServiceRenegotiation}}
	v, _ := evcc.New(evcc.Config{Vehicle: veh})
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), NoServiceRenegotiation: true})
	if err != nil {
		t.Fatal(err)
	}
	p := pump(t, s, v, t0)
	stop, _ := p.first(session.MsgSessionStop)
	if stop.stop != iso20.ChargingSessionServiceRenegotiation || stop.code != iso20.ResponseCodeFAILEDNoServiceRenegotiationSupported {
		t.Fatalf("SessionStop %v answered %v", stop.stop, stop.code)
	}
	if p.sccErr == nil || p.evErr == nil {
		t.Fatalf("session did not fail: SECC %v, EVCC %v", p.sccErr, p.evErr)
	}
}

// TestStandby: the EV ramps to zero, enters standby, keeps looping with
// zero current and goes back to charging (by its plan or the EVSE's
// ExitStandby).
func TestStandby(t *testing.T) {
	for _, c := range combos {
		for _, byEVSE := range []bool{false, true} {
			name := c.name + "/EV"
			if byEVSE {
				name = c.name + "/EVSE"
			}
			t.Run(name, func(t *testing.T) {
				evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE()}
				bat := evcc.NewSimBattery()
				veh := &evcc.ScriptedVehicle{Vehicle: bat, At: map[int]evcc.Action{4: evcc.ActionStandby}}
				if byEVSE {
					evse.At = map[int]secc.Notification{10: secc.NotifyExitStandby}
				} else {
					veh.At[10] = evcc.ActionExitStandby
				}
				v, _ := evcc.New(evcc.Config{Vehicle: veh, BPT: c.bpt, Dynamic: c.dynamic})
				s := newSECC(t, evse, nil, certA())
				p := pump(t, s, v, t0)
				noError(t, p)
				var progress []iso20.ChargeProgress
				standbyLoops, before, after := 0, 0, 0
				state := 0 // 0 charging, 1 standby, 2 charging again
				for i, st := range p.steps {
					switch st.req {
					case session.MsgPowerDelivery:
						progress = append(progress, st.progress)
						if st.code != iso20.ResponseCodeOK {
							t.Errorf("PowerDelivery(%v) answered %v", st.progress, st.code)
						}
						if st.progress == iso20.ChargeProgressStandby {
							// The loop before it ramped to zero.
							if prev := p.steps[i-1]; prev.req != session.MsgDCChargeLoop || prev.current != 0 || prev.asked != 0 {
								t.Errorf("no zero-current loop before standby: %+v", prev)
							}
							state = 1
						} else if st.progress == iso20.ChargeProgressStart && state == 1 {
							state = 2
						}
					case session.MsgDCChargeLoop:
						switch {
						case state == 1:
							standbyLoops++
							if st.current != 0 || st.asked != 0 || st.stage != session.StageStandby {
								t.Errorf("standby loop: EV asks %v, %v A in stage %v", st.asked, st.current, st.stage)
							}
						case state == 0 && st.current > 0 && st.asked > 0:
							before++
						case state == 2 && st.current > 0:
							after++
						}
					}
				}
				wantPD := []iso20.ChargeProgress{iso20.ChargeProgressStart, iso20.ChargeProgressStandby,
					iso20.ChargeProgressStart, iso20.ChargeProgressStop}
				if !slices.Equal(progress, wantPD) {
					t.Errorf("PowerDelivery %v, want %v", progress, wantPD)
				}
				if standbyLoops < 4 || before == 0 || after == 0 {
					t.Errorf("%d standby loops, %d charging loops before, %d after", standbyLoops, before, after)
				}
				if !slices.Contains(p.events, secc.EventStandby) {
					t.Errorf("events %v", p.events)
				}
				if byEVSE {
					var notes []string
					for _, st := range p.steps {
						if st.note != nil {
							notes = append(notes, st.note.String())
						}
					}
					if fmt.Sprint(notes) != "[ExitStandby]" {
						t.Errorf("notifications %v", notes)
					}
				}
				if bat.SOCPercent < bat.TargetPct {
					t.Errorf("SOC %.1f %%", bat.SOCPercent)
				}
			})
		}
	}
}

// TestStandbyRefused: with Config.RefuseStandby the SECC answers
// WARNING_StandbyNotAllowed and charging goes on.
func TestStandbyRefused(t *testing.T) {
	bat := evcc.NewSimBattery()
	veh := &evcc.ScriptedVehicle{Vehicle: bat, At: map[int]evcc.Action{3: evcc.ActionStandby}}
	v, _ := evcc.New(evcc.Config{Vehicle: veh})
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), RefuseStandby: true})
	if err != nil {
		t.Fatal(err)
	}
	p := pump(t, s, v, t0)
	noError(t, p)
	found := false
	for i, st := range p.steps {
		if st.req == session.MsgPowerDelivery && st.progress == iso20.ChargeProgressStandby {
			found = true
			if st.code != iso20.ResponseCodeWARNINGStandbyNotAllowed || st.stage != session.StageChargeLoop {
				t.Errorf("Standby answered %v, stage %v", st.code, st.stage)
			}
			if next := p.steps[i+1]; next.req != session.MsgDCChargeLoop || next.stage != session.StageChargeLoop {
				t.Errorf("after the refusal: %+v", next)
			}
		}
	}
	if !found || v.Standby() || bat.SOCPercent < bat.TargetPct {
		t.Errorf("standby requested %v, in standby %v, SOC %.1f", found, v.Standby(), bat.SOCPercent)
	}
}

// toLoop runs both engines until the SECC is in the charge loop and
// returns the EVCC's pending charge-loop request.
func toLoop(t *testing.T, s *secc.Engine, v *evcc.Engine, now time.Time) evcc.Request {
	t.Helper()
	s.Start(now)
	req, _ := v.Start(now)
	for s.Stage() != session.StageChargeLoop {
		res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
		if err != nil || res.Close {
			t.Fatalf("%v %v", err, res.Reason)
		}
		if req, err = v.HandleMessage(now, res.PayloadType, res.Payload); err != nil {
			t.Fatal(err)
		}
		now = now.Add(100 * time.Millisecond)
	}
	return req
}

// inject sends a handcrafted request to s and returns the decoded
// response.
func inject(t *testing.T, s *secc.Engine, now time.Time, m exi.Message) (any, secc.Response) {
	t.Helper()
	session.SetHeader(m, s.SessionID(), 0)
	pt, b, err := session.Encode(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, s, now, evcc.Request{PayloadType: pt, Payload: b})
}

func send(t *testing.T, s *secc.Engine, now time.Time, req evcc.Request) (any, secc.Response) {
	t.Helper()
	res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := session.Dispatch(res.PayloadType, session.PhaseDC, res.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return rm, res
}

// TestStandbyHoldsZero: in standby the SECC keeps the output at zero
// current even when the EV asks for current, and delivers again after
// PowerDelivery(Start).
func TestStandbyHoldsZero(t *testing.T) {
	evse := secc.NewSimEVSE()
	s := newSECC(t, evse, nil, certA())
	v, _ := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery()})
	now := t0
	loop := toLoop(t, s, v, now)
	current := func(rm any) float64 {
		l, ok := rm.(*dc.DCChargeLoopRes)
		if !ok {
			t.Fatalf("got %T", rm)
		}
		return session.Float(l.EVSEPresentCurrent.Exponent, l.EVSEPresentCurrent.Value)
	}
	if rm, _ := send(t, s, now, loop); current(rm) <= 0 {
		t.Fatalf("no current before standby: %v", current(rm))
	}
	rm, _ := inject(t, s, now, &iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressStandby})
	if c := rm.(*iso20.PowerDeliveryRes).ResponseCode; c != iso20.ResponseCodeOK || s.Stage() != session.StageStandby {
		t.Fatalf("Standby answered %v, stage %v", c, s.Stage())
	}
	if _, i := evse.Present(now); i != 0 {
		t.Fatalf("%v A after PowerDelivery(Standby)", i)
	}
	for range 3 {
		if rm, _ := send(t, s, now, loop); current(rm) != 0 || s.Stage() != session.StageStandby {
			t.Fatalf("standby loop: %v A, stage %v", current(rm), s.Stage())
		}
	}
	rm, res := inject(t, s, now, &iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressStart})
	if c := rm.(*iso20.PowerDeliveryRes).ResponseCode; c != iso20.ResponseCodeOK || res.Close {
		t.Fatalf("Start answered %v", c)
	}
	if rm, _ := send(t, s, now, loop); current(rm) <= 0 || s.Stage() != session.StageChargeLoop {
		t.Fatalf("after standby: %v A, stage %v", current(rm), s.Stage())
	}
}
