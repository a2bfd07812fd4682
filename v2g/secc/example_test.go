package secc_test

import (
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
)

// An SECC engine and an EVCC engine run an AC_BPT session in memory on a
// fake clock: the driver's work is to pass each payload to the other side
// with the current time. The simulated battery charges to 80 % and then
// discharges to 50 %.
func Example() {
	evse := secc.NewSimEVSE() // 22 kW charging, 11 kW discharging
	s, err := secc.New(secc.Config{EVSE: evse, Services: []uint16{secc.ServiceACBPT}})
	if err != nil {
		panic(err)
	}
	bat := evcc.NewSimBattery() // 2 kWh at 20 %, 11 kW charging, 7.4 kW discharging
	bat.Discharge, bat.MinPct, bat.Step = true, 50, time.Second
	v, err := evcc.New(evcc.Config{Vehicle: bat, AC: true, BPT: true, Dynamic: true})
	if err != nil {
		panic(err)
	}

	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	s.Start(now)
	req, err := v.Start(now)
	peak, low := 0.0, 0.0
	for err == nil && !req.Done {
		now = now.Add(100 * time.Millisecond)
		var res secc.Response
		if res, err = s.HandleMessage(now, req.PayloadType, req.Payload); err != nil {
			break
		}
		p := evse.PresentActivePower(now)
		peak, low = max(peak, p), min(low, p)
		req, err = v.HandleMessage(now, res.PayloadType, res.Payload)
	}
	if err != nil {
		fmt.Println("session failed:", err)
		return
	}
	l, _ := v.EVSEACLimits()
	in, out := bat.Transferred()
	fmt.Printf("selected service %d, parameter set %d\n", s.Selected().ServiceID, s.Selected().ParameterSetID)
	fmt.Printf("EVSE limits received: %.0f W charge, %.0f W discharge, %.0f V, %.0f Hz\n",
		l.MaxChargePower, l.MaxDischargePower, l.NominalVoltage, l.NominalFrequency)
	fmt.Printf("EVSE power: up to %.0f W, down to %.0f W\n", peak, low)
	fmt.Printf("charged %.0f Wh, discharged %.0f Wh, final SOC %.1f %%\n", in, out, bat.SOCPercent)
	// Output:
	// selected service 5, parameter set 2
	// EVSE limits received: 22000 W charge, 11000 W discharge, 230 V, 50 Hz
	// EVSE power: up to 11000 W, down to -7400 W
	// charged 1201 Wh, discharged 602 Wh, final SOC 49.9 %
}
