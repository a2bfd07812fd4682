package secc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

func acFlp(r *ac.RationalNumber, def float64) float64 {
	if r == nil {
		return def
	}
	return acFl(*r)
}

func acR(v int16) ac.RationalNumber { return ac.RationalNumber{Value: v} }

// acEngine returns an engine serving AC, AC_BPT and DC after an AC
// supportedAppProtocol and SessionSetup.
func acEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Config{EVSE: NewSimEVSE(), Services: []uint16{ServiceDC, ServiceAC, ServiceACBPT}})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(t0)
	pt, b := encode(t, &apphand.SupportedAppProtocolReq{AppProtocol: []apphand.AppProtocol{
		{ProtocolNamespace: session.NamespaceAC, VersionNumberMajor: 1, SchemaID: 7, Priority: 1},
		{ProtocolNamespace: session.NamespaceDC, VersionNumberMajor: 1, SchemaID: 8, Priority: 2},
	}})
	r, err := e.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	res := decodeRes(t, session.PhaseSAP, r).(*apphand.SupportedAppProtocolRes)
	if res.SchemaID == nil || *res.SchemaID != 7 {
		t.Fatalf("SAP res %+v, want SchemaID 7", res)
	}
	pt, b = encode(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV1"})
	if _, err := e.HandleMessage(t0, pt, b); err != nil {
		t.Fatal(err)
	}
	return e
}

// acSend sends msgs in order, each expected to be answered without
// closing, and returns the last response.
func acSend(t *testing.T, e *Engine, msgs ...exi.Message) exi.Message {
	t.Helper()
	var res exi.Message
	for _, m := range msgs {
		session.SetHeader(m, e.SessionID(), 0)
		pt, b := encode(t, m)
		r, err := e.HandleMessage(t0, pt, b)
		if err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		if r.Close {
			t.Fatalf("%T: session closed: %v", m, r.Reason)
		}
		res = decodeRes(t, session.PhaseAC, r)
	}
	return res
}

// acPrefix is the AC path up to ServiceDiscovery.
func acPrefix() []exi.Message {
	return []exi.Message{
		&iso20.AuthorizationSetupReq{},
		&iso20.AuthorizationReq{SelectedAuthorizationService: iso20.AuthorizationEIM,
			EIMAReqAuthorizationMode: &iso20.EIMAReqAuthorizationMode{}},
		&iso20.ServiceDiscoveryReq{},
	}
}

func TestACServiceDiscoveryAndDetail(t *testing.T) {
	e := acEngine(t)
	disc := acSend(t, e, acPrefix()...).(*iso20.ServiceDiscoveryRes)
	var ids []uint16
	for _, s := range disc.EnergyTransferServiceList.Service {
		ids = append(ids, s.ServiceID)
	}
	// Only the services of the negotiated AC set, in configured order.
	if len(ids) != 2 || ids[0] != 1 || ids[1] != 5 {
		t.Fatalf("services %v, want [1 5]", ids)
	}
	for _, tc := range []struct {
		service uint16
		want    map[string]int32
	}{
		{1, map[string]int32{"Connector": 3, "EVSENominalVoltage": 230, "MobilityNeedsMode": 1, "Pricing": 0}},
		{5, map[string]int32{"Connector": 3, "EVSENominalVoltage": 230, "MobilityNeedsMode": 1, "Pricing": 0,
			"BPTChannel": 1, "GeneratorMode": 1, "DetectionMethodGridCodeIslanding": 1}},
	} {
		res := acSend(t, e, &iso20.ServiceDetailReq{ServiceID: tc.service}).(*iso20.ServiceDetailRes)
		sets := res.ServiceParameterList.ParameterSet
		if len(sets) != 2 {
			t.Fatalf("service %d: %d parameter sets", tc.service, len(sets))
		}
		for i, ps := range sets {
			got := map[string]int32{}
			for _, p := range ps.Parameter {
				if p.IntValue == nil {
					t.Errorf("service %d: parameter %s not an int", tc.service, p.Name)
					continue
				}
				got[p.Name] = *p.IntValue
			}
			if got["ControlMode"] != int32(i+1) || int(ps.ParameterSetID) != i+1 {
				t.Errorf("service %d set %d: ControlMode %d", tc.service, ps.ParameterSetID, got["ControlMode"])
			}
			delete(got, "ControlMode")
			if len(got) != len(tc.want) {
				t.Errorf("service %d: parameters %v, want %v", tc.service, got, tc.want)
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("service %d: %s = %d (%v), want %d", tc.service, k, g, ok, v)
				}
			}
		}
	}
	// DC is configured but not part of an AC session.
	pt, b := encode(t, &iso20.ServiceDetailReq{Header: iso20.MessageHeader{SessionID: e.SessionID()}, ServiceID: ServiceDC})
	r, err := e.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	if res := decodeRes(t, session.PhaseAC, r).(*iso20.ServiceDetailRes); res.ResponseCode != iso20.ResponseCodeFAILEDServiceIDInvalid || !r.Close {
		t.Errorf("DC detail in AC session: %v close %v", res.ResponseCode, r.Close)
	}
}

