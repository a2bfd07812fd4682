// Package evcc is the sans-I/O ISO 15118-20 EVCC (vehicle) engine. It
// produces request payloads, is fed the response payloads and the current
// time, and answers with the next request; a driver owns the connection
// and the clock.
//
// It drives the DC, DC_BPT, AC and AC_BPT paths with EIM authorization,
// Scheduled or Dynamic control mode, from supportedAppProtocol to
// SessionStop(Terminate). The message set (DC or AC) is the one the SECC
// chooses among the namespaces offered in supportedAppProtocol.
//
// After each charge-loop response the engine follows the SECC's
// EVSENotification (Terminate, Pause, ScheduleRenegotiation,
// ServiceRenegotiation, ExitStandby) or, without one, asks a Vehicle that
// implements Planner for an Action:
//
//   - Pause: PowerDelivery(Stop), welding detection, SessionStop(Pause);
//     Paused then returns the Resume to give NewResumed for the next
//     connection, whose SessionSetupReq carries the old SessionID. On
//     OK_OldSessionJoined the session goes on at ChargeParameterDiscovery
//     with the kept service (cable check and pre-charge again); on
//     OK_NewSessionEstablished the paused data is dropped and a new
//     session runs.
//   - ScheduleRenegotiation: PowerDelivery(ScheduleRenegotiation), then
//     ChargeParameterDiscovery and ScheduleExchange and straight to
//     PowerDelivery(Start): the cable stayed live, cable check and
//     pre-charge are not repeated.
//   - ServiceRenegotiation: PowerDelivery(Stop), welding detection,
//     SessionStop(ServiceRenegotiation) and a new service selection from
//     ServiceDiscovery, chosen by a Vehicle that implements Reselector.
//   - Standby: one charge loop at zero current, PowerDelivery(Standby),
//     charge loops at zero current until ExitStandby, which sends
//     PowerDelivery(Start).
//
// The same holds in AC, without welding detection, cable check and
// pre-charge. ScriptedVehicle wraps a Vehicle with such a plan by
// charge-loop number.
package evcc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// Energy-transfer service IDs the engine can select.
const (
	ServiceDC    uint16 = 2
	ServiceDCBPT uint16 = 6
)

// Errors that end a session; match them with errors.Is.
var (
	ErrMalformed    = errors.New("evcc: malformed response")
	ErrUnexpected   = errors.New("evcc: unexpected response")
	ErrFailed       = errors.New("evcc: SECC answered FAILED")
	ErrRefused      = errors.New("evcc: SECC refused")
	ErrTimeout      = errors.New("evcc: response timeout")
	ErrClosed       = errors.New("evcc: session is over")
	ErrNoService    = errors.New("evcc: no suitable service offered")
	ErrOngoingLimit = errors.New("evcc: ongoing budget exhausted")
)

// PreChargeTolerance is how close (in volts) the EVSE's present voltage
// must be to the target before the engine closes its contactors.
const PreChargeTolerance = 20

// Config configures an Engine. Vehicle is required.
type Config struct {
	// Vehicle is the integrator's vehicle; when AC may be negotiated it
	// must also implement ACVehicle.
	Vehicle Vehicle
	// BPT asks for DC_BPT (or AC_BPT) when offered (else DC or AC).
	BPT bool
	// Dynamic asks for the Dynamic control mode (else Scheduled).
	Dynamic bool
	// AC asks for AC: with AppProtocols nil the engine offers only the
	// -20 AC namespace instead of only the -20 DC one.
	AC bool
	// AppProtocols, when set, are the namespaces offered in
	// supportedAppProtocolReq (session.NamespaceDC, session.NamespaceAC,
	// session.NamespaceDIN, session.NamespaceISO2), best first: entry i
	// gets SchemaID and Priority i+1. The namespace the SECC chooses
	// decides between AC and DC services, or a DIN SPEC 70121 or
	// ISO 15118-2 DC EIM session.
	AppProtocols []string
	// Trace, when set, receives every message sent and received.
	Trace session.TraceFunc
	// PlainTCP tells the engine that its connection is not TLS: the -20
	// namespaces of AppProtocols are then not offered, only
	// session.NamespaceDIN and session.NamespaceISO2. The driver sets it.
	PlainTCP bool
}

