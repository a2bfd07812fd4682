package secc

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// legacyPeer is a scripted DIN or -2 EVCC.
type legacyPeer struct {
	t     *testing.T
	e     *Engine
	evse  *powerLog
	phase session.Phase
	now   time.Time
	id    []byte
}

func newLegacyPeer(t *testing.T, ns string) *legacyPeer {
	t.Helper()
	evse := &powerLog{SimEVSE: NewSimEVSE()}
	evse.CableCheckRounds = 0
	e, err := New(Config{EVSE: evse, Protocols: []string{ns}})
	if err != nil {
		t.Fatal(err)
	}
	p := &legacyPeer{t: t, e: e, evse: evse, now: time.Unix(1795453144, 0)}
	p.phase, _ = session.LegacyPhaseOf(ns)
	req := &apphand.SupportedAppProtocolReq{AppProtocol: []apphand.AppProtocol{{
		ProtocolNamespace: ns, VersionNumberMajor: 2, SchemaID: 7, Priority: 1,
	}}}
	b, err := req.AppendEXI(nil, exi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(p.now)
	r, err := e.HandleMessage(p.now, v2gtp.SAP, b)
	if err != nil || r.Close {
		t.Fatalf("supportedAppProtocol: %v, close %v", err, r.Close)
	}
	res, err := apphand.DecodeDocument(r.Payload, exi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.(*apphand.SupportedAppProtocolRes); s.SchemaID == nil || *s.SchemaID != 7 ||
		s.ResponseCode != apphand.ResponseCodeOKSuccessfulNegotiation {
		t.Fatalf("supportedAppProtocolRes %+v", s)
	}
	return p
}

// send sends request m with the peer's SessionID (or id when not nil)
// and returns the decoded response and the engine's Response.
func (p *legacyPeer) send(m *session.LegacyMessage, id []byte) (*session.LegacyMessage, Response) {
	p.t.Helper()
	p.now = p.now.Add(100 * time.Millisecond)
	m.SessionID = p.id
	if id != nil {
		m.SessionID = id
	}
	_, b, err := session.EncodeLegacy(p.phase, m)
	if err != nil {
		p.t.Fatal(err)
	}
	r, err := p.e.HandleMessage(p.now, v2gtp.SAP, b)
	if err != nil {
		p.t.Fatalf("%v: %v", m.Kind, err)
	}
	res, _, err := session.DecodeLegacy(p.phase, r.Payload)
	if err != nil {
		p.t.Fatalf("%vRes: %v", m.Kind, err)
	}
	if !res.Response || res.Kind != m.Kind {
		p.t.Fatalf("answer to %v is %v (response %v)", m.Kind, res.Kind, res.Response)
	}
	return res, r
}

func (p *legacyPeer) ok(m *session.LegacyMessage) *session.LegacyMessage {
	p.t.Helper()
	res, r := p.send(m, nil)
	if res.Code.Failed() || r.Close {
		p.t.Fatalf("%v answered %v, close %v (%v)", m.Kind, res.Code, r.Close, r.Reason)
	}
	return res
}

// setup runs SessionSetup with the new-session SessionID zero.
func (p *legacyPeer) setup(zero []byte) {
	p.t.Helper()
	res, _ := p.send(&session.LegacyMessage{Kind: session.LMsgSessionSetup, EVCCID: []byte{2, 0, 0, 0, 0x15, 1}}, zero)
	if res.Code != session.LCodeOKNewSessionEstablished || len(res.SessionID) != 8 ||
		bytes.Equal(res.SessionID, make([]byte, 8)) {
		p.p("SessionSetup", res)
	}
	p.id = res.SessionID
}

func (p *legacyPeer) p(what string, res *session.LegacyMessage) {
	p.t.Helper()
	p.t.Fatalf("%s: code %v, SessionID %x", what, res.Code, res.SessionID)
}

// toPreCharge runs the session up to and including PreCharge.
func (p *legacyPeer) toPreCharge() {
	p.t.Helper()
	p.setup([]byte{0})
	p.ok(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery})
	p.ok(&session.LegacyMessage{Kind: session.LMsgPaymentSelection, External: true, Services: []uint16{1}})
	p.ok(&session.LegacyMessage{Kind: session.LMsgAuthorization})
	p.ok(&session.LegacyMessage{Kind: session.LMsgChargeParameterDiscovery, Transfer: session.TransferDCExtended,
		EVMaxV: 450, EVMaxI: 80, SOC: 20})
	p.ok(&session.LegacyMessage{Kind: session.LMsgCableCheck})
	p.ok(&session.LegacyMessage{Kind: session.LMsgPreCharge, TargetV: 360, TargetI: 1})
}

// expectFail checks a FAILED answer that ends the session with the power
// switched off.
func (p *legacyPeer) expectFail(m *session.LegacyMessage, id []byte, code session.LegacyCode, reason error) {
	p.t.Helper()
	res, r := p.send(m, id)
	if res.Code != code || !r.Close || !errors.Is(r.Reason, reason) {
		p.t.Fatalf("%v answered %v, close %v, reason %v; want %v, close, %v", m.Kind, res.Code, r.Close, r.Reason, code, reason)
	}
	if closed, err := p.e.Closed(); !closed || !errors.Is(err, reason) {
		p.t.Fatalf("Closed() = %v, %v", closed, err)
	}
	if p.id != nil && !p.evse.off() {
		p.t.Fatalf("power commands %v: output not switched off at the abnormal end", p.evse.calls)
	}
}

func TestLegacySequenceError(t *testing.T) {
	for _, ns := range []string{session.NamespaceDIN, session.NamespaceISO2} {
		t.Run(session.LegacyName(mustPhase(ns)), func(t *testing.T) {
			p := newLegacyPeer(t, ns)
			p.setup([]byte{0})
			// CableCheck straight after SessionSetup.
			p.expectFail(&session.LegacyMessage{Kind: session.LMsgCableCheck}, nil,
				session.LCodeFAILEDSequenceError, ErrSequence)
		})
	}
}

func TestLegacySequenceErrorWhilePowered(t *testing.T) {
	for _, ns := range []string{session.NamespaceDIN, session.NamespaceISO2} {
		t.Run(session.LegacyName(mustPhase(ns)), func(t *testing.T) {
			p := newLegacyPeer(t, ns)
			p.toPreCharge()
			p.ok(&session.LegacyMessage{Kind: session.LMsgPowerDelivery, Start: true})
			p.ok(&session.LegacyMessage{Kind: session.LMsgCurrentDemand, TargetV: 380, TargetI: 50})
			if p.evse.off() {
				t.Fatal("output off in the charge loop")
			}
			p.expectFail(&session.LegacyMessage{Kind: session.LMsgCableCheck}, nil,
				session.LCodeFAILEDSequenceError, ErrSequence)
		})
	}
}

func TestLegacyUnknownSession(t *testing.T) {
	for _, ns := range []string{session.NamespaceDIN, session.NamespaceISO2} {
		t.Run(session.LegacyName(mustPhase(ns)), func(t *testing.T) {
			p := newLegacyPeer(t, ns)
			p.setup(make([]byte, 8))
			other := bytes.Clone(p.id)
			other[0] ^= 0xff
			p.expectFail(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery}, other,
				session.LCodeFAILEDUnknownSession, ErrUnknownSession)
		})
	}
}

