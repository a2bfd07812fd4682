package evcc

import (
	"errors"
	"fmt"

	"github.com/v2gstack/iso15118/v2g/iso20/dc"
)

// ErrEVSEViolation reports a charge-loop response of the wrong control
// mode [V2G20-1600] or an EVSE output outside the vehicle's limits. The
// engine then stops the session in a controlled way (PowerDelivery(Stop),
// welding detection, SessionStop) and ends it with this reason.
var ErrEVSEViolation = errors.New("evcc: EVSE violates the negotiated mode or limits")

// limitTolerance is the relative margin allowed on the EVSE's present
// values against the vehicle's limits, for the rounding of RationalNumber
// (four significant digits) and measurement noise.
const limitTolerance = 0.01

func within(x, limit float64) bool { return x <= limit*(1+limitTolerance)+0.1 }

// checkDCLoop checks a DC charge-loop response against the selected
// control mode and the vehicle's DC limits.
func (e *Engine) checkDCLoop(res *dc.DCChargeLoopRes) error {
	var want string
	var ok bool
	switch {
	case !e.cfg.Dynamic && !e.bpt():
		want, ok = "Scheduled", res.ScheduledDCCLResControlMode != nil
	case !e.cfg.Dynamic:
		want, ok = "BPT_Scheduled", res.BPTScheduledDCCLResControlMode != nil
	case !e.bpt():
		want, ok = "Dynamic", res.DynamicDCCLResControlMode != nil
	default:
		want, ok = "BPT_Dynamic", res.BPTDynamicDCCLResControlMode != nil
	}
	if !ok {
		return fmt.Errorf("%w: DC_ChargeLoopRes is not of the %s control mode", ErrEVSEViolation, want)
	}
	l := e.cfg.Vehicle.DCLimits()
	v, i := fl(res.EVSEPresentVoltage), fl(res.EVSEPresentCurrent)
	switch {
	case !within(v, l.MaxVoltage):
		return fmt.Errorf("%w: present voltage %g V above the vehicle's %g V", ErrEVSEViolation, v, l.MaxVoltage)
	case i > 0 && !within(i, l.MaxChargeCurrent):
		return fmt.Errorf("%w: present current %g A above the vehicle's %g A", ErrEVSEViolation, i, l.MaxChargeCurrent)
	case i < 0 && !e.bpt():
		return fmt.Errorf("%w: discharge current %g A in a session without BPT", ErrEVSEViolation, i)
	case i < 0 && !within(-i, l.MaxDischargeCurrent):
		return fmt.Errorf("%w: discharge current %g A above the vehicle's %g A", ErrEVSEViolation, -i, l.MaxDischargeCurrent)
	}
	return nil
}