// Request is a request of the engine: a V2GTP payload to send.
type Request struct {
	PayloadType v2gtp.PayloadType
	Payload     []byte
	// Done is set when the session is over and nothing is to be sent;
	// Reason says why (nil after a normal SessionStop).
	Done   bool
	Reason error
}

// Engine is one EVCC session. It is not safe for concurrent use.
type Engine struct {
	cfg      Config
	phase    session.Phase
	waiting  session.Message // response kind awaited
	closed   bool
	reason   error
	deadline time.Time
	ongoing  time.Time

	sessionID []byte
	service   uint16
	paramSet  uint16
	tupleID   uint32
	target    float64 // pre-charge target voltage
	stopping  bool    // PowerDelivery(Stop) sent
	abnormal  error   // why the engine stops the session itself, if it does
	loops     int
	evse      DCLimits // from DC_ChargeParameterDiscoveryRes
	evseKnown bool
	ac        acState
	lg        legacyEV

	evseID        string
	progress      iso20.ChargeProgress // of the last PowerDeliveryReq
	after         stopKind             // how the session stops after PowerDelivery(Stop)
	standby       bool
	rampDown      bool // zero-current loop before PowerDelivery(Standby)
	renegotiating bool // schedule renegotiation until PowerDelivery(Start)
	resume        *Resume
	resumed       bool
	paused        bool
}

// New returns an Engine; call Start for its first request.
func New(cfg Config) (*Engine, error) {
	if cfg.Vehicle == nil {
		return nil, errors.New("evcc: Config.Vehicle is nil")
	}
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	if err := checkLegacyConfig(&cfg); err != nil {
		return nil, err
	}
	cfg.AppProtocols = append([]string(nil), cfg.AppProtocols...)
	return &Engine{cfg: cfg}, nil
}

// SessionID returns the SessionID the SECC assigned, nil before.
func (e *Engine) SessionID() []byte { return bytes.Clone(e.sessionID) }

// ChargeLoops returns how many charge-loop responses the engine handled.
func (e *Engine) ChargeLoops() int { return e.loops }

// EVSELimits returns the EVSE's DC limits as received in
// DC_ChargeParameterDiscoveryRes (the discharge fields only for DC_BPT),
// and false before that response has arrived.
func (e *Engine) EVSELimits() (DCLimits, bool) { return e.evse, e.evseKnown }

// Closed reports whether the session is over, and why.
func (e *Engine) Closed() (bool, error) { return e.closed, e.reason }

// Deadline returns when the awaited response times out.
func (e *Engine) Deadline() (time.Time, bool) {
	return e.deadline, !e.closed && !e.deadline.IsZero()
}

// HandleTimeout ends the session when the deadline has passed and returns
// the reason; nil when it has not passed.
func (e *Engine) HandleTimeout(now time.Time) error {
	if e.closed || e.deadline.IsZero() || now.Before(e.deadline) {
		return nil
	}
	if e.phase.Legacy() {
		e.end(fmt.Errorf("%w waiting for %vRes", ErrTimeout, e.lg.waiting))
		return e.reason
	}
	e.end(fmt.Errorf("%w waiting for %vRes", ErrTimeout, e.waiting))
	return e.reason
}

func (e *Engine) end(reason error) {
	e.closed, e.reason, e.deadline = true, reason, time.Time{}
}

func (e *Engine) fail(err error) (Request, error) {
	e.end(err)
	return Request{Done: true, Reason: err}, err
}