func TestACOptions(t *testing.T) {
	e, err := New(Config{EVSE: NewSimEVSE(), Services: []uint16{ServiceACBPT},
		AC: ACOptions{Connector: 2, IslandingParameter: "GridCodeIslandingDetectionMethod", IslandingMethod: 2}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int32{}
	for _, p := range e.serviceParameters(ServiceACBPT, 1) {
		got[p.Name] = *p.IntValue
	}
	if got["Connector"] != 2 || got["GridCodeIslandingDetectionMethod"] != 2 {
		t.Errorf("parameters %v", got)
	}
}

// acToLoop runs an AC session of service/parameter set up to the first
// PowerDelivery(Start).
func acToLoop(t *testing.T, service, paramSet uint16) *Engine {
	t.Helper()
	e := acEngine(t)
	cpd := &ac.ACChargeParameterDiscoveryReq{ACCPDReqEnergyTransferMode: &ac.ACCPDReqEnergyTransferMode{
		EVMaximumChargePower: acR(11000), EVMinimumChargePower: acR(1400)}}
	if service == ServiceACBPT {
		cpd = &ac.ACChargeParameterDiscoveryReq{BPTACCPDReqEnergyTransferMode: &ac.BPTACCPDReqEnergyTransferMode{
			EVMaximumChargePower: acR(11000), EVMinimumChargePower: acR(1400),
			EVMaximumDischargePower: acR(7400), EVMinimumDischargePower: acR(1400)}}
	}
	se := &iso20.ScheduleExchangeReq{MaximumSupportingPoints: 12,
		ScheduledSEReqControlMode: &iso20.ScheduledSEReqControlMode{}}
	prof := &iso20.EVPowerProfile{ScheduledEVPPTControlMode: &iso20.ScheduledEVPPTControlMode{SelectedScheduleTupleID: 1},
		EVPowerProfileEntries: iso20.EVPowerProfileEntryList{EVPowerProfileEntry: []iso20.PowerScheduleEntry{{Duration: 60}}}}
	if paramSet == ParameterSetDynamic {
		se = &iso20.ScheduleExchangeReq{MaximumSupportingPoints: 12,
			DynamicSEReqControlMode: &iso20.DynamicSEReqControlMode{DepartureTime: 3600}}
		prof.ScheduledEVPPTControlMode, prof.DynamicEVPPTControlMode = nil, &iso20.DynamicEVPPTControlMode{}
	}
	msgs := append(acPrefix(),
		&iso20.ServiceDetailReq{ServiceID: service},
		&iso20.ServiceSelectionReq{SelectedEnergyTransferService: iso20.SelectedService{ServiceID: service, ParameterSetID: paramSet}},
		cpd, se,
		&iso20.PowerDeliveryReq{ChargeProgress: iso20.ChargeProgressStart, EVPowerProfile: prof})
	cpdRes := acSend(t, e, msgs[:len(msgs)-2]...).(*ac.ACChargeParameterDiscoveryRes)
	l := NewSimACLimits()
	if service == ServiceACBPT {
		b := cpdRes.BPTACCPDResEnergyTransferMode
		if b == nil || acFl(b.EVSEMaximumChargePower) != l.MaxChargePower || acFl(b.EVSENominalFrequency) != 50 ||
			acFl(b.EVSEMaximumDischargePower) != l.MaxDischargePower || acFl(b.EVSEMinimumDischargePower) != l.MinDischargePower {
			t.Fatalf("BPT CPD res %+v", cpdRes)
		}
	} else if a := cpdRes.ACCPDResEnergyTransferMode; a == nil || acFl(a.EVSEMaximumChargePower) != l.MaxChargePower ||
		acFl(a.EVSEMinimumChargePower) != l.MinChargePower || acFl(a.EVSENominalFrequency) != 50 {
		t.Fatalf("CPD res %+v", cpdRes)
	}
	se2 := acSend(t, e, msgs[len(msgs)-2]).(*iso20.ScheduleExchangeRes)
	if paramSet == ParameterSetScheduled {
		tu := se2.ScheduledSEResControlMode.ScheduleTuple[0]
		if p := tu.ChargingSchedule.PowerSchedule.PowerScheduleEntries.PowerScheduleEntry[0].Power; session.Float(p.Exponent, p.Value) != l.MaxChargePower {
			t.Errorf("charging schedule %+v", p)
		}
		if d := tu.DischargingSchedule; (d != nil) != (service == ServiceACBPT) {
			t.Errorf("discharging schedule %+v", d)
		} else if d != nil {
			if p := d.PowerSchedule.PowerScheduleEntries.PowerScheduleEntry[0].Power; session.Float(p.Exponent, p.Value) != -l.MaxDischargePower {
				t.Errorf("discharging schedule power %+v", p)
			}
		}
	}
	acSend(t, e, msgs[len(msgs)-1])
	return e
}

// TestACChargeLoopOutOfKind: an AC_ChargeLoopReq whose control mode is
// not the selected one is answered FAILED and ends the session.
func TestACChargeLoopOutOfKind(t *testing.T) {
	sched := &ac.ScheduledACCLReqControlMode{EVPresentActivePower: acR(5000)}
	bptSched := &ac.BPTScheduledACCLReqControlMode{EVPresentActivePower: acR(5000)}
	dyn := &ac.DynamicACCLReqControlMode{EVTargetEnergyRequest: acR(1000), EVMaximumChargePower: acR(11000)}
	bptDyn := &ac.BPTDynamicACCLReqControlMode{EVTargetEnergyRequest: acR(1000), EVMaximumChargePower: acR(11000),
		EVMaximumDischargePower: acR(7400)}
	loops := []*ac.ACChargeLoopReq{
		{ScheduledACCLReqControlMode: sched}, {BPTScheduledACCLReqControlMode: bptSched},
		{DynamicACCLReqControlMode: dyn}, {BPTDynamicACCLReqControlMode: bptDyn},
	}
	pairs := []session.ServicePair{
		{ServiceID: ServiceAC, ParameterSetID: ParameterSetScheduled},
		{ServiceID: ServiceACBPT, ParameterSetID: ParameterSetScheduled},
		{ServiceID: ServiceAC, ParameterSetID: ParameterSetDynamic},
		{ServiceID: ServiceACBPT, ParameterSetID: ParameterSetDynamic},
	}
	for i, p := range pairs {
		for j, loop := range loops {
			e := acToLoop(t, p.ServiceID, p.ParameterSetID)
			m := *loop
			m.Header.SessionID = e.SessionID()
			pt, b := encode(t, &m)
			r, err := e.HandleMessage(t0, pt, b)
			if err != nil {
				t.Fatal(err)
			}
			res := decodeRes(t, session.PhaseAC, r).(*ac.ACChargeLoopRes)
			if i == j {
				if res.ResponseCode != ac.ResponseCodeOK || r.Close {
					t.Errorf("%+v, loop %d in kind: %v close %v", p, j, res.ResponseCode, r.Close)
				}
				continue
			}
			if res.ResponseCode != ac.ResponseCodeFAILED || !r.Close || !errors.Is(r.Reason, ErrFailed) {
				t.Errorf("%+v, loop %d out of kind: %v close %v reason %v", p, j, res.ResponseCode, r.Close, r.Reason)
			}
		}
	}
}

// TestACDynamicTarget checks the SECC's EVSETargetActivePower against
// the limits both sides communicated.
func TestACDynamicTarget(t *testing.T) {
	l := NewSimACLimits() // 22 kW charge, 11 kW discharge
	for _, tc := range []struct {
		name string
		bpt  bool
		ev   evRequest
		want float64
	}{
		{"charge at the EV's max", false, evRequest{5000, 11000, 1400, 0, 0}, 11000},
		{"charge at the EVSE's max", false, evRequest{5000, 30000, 1400, 0, 0}, 22000},
		{"EV max below the EVSE's min", false, evRequest{5000, 1000, 500, 0, 0}, 0},
		{"nothing requested", false, evRequest{0, 11000, 1400, 0, 0}, 0},
		{"no discharge without BPT", false, evRequest{-500, 11000, 1400, 7400, 1400}, 0},
		{"discharge at the EV's max", true, evRequest{-500, 11000, 1400, 7400, 1400}, -7400},
		{"discharge at the EVSE's max", true, evRequest{-500, 11000, 1400, 15000, 1400}, -11000},
		{"EVSE discharge max below the EV's min", true, evRequest{-500, 11000, 1400, 15000, 12000}, 0},
		{"BPT charge", true, evRequest{500, 11000, 1400, 7400, 1400}, 11000},
	} {
		if got := dynamicACTarget(l, tc.bpt, tc.ev); got != tc.want {
			t.Errorf("%s: %v W, want %v W", tc.name, got, tc.want)
		}
	}
	e := acToLoop(t, ServiceACBPT, ParameterSetDynamic)
	res := acSend(t, e, &ac.ACChargeLoopReq{BPTDynamicACCLReqControlMode: &ac.BPTDynamicACCLReqControlMode{
		EVTargetEnergyRequest: acR(-300), EVMaximumChargePower: acR(11000), EVMaximumDischargePower: acR(7400),
	}}).(*ac.ACChargeLoopRes)
	d := res.BPTDynamicACCLResControlMode
	if d == nil || acFl(d.EVSETargetActivePower) != -7400 || acFlp(d.EVSEPresentActivePower, 1) != -7400 {
		t.Errorf("BPT dynamic loop res %+v", d)
	}
}

// TestDCMessageInACSession: a DC request in an AC session is answered
// FAILED_SequenceError and ends the session; so is an AC request in a DC
// session.
func TestDCMessageInACSession(t *testing.T) {
	e := acEngine(t)
	acSend(t, e, acPrefix()...)
	pt, b := encode(t, &dc.DCCableCheckReq{Header: dc.MessageHeader{SessionID: e.SessionID()}})
	r, err := e.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	res, ok := decodeRes(t, session.PhaseDC, r).(*dc.DCCableCheckRes)
	if !ok || res.ResponseCode != dc.ResponseCodeFAILEDSequenceError || !r.Close || !errors.Is(r.Reason, ErrSequence) {
		t.Fatalf("got %+v close %v reason %v", res, r.Close, r.Reason)
	}

	d := newEngine(t, nil)
	sap(t, d, t0)
	pt, b = encode(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV1"})
	if _, err := d.HandleMessage(t0, pt, b); err != nil {
		t.Fatal(err)
	}
	pt, b = encode(t, &ac.ACChargeLoopReq{Header: ac.MessageHeader{SessionID: d.SessionID()},
		ScheduledACCLReqControlMode: &ac.ScheduledACCLReqControlMode{}})
	r, err = d.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	ares, ok := decodeRes(t, session.PhaseAC, r).(*ac.ACChargeLoopRes)
	if !ok || ares.ResponseCode != ac.ResponseCodeFAILEDSequenceError || !r.Close {
		t.Fatalf("got %+v close %v", ares, r.Close)
	}
}

// dcOnly is an EVSE without the AC methods.
type dcOnly struct{ EVSE }

func TestACNeedsACEVSE(t *testing.T) {
	if _, err := New(Config{EVSE: dcOnly{NewSimEVSE()}, Services: []uint16{ServiceDC, ServiceAC}}); err == nil {
		t.Error("AC service accepted with a DC-only EVSE")
	}
	if _, err := New(Config{EVSE: dcOnly{NewSimEVSE()}}); err != nil {
		t.Errorf("DC with a DC-only EVSE: %v", err)
	}
}

// TestSAPNamespaces: the SECC takes the EV's best namespace among those
// its services need.
func TestSAPNamespaces(t *testing.T) {
	offer := []apphand.AppProtocol{
		{ProtocolNamespace: "urn:iso:15118:2:2013:MsgDef", VersionNumberMajor: 2, SchemaID: 1, Priority: 1},
		{ProtocolNamespace: session.NamespaceDC, VersionNumberMajor: 1, SchemaID: 2, Priority: 3},
		{ProtocolNamespace: session.NamespaceAC, VersionNumberMajor: 1, SchemaID: 3, Priority: 2},
	}
	for _, tc := range []struct {
		services []uint16
		want     uint8 // 0: Failed_NoNegotiation
	}{
		{[]uint16{ServiceDC, ServiceAC}, 3},
		{[]uint16{ServiceDCBPT}, 2},
		{[]uint16{ServiceACBPT}, 3},
	} {
		e, err := New(Config{EVSE: NewSimEVSE(), Services: tc.services})
		if err != nil {
			t.Fatal(err)
		}
		pt, b := encode(t, &apphand.SupportedAppProtocolReq{AppProtocol: offer})
		r, err := e.HandleMessage(t0, pt, b)
		if err != nil {
			t.Fatal(err)
		}
		res := decodeRes(t, session.PhaseSAP, r).(*apphand.SupportedAppProtocolRes)
		if res.SchemaID == nil || *res.SchemaID != tc.want {
			t.Errorf("services %v: %+v, want SchemaID %d", tc.services, res, tc.want)
		}
	}
	e, _ := New(Config{EVSE: NewSimEVSE(), Services: []uint16{ServiceAC}})
	pt, b := encode(t, &apphand.SupportedAppProtocolReq{AppProtocol: offer[:2]})
	r, err := e.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	res := decodeRes(t, session.PhaseSAP, r).(*apphand.SupportedAppProtocolRes)
	if res.ResponseCode != apphand.ResponseCodeFailedNoNegotiation || res.SchemaID != nil || !r.Close {
		t.Errorf("AC-only SECC, DC offer: %+v", res)
	}
}

// answerPhase is the phase to decode an answer in: an AC or DC request in
// a session of the other set is refused in the set of the request.
func answerPhase(session0 session.Phase, pt v2gtp.PayloadType) session.Phase {
	switch pt {
	case v2gtp.ACMainstream:
		return session.PhaseAC
	case v2gtp.DCMainstream:
		return session.PhaseDC
	}
	return session0
}

// FuzzHandleMessageAC feeds arbitrary payloads to an engine in an AC
// session: it must answer, refuse or close, never panic, and every answer
// must decode.
func FuzzHandleMessageAC(f *testing.F) {
	id := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, m := range []struct {
		pt v2gtp.PayloadType
		m  exi.Message
	}{
		{v2gtp.Mainstream, &iso20.AuthorizationSetupReq{Header: iso20.MessageHeader{SessionID: id}}},
		{v2gtp.ACMainstream, &ac.ACChargeLoopReq{Header: ac.MessageHeader{SessionID: id},
			BPTDynamicACCLReqControlMode: &ac.BPTDynamicACCLReqControlMode{}}},
		{v2gtp.ACMainstream, &ac.ACChargeParameterDiscoveryReq{Header: ac.MessageHeader{SessionID: id},
			ACCPDReqEnergyTransferMode: &ac.ACCPDReqEnergyTransferMode{}}},
		{v2gtp.DCMainstream, &dc.DCCableCheckReq{Header: dc.MessageHeader{SessionID: id}}},
	} {
		f.Add(uint16(m.pt), must(f, m.m))
	}
	f.Fuzz(func(t *testing.T, pt uint16, b []byte) {
		e, err := New(Config{EVSE: NewSimEVSE(), Rand: bytes.NewReader(id),
			Services: []uint16{ServiceAC, ServiceACBPT}})
		if err != nil {
			t.Fatal(err)
		}
		e.Start(t0)
		sapReq := must(t, &apphand.SupportedAppProtocolReq{AppProtocol: []apphand.AppProtocol{
			{ProtocolNamespace: session.NamespaceAC, VersionNumberMajor: 1, SchemaID: 1, Priority: 1}}})
		setup := must(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV"})
		if _, err := e.HandleMessage(t0, v2gtp.SAP, sapReq); err != nil {
			t.Fatal(err)
		}
		if _, err := e.HandleMessage(t0, v2gtp.Mainstream, setup); err != nil {
			t.Fatal(err)
		}
		r, err := e.HandleMessage(t0, v2gtp.PayloadType(pt), b)
		if err != nil {
			if closed, _ := e.Closed(); !closed {
				t.Fatalf("error %v without closing", err)
			}
			return
		}
		if _, err := session.Dispatch(r.PayloadType, answerPhase(session.PhaseAC, r.PayloadType), r.Payload); err != nil {
			t.Fatalf("answer does not decode: %v", err)
		}
	})
}
