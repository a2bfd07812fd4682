package evcc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// testACLimits are EVSE limits below the simulated vehicle's charge power
// and discharge power, so that the session runs at the EVSE's maxima.
var testACLimits = secc.ACLimits{
	MaxChargePower: 9000, MinChargePower: 1380,
	MaxDischargePower: 5000, MinDischargePower: 1380,
	NominalVoltage: 230, NominalFrequency: 50,
}

// msgPair is one request and its response of an in-memory session.
type msgPair struct {
	req, res exi.Message
}

// runInMemory runs v against s on a fake clock, 200 ms per round trip,
// and returns the decoded exchanges. after is called after each exchange.
func runInMemory(t *testing.T, s *secc.Engine, v *evcc.Engine, phase session.Phase, after func()) []msgPair {
	t.Helper()
	now := time.Unix(1795453144, 0)
	s.Start(now)
	req, err := v.Start(now)
	if err != nil {
		t.Fatal(err)
	}
	var log []msgPair
	p := session.PhaseSAP
	for n := 0; !req.Done; n++ {
		if n > 100000 {
			t.Fatal("session does not end")
		}
		now = now.Add(50 * time.Millisecond)
		res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
		if err != nil {
			t.Fatalf("SECC in %v: %v", s.Stage(), err)
		}
		if res.Close && res.Reason != nil {
			t.Fatalf("SECC closes: %v", res.Reason)
		}
		qm, qerr := session.Dispatch(req.PayloadType, p, req.Payload)
		rm, rerr := session.Dispatch(res.PayloadType, p, res.Payload)
		if req.PayloadType == v2gtp.SAP {
			p = phase
		}
		if qerr != nil || rerr != nil {
			t.Fatalf("msgPair %d does not decode in phase %v: %v, %v", n, p, qerr, rerr)
		}
		log = append(log, msgPair{qm, rm})
		now = now.Add(150 * time.Millisecond)
		req, err = v.HandleMessage(now, res.PayloadType, res.Payload)
		if err != nil {
			t.Fatalf("EVCC: %v", err)
		}
		if req.Done != res.Close {
			t.Fatalf("EVCC done %v, SECC close %v", req.Done, res.Close)
		}
		if after != nil {
			after()
		}
	}
	if closed, reason := s.Closed(); !closed || reason != nil {
		t.Fatalf("SECC Closed() = %v, %v", closed, reason)
	}
	if closed, reason := v.Closed(); !closed || reason != nil {
		t.Fatalf("EVCC Closed() = %v, %v", closed, reason)
	}
	return log
}

// powerBounds returns the range every AC power of a session must lie in:
// within both sides' maxima, and for a non-zero power at least both
// sides' minima.
type powerBounds struct {
	maxCharge, minCharge, maxDischarge, minDischarge float64
}

func bounds(evse secc.ACLimits, ev evcc.ACLimits, bpt bool) powerBounds {
	b := powerBounds{
		maxCharge: min(evse.MaxChargePower, ev.MaxChargePower),
		minCharge: max(evse.MinChargePower, ev.MinChargePower),
	}
	if bpt {
		b.maxDischarge = min(evse.MaxDischargePower, ev.MaxDischargePower)
		b.minDischarge = max(evse.MinDischargePower, ev.MinDischargePower)
	}
	return b
}

func (b powerBounds) check(t *testing.T, what string, p float64) {
	t.Helper()
	switch {
	case p > 0 && (p > b.maxCharge || p < b.minCharge):
		t.Errorf("%s %.0f W outside [%.0f, %.0f] W", what, p, b.minCharge, b.maxCharge)
	case p < 0 && (-p > b.maxDischarge || -p < b.minDischarge):
		t.Errorf("%s %.0f W outside discharge [%.0f, %.0f] W", what, p, b.minDischarge, b.maxDischarge)
	}
}

func rat(r ac.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }

func ratp(r *ac.RationalNumber) (float64, bool) {
	if r == nil {
		return 0, false
	}
	return rat(*r), true
}