// Start returns the supportedAppProtocolReq that opens the session.
func (e *Engine) Start(now time.Time) (Request, error) {
	if e.waiting != session.MsgUnknown || e.closed {
		return Request{}, errors.New("evcc: already started")
	}
	return e.send(now, e.appProtocolReq())
}

func (e *Engine) send(now time.Time, m exi.Message) (Request, error) {
	k, _ := session.Kind(m)
	if k != session.MsgSupportedAppProtocol {
		id := e.sessionID
		if id == nil {
			id = make([]byte, session.SessionIDLen)
		}
		session.SetHeader(m, id, uint64(max(now.Unix(), 0)))
	}
	pt, b, err := session.Encode(nil, m)
	if err != nil {
		return e.fail(fmt.Errorf("evcc: %w", err))
	}
	session.Trace(e.cfg.Trace, now, session.DirTx, pt, m, b)
	e.waiting = k
	e.deadline = now.Add(session.EVCCMsgTimeoutFor(k))
	return Request{PayloadType: pt, Payload: b}, nil
}

// HandleMessage handles one response payload and returns the next request,
// or a Request with Done set when the session is over.
func (e *Engine) HandleMessage(now time.Time, pt v2gtp.PayloadType, payload []byte) (Request, error) {
	if e.closed {
		return Request{Done: true, Reason: e.reason}, ErrClosed
	}
	if e.phase.Legacy() {
		return e.legacyMessage(now, pt, payload)
	}
	m, err := session.Dispatch(pt, e.phase, payload)
	if err != nil {
		return e.fail(fmt.Errorf("%w: %w", ErrMalformed, err))
	}
	session.Trace(e.cfg.Trace, now, session.DirRx, pt, m, payload)
	k, req := session.Kind(m)
	if req || k != e.waiting {
		return e.fail(fmt.Errorf("%w: %v (request %v) while waiting for %vRes", ErrUnexpected, k, req, e.waiting))
	}
	if k != session.MsgSupportedAppProtocol {
		id, _, _ := session.Header(m)
		if k != session.MsgSessionSetup && !bytes.Equal(id, e.sessionID) {
			return e.fail(fmt.Errorf("%w: %vRes for session %x", ErrUnexpected, k, id))
		}
		if c, _ := session.ResponseCode(m); session.Failed(c) {
			return e.fail(fmt.Errorf("%w: %vRes %v", ErrFailed, k, c))
		}
	}
	return e.step(now, m)
}

func rn(x float64) dc.RationalNumber {
	ex, v := session.Rational(x)
	return dc.RationalNumber{Exponent: ex, Value: v}
}

func rc(x float64) iso20.RationalNumber {
	ex, v := session.Rational(x)
	return iso20.RationalNumber{Exponent: ex, Value: v}
}

func fl(r dc.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }

// repeat re-sends a request answered Ongoing within the ongoing budget,
// counted from the first Ongoing answer.
func (e *Engine) repeat(now time.Time, m exi.Message) (Request, error) {
	if e.ongoing.IsZero() {
		e.ongoing = now
	}
	if now.Sub(e.ongoing) > session.EVCCOngoingTimeout {
		return e.fail(fmt.Errorf("%w in %v", ErrOngoingLimit, e.waiting))
	}
	return e.send(now, m)
}

func (e *Engine) next(now time.Time, m exi.Message) (Request, error) {
	e.ongoing = time.Time{}
	return e.send(now, m)
}

