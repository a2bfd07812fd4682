package evcc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// legacySECC is a scripted DIN or -2 SECC.
type legacySECC struct {
	t     *testing.T
	e     *evcc.Engine
	phase session.Phase
	now   time.Time
}

func newLegacySECC(t *testing.T, ns string) (*legacySECC, *session.LegacyMessage) {
	t.Helper()
	e, err := evcc.New(evcc.Config{Vehicle: evcc.NewSimBattery(), AppProtocols: []string{ns}})
	if err != nil {
		t.Fatal(err)
	}
	s := &legacySECC{t: t, e: e, now: time.Unix(1795453144, 0)}
	s.phase, _ = session.LegacyPhaseOf(ns)
	req, err := e.Start(s.now)
	if err != nil {
		t.Fatal(err)
	}
	m, err := apphand.DecodeDocument(req.Payload, exi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := m.(*apphand.SupportedAppProtocolReq).AppProtocol
	if len(p) != 1 || p[0].ProtocolNamespace != ns || p[0].VersionNumberMajor != 2 || p[0].VersionNumberMinor != 0 {
		t.Fatalf("supportedAppProtocolReq %+v", p)
	}
	id := p[0].SchemaID
	b, _ := (&apphand.SupportedAppProtocolRes{ResponseCode: apphand.ResponseCodeOKSuccessfulNegotiation, SchemaID: &id}).AppendEXI(nil, exi.Options{})
	r, err := e.HandleMessage(s.now, v2gtp.SAP, b)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.decode(r)
}

func (s *legacySECC) decode(r evcc.Request) *session.LegacyMessage {
	s.t.Helper()
	if r.Done || r.PayloadType != v2gtp.SAP {
		s.t.Fatalf("request %+v", r)
	}
	m, _, err := session.DecodeLegacy(s.phase, r.Payload)
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

// answer sends res and returns the engine's next request and error.
func (s *legacySECC) answer(res *session.LegacyMessage) (evcc.Request, error) {
	s.t.Helper()
	s.now = s.now.Add(10 * time.Millisecond)
	res.Response = true
	_, b, err := session.EncodeLegacy(s.phase, res)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.e.HandleMessage(s.now, v2gtp.SAP, b)
}

var seccID = []byte{9, 8, 7, 6, 5, 4, 3, 2}

func TestLegacyEVCCNewSessionID(t *testing.T) {
	for _, ns := range []string{session.NamespaceDIN, session.NamespaceISO2} {
		s, req := newLegacySECC(t, ns)
		if req.Kind != session.LMsgSessionSetup || len(req.SessionID) != 1 || req.SessionID[0] != 0 || len(req.EVCCID) != 6 {
			t.Errorf("%s: first request %v, SessionID %x, EVCCID %x", ns, req.Kind, req.SessionID, req.EVCCID)
		}
		if d, ok := s.e.Deadline(); !ok || d.Sub(s.now) != 2*time.Second {
			t.Errorf("%s: SessionSetupRes deadline %v", ns, d.Sub(s.now))
		}
		if err := s.e.HandleTimeout(s.now.Add(2 * time.Second)); !errors.Is(err, evcc.ErrTimeout) {
			t.Errorf("%s: timeout: %v", ns, err)
		}
	}
}

func TestLegacyEVCCStopsOnFailed(t *testing.T) {
	s, _ := newLegacySECC(t, session.NamespaceDIN)
	r, err := s.answer(&session.LegacyMessage{Kind: session.LMsgSessionSetup, SessionID: seccID,
		Code: session.LCodeOKNewSessionEstablished})
	if err != nil || s.decode(r).Kind != session.LMsgServiceDiscovery {
		t.Fatalf("after SessionSetupRes: %v", err)
	}
	r, err = s.answer(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery, SessionID: seccID,
		Code: session.LCodeFAILED, External: true, Transfer: session.TransferDCExtended, ServiceID: 1})
	if !errors.Is(err, evcc.ErrFailed) || !r.Done {
		t.Fatalf("FAILED ServiceDiscoveryRes: %+v, %v", r, err)
	}
}

func TestLegacyEVCCWrongSessionID(t *testing.T) {
	s, _ := newLegacySECC(t, session.NamespaceISO2)
	if _, err := s.answer(&session.LegacyMessage{Kind: session.LMsgSessionSetup, SessionID: seccID,
		Code: session.LCodeOKNewSessionEstablished}); err != nil {
		t.Fatal(err)
	}
	r, err := s.answer(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery, SessionID: []byte{1},
		External: true, Transfer: session.TransferDCExtended, ServiceID: 1})
	if !errors.Is(err, evcc.ErrUnexpected) || !r.Done {
		t.Fatalf("ServiceDiscoveryRes of another session: %+v, %v", r, err)
	}
}

