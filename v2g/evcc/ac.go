package evcc

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/session"
)

// AC energy-transfer service IDs the engine can select.
const (
	ServiceAC    uint16 = 1
	ServiceACBPT uint16 = 5
)

// ACLimits are the vehicle's AC limits: total active powers in watts over
// all phases, as magnitudes (never negative). The discharge fields are
// used only for AC_BPT.
type ACLimits struct {
	MaxChargePower, MinChargePower       float64
	MaxDischargePower, MinDischargePower float64
}

// EVSEACLimits are the EVSE's AC limits as the engine received them.
type EVSEACLimits struct {
	// From AC_ChargeParameterDiscoveryRes (discharge only for AC_BPT).
	MaxChargePower, MinChargePower       float64
	MaxDischargePower, MinDischargePower float64
	NominalFrequency                     float64 // Hz
	// NominalVoltage is the EVSENominalVoltage parameter of the selected
	// parameter set in ServiceDetailRes, in volts.
	NominalVoltage float64
}

// ACVehicle is the AC part of the integrator's vehicle. Config.Vehicle
// must implement it when the engine may negotiate the AC message set.
// Like Vehicle, its methods are called synchronously from HandleMessage.
type ACVehicle interface {
	// ACLimits returns the vehicle's AC limits.
	ACLimits() ACLimits
	// ACTarget returns the active power the vehicle wants to draw now in
	// watts, negative to feed power back (BPT). In Scheduled mode the
	// engine bounds it by the schedule and both sides' limits; in Dynamic
	// mode it is not used (the SECC sets the operating point).
	ACTarget(now time.Time) float64
	// SetActivePower sets the active power of the on-board charger for
	// the coming cycle (negative: discharge), once per AC_ChargeLoopRes;
	// it is always within the vehicle's and the EVSE's limits.
	SetActivePower(now time.Time, watts float64)
	// PresentActivePower returns the measured active power at the inlet,
	// sent as EVPresentActivePower in every AC_ChargeLoopReq.
	PresentActivePower(now time.Time) float64
}

// ErrNoACVehicle is returned by New when the configuration may negotiate
// AC but the vehicle does not implement ACVehicle.
var ErrNoACVehicle = errors.New("evcc: Config.Vehicle does not implement ACVehicle")

// acState is the AC part of an Engine.
type acState struct {
	evse      EVSEACLimits
	evseKnown bool
	// schedCharge and schedDischarge bound the operating point in
	// Scheduled mode (magnitudes), from the selected ScheduleTuple.
	schedCharge, schedDischarge float64
}

// namespaces returns the SAP namespaces the engine offers, best first.
func (c *Config) namespaces() []string {
	if c.AppProtocols != nil {
		return c.AppProtocols
	}
	if c.AC {
		return []string{session.NamespaceAC}
	}
	return []string{session.NamespaceDC}
}

func checkConfig(cfg *Config) error {
	if len(cfg.AppProtocols) > 20 {
		return fmt.Errorf("evcc: %d application protocols, at most 20", len(cfg.AppProtocols))
	}
	if cfg.AppProtocols != nil && len(cfg.AppProtocols) == 0 {
		return errors.New("evcc: Config.AppProtocols is empty")
	}
	for _, ns := range cfg.namespaces() {
		p, ok := session.PhaseOf(ns)
		if _, legacy := session.LegacyPhaseOf(ns); legacy {
			continue
		}
		if !ok {
			return fmt.Errorf("evcc: namespace %q not supported", ns)
		}
		if _, isAC := cfg.Vehicle.(ACVehicle); p == session.PhaseAC && !isAC {
			return fmt.Errorf("%w: %T", ErrNoACVehicle, cfg.Vehicle)
		}
	}
	return nil
}

func (e *Engine) appProtocolReq() *apphand.SupportedAppProtocolReq {
	req := &apphand.SupportedAppProtocolReq{}
	for i, ns := range e.cfg.offeredNamespaces() {
		major, minor := versionOf(ns)
		req.AppProtocol = append(req.AppProtocol, apphand.AppProtocol{
			ProtocolNamespace:  ns,
			VersionNumberMajor: major,
			VersionNumberMinor: minor,
			SchemaID:           uint8(i + 1),
			Priority:           uint8(i + 1),
		})
	}
	return req
}