// acPowers returns the powers of an AC charge-loop msgPair: the EV's
// present power, the SECC's target (Dynamic only) and present power.
func acPowers(t *testing.T, x msgPair) (evPresent float64, target *float64, evsePresent float64) {
	t.Helper()
	q, r := x.req.(*ac.ACChargeLoopReq), x.res.(*ac.ACChargeLoopRes)
	switch {
	case q.ScheduledACCLReqControlMode != nil:
		evPresent = rat(q.ScheduledACCLReqControlMode.EVPresentActivePower)
	case q.BPTScheduledACCLReqControlMode != nil:
		evPresent = rat(q.BPTScheduledACCLReqControlMode.EVPresentActivePower)
	case q.DynamicACCLReqControlMode != nil:
		evPresent = rat(q.DynamicACCLReqControlMode.EVPresentActivePower)
	case q.BPTDynamicACCLReqControlMode != nil:
		evPresent = rat(q.BPTDynamicACCLReqControlMode.EVPresentActivePower)
	}
	var ok bool
	switch {
	case r.ScheduledACCLResControlMode != nil:
		evsePresent, ok = ratp(r.ScheduledACCLResControlMode.EVSEPresentActivePower)
	case r.BPTScheduledACCLResControlMode != nil:
		evsePresent, ok = ratp(r.BPTScheduledACCLResControlMode.EVSEPresentActivePower)
	case r.DynamicACCLResControlMode != nil:
		p := rat(r.DynamicACCLResControlMode.EVSETargetActivePower)
		target = &p
		evsePresent, ok = ratp(r.DynamicACCLResControlMode.EVSEPresentActivePower)
	case r.BPTDynamicACCLResControlMode != nil:
		p := rat(r.BPTDynamicACCLResControlMode.EVSETargetActivePower)
		target = &p
		evsePresent, ok = ratp(r.BPTDynamicACCLResControlMode.EVSEPresentActivePower)
	}
	if !ok {
		t.Errorf("AC_ChargeLoopRes without EVSEPresentActivePower: %+v", r)
	}
	return evPresent, target, evsePresent
}