func (e *Engine) step(now time.Time, m exi.Message) (Request, error) {
	v := e.cfg.Vehicle
	switch res := m.(type) {
	case *apphand.SupportedAppProtocolRes:
		if err := e.appProtocolRes(res); err != nil {
			return e.fail(err)
		}
		if e.phase.Legacy() {
			return e.legacyStart(now)
		}
		return e.next(now, &iso20.SessionSetupReq{EVCCID: v.EVCCID()})

	case *iso20.SessionSetupRes:
		if r, ok, err := e.setupResumed(now, res); ok {
			return r, err
		}
		id := res.Header.SessionID
		if res.ResponseCode != iso20.ResponseCodeOKNewSessionEstablished || len(id) != session.SessionIDLen ||
			bytes.Equal(id, make([]byte, session.SessionIDLen)) {
			return e.fail(fmt.Errorf("%w: SessionSetup %v, SessionID %x", ErrRefused, res.ResponseCode, id))
		}
		e.sessionID, e.evseID = bytes.Clone(id), res.EVSEID
		return e.next(now, &iso20.AuthorizationSetupReq{})

	case *iso20.AuthorizationSetupRes:
		for _, a := range res.AuthorizationServices {
			if a == iso20.AuthorizationEIM {
				return e.next(now, eimAuthorization())
			}
		}
		return e.fail(fmt.Errorf("%w: EIM not offered", ErrNoService))

	case *iso20.AuthorizationRes:
		if session.ClassOf(res.ResponseCode) != session.ClassOK {
			return e.fail(fmt.Errorf("%w: Authorization %v", ErrRefused, res.ResponseCode))
		}
		if res.EVSEProcessing != iso20.ProcessingFinished {
			return e.repeat(now, eimAuthorization())
		}
		return e.next(now, &iso20.ServiceDiscoveryReq{})

	case *iso20.ServiceDiscoveryRes:
		for _, w := range e.wantServices() {
			for _, s := range res.EnergyTransferServiceList.Service {
				if s.ServiceID == w {
					e.service = w
					return e.next(now, &iso20.ServiceDetailReq{ServiceID: w})
				}
			}
		}
		return e.fail(fmt.Errorf("%w: %+v", ErrNoService, res.EnergyTransferServiceList.Service))

	case *iso20.ServiceDetailRes:
		mode := int32(1)
		if e.cfg.Dynamic {
			mode = 2
		}
		for _, ps := range res.ServiceParameterList.ParameterSet {
			for _, p := range ps.Parameter {
				if p.Name == "ControlMode" && p.IntValue != nil && *p.IntValue == mode {
					e.paramSet = ps.ParameterSetID
					e.serviceDetail(ps)
					return e.next(now, &iso20.ServiceSelectionReq{SelectedEnergyTransferService: iso20.SelectedService{
						ServiceID: e.service, ParameterSetID: ps.ParameterSetID,
					}})
				}
			}
		}
		return e.fail(fmt.Errorf("%w: no parameter set with ControlMode %d", ErrNoService, mode))

	case *iso20.ServiceSelectionRes:
		if e.isAC() {
			return e.next(now, e.acChargeParameterDiscovery())
		}
		return e.next(now, e.chargeParameterDiscovery())

	case *dc.DCChargeParameterDiscoveryRes:
		if e.bpt() != (res.BPTDCCPDResEnergyTransferMode != nil) {
			return e.fail(fmt.Errorf("%w: DC_ChargeParameterDiscoveryRes of the wrong mode", ErrUnexpected))
		}
		if b := res.BPTDCCPDResEnergyTransferMode; b != nil {
			e.evse = DCLimits{
				MaxChargePower: fl(b.EVSEMaximumChargePower), MinChargePower: fl(b.EVSEMinimumChargePower),
				MaxChargeCurrent: fl(b.EVSEMaximumChargeCurrent), MinChargeCurrent: fl(b.EVSEMinimumChargeCurrent),
				MaxVoltage: fl(b.EVSEMaximumVoltage), MinVoltage: fl(b.EVSEMinimumVoltage),
				MaxDischargePower: fl(b.EVSEMaximumDischargePower), MinDischargePower: fl(b.EVSEMinimumDischargePower),
				MaxDischargeCurrent: fl(b.EVSEMaximumDischargeCurrent), MinDischargeCurrent: fl(b.EVSEMinimumDischargeCurrent),
			}
			e.evseKnown = true
		} else if d := res.DCCPDResEnergyTransferMode; d != nil {
			e.evse = DCLimits{
				MaxChargePower: fl(d.EVSEMaximumChargePower), MinChargePower: fl(d.EVSEMinimumChargePower),
				MaxChargeCurrent: fl(d.EVSEMaximumChargeCurrent), MinChargeCurrent: fl(d.EVSEMinimumChargeCurrent),
				MaxVoltage: fl(d.EVSEMaximumVoltage), MinVoltage: fl(d.EVSEMinimumVoltage),
			}
			e.evseKnown = true
		}
		return e.next(now, e.scheduleExchange(now))

	case *iso20.ScheduleExchangeRes:
		if res.EVSEProcessing != iso20.ProcessingFinished {
			return e.repeat(now, e.scheduleExchange(now))
		}
		if !e.cfg.Dynamic {
			s := res.ScheduledSEResControlMode
			if s == nil || len(s.ScheduleTuple) == 0 {
				return e.fail(fmt.Errorf("%w: ScheduleExchangeRes without schedule", ErrUnexpected))
			}
			e.tupleID = s.ScheduleTuple[0].ScheduleTupleID
		} else if res.DynamicSEResControlMode == nil {
			return e.fail(fmt.Errorf("%w: ScheduleExchangeRes not Dynamic", ErrUnexpected))
		}
		if e.isAC() {
			e.renegotiating = false
			return e.next(now, e.acAfterSchedule(now, res))
		}
		if e.renegotiating {
			// The cable is live: no new cable check and pre-charge.
			e.renegotiating = false
			return e.next(now, e.powerDelivery(now, iso20.ChargeProgressStart))
		}
		return e.next(now, &dc.DCCableCheckReq{})

	case *dc.DCCableCheckRes:
		if res.EVSEProcessing != dc.ProcessingFinished {
			return e.repeat(now, &dc.DCCableCheckReq{})
		}
		e.target = v.PresentVoltage(now)
		return e.next(now, e.preCharge(now))

	case *dc.DCPreChargeRes:
		if math.Abs(fl(res.EVSEPresentVoltage)-e.target) > PreChargeTolerance {
			return e.repeat(now, e.preCharge(now))
		}
		return e.next(now, e.powerDelivery(now, iso20.ChargeProgressStart))

	case *iso20.PowerDeliveryRes:
		if r, ok, err := e.powerDeliveryDone(now, res); ok {
			return r, err
		}
		if e.isAC() {
			return e.next(now, e.acAfterPowerDelivery(now))
		}
		if e.stopping {
			return e.next(now, &dc.DCWeldingDetectionReq{EVProcessing: dc.ProcessingFinished})
		}
		return e.next(now, e.chargeLoop(now))

	case *dc.DCChargeLoopRes:
		e.loops++
		if err := e.checkDCLoop(res); err != nil {
			// Do not feed the battery; stop the power transfer first.
			e.abnormal, e.stopping = err, true
			return e.next(now, e.powerDelivery(now, iso20.ChargeProgressStop))
		}
		v.Measure(now, fl(res.EVSEPresentVoltage), fl(res.EVSEPresentCurrent))
		if res.EVSEStatus != nil && res.EVSEStatus.EVSENotification == dc.EvseNotificationTerminate ||
			v.ChargingComplete(now) {
			e.stopping = true
			return e.next(now, e.powerDelivery(now, iso20.ChargeProgressStop))
		}
		if r, ok, err := e.afterLoop(now, dcNotification(res.EVSEStatus)); ok {
			return r, err
		}
		return e.send(now, e.chargeLoop(now))

	case *dc.DCWeldingDetectionRes:
		return e.next(now, &iso20.SessionStopReq{ChargingSession: e.after.session()})

	case *iso20.SessionStopRes:
		if e.abnormal != nil {
			e.end(e.abnormal)
			return Request{Done: true, Reason: e.abnormal}, nil
		}
		return e.sessionStopped(now)
	}
	if r, ok, err := e.stepAC(now, m); ok {
		return r, err
	}
	return e.fail(fmt.Errorf("%w: %T", ErrUnexpected, m))
}