// appProtocolRes maps the SchemaID the SECC chose back to the offered
// namespace and sets the phase from it.
func (e *Engine) appProtocolRes(res *apphand.SupportedAppProtocolRes) error {
	if res.ResponseCode == apphand.ResponseCodeFailedNoNegotiation || res.SchemaID == nil {
		return fmt.Errorf("%w: supportedAppProtocol %v", ErrRefused, res.ResponseCode)
	}
	ns := e.cfg.offeredNamespaces()
	id := int(*res.SchemaID)
	if id < 1 || id > len(ns) {
		return fmt.Errorf("%w: supportedAppProtocol chose SchemaID %d, not offered", ErrRefused, id)
	}
	e.phase, _ = session.PhaseOf(ns[id-1])
	if p, ok := session.LegacyPhaseOf(ns[id-1]); ok {
		e.phase = p
	}
	return nil
}

// Phase returns the message set negotiated in supportedAppProtocol.
func (e *Engine) Phase() session.Phase { return e.phase }

// Service returns the energy-transfer service the engine selected; 0
// before ServiceDiscoveryRes.
func (e *Engine) Service() uint16 { return e.service }

func (e *Engine) isAC() bool { return e.phase == session.PhaseAC }

// wantServices returns the services to look for in ServiceDiscoveryRes,
// best first.
func (e *Engine) wantServices() []uint16 {
	switch {
	case e.isAC() && e.cfg.BPT:
		return []uint16{ServiceACBPT, ServiceAC}
	case e.isAC():
		return []uint16{ServiceAC}
	case e.cfg.BPT:
		return []uint16{ServiceDCBPT, ServiceDC}
	}
	return []uint16{ServiceDC}
}

// serviceDetail records the AC parameters of the chosen parameter set.
func (e *Engine) serviceDetail(ps iso20.ParameterSet) {
	for _, p := range ps.Parameter {
		if p.Name == "EVSENominalVoltage" {
			switch {
			case p.IntValue != nil:
				e.ac.evse.NominalVoltage = float64(*p.IntValue)
			case p.RationalNumber != nil:
				e.ac.evse.NominalVoltage = session.Float(p.RationalNumber.Exponent, p.RationalNumber.Value)
			}
		}
	}
}

// EVSEACLimits returns the EVSE's AC limits as received (the discharge
// fields only for AC_BPT), and false before AC_ChargeParameterDiscoveryRes
// has arrived.
func (e *Engine) EVSEACLimits() (EVSEACLimits, bool) { return e.ac.evse, e.ac.evseKnown }

func (e *Engine) acVehicle() ACVehicle { return e.cfg.Vehicle.(ACVehicle) }

func acRN(x float64) ac.RationalNumber {
	ex, v := session.Rational(x)
	return ac.RationalNumber{Exponent: ex, Value: v}
}

func acRNP(x float64) *ac.RationalNumber { r := acRN(x); return &r }

func acFl(r ac.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }

// profilePower is the power of the EVPowerProfile sent in
// PowerDelivery(Start).
func (e *Engine) profilePower() float64 {
	if e.isAC() {
		return e.acVehicle().ACLimits().MaxChargePower
	}
	return e.cfg.Vehicle.DCLimits().MaxChargePower
}

// acAfterSchedule records the bounds of the selected schedule and returns
// PowerDelivery(Start), which follows ScheduleExchange in AC.
func (e *Engine) acAfterSchedule(now time.Time, res *iso20.ScheduleExchangeRes) *iso20.PowerDeliveryReq {
	e.ac.schedCharge, e.ac.schedDischarge = math.Inf(1), 0
	if s := res.ScheduledSEResControlMode; s != nil && len(s.ScheduleTuple) > 0 {
		t := s.ScheduleTuple[0]
		e.ac.schedCharge = scheduleBound(&t.ChargingSchedule)
		if t.DischargingSchedule != nil {
			e.ac.schedDischarge = scheduleBound(t.DischargingSchedule)
		}
	}
	return e.powerDelivery(now, iso20.ChargeProgressStart)
}