// TestACSessionAgainstSECC runs our EVCC against our SECC in memory
// through AC and AC_BPT sessions, Scheduled and Dynamic.
func TestACSessionAgainstSECC(t *testing.T) {
	for _, tc := range []struct {
		name         string
		bpt, dynamic bool
	}{
		{"AC_BPT/Scheduled", true, false},
		{"AC_BPT/Dynamic", true, true},
		{"AC/Scheduled", false, false},
		{"AC/Dynamic", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evse := secc.NewSimEVSE()
			evse.AC = testACLimits
			evse.AuthorizeRounds = 1
			s, err := secc.New(secc.Config{EVSE: evse,
				Services: []uint16{secc.ServiceAC, secc.ServiceACBPT, secc.ServiceDC}})
			if err != nil {
				t.Fatal(err)
			}
			bat := evcc.NewSimBattery()
			if tc.bpt {
				bat.Discharge, bat.MinPct = true, 50
			}
			v, err := evcc.New(evcc.Config{Vehicle: bat, AC: true, BPT: tc.bpt, Dynamic: tc.dynamic})
			if err != nil {
				t.Fatal(err)
			}
			startSOC, maxSOC := bat.SOCPercent, bat.SOCPercent
			log := runInMemory(t, s, v, session.PhaseAC, func() { maxSOC = max(maxSOC, bat.SOCPercent) })

			want := session.ServicePair{ServiceID: secc.ServiceAC, ParameterSetID: secc.ParameterSetScheduled}
			if tc.bpt {
				want.ServiceID = secc.ServiceACBPT
			}
			if tc.dynamic {
				want.ParameterSetID = secc.ParameterSetDynamic
			}
			if got := s.Selected(); got != want {
				t.Errorf("selected %+v, want %+v", got, want)
			}
			if v.Phase() != session.PhaseAC {
				t.Errorf("EVCC phase %v", v.Phase())
			}

			// The limits the EVCC received are the SECC's configured ones.
			got, ok := v.EVSEACLimits()
			wantLimits := evcc.EVSEACLimits{
				MaxChargePower: 9000, MinChargePower: 1380, NominalFrequency: 50, NominalVoltage: 230,
			}
			if tc.bpt {
				wantLimits.MaxDischargePower, wantLimits.MinDischargePower = 5000, 1380
			}
			if !ok || got != wantLimits {
				t.Errorf("EVSE AC limits %+v (%v), want %+v", got, ok, wantLimits)
			}

			b := bounds(testACLimits, bat.AC, tc.bpt)
			seen := map[session.Message]int{}
			var peakCharge, peakDischarge float64
			for _, x := range log {
				k, _ := session.Kind(x.req)
				seen[k]++
				if k != session.MsgACChargeLoop {
					continue
				}
				evp, target, evsep := acPowers(t, x)
				b.check(t, "EVPresentActivePower", evp)
				b.check(t, "EVSEPresentActivePower", evsep)
				if target != nil {
					b.check(t, "EVSETargetActivePower", *target)
				} else if tc.dynamic {
					t.Error("Dynamic AC_ChargeLoopRes without EVSETargetActivePower")
				}
				peakCharge, peakDischarge = max(peakCharge, evp), min(peakDischarge, evp)
			}
			// Both sides run at the lower of the two maxima.
			if peakCharge != 9000 {
				t.Errorf("peak charge power %.0f W, want 9000 W", peakCharge)
			}
			wantDischarge := 0.0
			if tc.bpt {
				wantDischarge = -5000
			}
			if peakDischarge != wantDischarge {
				t.Errorf("peak discharge power %.0f W, want %.0f W", peakDischarge, wantDischarge)
			}
			for _, k := range []session.Message{
				session.MsgSessionSetup, session.MsgAuthorizationSetup, session.MsgAuthorization,
				session.MsgServiceDiscovery, session.MsgServiceDetail, session.MsgServiceSelection,
				session.MsgACChargeParameterDiscovery, session.MsgScheduleExchange, session.MsgPowerDelivery,
				session.MsgACChargeLoop, session.MsgSessionStop,
			} {
				if seen[k] == 0 {
					t.Errorf("no %v exchanged", k)
				}
			}
			for _, k := range []session.Message{session.MsgDCCableCheck, session.MsgDCPreCharge,
				session.MsgDCWeldingDetection, session.MsgDCChargeLoop} {
				if seen[k] != 0 {
					t.Errorf("%v in an AC session", k)
				}
			}
			if seen[session.MsgPowerDelivery] != 2 || seen[session.MsgAuthorization] != 2 {
				t.Errorf("exchanges: %v", seen)
			}
			in, out := bat.Transferred()
			if tc.bpt {
				if maxSOC < bat.TargetPct-0.01 || bat.SOCPercent > bat.MinPct+0.01 || out <= 0 {
					t.Errorf("SOC %.1f -> max %.1f -> %.1f %%, discharged %.0f Wh; want up to %.0f, down to %.0f",
						startSOC, maxSOC, bat.SOCPercent, out, bat.TargetPct, bat.MinPct)
				}
			} else if bat.SOCPercent < bat.TargetPct-0.01 || out != 0 {
				t.Errorf("SOC %.1f %% (target %.0f), discharged %.0f Wh", bat.SOCPercent, bat.TargetPct, out)
			}
			t.Logf("%d charge loops, charged %.0f Wh, discharged %.0f Wh, SOC %.1f %%",
				v.ChargeLoops(), in, out, bat.SOCPercent)
		})
	}
}