func TestLegacyEVCCRefusesZeroSessionID(t *testing.T) {
	s, _ := newLegacySECC(t, session.NamespaceISO2)
	r, err := s.answer(&session.LegacyMessage{Kind: session.LMsgSessionSetup, SessionID: make([]byte, 8),
		Code: session.LCodeOKNewSessionEstablished})
	if !errors.Is(err, evcc.ErrRefused) || !r.Done {
		t.Fatalf("SessionID zero: %+v, %v", r, err)
	}
}

// TestLegacyEVCCStopCharging: an EVSENotification StopCharging in
// CurrentDemandRes makes the EVCC stop with PowerDelivery(Stop), welding
// detection and SessionStop, a normal end.
func TestLegacyEVCCStopCharging(t *testing.T) {
	s, _ := newLegacySECC(t, session.NamespaceISO2)
	step := s.step
	step(&session.LegacyMessage{Kind: session.LMsgSessionSetup, Code: session.LCodeOKNewSessionEstablished}, session.LMsgServiceDiscovery)
	step(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery, External: true, Transfer: session.TransferDCExtended, ServiceID: 1},
		session.LMsgPaymentSelection)
	step(&session.LegacyMessage{Kind: session.LMsgPaymentSelection}, session.LMsgAuthorization)
	cpd := step(&session.LegacyMessage{Kind: session.LMsgAuthorization}, session.LMsgChargeParameterDiscovery)
	if cpd.EVMaxV != 450 || cpd.EVMaxI != 80 || cpd.Transfer != session.TransferDCExtended {
		t.Errorf("ChargeParameterDiscoveryReq %+v", cpd)
	}
	step(&session.LegacyMessage{Kind: session.LMsgChargeParameterDiscovery, EVSEMaxV: 500, EVSEMaxI: 50, EVSEMaxP: 20000},
		session.LMsgCableCheck)
	pre := step(&session.LegacyMessage{Kind: session.LMsgCableCheck}, session.LMsgPreCharge)
	// Pre-charge goes on until the EVSE's voltage is within 20 V.
	step(&session.LegacyMessage{Kind: session.LMsgPreCharge, PresentV: pre.TargetV - 50}, session.LMsgPreCharge)
	pd := step(&session.LegacyMessage{Kind: session.LMsgPreCharge, PresentV: pre.TargetV - 5}, session.LMsgPowerDelivery)
	if !pd.Start {
		t.Fatal("PowerDeliveryReq is not Start")
	}
	cd := step(&session.LegacyMessage{Kind: session.LMsgPowerDelivery}, session.LMsgCurrentDemand)
	if cd.TargetI > 50 {
		t.Errorf("target current %g A above the EVSE's 50 A", cd.TargetI)
	}
	if d, _ := s.e.Deadline(); d.Sub(s.now) != 250*time.Millisecond {
		t.Errorf("CurrentDemandRes timeout %v, want 250 ms", d.Sub(s.now))
	}
	stop := step(&session.LegacyMessage{Kind: session.LMsgCurrentDemand, PresentV: 356, PresentI: 40, StopNotify: true},
		session.LMsgPowerDelivery)
	if stop.Start {
		t.Fatal("PowerDeliveryReq after StopCharging is Start")
	}
	step(&session.LegacyMessage{Kind: session.LMsgPowerDelivery}, session.LMsgWeldingDetection)
	if m := step(&session.LegacyMessage{Kind: session.LMsgWeldingDetection}, session.LMsgSessionStop); !m.Terminate {
		t.Error("SessionStopReq is not Terminate")
	}
	r, err := s.answer(&session.LegacyMessage{Kind: session.LMsgSessionStop, SessionID: seccID})
	if err != nil || !r.Done || r.Reason != nil {
		t.Fatalf("after SessionStopRes: %+v, %v", r, err)
	}
}