// scheduleBound returns the smallest power magnitude of a schedule's
// entries: the engine keeps within it for the whole session.
func scheduleBound(c *iso20.ChargingSchedule) float64 {
	b := math.Inf(1)
	for _, en := range c.PowerSchedule.PowerScheduleEntries.PowerScheduleEntry {
		b = min(b, math.Abs(session.Float(en.Power.Exponent, en.Power.Value)))
	}
	return b
}

func (e *Engine) acChargeParameterDiscovery() *ac.ACChargeParameterDiscoveryReq {
	l := e.acVehicle().ACLimits()
	if !e.bpt() {
		return &ac.ACChargeParameterDiscoveryReq{ACCPDReqEnergyTransferMode: &ac.ACCPDReqEnergyTransferMode{
			EVMaximumChargePower: acRN(l.MaxChargePower), EVMinimumChargePower: acRN(l.MinChargePower),
		}}
	}
	return &ac.ACChargeParameterDiscoveryReq{BPTACCPDReqEnergyTransferMode: &ac.BPTACCPDReqEnergyTransferMode{
		EVMaximumChargePower: acRN(l.MaxChargePower), EVMinimumChargePower: acRN(l.MinChargePower),
		EVMaximumDischargePower: acRN(l.MaxDischargePower), EVMinimumDischargePower: acRN(l.MinDischargePower),
	}}
}

func (e *Engine) acChargeLoop(now time.Time) *ac.ACChargeLoopReq {
	v, x := e.cfg.Vehicle, e.acVehicle()
	l := x.ACLimits()
	if e.standby || e.rampDown {
		l = ACLimits{} // zero power either way
	}
	soc := uint8(math.Round(v.SOC(now)))
	complete := v.ChargingComplete(now)
	req := &ac.ACChargeLoopReq{
		DisplayParameters: &ac.DisplayParameters{PresentSOC: &soc, ChargingComplete: &complete},
	}
	p := acRN(x.PresentActivePower(now))
	en := v.Energy(now)
	switch {
	case !e.cfg.Dynamic && !e.bpt():
		req.ScheduledACCLReqControlMode = &ac.ScheduledACCLReqControlMode{
			EVTargetEnergyRequest: acRNP(en.Target), EVMaximumEnergyRequest: acRNP(en.Maximum),
			EVMinimumEnergyRequest: acRNP(en.Minimum),
			EVMaximumChargePower:   acRNP(l.MaxChargePower), EVMinimumChargePower: acRNP(l.MinChargePower),
			EVPresentActivePower: p,
		}
	case !e.cfg.Dynamic:
		req.BPTScheduledACCLReqControlMode = &ac.BPTScheduledACCLReqControlMode{
			EVTargetEnergyRequest: acRNP(en.Target), EVMaximumEnergyRequest: acRNP(en.Maximum),
			EVMinimumEnergyRequest: acRNP(en.Minimum),
			EVMaximumChargePower:   acRNP(l.MaxChargePower), EVMinimumChargePower: acRNP(l.MinChargePower),
			EVPresentActivePower:    p,
			EVMaximumDischargePower: acRNP(l.MaxDischargePower), EVMinimumDischargePower: acRNP(l.MinDischargePower),
		}
	case !e.bpt():
		req.DynamicACCLReqControlMode = &ac.DynamicACCLReqControlMode{
			EVTargetEnergyRequest: acRN(en.Target), EVMaximumEnergyRequest: acRN(en.Maximum),
			EVMinimumEnergyRequest: acRN(en.Minimum),
			EVMaximumChargePower:   acRN(l.MaxChargePower), EVMinimumChargePower: acRN(l.MinChargePower),
			EVPresentActivePower: p, EVPresentReactivePower: acRN(0),
		}
	default:
		req.BPTDynamicACCLReqControlMode = &ac.BPTDynamicACCLReqControlMode{
			EVTargetEnergyRequest: acRN(en.Target), EVMaximumEnergyRequest: acRN(en.Maximum),
			EVMinimumEnergyRequest: acRN(en.Minimum),
			EVMaximumChargePower:   acRN(l.MaxChargePower), EVMinimumChargePower: acRN(l.MinChargePower),
			EVPresentActivePower: p, EVPresentReactivePower: acRN(0),
			EVMaximumDischargePower: acRN(l.MaxDischargePower), EVMinimumDischargePower: acRN(l.MinDischargePower),
		}
	}
	return req
}

