package secc

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// powerLog is a SimEVSE that records every SetPower command.
type powerLog struct {
	*SimEVSE
	calls []bool
}

func (p *powerLog) SetPower(now time.Time, on bool) error {
	p.calls = append(p.calls, on)
	return p.SimEVSE.SetPower(now, on)
}

// off reports whether the last power command was "off".
func (p *powerLog) off() bool { return len(p.calls) > 0 && !p.calls[len(p.calls)-1] }

func r(v int16, e int8) dc.RationalNumber { return dc.RationalNumber{Exponent: e, Value: v} }

// step is one request of a scripted DC_BPT Scheduled EVCC, with what the
// SECC admits after answering it: the requests of protocol facts §5.3,
// written out here by hand rather than taken from session.Expected.
type step struct {
	name  string
	req   func() exi.Message
	after []session.Message
}

func dcBPTScript() []step {
	const (
		asetup  = session.MsgAuthorizationSetup
		auth    = session.MsgAuthorization
		disc    = session.MsgServiceDiscovery
		detail  = session.MsgServiceDetail
		sel     = session.MsgServiceSelection
		cpd     = session.MsgDCChargeParameterDiscovery
		sched   = session.MsgScheduleExchange
		cable   = session.MsgDCCableCheck
		pre     = session.MsgDCPreCharge
		pd      = session.MsgPowerDelivery
		loop    = session.MsgDCChargeLoop
		weld    = session.MsgDCWeldingDetection
		stop    = session.MsgSessionStop
		meterOK = session.MsgMeteringConfirmation
	)
	charge := iso20.ChannelSelectionCharge
	return []step{
		{"SessionSetup", func() exi.Message { return &iso20.SessionSetupReq{EVCCID: "EV1"} },
			[]session.Message{asetup}},
		{"AuthorizationSetup", func() exi.Message { return &iso20.AuthorizationSetupReq{} },
			[]session.Message{auth, stop}},
		{"Authorization", func() exi.Message {
			return &iso20.AuthorizationReq{SelectedAuthorizationService: iso20.AuthorizationEIM,
				EIMAReqAuthorizationMode: &iso20.EIMAReqAuthorizationMode{}}
		}, []session.Message{disc, stop}},
		{"ServiceDiscovery", func() exi.Message { return &iso20.ServiceDiscoveryReq{} },
			[]session.Message{detail, stop}},
		{"ServiceDetail", func() exi.Message { return &iso20.ServiceDetailReq{ServiceID: ServiceDCBPT} },
			[]session.Message{detail, sel, stop}},
		{"ServiceSelection", func() exi.Message {
			return &iso20.ServiceSelectionReq{SelectedEnergyTransferService: iso20.SelectedService{
				ServiceID: ServiceDCBPT, ParameterSetID: ParameterSetScheduled}}
		}, []session.Message{cpd, stop}},
		{"DC_ChargeParameterDiscovery", func() exi.Message {
			return &dc.DCChargeParameterDiscoveryReq{BPTDCCPDReqEnergyTransferMode: &dc.BPTDCCPDReqEnergyTransferMode{
				EVMaximumChargePower: r(30, 3), EVMinimumChargePower: r(100, 0),
				EVMaximumChargeCurrent: r(80, 0), EVMinimumChargeCurrent: r(1, 0),
				EVMaximumVoltage: r(450, 0), EVMinimumVoltage: r(300, 0),
				EVMaximumDischargePower: r(10, 3), EVMinimumDischargePower: r(100, 0),
				EVMaximumDischargeCurrent: r(20, 0), EVMinimumDischargeCurrent: r(0, 0),
			}}
		}, []session.Message{sched, stop}},
		{"ScheduleExchange", func() exi.Message {
			return &iso20.ScheduleExchangeReq{MaximumSupportingPoints: 12,
				ScheduledSEReqControlMode: &iso20.ScheduledSEReqControlMode{}}
		}, []session.Message{cable, pd, stop}},
		// SimEVSE answers the first cable check Ongoing.
		{"DC_CableCheck (Ongoing)", func() exi.Message { return &dc.DCCableCheckReq{} },
			[]session.Message{cable, stop}},
		{"DC_CableCheck (Finished)", func() exi.Message { return &dc.DCCableCheckReq{} },
			[]session.Message{pre}},
		{"DC_PreCharge", func() exi.Message {
			return &dc.DCPreChargeReq{EVProcessing: dc.ProcessingFinished,
				EVPresentVoltage: r(380, 0), EVTargetVoltage: r(380, 0)}
		}, []session.Message{pre, pd}},
		{"PowerDelivery (Start)", func() exi.Message {
			return &iso20.PowerDeliveryReq{EVProcessing: iso20.ProcessingFinished, ChargeProgress: iso20.ChargeProgressStart,
				BPTChannelSelection: &charge,
				EVPowerProfile: &iso20.EVPowerProfile{TimeAnchor: 1,
					ScheduledEVPPTControlMode: &iso20.ScheduledEVPPTControlMode{SelectedScheduleTupleID: 1},
					EVPowerProfileEntries: iso20.EVPowerProfileEntryList{EVPowerProfileEntry: []iso20.PowerScheduleEntry{
						{Duration: 3600, Power: iso20.RationalNumber{Exponent: 3, Value: 10}}}}}}
		}, []session.Message{loop, pd}},
		{"DC_ChargeLoop", func() exi.Message {
			return &dc.DCChargeLoopReq{EVPresentVoltage: r(380, 0),
				BPTScheduledDCCLReqControlMode: &dc.BPTScheduledDCCLReqControlMode{
					EVTargetCurrent: r(20, 0), EVTargetVoltage: r(380, 0)}}
		}, []session.Message{loop, pd, meterOK, stop}},
		{"PowerDelivery (Stop)", func() exi.Message {
			return &iso20.PowerDeliveryReq{EVProcessing: iso20.ProcessingFinished, ChargeProgress: iso20.ChargeProgressStop,
				BPTChannelSelection: &charge}
		}, []session.Message{weld, stop}},
		{"DC_WeldingDetection", func() exi.Message { return &dc.DCWeldingDetectionReq{EVProcessing: dc.ProcessingFinished} },
			[]session.Message{weld, stop}},
		{"SessionStop", func() exi.Message {
			return &iso20.SessionStopReq{ChargingSession: iso20.ChargingSessionTerminate}
		}, nil},
	}
}