func TestLegacyPowerDeliveryBeforePreCharge(t *testing.T) {
	p := newLegacyPeer(t, session.NamespaceISO2)
	p.setup([]byte{0})
	p.ok(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery})
	p.ok(&session.LegacyMessage{Kind: session.LMsgPaymentSelection, External: true, Services: []uint16{1}})
	p.ok(&session.LegacyMessage{Kind: session.LMsgAuthorization})
	p.expectFail(&session.LegacyMessage{Kind: session.LMsgPowerDelivery, Start: true}, nil,
		session.LCodeFAILEDSequenceError, ErrSequence)
	for _, on := range p.evse.calls {
		if on {
			t.Fatal("output switched on without cable check and pre-charge")
		}
	}
}

func TestLegacySequenceTimeoutPowersOff(t *testing.T) {
	p := newLegacyPeer(t, session.NamespaceDIN)
	p.toPreCharge()
	p.ok(&session.LegacyMessage{Kind: session.LMsgPowerDelivery, Start: true})
	p.ok(&session.LegacyMessage{Kind: session.LMsgCurrentDemand, TargetV: 380, TargetI: 50})
	if err := p.e.HandleTimeout(p.now.Add(59 * time.Second)); err != nil {
		t.Fatalf("timeout before 60 s: %v", err)
	}
	if err := p.e.HandleTimeout(p.now.Add(60 * time.Second)); !errors.Is(err, ErrSequenceTimeout) {
		t.Fatalf("HandleTimeout after 60 s: %v, want ErrSequenceTimeout", err)
	}
	if !p.evse.off() {
		t.Fatalf("power commands %v: output not switched off at the timeout", p.evse.calls)
	}
}