func (e *Engine) bpt() bool { return e.service == ServiceDCBPT || e.service == ServiceACBPT }

func eimAuthorization() *iso20.AuthorizationReq {
	return &iso20.AuthorizationReq{
		SelectedAuthorizationService: iso20.AuthorizationEIM,
		EIMAReqAuthorizationMode:     &iso20.EIMAReqAuthorizationMode{},
	}
}

func (e *Engine) chargeParameterDiscovery() *dc.DCChargeParameterDiscoveryReq {
	l := e.cfg.Vehicle.DCLimits()
	soc := uint8(math.Round(e.cfg.Vehicle.TargetSOC()))
	if !e.bpt() {
		return &dc.DCChargeParameterDiscoveryReq{DCCPDReqEnergyTransferMode: &dc.DCCPDReqEnergyTransferMode{
			EVMaximumChargePower: rn(l.MaxChargePower), EVMinimumChargePower: rn(l.MinChargePower),
			EVMaximumChargeCurrent: rn(l.MaxChargeCurrent), EVMinimumChargeCurrent: rn(l.MinChargeCurrent),
			EVMaximumVoltage: rn(l.MaxVoltage), EVMinimumVoltage: rn(l.MinVoltage),
			TargetSOC: &soc,
		}}
	}
	return &dc.DCChargeParameterDiscoveryReq{BPTDCCPDReqEnergyTransferMode: &dc.BPTDCCPDReqEnergyTransferMode{
		EVMaximumChargePower: rn(l.MaxChargePower), EVMinimumChargePower: rn(l.MinChargePower),
		EVMaximumChargeCurrent: rn(l.MaxChargeCurrent), EVMinimumChargeCurrent: rn(l.MinChargeCurrent),
		EVMaximumVoltage: rn(l.MaxVoltage), EVMinimumVoltage: rn(l.MinVoltage),
		TargetSOC:               &soc,
		EVMaximumDischargePower: rn(l.MaxDischargePower), EVMinimumDischargePower: rn(l.MinDischargePower),
		EVMaximumDischargeCurrent: rn(l.MaxDischargeCurrent), EVMinimumDischargeCurrent: rn(l.MinDischargeCurrent),
	}}
}