// anyRequest returns a schema-valid request of kind k for the DC set.
func anyRequest(k session.Message, script []step) exi.Message {
	for _, s := range script {
		if m := s.req(); kindOf(m) == k {
			return m
		}
	}
	return nil
}

func kindOf(m exi.Message) session.Message { k, _ := session.Kind(m); return k }

// dcRequests are the request kinds of the -20 Common and DC sets that the
// script can build.
var dcRequests = []session.Message{
	session.MsgSessionSetup, session.MsgAuthorizationSetup, session.MsgAuthorization,
	session.MsgServiceDiscovery, session.MsgServiceDetail, session.MsgServiceSelection,
	session.MsgDCChargeParameterDiscovery, session.MsgScheduleExchange, session.MsgDCCableCheck,
	session.MsgDCPreCharge, session.MsgPowerDelivery, session.MsgDCChargeLoop,
	session.MsgDCWeldingDetection, session.MsgSessionStop,
}

// scripted is an SECC engine driven through the first n steps of script.
type scripted struct {
	t    *testing.T
	e    *Engine
	evse *powerLog
	now  time.Time
	id   []byte
}

func drive(t *testing.T, script []step, n int) *scripted {
	t.Helper()
	evse := &powerLog{SimEVSE: NewSimEVSE()}
	e, err := New(Config{EVSE: evse})
	if err != nil {
		t.Fatal(err)
	}
	e.Start(t0)
	sap(t, e, t0)
	s := &scripted{t: t, e: e, evse: evse, now: t0, id: make([]byte, session.SessionIDLen)}
	for i := range n {
		res, rr := s.send(script[i].req(), s.id)
		if rr.Close {
			t.Fatalf("step %s: session closed: %v", script[i].name, rr.Reason)
		}
		if c, _ := session.ResponseCode(res); session.ClassOf(c) != session.ClassOK {
			t.Fatalf("step %s answered %v", script[i].name, c)
		}
		if i == 0 {
			s.id = e.SessionID()
		}
	}
	return s
}