// TestSAPChoosesByPriority: the EVCC offers AC and DC; the SECC takes the
// EV's best namespace among those its services need, and the EVCC runs
// the session in the set chosen.
func TestSAPChoosesByPriority(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services []uint16
		offer    []string
		want     session.Phase
	}{
		{"AC first, both served", nil, []string{session.NamespaceAC, session.NamespaceDC}, session.PhaseAC},
		{"DC first, both served", nil, []string{session.NamespaceDC, session.NamespaceAC}, session.PhaseDC},
		{"AC first, DC only", []uint16{secc.ServiceDCBPT}, []string{session.NamespaceAC, session.NamespaceDC}, session.PhaseDC},
		{"DC first, AC only", []uint16{secc.ServiceACBPT}, []string{session.NamespaceDC, session.NamespaceAC}, session.PhaseAC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			services := tc.services
			if services == nil {
				services = []uint16{secc.ServiceDC, secc.ServiceDCBPT, secc.ServiceAC, secc.ServiceACBPT}
			}
			s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), Services: services})
			if err != nil {
				t.Fatal(err)
			}
			bat := evcc.NewSimBattery()
			bat.Discharge, bat.MinPct = true, 60
			v, err := evcc.New(evcc.Config{Vehicle: bat, BPT: true, AppProtocols: tc.offer})
			if err != nil {
				t.Fatal(err)
			}
			runInMemory(t, s, v, tc.want, nil)
			if v.Phase() != tc.want {
				t.Errorf("phase %v, want %v", v.Phase(), tc.want)
			}
			wantService := secc.ServiceDCBPT
			if tc.want == session.PhaseAC {
				wantService = secc.ServiceACBPT
			}
			if got := s.Selected().ServiceID; got != wantService || v.Service() != wantService {
				t.Errorf("services %d/%d, want %d", got, v.Service(), wantService)
			}
		})
	}
}

// TestSAPNoNegotiation: an SECC with DC services only answers an AC-only
// EVCC with Failed_NoNegotiation, and both sides end.
func TestSAPNoNegotiation(t *testing.T) {
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), Services: []uint16{secc.ServiceDC}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), AC: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1795453144, 0)
	req, err := v.Start(now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.Dispatch(res.PayloadType, session.PhaseSAP, res.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if r := m.(*apphand.SupportedAppProtocolRes); r.ResponseCode != apphand.ResponseCodeFailedNoNegotiation || r.SchemaID != nil {
		t.Errorf("SAP res %+v", r)
	}
	if !res.Close || !errors.Is(res.Reason, secc.ErrNoNegotiation) {
		t.Errorf("close %v reason %v", res.Close, res.Reason)
	}
	r, err := v.HandleMessage(now, res.PayloadType, res.Payload)
	if !errors.Is(err, evcc.ErrRefused) || !r.Done {
		t.Errorf("EVCC: %+v, %v", r, err)
	}
}

// dcOnlyVehicle is a Vehicle without the AC methods.
type dcOnlyVehicle struct{ evcc.Vehicle }

func TestConfigNeedsACVehicle(t *testing.T) {
	if _, err := evcc.New(evcc.Config{Vehicle: dcOnlyVehicle{evcc.NewSimBattery()}, AC: true}); !errors.Is(err, evcc.ErrNoACVehicle) {
		t.Errorf("AC with a DC-only vehicle: %v", err)
	}
	if _, err := evcc.New(evcc.Config{Vehicle: dcOnlyVehicle{evcc.NewSimBattery()}}); err != nil {
		t.Errorf("DC with a DC-only vehicle: %v", err)
	}
	if _, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), AppProtocols: []string{"urn:iso:15118:2:2013:MsgDef"}}); err == nil {
		t.Error("-2 namespace accepted")
	}
}

