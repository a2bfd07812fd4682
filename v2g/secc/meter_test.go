package secc

import (
	"math"
	"testing"

	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
)

// TestTariffInSchedules: SimEVSE's tariff (0.30 EUR per kWh) is the
// absolute price schedule of the Scheduled ScheduleExchangeRes.
func TestTariffInSchedules(t *testing.T) {
	script := dcBPTScript()
	s := drive(t, script, 7)
	res, _ := s.send(script[7].req(), s.id)
	se := res.(*iso20.ScheduleExchangeRes).ScheduledSEResControlMode
	if se == nil || len(se.ScheduleTuple) != 1 {
		t.Fatalf("schedules %+v", se)
	}
	p := se.ScheduleTuple[0].ChargingSchedule.AbsolutePriceSchedule
	if p == nil {
		t.Fatal("no price schedule")
	}
	rules := p.PriceRuleStacks.PriceRuleStack
	if p.Currency != "EUR" || p.Language != "eng" || p.PriceAlgorithm != "urn:iso:std:iso:15118:-20:PriceAlgorithm:1-Power" ||
		len(rules) != 1 || len(rules[0].PriceRule) != 1 {
		t.Fatalf("price schedule %+v", p)
	}
	if fee := rules[0].PriceRule[0].EnergyFee; math.Abs(float64(fee.Value)*pow10(fee.Exponent)-0.3) > 1e-12 {
		t.Fatalf("energy fee %+v", fee)
	}
}

func pow10(e int8) float64 {
	x := 1.0
	for ; e > 0; e-- {
		x *= 10
	}
	for ; e < 0; e++ {
		x /= 10
	}
	return x
}

// TestMeterInfo: with SimEVSE.Step 10 s, a charge loop at 380 V, 20 A
// adds 380*20*10/3600 = 21.1 Wh to the charged register and one at -10 A
// 10.6 Wh to the discharged one; MeterInfo is sent only when requested.
func TestMeterInfo(t *testing.T) {
	script := dcBPTScript()
	s := drive(t, script, 12) // PowerDelivery(Start) answered
	sim := s.evse.SimEVSE
	sim.Step = 10e9
	loop := func(current int16, requested bool) *dc.MeterInfo {
		t.Helper()
		res, rr := s.send(&dc.DCChargeLoopReq{EVPresentVoltage: r(380, 0), MeterInfoRequested: requested,
			BPTScheduledDCCLReqControlMode: &dc.BPTScheduledDCCLReqControlMode{
				EVTargetCurrent: r(current, 0), EVTargetVoltage: r(380, 0)}}, s.id)
		if rr.Close {
			t.Fatalf("closed: %v", rr.Reason)
		}
		return res.(*dc.DCChargeLoopRes).MeterInfo
	}
	if m := loop(20, false); m != nil {
		t.Fatalf("MeterInfo not requested but sent: %+v", m)
	}
	m := loop(-10, true) // the 20 A step is metered now
	if m == nil || m.MeterID != "SIM-METER-1" || m.ChargedEnergyReadingWh != 21 ||
		m.BPTDischargedEnergyReadingWh == nil || *m.BPTDischargedEnergyReadingWh != 0 || m.MeterTimestamp == nil {
		t.Fatalf("after the charge step: %+v", m)
	}
	m = loop(0, true)
	if m == nil || m.ChargedEnergyReadingWh != 21 || *m.BPTDischargedEnergyReadingWh != 10 {
		t.Fatalf("after the discharge step: %+v", m)
	}
}