// send sends m with session ID id 100 ms after the previous input.
func (s *scripted) send(m exi.Message, id []byte) (exi.Message, Response) {
	s.t.Helper()
	s.now = s.now.Add(100 * time.Millisecond)
	session.SetHeader(m, id, uint64(s.now.Unix()))
	pt, b := encode(s.t, m)
	rr, err := s.e.HandleMessage(s.now, pt, b)
	if err != nil {
		s.t.Fatalf("%v: %v", kindOf(m), err)
	}
	return decodeRes(s.t, session.PhaseDC, rr), rr
}

func admits(after []session.Message, k session.Message) bool {
	for _, a := range after {
		if a == k {
			return true
		}
	}
	return false
}

// TestEveryOutOfOrderRequest sends, after every step of a DC_BPT session,
// every request kind the stage does not admit: each is answered with its
// own response type carrying FAILED_SequenceError, the session ends and
// the output is commanded off.
func TestEveryOutOfOrderRequest(t *testing.T) {
	script := dcBPTScript()
	cases := 0
	for i := 1; i < len(script); i++ {
		for _, k := range dcRequests {
			if admits(script[i-1].after, k) {
				continue
			}
			t.Run(fmt.Sprintf("after %s/%v", script[i-1].name, k), func(t *testing.T) {
				s := drive(t, script, i)
				res, rr := s.send(anyRequest(k, script), s.id)
				c, _ := session.ResponseCode(res)
				if kindOf(res) != k || c != iso20.ResponseCodeFAILEDSequenceError {
					t.Fatalf("answered %v with %v", kindOf(res), c)
				}
				if !rr.Close || !errors.Is(rr.Reason, ErrSequence) {
					t.Fatalf("close %v reason %v", rr.Close, rr.Reason)
				}
				if closed, _ := s.e.Closed(); !closed {
					t.Fatal("engine still open")
				}
				if !s.evse.off() {
					t.Fatalf("output not commanded off: %v", s.evse.calls)
				}
			})
			cases++
		}
	}
	// 15 stages × 14 kinds minus the 31 admitted pairs.
	if cases != 15*14-31 {
		t.Fatalf("%d cases", cases)
	}
}

// TestWrongSessionID sends each in-sequence request of the script with a
// session ID that is not the session's: FAILED_UnknownSession and close.
func TestWrongSessionID(t *testing.T) {
	script := dcBPTScript()
	for i := 1; i < len(script); i++ {
		t.Run(script[i].name, func(t *testing.T) {
			s := drive(t, script, i)
			wrong := append([]byte(nil), s.id...)
			wrong[0] ^= 0xff
			res, rr := s.send(script[i].req(), wrong)
			c, _ := session.ResponseCode(res)
			if kindOf(res) != kindOf(script[i].req()) || c != iso20.ResponseCodeFAILEDUnknownSession {
				t.Fatalf("answered %v with %v", kindOf(res), c)
			}
			if !rr.Close || !errors.Is(rr.Reason, ErrUnknownSession) || !s.evse.off() {
				t.Fatalf("close %v reason %v power %v", rr.Close, rr.Reason, s.evse.calls)
			}
		})
	}
}

// TestSequenceTimeouts checks V2G_SECC_Sequence_Timeout after every
// response of the script: 60 s, and 0.5 s after a charge-loop response
// (protocol facts §7.1); one nanosecond early nothing happens, at the
// deadline the session ends and the output is commanded off.
func TestSequenceTimeouts(t *testing.T) {
	script := dcBPTScript()
	for i := 1; i < len(script); i++ {
		want := 60 * time.Second
		if script[i-1].name == "DC_ChargeLoop" {
			want = 500 * time.Millisecond
		}
		t.Run(script[i-1].name, func(t *testing.T) {
			s := drive(t, script, i)
			d, ok := s.e.Deadline()
			if !ok || d.Sub(s.now) != want {
				t.Fatalf("deadline %v after the response (armed %v), want %v", d.Sub(s.now), ok, want)
			}
			if err := s.e.HandleTimeout(d.Add(-time.Nanosecond)); err != nil {
				t.Fatalf("early: %v", err)
			}
			if err := s.e.HandleTimeout(d); !errors.Is(err, ErrSequenceTimeout) {
				t.Fatalf("at the deadline: %v", err)
			}
			if !s.evse.off() {
				t.Fatalf("output not commanded off: %v", s.evse.calls)
			}
			// The next request finds the session over.
			pt, b := encode(t, script[i].req())
			if _, err := s.e.HandleMessage(d, pt, b); !errors.Is(err, ErrClosed) {
				t.Fatalf("request after the timeout: %v", err)
			}
		})
	}
}