// TestACStopsOnEVSEViolation: an AC_ChargeLoopRes of another control mode
// or with a present power beyond the vehicle's limits makes the EVCC stop
// drawing power and end the session with PowerDelivery(Stop) and
// SessionStop, reporting ErrEVSEViolation.
func TestACStopsOnEVSEViolation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(*ac.ACChargeLoopRes)
	}{
		{"control mode", func(r *ac.ACChargeLoopRes) {
			r.BPTDynamicACCLResControlMode = nil
			r.ScheduledACCLResControlMode = &ac.ScheduledACCLResControlMode{}
		}},
		{"charge power", func(r *ac.ACChargeLoopRes) {
			r.BPTDynamicACCLResControlMode.EVSEPresentActivePower = &ac.RationalNumber{Exponent: 1, Value: 2000}
		}},
		{"discharge power", func(r *ac.ACChargeLoopRes) {
			r.BPTDynamicACCLResControlMode.EVSEPresentActivePower = &ac.RationalNumber{Exponent: 1, Value: -1000}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(), Services: []uint16{secc.ServiceACBPT}})
			if err != nil {
				t.Fatal(err)
			}
			bat := evcc.NewSimBattery()
			bat.Discharge, bat.MinPct = true, 50
			v, err := evcc.New(evcc.Config{Vehicle: bat, AC: true, BPT: true, Dynamic: true})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Unix(1795453144, 0)
			s.Start(now)
			req, err := v.Start(now)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []session.Message
			tampered := false
			for n := 0; !req.Done; n++ {
				if n > 100 {
					t.Fatal("session does not end")
				}
				now = now.Add(100 * time.Millisecond)
				res, err := s.HandleMessage(now, req.PayloadType, req.Payload)
				if err != nil {
					t.Fatal(err)
				}
				pt, payload := res.PayloadType, res.Payload
				if m, err := session.Dispatch(pt, session.PhaseAC, payload); err == nil {
					if cl, ok := m.(*ac.ACChargeLoopRes); ok && !tampered && v.ChargeLoops() == 2 {
						tc.tamper(cl)
						tampered = true
						if pt, payload, err = session.Encode(nil, cl); err != nil {
							t.Fatal(err)
						}
					}
				}
				if req, err = v.HandleMessage(now, pt, payload); err != nil {
					t.Fatal(err)
				}
				if tampered && !req.Done {
					m, err := session.Dispatch(req.PayloadType, session.PhaseAC, req.Payload)
					if err != nil {
						t.Fatal(err)
					}
					k, _ := session.Kind(m)
					kinds = append(kinds, k)
				}
			}
			if !tampered {
				t.Fatal("no third charge loop")
			}
			if len(kinds) != 2 || kinds[0] != session.MsgPowerDelivery || kinds[1] != session.MsgSessionStop {
				t.Errorf("requests after the violation: %v, want PowerDelivery, SessionStop", kinds)
			}
			if !errors.Is(req.Reason, evcc.ErrEVSEViolation) {
				t.Errorf("session ended with %v", req.Reason)
			}
			if p := bat.PresentActivePower(now); p != 0 {
				t.Errorf("vehicle still draws %v W", p)
			}
		})
	}
}

// TestSAPSchemaID: the EVCC maps the SchemaID answered back to its offer
// and refuses one it did not offer.
func TestSAPSchemaID(t *testing.T) {
	for _, tc := range []struct {
		id      uint8
		want    session.Phase
		refused bool
	}{{1, session.PhaseDC, false}, {2, session.PhaseAC, false}, {3, 0, true}, {0, 0, true}} {
		v, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(),
			AppProtocols: []string{session.NamespaceDC, session.NamespaceAC}})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Unix(1795453144, 0)
		req, err := v.Start(now)
		if err != nil {
			t.Fatal(err)
		}
		m, err := session.Dispatch(req.PayloadType, session.PhaseSAP, req.Payload)
		if err != nil {
			t.Fatal(err)
		}
		offer := m.(*apphand.SupportedAppProtocolReq).AppProtocol
		if len(offer) != 2 || offer[0].ProtocolNamespace != session.NamespaceDC || offer[0].SchemaID != 1 ||
			offer[0].Priority != 1 || offer[1].ProtocolNamespace != session.NamespaceAC || offer[1].SchemaID != 2 ||
			offer[1].Priority != 2 {
			t.Fatalf("offer %+v", offer)
		}
		id := tc.id
		pt, b, err := session.Encode(nil, &apphand.SupportedAppProtocolRes{
			ResponseCode: apphand.ResponseCodeOKSuccessfulNegotiation, SchemaID: &id})
		if err != nil {
			t.Fatal(err)
		}
		r, err := v.HandleMessage(now, pt, b)
		if tc.refused {
			if !errors.Is(err, evcc.ErrRefused) || !r.Done {
				t.Errorf("SchemaID %d: %+v, %v", tc.id, r, err)
			}
			continue
		}
		if err != nil || v.Phase() != tc.want {
			t.Errorf("SchemaID %d: phase %v, %v; want %v", tc.id, v.Phase(), err, tc.want)
		}
	}
}