func (e *Engine) scheduleExchange(now time.Time) *iso20.ScheduleExchangeReq {
	en := e.cfg.Vehicle.Energy(now)
	req := &iso20.ScheduleExchangeReq{MaximumSupportingPoints: 1024}
	if e.cfg.Dynamic {
		target := uint8(math.Round(e.cfg.Vehicle.TargetSOC()))
		req.DynamicSEReqControlMode = &iso20.DynamicSEReqControlMode{
			DepartureTime:          7200,
			TargetSOC:              &target,
			EVTargetEnergyRequest:  rc(en.Target),
			EVMaximumEnergyRequest: rc(en.Maximum),
			EVMinimumEnergyRequest: rc(en.Minimum),
		}
		return req
	}
	t, mx, mn := rc(en.Target), rc(en.Maximum), rc(en.Minimum)
	req.ScheduledSEReqControlMode = &iso20.ScheduledSEReqControlMode{
		EVTargetEnergyRequest: &t, EVMaximumEnergyRequest: &mx, EVMinimumEnergyRequest: &mn,
	}
	return req
}

func (e *Engine) preCharge(now time.Time) *dc.DCPreChargeReq {
	return &dc.DCPreChargeReq{
		EVProcessing:     dc.ProcessingOngoing,
		EVPresentVoltage: rn(e.cfg.Vehicle.PresentVoltage(now)),
		EVTargetVoltage:  rn(e.target),
	}
}

