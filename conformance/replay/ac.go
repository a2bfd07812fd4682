package replay

import (
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
)

func acFl(r ac.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }

func acFlp(r *ac.RationalNumber) float64 {
	if r == nil {
		return 0
	}
	return acFl(*r)
}

// ACLimits returns the limits of the recorded AC_ChargeParameterDiscoveryRes
// and the recorded EVSENominalVoltage.
func (s *scriptEVSE) ACLimits() secc.ACLimits { return s.ac }

func (s *scriptEVSE) SetActivePower(time.Time, float64) {}

// PresentActivePower returns the EVSEPresentActivePower of the recorded
// AC_ChargeLoopRes of the exchange.
func (s *scriptEVSE) PresentActivePower(time.Time) float64 {
	r, ok := s.cur.(*ac.ACChargeLoopRes)
	switch {
	case !ok:
	case r.ScheduledACCLResControlMode != nil:
		return acFlp(r.ScheduledACCLResControlMode.EVSEPresentActivePower)
	case r.BPTScheduledACCLResControlMode != nil:
		return acFlp(r.BPTScheduledACCLResControlMode.EVSEPresentActivePower)
	case r.DynamicACCLResControlMode != nil:
		return acFlp(r.DynamicACCLResControlMode.EVSEPresentActivePower)
	case r.BPTDynamicACCLResControlMode != nil:
		return acFlp(r.BPTDynamicACCLResControlMode.EVSEPresentActivePower)
	}
	return 0
}

func acLimits(m exi.Message, nominal float64) secc.ACLimits {
	l := secc.ACLimits{NominalVoltage: nominal}
	r, _ := m.(*ac.ACChargeParameterDiscoveryRes)
	switch {
	case r == nil:
	case r.BPTACCPDResEnergyTransferMode != nil:
		b := r.BPTACCPDResEnergyTransferMode
		l.MaxChargePower, l.MinChargePower = acFl(b.EVSEMaximumChargePower), acFl(b.EVSEMinimumChargePower)
		l.MaxDischargePower, l.MinDischargePower = acFl(b.EVSEMaximumDischargePower), acFl(b.EVSEMinimumDischargePower)
		l.NominalFrequency = acFl(b.EVSENominalFrequency)
	case r.ACCPDResEnergyTransferMode != nil:
		a := r.ACCPDResEnergyTransferMode
		l.MaxChargePower, l.MinChargePower = acFl(a.EVSEMaximumChargePower), acFl(a.EVSEMinimumChargePower)
		l.NominalFrequency = acFl(a.EVSENominalFrequency)
	}
	return l
}

// ACLimits returns the limits of the recorded AC_ChargeParameterDiscoveryReq.
func (v *scriptVehicle) ACLimits() evcc.ACLimits { return v.ac }

// ACTarget is the EVPresentActivePower of the recorded charge-loop
// request of the round.
func (v *scriptVehicle) ACTarget(time.Time) float64 { return acLoopPower(v.loop()) }

// SetActivePower counts a charge-loop round.
func (v *scriptVehicle) SetActivePower(time.Time, float64) { v.measured++ }

// PresentActivePower is the EVPresentActivePower of the recorded
// charge-loop request of the round.
func (v *scriptVehicle) PresentActivePower(time.Time) float64 { return acLoopPower(v.loop()) }

func acLoopPower(m exi.Message) float64 {
	l, ok := m.(*ac.ACChargeLoopReq)
	switch {
	case !ok:
	case l.ScheduledACCLReqControlMode != nil:
		return acFl(l.ScheduledACCLReqControlMode.EVPresentActivePower)
	case l.BPTScheduledACCLReqControlMode != nil:
		return acFl(l.BPTScheduledACCLReqControlMode.EVPresentActivePower)
	case l.DynamicACCLReqControlMode != nil:
		return acFl(l.DynamicACCLReqControlMode.EVPresentActivePower)
	case l.BPTDynamicACCLReqControlMode != nil:
		return acFl(l.BPTDynamicACCLReqControlMode.EVPresentActivePower)
	}
	return 0
}

// acVehicleLimits reads the vehicle's AC limits from a recorded
// AC_ChargeParameterDiscoveryReq.
func acVehicleLimits(r *ac.ACChargeParameterDiscoveryReq) evcc.ACLimits {
	switch {
	case r.BPTACCPDReqEnergyTransferMode != nil:
		b := r.BPTACCPDReqEnergyTransferMode
		return evcc.ACLimits{
			MaxChargePower: acFl(b.EVMaximumChargePower), MinChargePower: acFl(b.EVMinimumChargePower),
			MaxDischargePower: acFl(b.EVMaximumDischargePower), MinDischargePower: acFl(b.EVMinimumDischargePower),
		}
	case r.ACCPDReqEnergyTransferMode != nil:
		a := r.ACCPDReqEnergyTransferMode
		return evcc.ACLimits{MaxChargePower: acFl(a.EVMaximumChargePower), MinChargePower: acFl(a.EVMinimumChargePower)}
	}
	return evcc.ACLimits{}
}
