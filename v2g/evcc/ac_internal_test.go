package evcc

import (
	"errors"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/session"
)

// fixedTarget is a simulated battery that wants a fixed AC power.
type fixedTarget struct {
	*SimBattery
	want float64
}

func (f *fixedTarget) ACTarget(time.Time) float64 { return f.want }

func rnAC(x float64) ac.RationalNumber {
	e, v := session.Rational(x)
	return ac.RationalNumber{Exponent: e, Value: v}
}

// TestACOperatingPoint: the vehicle's power stays within its own limits
// (11 kW / 7.4 kW, minimum 1.4 kW), the EVSE's (9 kW / 5 kW, minimum
// 2 kW) and, in Scheduled mode, the schedule (6 kW / 4 kW).
func TestACOperatingPoint(t *testing.T) {
	for _, tc := range []struct {
		name         string
		dynamic, bpt bool
		secc, ev     float64 // SECC's target (Dynamic), vehicle's target (Scheduled)
		want         float64
	}{
		{"dynamic within", true, true, 3000, 0, 3000},
		{"dynamic above both maxima", true, false, 20000, 0, 9000},
		{"dynamic discharge above both maxima", true, true, -9000, 0, -5000},
		{"dynamic discharge without BPT", true, false, -3000, 0, 0},
		{"dynamic below the minimum", true, true, 1000, 0, 0},
		{"scheduled within", false, true, 0, 4000, 4000},
		{"scheduled above the schedule", false, true, 0, 11000, 6000},
		{"scheduled discharge above the schedule", false, true, 0, -7400, -4000},
		{"scheduled below the minimum", false, true, 0, 500, 2000},
		{"scheduled discharge below the minimum", false, true, 0, -500, -2000},
		{"scheduled discharge without BPT", false, false, 0, -3000, 0},
	} {
		bat := &fixedTarget{SimBattery: NewSimBattery(), want: tc.ev}
		e, err := New(Config{Vehicle: bat, AC: true, BPT: tc.bpt, Dynamic: tc.dynamic})
		if err != nil {
			t.Fatal(err)
		}
		e.phase, e.service = session.PhaseAC, ServiceAC
		if tc.bpt {
			e.service = ServiceACBPT
		}
		e.ac.evse = EVSEACLimits{MaxChargePower: 9000, MinChargePower: 2000, MaxDischargePower: 5000, MinDischargePower: 2000}
		e.ac.schedCharge, e.ac.schedDischarge = 6000, 4000
		res := &ac.ACChargeLoopRes{}
		switch {
		case tc.dynamic && tc.bpt:
			res.BPTDynamicACCLResControlMode = &ac.BPTDynamicACCLResControlMode{EVSETargetActivePower: rnAC(tc.secc)}
		case tc.dynamic:
			res.DynamicACCLResControlMode = &ac.DynamicACCLResControlMode{EVSETargetActivePower: rnAC(tc.secc)}
		case tc.bpt:
			res.BPTScheduledACCLResControlMode = &ac.BPTScheduledACCLResControlMode{}
		default:
			res.ScheduledACCLResControlMode = &ac.ScheduledACCLResControlMode{}
		}
		got, err := e.acOperatingPoint(time.Time{}, res)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v W, %v; want %v W", tc.name, got, err, tc.want)
		}
		// A response of another control mode is refused.
		other := &ac.ACChargeLoopRes{ScheduledACCLResControlMode: &ac.ScheduledACCLResControlMode{}}
		if !tc.dynamic && !tc.bpt {
			other = &ac.ACChargeLoopRes{DynamicACCLResControlMode: &ac.DynamicACCLResControlMode{}}
		}
		if _, err := e.acOperatingPoint(time.Time{}, other); !errors.Is(err, ErrEVSEViolation) {
			t.Errorf("%s: response of another mode accepted", tc.name)
		}
	}
}