// acOperatingPoint returns the active power of the coming cycle: in
// Dynamic mode the SECC's target, in Scheduled mode the vehicle's own
// target, bounded by the vehicle's limits, the EVSE's and the schedule.
func (e *Engine) acOperatingPoint(now time.Time, res *ac.ACChargeLoopRes) (float64, error) {
	x := e.acVehicle()
	l := x.ACLimits()
	hi := min(l.MaxChargePower, e.ac.evse.MaxChargePower)
	lo := 0.0
	if e.bpt() {
		lo = -min(l.MaxDischargePower, e.ac.evse.MaxDischargePower)
	}
	var p float64
	scheduled := false
	switch {
	case e.cfg.Dynamic && !e.bpt() && res.DynamicACCLResControlMode != nil:
		p = acFl(res.DynamicACCLResControlMode.EVSETargetActivePower)
	case e.cfg.Dynamic && e.bpt() && res.BPTDynamicACCLResControlMode != nil:
		p = acFl(res.BPTDynamicACCLResControlMode.EVSETargetActivePower)
	case !e.cfg.Dynamic && !e.bpt() && res.ScheduledACCLResControlMode != nil,
		!e.cfg.Dynamic && e.bpt() && res.BPTScheduledACCLResControlMode != nil:
		p = x.ACTarget(now)
		hi = min(hi, e.ac.schedCharge)
		lo = max(lo, -e.ac.schedDischarge)
		scheduled = true
	default:
		return 0, fmt.Errorf("%w: AC_ChargeLoopRes is not of the selected control mode", ErrEVSEViolation)
	}
	p = min(max(p, lo), hi)
	// A power below either side's minimum is raised to it when the
	// vehicle chose it (Scheduled) and that fits, else not applied.
	minC, minD := max(l.MinChargePower, e.ac.evse.MinChargePower), max(l.MinDischargePower, e.ac.evse.MinDischargePower)
	switch {
	case p > 0 && p < minC:
		if !scheduled || minC > hi {
			return 0, nil
		}
		p = minC
	case p < 0 && -p < minD:
		if !scheduled || -minD < lo {
			return 0, nil
		}
		p = -minD
	}
	return p, nil
}

// acAfterPowerDelivery returns the request after PowerDeliveryRes in AC:
// the first charge loop after Start, SessionStop after Stop (AC has no
// welding detection).
func (e *Engine) acAfterPowerDelivery(now time.Time) exi.Message {
	if e.stopping {
		return &iso20.SessionStopReq{ChargingSession: e.after.session()}
	}
	return e.acChargeLoop(now)
}

// checkACPresent checks the EVSE's present active power, when the
// response carries it, against the vehicle's AC limits.
func (e *Engine) checkACPresent(res *ac.ACChargeLoopRes) error {
	var pr *ac.RationalNumber
	switch {
	case res.ScheduledACCLResControlMode != nil:
		pr = res.ScheduledACCLResControlMode.EVSEPresentActivePower
	case res.BPTScheduledACCLResControlMode != nil:
		pr = res.BPTScheduledACCLResControlMode.EVSEPresentActivePower
	case res.DynamicACCLResControlMode != nil:
		pr = res.DynamicACCLResControlMode.EVSEPresentActivePower
	case res.BPTDynamicACCLResControlMode != nil:
		pr = res.BPTDynamicACCLResControlMode.EVSEPresentActivePower
	}
	if pr == nil {
		return nil
	}
	l, p := e.acVehicle().ACLimits(), acFl(*pr)
	switch {
	case p > 0 && !within(p, l.MaxChargePower):
		return fmt.Errorf("%w: present active power %g W above the vehicle's %g W", ErrEVSEViolation, p, l.MaxChargePower)
	case p < 0 && !e.bpt():
		return fmt.Errorf("%w: discharge power %g W in a session without BPT", ErrEVSEViolation, p)
	case p < 0 && !within(-p, l.MaxDischargePower):
		return fmt.Errorf("%w: discharge power %g W above the vehicle's %g W", ErrEVSEViolation, -p, l.MaxDischargePower)
	}
	return nil
}