func TestLegacyCableCheckFault(t *testing.T) {
	p := newLegacyPeer(t, session.NamespaceISO2)
	p.setup([]byte{0})
	p.ok(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery})
	p.ok(&session.LegacyMessage{Kind: session.LMsgPaymentSelection, External: true, Services: []uint16{1}})
	p.ok(&session.LegacyMessage{Kind: session.LMsgAuthorization})
	p.ok(&session.LegacyMessage{Kind: session.LMsgChargeParameterDiscovery, Transfer: session.TransferDCExtended,
		EVMaxV: 450, EVMaxI: 80})
	p.evse.CableCheckRounds = 100
	res := p.ok(&session.LegacyMessage{Kind: session.LMsgCableCheck})
	if !res.Ongoing {
		t.Fatal("CableCheckRes not Ongoing while the insulation test runs")
	}
	// The insulation test may take 38 s; a later request gets FAILED.
	p.now = p.now.Add(39 * time.Second)
	p.expectFail(&session.LegacyMessage{Kind: session.LMsgCableCheck}, nil, session.LCodeFAILED, ErrFailed)
}

func TestLegacyNoMinus20WithoutTLS(t *testing.T) {
	e, err := New(Config{EVSE: NewSimEVSE(), PlainTCP: true,
		Protocols: []string{session.NamespaceDC, session.NamespaceISO2}})
	if err != nil {
		t.Fatal(err)
	}
	req := &apphand.SupportedAppProtocolReq{AppProtocol: []apphand.AppProtocol{
		{ProtocolNamespace: session.NamespaceDC, VersionNumberMajor: 1, SchemaID: 1, Priority: 1},
	}}
	b, _ := req.AppendEXI(nil, exi.Options{})
	r, err := e.HandleMessage(time.Unix(0, 0), v2gtp.SAP, b)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Close || !errors.Is(r.Reason, ErrNoNegotiation) {
		t.Fatalf("-20 on plain TCP: close %v, reason %v", r.Close, r.Reason)
	}
}

func mustPhase(ns string) session.Phase {
	p, _ := session.LegacyPhaseOf(ns)
	return p
}

func TestLegacyAuthorization(t *testing.T) {
	toAuth := func(t *testing.T) *legacyPeer {
		p := newLegacyPeer(t, session.NamespaceDIN)
		p.setup([]byte{0})
		p.ok(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery})
		p.ok(&session.LegacyMessage{Kind: session.LMsgPaymentSelection, External: true, Services: []uint16{1}})
		return p
	}
	t.Run("OngoingBudget", func(t *testing.T) {
		p := toAuth(t)
		p.evse.AuthorizeRounds = 1000
		for range 3 {
			if res := p.ok(&session.LegacyMessage{Kind: session.LMsgAuthorization}); !res.Ongoing {
				t.Fatal("ContractAuthenticationRes not Ongoing while the decision is pending")
			}
			p.now = p.now.Add(20 * time.Second)
		}
		// 60 s after the first Ongoing answer: beyond the SECC's 55 s.
		p.expectFail(&session.LegacyMessage{Kind: session.LMsgAuthorization}, nil, session.LCodeFAILED, ErrFailed)
	})
	t.Run("Rejected", func(t *testing.T) {
		p := toAuth(t)
		p.evse.RejectEIM = true
		p.expectFail(&session.LegacyMessage{Kind: session.LMsgAuthorization}, nil, session.LCodeFAILED, ErrFailed)
	})
	t.Run("NoExternalPayment", func(t *testing.T) {
		p := newLegacyPeer(t, session.NamespaceISO2)
		p.setup([]byte{0})
		p.ok(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery})
		p.expectFail(&session.LegacyMessage{Kind: session.LMsgPaymentSelection, Services: []uint16{1}}, nil,
			session.LCodeFAILEDPaymentSelection, ErrFailed)
	})
}

func TestLegacyServiceDetail(t *testing.T) {
	p := newLegacyPeer(t, session.NamespaceISO2)
	p.setup([]byte{0})
	p.ok(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery})
	p.expectFail(&session.LegacyMessage{Kind: session.LMsgServiceDetail, ServiceID: 1}, nil,
		session.LCodeFAILEDServiceIDInvalid, ErrFailed)
	// DIN has no ServiceDetail.
	d := newLegacyPeer(t, session.NamespaceDIN)
	d.setup([]byte{0})
	d.ok(&session.LegacyMessage{Kind: session.LMsgServiceDiscovery})
	_, b, err := session.EncodeLegacy(session.PhaseISO2, &session.LegacyMessage{Kind: session.LMsgServiceDetail, SessionID: d.id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.e.HandleMessage(d.now, v2gtp.SAP, b); err == nil {
		t.Error("a -2 ServiceDetailReq in a DIN session is accepted")
	}
	if closed, _ := d.e.Closed(); !closed || !d.evse.off() {
		t.Errorf("closed %v, power commands %v", closed, d.evse.calls)
	}
}
