package secc

import (
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// AC energy-transfer service IDs (protocol facts §6.1) the engine serves.
const (
	ServiceAC    uint16 = 1
	ServiceACBPT uint16 = 5
)

// ACLimits are the EVSE's AC limits. Powers are total active powers in
// watts over all phases, magnitudes (never negative); the discharge
// fields are used only for AC_BPT.
type ACLimits struct {
	MaxChargePower, MinChargePower       float64
	MaxDischargePower, MinDischargePower float64
	// NominalVoltage is the line-to-neutral grid voltage in volts, sent
	// as EVSENominalVoltage in ServiceDetailRes.
	NominalVoltage float64
	// NominalFrequency is the grid frequency in hertz, sent in
	// AC_ChargeParameterDiscoveryRes.
	NominalFrequency float64
}

// ACEVSE is the AC part of the integrator's charger. Config.EVSE must
// implement it when Config.Services holds an AC service. Like EVSE, its
// methods are called synchronously from HandleMessage.
type ACEVSE interface {
	// ACLimits returns the AC limits of the EVSE. The engine never sends
	// a target outside them.
	ACLimits() ACLimits
	// SetActivePower tells the EVSE the active power of the coming
	// charge-loop cycle in watts, positive towards the vehicle, negative
	// for discharge. In Dynamic mode it is the EVSETargetActivePower the
	// engine sends, within both sides' limits; in Scheduled mode the
	// vehicle sets its own operating point and this is its reported
	// present power, clamped to the EVSE's limits. Contactors are
	// switched by EVSE.SetPower, not here.
	SetActivePower(now time.Time, watts float64)
	// PresentActivePower returns the measured active power in watts
	// (negative: from the vehicle), sent as EVSEPresentActivePower.
	PresentActivePower(now time.Time) float64
}

// ACOptions are the ServiceDetail parameters of the AC services that
// differ between implementations (protocol facts §10 item 19).
type ACOptions struct {
	// Connector is the Connector parameter; 0 means 3 (three phase, as
	// libiso15118 numbers it; Josev uses 2).
	Connector int32
	// IslandingParameter names the grid-code islanding-detection
	// parameter of AC_BPT; "" means "DetectionMethodGridCodeIslanding"
	// (libiso15118's name; Josev says "GridCodeIslandingDetectionMethod").
	IslandingParameter string
	// IslandingMethod is its value: 1 active, 2 passive; 0 means 1.
	IslandingMethod int32
}

func isAC(service uint16) bool { return service == ServiceAC || service == ServiceACBPT }

// servicePhase returns the message set an energy-transfer service uses.
func servicePhase(service uint16) session.Phase {
	if isAC(service) {
		return session.PhaseAC
	}
	return session.PhaseDC
}

// checkAC validates the AC part of a configuration.
func checkAC(cfg *Config) error {
	for _, s := range cfg.Services {
		if !isAC(s) {
			continue
		}
		if _, ok := cfg.EVSE.(ACEVSE); !ok {
			return fmt.Errorf("secc: service %d needs an EVSE implementing ACEVSE, %T does not", s, cfg.EVSE)
		}
	}
	if cfg.AC.Connector == 0 {
		cfg.AC.Connector = 3
	}
	if cfg.AC.IslandingParameter == "" {
		cfg.AC.IslandingParameter = "DetectionMethodGridCodeIslanding"
	}
	if cfg.AC.IslandingMethod == 0 {
		cfg.AC.IslandingMethod = 1
	}
	return nil
}

func (e *Engine) acEVSE() ACEVSE { return e.cfg.EVSE.(ACEVSE) }

// supportsNamespace reports whether a configured service uses the message
// set of the SAP namespace ns.
func (e *Engine) supportsNamespace(ns string) bool {
	p, ok := session.PhaseOf(ns)
	if !ok {
		return false
	}
	for _, s := range e.cfg.Services {
		if servicePhase(s) == p {
			return true
		}
	}
	return false
}

// dcSession reports whether the session uses the DC message set.
func (e *Engine) dcSession() bool { return e.phase != session.PhaseAC }

// serviceParameters returns the ServiceDetail parameters of one parameter
// set of an energy-transfer service.
func (e *Engine) serviceParameters(service uint16, mode int32) []iso20.Parameter {
	if !isAC(service) {
		ps := []iso20.Parameter{
			intParam("Connector", 2),
			intParam("ControlMode", mode),
			intParam("EVSENominalVoltage", int32(e.cfg.EVSE.DCLimits().MaxVoltage)),
			intParam("MobilityNeedsMode", 1),
			intParam("Pricing", 0),
		}
		if service == ServiceDCBPT {
			ps = append(ps, intParam("BPTChannel", 1), intParam("GeneratorMode", 1))
		}
		return ps
	}
	ps := []iso20.Parameter{
		intParam("Connector", e.cfg.AC.Connector),
		intParam("ControlMode", mode),
		intParam("EVSENominalVoltage", int32(e.acEVSE().ACLimits().NominalVoltage)),
		intParam("MobilityNeedsMode", 1),
		intParam("Pricing", 0),
	}
	if service == ServiceACBPT {
		ps = append(ps, intParam("BPTChannel", 1), intParam("GeneratorMode", 1),
			intParam(e.cfg.AC.IslandingParameter, e.cfg.AC.IslandingMethod))
	}
	return ps
}

// schedulePower returns the charge and discharge powers (magnitudes) of
// the offered schedule.
func (e *Engine) schedulePower() (charge, discharge float64) {
	if e.dcSession() {
		l := e.cfg.EVSE.DCLimits()
		return l.MaxChargePower, l.MaxDischargePower
	}
	l := e.acEVSE().ACLimits()
	return l.MaxChargePower, l.MaxDischargePower
}

func acRN(x float64) ac.RationalNumber {
	ex, v := session.Rational(x)
	return ac.RationalNumber{Exponent: ex, Value: v}
}

func acRNP(x float64) *ac.RationalNumber { r := acRN(x); return &r }

func acFl(r ac.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }

// handleAC answers the AC requests; ok is false for any other message.
func (e *Engine) handleAC(now time.Time, m exi.Message) (res exi.Message, next session.Stage, ok bool) {
	switch req := m.(type) {
	case *ac.ACChargeParameterDiscoveryReq:
		return e.acChargeParameterDiscovery(req), session.StageChargeParameterDiscovery, true
	case *ac.ACChargeLoopReq:
		res := e.acChargeLoop(now, req)
		res.EVSEStatus = e.acStatus(now)
		return res, e.loopStage(), true
	}
	return nil, 0, false
}

func (e *Engine) acChargeParameterDiscovery(req *ac.ACChargeParameterDiscoveryReq) *ac.ACChargeParameterDiscoveryRes {
	res := &ac.ACChargeParameterDiscoveryRes{}
	if !isAC(e.selected.ServiceID) || e.bpt != (req.BPTACCPDReqEnergyTransferMode != nil) ||
		(!e.bpt && req.ACCPDReqEnergyTransferMode == nil) {
		res.ResponseCode = ac.ResponseCodeFAILEDWrongChargeParameter
		res.ACCPDResEnergyTransferMode = &ac.ACCPDResEnergyTransferMode{}
		return res
	}
	l := e.acEVSE().ACLimits()
	if !e.bpt {
		res.ACCPDResEnergyTransferMode = &ac.ACCPDResEnergyTransferMode{
			EVSEMaximumChargePower: acRN(l.MaxChargePower),
			EVSEMinimumChargePower: acRN(l.MinChargePower),
			EVSENominalFrequency:   acRN(l.NominalFrequency),
		}
		return res
	}
	res.BPTACCPDResEnergyTransferMode = &ac.BPTACCPDResEnergyTransferMode{
		EVSEMaximumChargePower:    acRN(l.MaxChargePower),
		EVSEMinimumChargePower:    acRN(l.MinChargePower),
		EVSENominalFrequency:      acRN(l.NominalFrequency),
		EVSEMaximumDischargePower: acRN(l.MaxDischargePower),
		EVSEMinimumDischargePower: acRN(l.MinDischargePower),
	}
	return res
}

// evRequest is what the EV sends in a Dynamic AC charge loop: its target
// energy request (Wh) and power limits (W, magnitudes).
type evRequest struct {
	targetEnergy               float64
	maxCharge, minCharge       float64
	maxDischarge, minDischarge float64
}

// dynamicACTarget returns the active power (W, negative: discharge) the
// SECC asks for in a Dynamic AC charge loop: nothing when the EV requests
// no energy, else the lower of both maximum charge powers; with BPT, when
// the EV's target energy request is negative (it offers energy), the
// lower of both maximum discharge powers. When that is below the higher
// of both minimum powers, no power fits both sides and the target is 0.
func dynamicACTarget(l ACLimits, bpt bool, ev evRequest) float64 {
	fit := func(hi, lo float64) float64 {
		if hi < lo || hi <= 0 {
			return 0
		}
		return hi
	}
	switch {
	case bpt && ev.targetEnergy < 0:
		return -fit(min(ev.maxDischarge, l.MaxDischargePower), max(ev.minDischarge, l.MinDischargePower))
	case ev.targetEnergy > 0:
		return fit(min(ev.maxCharge, l.MaxChargePower), max(ev.minCharge, l.MinChargePower))
	}
	return 0
}

func (e *Engine) acChargeLoop(now time.Time, req *ac.ACChargeLoopReq) *ac.ACChargeLoopRes {
	x := e.acEVSE()
	if e.standby {
		x = zeroPower{x} // standby holds the output at zero power
	}
	l := x.ACLimits()
	res := &ac.ACChargeLoopRes{}
	scheduled := func(evPresent float64) {
		lo := 0.0
		if e.bpt {
			lo = -l.MaxDischargePower
		}
		x.SetActivePower(now, min(max(evPresent, lo), l.MaxChargePower))
	}
	ok := true
	switch {
	case !e.bpt && !e.dynamic && req.ScheduledACCLReqControlMode != nil:
		scheduled(acFl(req.ScheduledACCLReqControlMode.EVPresentActivePower))
		res.ScheduledACCLResControlMode = &ac.ScheduledACCLResControlMode{
			EVSEPresentActivePower: acRNP(x.PresentActivePower(now)),
		}
	case e.bpt && !e.dynamic && req.BPTScheduledACCLReqControlMode != nil:
		scheduled(acFl(req.BPTScheduledACCLReqControlMode.EVPresentActivePower))
		res.BPTScheduledACCLResControlMode = &ac.BPTScheduledACCLResControlMode{
			EVSEPresentActivePower: acRNP(x.PresentActivePower(now)),
		}
	case !e.bpt && e.dynamic && req.DynamicACCLReqControlMode != nil:
		c := req.DynamicACCLReqControlMode
		p := dynamicACTarget(l, false, evRequest{targetEnergy: acFl(c.EVTargetEnergyRequest),
			maxCharge: acFl(c.EVMaximumChargePower), minCharge: acFl(c.EVMinimumChargePower)})
		x.SetActivePower(now, p)
		res.DynamicACCLResControlMode = &ac.DynamicACCLResControlMode{
			EVSETargetActivePower:  acRN(p),
			EVSEPresentActivePower: acRNP(x.PresentActivePower(now)),
		}
	case e.bpt && e.dynamic && req.BPTDynamicACCLReqControlMode != nil:
		c := req.BPTDynamicACCLReqControlMode
		p := dynamicACTarget(l, true, evRequest{targetEnergy: acFl(c.EVTargetEnergyRequest),
			maxCharge: acFl(c.EVMaximumChargePower), minCharge: acFl(c.EVMinimumChargePower),
			maxDischarge: acFl(c.EVMaximumDischargePower), minDischarge: acFl(c.EVMinimumDischargePower)})
		x.SetActivePower(now, p)
		res.BPTDynamicACCLResControlMode = &ac.BPTDynamicACCLResControlMode{
			EVSETargetActivePower:  acRN(p),
			EVSEPresentActivePower: acRNP(x.PresentActivePower(now)),
		}
	default:
		ok = false
	}
	if !ok {
		// The control mode must match the selected parameter set [V2G20-1600].
		res.ResponseCode = ac.ResponseCodeFAILED
		res.ScheduledACCLResControlMode = &ac.ScheduledACCLResControlMode{}
	}
	res.MeterInfo = e.acMeterInfo(now, req.MeterInfoRequested)
	return res
}

// acFailedResponse returns a minimal AC response to k for refusing it;
// nil when k is not an AC message.
func acFailedResponse(k session.Message) exi.Message {
	switch k {
	case session.MsgACChargeParameterDiscovery:
		return &ac.ACChargeParameterDiscoveryRes{ACCPDResEnergyTransferMode: &ac.ACCPDResEnergyTransferMode{}}
	case session.MsgACChargeLoop:
		return &ac.ACChargeLoopRes{ScheduledACCLResControlMode: &ac.ScheduledACCLResControlMode{}}
	}
	return nil
}

// otherSet handles a payload of the energy-transfer set the session did
// not negotiate (a DC message in an AC session or the reverse): a valid
// request of that set is answered FAILED_SequenceError, which ends the
// session. ok is false when the payload is not such a request.
func (e *Engine) otherSet(now time.Time, pt v2gtp.PayloadType, payload []byte) (r Response, ok bool, err error) {
	var other session.Phase
	switch {
	case e.phase == session.PhaseAC && pt == v2gtp.DCMainstream:
		other = session.PhaseDC
	case e.phase == session.PhaseDC && pt == v2gtp.ACMainstream:
		other = session.PhaseAC
	default:
		return Response{}, false, nil
	}
	m, derr := session.Dispatch(pt, other, payload)
	if derr != nil {
		return Response{}, false, nil
	}
	k, req := session.Kind(m)
	if !req {
		return Response{}, false, nil
	}
	session.Trace(e.cfg.Trace, now, session.DirRx, pt, m, payload)
	r, err = e.refuse(now, k, iso20.ResponseCodeFAILEDSequenceError,
		fmt.Errorf("%w: %v in a %v session", ErrSequence, k, e.phase))
	return r, true, err
}

// NewSimACLimits returns the AC limits of NewSimEVSE: three phases of
// 230 V, 50 Hz, 32 A (22 kW) charging and 16 A (11 kW) discharging, at
// least 6 A on one phase (1380 W).
func NewSimACLimits() ACLimits {
	return ACLimits{
		MaxChargePower: 22000, MinChargePower: 1380,
		MaxDischargePower: 11000, MinDischargePower: 1380,
		NominalVoltage: 230, NominalFrequency: 50,
	}
}

// ACLimits implements ACEVSE.
func (s *SimEVSE) ACLimits() ACLimits { return s.AC }

// SetActivePower implements ACEVSE; the power is clamped to the limits.
func (s *SimEVSE) SetActivePower(now time.Time, watts float64) {
	s.integrate(now)
	s.acPower = min(max(watts, -s.AC.MaxDischargePower), s.AC.MaxChargePower)
}

// PresentActivePower implements ACEVSE: the set power flows while the
// output is on.
func (s *SimEVSE) PresentActivePower(time.Time) float64 {
	if !s.on {
		return 0
	}
	return s.acPower
}