func (e *Engine) powerDelivery(now time.Time, p iso20.ChargeProgress) *iso20.PowerDeliveryReq {
	req := &iso20.PowerDeliveryReq{EVProcessing: iso20.ProcessingFinished, ChargeProgress: p}
	e.progress = p
	if p == iso20.ChargeProgressStart {
		prof := &iso20.EVPowerProfile{
			TimeAnchor: uint64(max(now.Unix(), 0)),
			EVPowerProfileEntries: iso20.EVPowerProfileEntryList{EVPowerProfileEntry: []iso20.PowerScheduleEntry{
				{Duration: 3600, Power: rc(e.profilePower())},
			}},
		}
		if e.cfg.Dynamic {
			prof.DynamicEVPPTControlMode = &iso20.DynamicEVPPTControlMode{}
		} else {
			prof.ScheduledEVPPTControlMode = &iso20.ScheduledEVPPTControlMode{SelectedScheduleTupleID: e.tupleID}
		}
		req.EVPowerProfile = prof
	}
	if e.bpt() {
		ch := iso20.ChannelSelectionCharge
		req.BPTChannelSelection = &ch
	}
	return req
}

func (e *Engine) chargeLoop(now time.Time) *dc.DCChargeLoopReq {
	v := e.cfg.Vehicle
	l := v.DCLimits()
	soc := uint8(math.Round(v.SOC(now)))
	complete := v.ChargingComplete(now)
	req := &dc.DCChargeLoopReq{
		DisplayParameters: &dc.DisplayParameters{PresentSOC: &soc, ChargingComplete: &complete},
		EVPresentVoltage:  rn(v.PresentVoltage(now)),
	}
	tv, ti := v.Target(now)
	if e.standby || e.rampDown {
		// Zero power: no current, no power either way.
		ti, l.MaxDischargeCurrent = 0, 0
		l.MaxChargePower, l.MinChargePower, l.MaxDischargePower, l.MinDischargePower = 0, 0, 0, 0
	}
	en := v.Energy(now)
	switch {
	case !e.cfg.Dynamic && !e.bpt():
		req.ScheduledDCCLReqControlMode = &dc.ScheduledDCCLReqControlMode{EVTargetCurrent: rn(ti), EVTargetVoltage: rn(tv)}
	case !e.cfg.Dynamic:
		req.BPTScheduledDCCLReqControlMode = &dc.BPTScheduledDCCLReqControlMode{EVTargetCurrent: rn(ti), EVTargetVoltage: rn(tv)}
	case !e.bpt():
		req.DynamicDCCLReqControlMode = &dc.DynamicDCCLReqControlMode{
			EVTargetEnergyRequest: rn(en.Target), EVMaximumEnergyRequest: rn(en.Maximum), EVMinimumEnergyRequest: rn(en.Minimum),
			EVMaximumChargePower: rn(l.MaxChargePower), EVMinimumChargePower: rn(l.MinChargePower),
			EVMaximumChargeCurrent: rn(ti), EVMaximumVoltage: rn(l.MaxVoltage), EVMinimumVoltage: rn(l.MinVoltage),
		}
	default:
		req.BPTDynamicDCCLReqControlMode = &dc.BPTDynamicDCCLReqControlMode{
			EVTargetEnergyRequest: rn(en.Target), EVMaximumEnergyRequest: rn(en.Maximum), EVMinimumEnergyRequest: rn(en.Minimum),
			EVMaximumChargePower: rn(l.MaxChargePower), EVMinimumChargePower: rn(l.MinChargePower),
			EVMaximumChargeCurrent: rn(ti), EVMaximumVoltage: rn(l.MaxVoltage), EVMinimumVoltage: rn(l.MinVoltage),
			EVMaximumDischargePower: rn(l.MaxDischargePower), EVMinimumDischargePower: rn(l.MinDischargePower),
			EVMaximumDischargeCurrent: rn(l.MaxDischargeCurrent),
		}
	}
	return req
}
