package evcc_test

import (
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// An EVCC engine offers the -20 AC and DC namespaces, AC first; the SECC
// serves both and takes the EV's preference. The scheduled AC session
// charges the simulated battery from 20 % to 80 %: the vehicle sets its
// own power, within the schedule and both sides' limits.
func Example() {
	s, err := secc.New(secc.Config{EVSE: secc.NewSimEVSE(),
		Services: []uint16{secc.ServiceDC, secc.ServiceAC}})
	if err != nil {
		panic(err)
	}
	bat := evcc.NewSimBattery()
	bat.Step = time.Second
	v, err := evcc.New(evcc.Config{Vehicle: bat,
		AppProtocols: []string{session.NamespaceAC, session.NamespaceDC}})
	if err != nil {
		panic(err)
	}

	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	s.Start(now)
	req, err := v.Start(now)
	for err == nil && !req.Done {
		now = now.Add(100 * time.Millisecond)
		var res secc.Response
		if res, err = s.HandleMessage(now, req.PayloadType, req.Payload); err != nil {
			break
		}
		now = now.Add(100 * time.Millisecond)
		req, err = v.HandleMessage(now, res.PayloadType, res.Payload)
	}
	if err != nil {
		fmt.Println("session failed:", err)
		return
	}
	l, _ := v.EVSEACLimits()
	in, _ := bat.Transferred()
	fmt.Printf("negotiated %v, service %d\n", v.Phase(), v.Service())
	fmt.Printf("EVSE: %.0f..%.0f W at %.0f V, %.0f Hz\n", l.MinChargePower, l.MaxChargePower, l.NominalVoltage, l.NominalFrequency)
	fmt.Printf("vehicle power at the end of the loop: %.0f W\n", bat.PresentActivePower(now))
	fmt.Printf("charged %.0f Wh in %d cycles, final SOC %.1f %%\n", in, v.ChargeLoops(), bat.SOCPercent)
	// Output:
	// negotiated AC, service 1
	// EVSE: 1380..22000 W at 230 V, 50 Hz
	// vehicle power at the end of the loop: 11000 W
	// charged 1201 Wh in 393 cycles, final SOC 80.0 %
}