// TestFailedMidLoop sends, in the charge loop of a Scheduled DC_BPT
// session, a charge-loop request of the Dynamic kind: the SECC answers
// FAILED, ends the session and switches the output off [V2G20-1600].
func TestFailedMidLoop(t *testing.T) {
	script := dcBPTScript()
	s := drive(t, script, 13) // in the loop
	if s.evse.off() {
		t.Fatal("power is off in the loop")
	}
	res, rr := s.send(&dc.DCChargeLoopReq{EVPresentVoltage: r(380, 0),
		BPTDynamicDCCLReqControlMode: &dc.BPTDynamicDCCLReqControlMode{
			EVTargetEnergyRequest: r(1, 3), EVMaximumEnergyRequest: r(2, 3), EVMinimumEnergyRequest: r(0, 0),
			EVMaximumChargePower: r(30, 3), EVMinimumChargePower: r(100, 0), EVMaximumChargeCurrent: r(80, 0),
			EVMaximumVoltage: r(450, 0), EVMinimumVoltage: r(300, 0), EVMaximumDischargePower: r(10, 3),
			EVMinimumDischargePower: r(100, 0), EVMaximumDischargeCurrent: r(20, 0),
		}}, s.id)
	c, _ := session.ResponseCode(res)
	if kindOf(res) != session.MsgDCChargeLoop || c != iso20.ResponseCodeFAILED {
		t.Fatalf("answered %v with %v", kindOf(res), c)
	}
	if !rr.Close || !errors.Is(rr.Reason, ErrFailed) || !s.evse.off() {
		t.Fatalf("close %v reason %v power %v", rr.Close, rr.Reason, s.evse.calls)
	}
}

// TestAbortSwitchesOff ends a session in the loop from outside (the
// connection was lost): the output is commanded off and the engine is
// closed with ErrAborted.
func TestAbortSwitchesOff(t *testing.T) {
	s := drive(t, dcBPTScript(), 13)
	s.e.Abort(s.now, nil)
	closed, err := s.e.Closed()
	if !closed || !errors.Is(err, ErrAborted) || !s.evse.off() {
		t.Fatalf("closed %v err %v power %v", closed, err, s.evse.calls)
	}
	if _, i := s.evse.Present(s.now); i != 0 {
		t.Fatalf("current %v A after abort", i)
	}
}

// TestNoDCPowerWithoutPreCharge sends PowerDelivery(Start) straight after
// ScheduleExchange in a DC session (the stage admits PowerDelivery for
// the stop and standby paths): the SECC refuses it and never switches the
// output on.
func TestNoDCPowerWithoutPreCharge(t *testing.T) {
	script := dcBPTScript()
	s := drive(t, script, 8)
	res, rr := s.send(anyRequest(session.MsgPowerDelivery, script), s.id)
	c, _ := session.ResponseCode(res)
	if !session.Failed(c) || !rr.Close {
		t.Fatalf("PowerDelivery(Start) before pre-charge answered %v (close %v)", c, rr.Close)
	}
	for _, on := range s.evse.calls {
		if on {
			t.Fatalf("output switched on: %v", s.evse.calls)
		}
	}
}

// TestStopFromLoopSwitchesOff ends a session with SessionStop(Terminate)
// from the charge loop, which the stage admits: the output is switched off
// although the session ended normally.
func TestStopFromLoopSwitchesOff(t *testing.T) {
	script := dcBPTScript()
	s := drive(t, script, 13)
	res, rr := s.send(anyRequest(session.MsgSessionStop, script), s.id)
	if c, _ := session.ResponseCode(res); c != iso20.ResponseCodeOK || !rr.Close || rr.Reason != nil {
		t.Fatalf("SessionStop answered %v, close %v, reason %v", c, rr.Close, rr.Reason)
	}
	if !s.evse.off() {
		t.Fatalf("output not switched off: %v", s.evse.calls)
	}
}