// step answers with res (in the SECC's session) and checks that the
// engine's next request is of kind want.
func (s *legacySECC) step(res *session.LegacyMessage, want session.LegacyMsg) *session.LegacyMessage {
	s.t.Helper()
	res.SessionID = seccID
	r, err := s.answer(res)
	if err != nil {
		s.t.Fatalf("after %vRes: %v", res.Kind, err)
	}
	m := s.decode(r)
	if m.Kind != want {
		s.t.Fatalf("after %vRes: %v, want %v", res.Kind, m.Kind, want)
	}
	return m
}

// TestLegacyEVCCStopsOnEVSEViolation: a CurrentDemandRes with a present
// current above the vehicle's limit makes the EVCC stop in order and end
// with ErrEVSEViolation.
func TestLegacyEVCCStopsOnEVSEViolation(t *testing.T) {
	s, _ := newLegacySECC(t, session.NamespaceDIN)
	s.step(&session.LegacyMessage{Kind: session.LMsgSessionSetup, Code: session.LCodeOKNewSessionEstablished}, session.LMsgServiceDiscovery)
	s.step(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery, External: true, Transfer: session.TransferDCExtended, ServiceID: 1},
		session.LMsgPaymentSelection)
	s.step(&session.LegacyMessage{Kind: session.LMsgPaymentSelection}, session.LMsgAuthorization)
	s.step(&session.LegacyMessage{Kind: session.LMsgAuthorization}, session.LMsgChargeParameterDiscovery)
	s.step(&session.LegacyMessage{Kind: session.LMsgChargeParameterDiscovery, EVSEMaxV: 500, EVSEMaxI: 200, EVSEMaxP: 90000},
		session.LMsgCableCheck)
	pre := s.step(&session.LegacyMessage{Kind: session.LMsgCableCheck}, session.LMsgPreCharge)
	s.step(&session.LegacyMessage{Kind: session.LMsgPreCharge, PresentV: pre.TargetV}, session.LMsgPowerDelivery)
	s.step(&session.LegacyMessage{Kind: session.LMsgPowerDelivery}, session.LMsgCurrentDemand)
	// The vehicle allows 80 A.
	if m := s.step(&session.LegacyMessage{Kind: session.LMsgCurrentDemand, PresentV: pre.TargetV, PresentI: 150},
		session.LMsgPowerDelivery); m.Start {
		t.Fatal("PowerDeliveryReq after the violation is Start")
	}
	s.step(&session.LegacyMessage{Kind: session.LMsgPowerDelivery}, session.LMsgWeldingDetection)
	s.step(&session.LegacyMessage{Kind: session.LMsgWeldingDetection}, session.LMsgSessionStop)
	r, err := s.answer(&session.LegacyMessage{Kind: session.LMsgSessionStop, SessionID: seccID})
	if err != nil || !r.Done || !errors.Is(r.Reason, evcc.ErrEVSEViolation) {
		t.Fatalf("after SessionStopRes: %+v, %v; want ErrEVSEViolation", r, err)
	}
}