// stepAC handles the AC responses; ok is false for any other message.
func (e *Engine) stepAC(now time.Time, m exi.Message) (r Request, ok bool, err error) {
	switch res := m.(type) {
	case *ac.ACChargeParameterDiscoveryRes:
		if e.bpt() != (res.BPTACCPDResEnergyTransferMode != nil) {
			r, err = e.fail(fmt.Errorf("%w: AC_ChargeParameterDiscoveryRes of the wrong mode", ErrUnexpected))
			return r, true, err
		}
		nominal := e.ac.evse.NominalVoltage
		if b := res.BPTACCPDResEnergyTransferMode; b != nil {
			e.ac.evse = EVSEACLimits{
				MaxChargePower: acFl(b.EVSEMaximumChargePower), MinChargePower: acFl(b.EVSEMinimumChargePower),
				MaxDischargePower: acFl(b.EVSEMaximumDischargePower), MinDischargePower: acFl(b.EVSEMinimumDischargePower),
				NominalFrequency: acFl(b.EVSENominalFrequency),
			}
		} else if a := res.ACCPDResEnergyTransferMode; a != nil {
			e.ac.evse = EVSEACLimits{
				MaxChargePower: acFl(a.EVSEMaximumChargePower), MinChargePower: acFl(a.EVSEMinimumChargePower),
				NominalFrequency: acFl(a.EVSENominalFrequency),
			}
		} else {
			r, err = e.fail(fmt.Errorf("%w: AC_ChargeParameterDiscoveryRes without limits", ErrUnexpected))
			return r, true, err
		}
		e.ac.evse.NominalVoltage = nominal
		e.ac.evseKnown = true
		r, err = e.next(now, e.scheduleExchange(now))
		return r, true, err

	case *ac.ACChargeLoopRes:
		e.loops++
		p, perr := e.acOperatingPoint(now, res)
		if perr == nil {
			perr = e.checkACPresent(res)
		}
		if perr != nil {
			// Stop drawing power and end the session in a controlled way.
			e.acVehicle().SetActivePower(now, 0)
			e.abnormal, e.stopping = perr, true
			r, err = e.next(now, e.powerDelivery(now, iso20.ChargeProgressStop))
			return r, true, err
		}
		if e.standby || e.rampDown {
			p = 0
		}
		e.acVehicle().SetActivePower(now, p)
		if res.EVSEStatus != nil && res.EVSEStatus.EVSENotification == ac.EvseNotificationTerminate ||
			e.cfg.Vehicle.ChargingComplete(now) {
			e.stopping = true
			r, err = e.next(now, e.powerDelivery(now, iso20.ChargeProgressStop))
			return r, true, err
		}
		if r, ok, err = e.afterLoop(now, acNotification(res.EVSEStatus)); ok {
			return r, true, err
		}
		r, err = e.send(now, e.acChargeLoop(now))
		return r, true, err
	}
	return Request{}, false, nil
}

// NewSimACLimits returns the AC limits of NewSimBattery: 11 kW charging,
// 7.4 kW discharging, at least 1.4 kW either way.
func NewSimACLimits() ACLimits {
	return ACLimits{MaxChargePower: 11000, MinChargePower: 1400, MaxDischargePower: 7400, MinDischargePower: 1400}
}

// ACLimits implements ACVehicle.
func (b *SimBattery) ACLimits() ACLimits { return b.AC }

// ACTarget implements ACVehicle: full charge power until the target SOC,
// then, with Discharge set, full discharge power until MinPct.
func (b *SimBattery) ACTarget(time.Time) float64 {
	if b.discharging {
		if b.atMinimum() {
			return 0
		}
		return -b.AC.MaxDischargePower
	}
	if b.atTarget() {
		return 0
	}
	return b.AC.MaxChargePower
}

// SetActivePower implements ACVehicle: the power is integrated into the
// state of charge as Measure integrates DC power.
func (b *SimBattery) SetActivePower(now time.Time, watts float64) {
	b.acPower = watts
	b.integrate(now, watts)
}

// PresentActivePower implements ACVehicle.
func (b *SimBattery) PresentActivePower(time.Time) float64 { return b.acPower }
