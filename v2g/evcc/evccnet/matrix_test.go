package evccnet_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2gtls"
)

// recordingEVSE is the simulated charger, recording every operating point
// the SECC engine sets.
type recordingEVSE struct {
	*secc.SimEVSE
	mu      sync.Mutex
	dc      []secc.DCTarget
	acPower []float64
}

func (r *recordingEVSE) SetTarget(now time.Time, t secc.DCTarget) {
	r.mu.Lock()
	r.dc = append(r.dc, t)
	r.mu.Unlock()
	r.SimEVSE.SetTarget(now, t)
}

func (r *recordingEVSE) SetActivePower(now time.Time, w float64) {
	r.mu.Lock()
	r.acPower = append(r.acPower, w)
	r.mu.Unlock()
	r.SimEVSE.SetActivePower(now, w)
}

// recordingBattery is the simulated battery, recording the state of
// charge and the power of every charge-loop cycle.
type recordingBattery struct {
	*evcc.SimBattery
	soc      []float64
	power    []float64 // W, negative: discharge
	current  []float64 // A, DC only
	voltages []float64 // V, DC only
}

func (b *recordingBattery) Measure(now time.Time, v, i float64) {
	b.SimBattery.Measure(now, v, i)
	b.soc, b.power = append(b.soc, b.SOCPercent), append(b.power, v*i)
	b.current, b.voltages = append(b.current, i), append(b.voltages, v)
}

func (b *recordingBattery) SetActivePower(now time.Time, w float64) {
	b.SimBattery.SetActivePower(now, w)
	b.soc, b.power = append(b.soc, b.SOCPercent), append(b.power, w)
}

// TestMatrixOverTLS runs every energy service in both control modes
// between the two drivers over loopback TCP with the -20 TLS profile, and
// checks each session against the configuration of both sides. One
// server offering every service serves the sessions one after the other.
func TestMatrixOverTLS(t *testing.T) {
	acLimits := secc.ACLimits{
		MaxChargePower: 9000, MinChargePower: 1380, MaxDischargePower: 5000, MinDischargePower: 1380,
		NominalVoltage: 230, NominalFrequency: 50,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ln, dial := listen(t, ctx)
	sim := secc.NewSimEVSE()
	sim.AC = acLimits
	evse := &recordingEVSE{SimEVSE: sim}
	var seccRec, evccRec recorder
	srv := &seccnet.Server{
		// Every service is offered: the EVCC's request decides.
		Config: secc.Config{EVSE: evse, Services: []uint16{
			secc.ServiceDC, secc.ServiceDCBPT, secc.ServiceAC, secc.ServiceACBPT}, Trace: seccRec.hook},
		Logger: logger(t),
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	for _, tc := range []struct {
		name         string
		service      uint16
		ac, bpt      bool
		dynamic      bool
		wantPhase    session.Phase
		wantParamSet uint16
	}{
		{"AC/Scheduled", secc.ServiceAC, true, false, false, session.PhaseAC, secc.ParameterSetScheduled},
		{"AC/Dynamic", secc.ServiceAC, true, false, true, session.PhaseAC, secc.ParameterSetDynamic},
		{"AC_BPT/Scheduled", secc.ServiceACBPT, true, true, false, session.PhaseAC, secc.ParameterSetScheduled},
		{"AC_BPT/Dynamic", secc.ServiceACBPT, true, true, true, session.PhaseAC, secc.ParameterSetDynamic},
		{"DC/Scheduled", secc.ServiceDC, false, false, false, session.PhaseDC, secc.ParameterSetScheduled},
		{"DC/Dynamic", secc.ServiceDC, false, false, true, session.PhaseDC, secc.ParameterSetDynamic},
		{"DC_BPT/Scheduled", secc.ServiceDCBPT, false, true, false, session.PhaseDC, secc.ParameterSetScheduled},
		{"DC_BPT/Dynamic", secc.ServiceDCBPT, false, true, true, session.PhaseDC, secc.ParameterSetDynamic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			evse.mu.Lock()
			evse.dc, evse.acPower = nil, nil
			evse.mu.Unlock()
			sb := evcc.NewSimBattery()
			sb.Step = 10 * time.Second
			if tc.bpt {
				sb.Discharge, sb.MinPct = true, 50
			}
			bat := &recordingBattery{SimBattery: sb}
			seccRec.take()
			tcfg := traceConfig{ac: tc.ac, bpt: tc.bpt,
				evseDC:     dcArray(sim.Limits.MaxChargePower, sim.Limits.MinChargePower, sim.Limits.MaxChargeCurrent, sim.Limits.MinChargeCurrent, sim.Limits.MaxVoltage, sim.Limits.MinVoltage, sim.Limits.MaxDischargePower, sim.Limits.MinDischargePower, sim.Limits.MaxDischargeCurrent, sim.Limits.MinDischargeCurrent),
				evDC:       dcArray(sb.Limits.MaxChargePower, sb.Limits.MinChargePower, sb.Limits.MaxChargeCurrent, sb.Limits.MinChargeCurrent, sb.Limits.MaxVoltage, sb.Limits.MinVoltage, sb.Limits.MaxDischargePower, sb.Limits.MinDischargePower, sb.Limits.MaxDischargeCurrent, sb.Limits.MinDischargeCurrent),
				evseAC:     [4]float64{acLimits.MaxChargePower, acLimits.MinChargePower, acLimits.MaxDischargePower, acLimits.MinDischargePower},
				evAC:       [4]float64{sb.AC.MaxChargePower, sb.AC.MinChargePower, sb.AC.MaxDischargePower, sb.AC.MinDischargePower},
				capacityWh: sb.CapacityWh, startPct: sb.SOCPercent, targetPct: sb.TargetPct, minPct: sb.MinPct, step: sb.Step,
			}
			eng, err := evcc.New(evcc.Config{Vehicle: bat, AC: tc.ac, BPT: tc.bpt, Dynamic: tc.dynamic, Trace: evccRec.hook})
			if err != nil {
				t.Fatal(err)
			}
			c, err := dial(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.Profile() != v2gtls.ProfileISO20 {
				t.Errorf("profile %v", c.Profile())
			}
			runErr := evccnet.Run(ctx, c, eng)
			_ = c.Close()
			if runErr != nil {
				t.Fatalf("Run: %v", runErr)
			}
			if eng.Phase() != tc.wantPhase || eng.Service() != tc.service {
				t.Errorf("phase %v service %d, want %v %d", eng.Phase(), eng.Service(), tc.wantPhase, tc.service)
			}

			// The state of charge rises to the target and, with BPT, falls
			// to the minimum.
			if len(bat.soc) < 10 {
				t.Fatalf("only %d charge-loop cycles", len(bat.soc))
			}
			peak, peakAt := 0.0, 0
			for i, s := range bat.soc {
				if s > peak {
					peak, peakAt = s, i
				}
			}
			final := bat.soc[len(bat.soc)-1]
			if peak < sb.TargetPct-0.01 {
				t.Errorf("SOC peaked at %.2f %%, target %.0f %%", peak, sb.TargetPct)
			}
			if tc.bpt && (final > sb.MinPct+0.01 || peakAt == len(bat.soc)-1) {
				t.Errorf("BPT: SOC %.2f %% at the end, peak %.2f %% at cycle %d of %d", final, peak, peakAt, len(bat.soc))
			}
			in, out := sb.Transferred()
			if tc.bpt != (out > 0) {
				t.Errorf("discharged %.0f Wh", out)
			}

			if tc.ac {
				checkAC(t, acLimits, sb.AC, tc.bpt, eng, evse, bat)
			} else {
				checkDC(t, sim.Limits, sb.Limits, tc.bpt, eng, bat)
			}
			checkTraces(t, tcfg, seccRec.take(), evccRec.take())
			t.Logf("%d charge loops, charged %.0f Wh, discharged %.0f Wh", eng.ChargeLoops(), in, out)
		})
	}
}

func checkAC(t *testing.T, evseL secc.ACLimits, evL evcc.ACLimits, bpt bool, eng *evcc.Engine, evse *recordingEVSE, bat *recordingBattery) {
	t.Helper()
	got, ok := eng.EVSEACLimits()
	want := evcc.EVSEACLimits{
		MaxChargePower: evseL.MaxChargePower, MinChargePower: evseL.MinChargePower,
		NominalFrequency: evseL.NominalFrequency, NominalVoltage: evseL.NominalVoltage,
	}
	if bpt {
		want.MaxDischargePower, want.MinDischargePower = evseL.MaxDischargePower, evseL.MinDischargePower
	}
	if !ok || got != want {
		t.Errorf("EVSE AC limits %+v (%v), want %+v", got, ok, want)
	}
	maxC, minC := min(evseL.MaxChargePower, evL.MaxChargePower), max(evseL.MinChargePower, evL.MinChargePower)
	maxD, minD := 0.0, 0.0
	if bpt {
		maxD, minD = min(evseL.MaxDischargePower, evL.MaxDischargePower), max(evseL.MinDischargePower, evL.MinDischargePower)
	}
	check := func(what string, ps []float64) {
		if len(ps) == 0 {
			t.Errorf("no %s", what)
		}
		for _, p := range ps {
			if p > 0 && (p > maxC || p < minC) || p < 0 && (-p > maxD || -p < minD) {
				t.Errorf("%s %.0f W outside charge [%.0f, %.0f], discharge [%.0f, %.0f]", what, p, minC, maxC, minD, maxD)
				return
			}
		}
	}
	check("vehicle power", bat.power)
	evse.mu.Lock()
	defer evse.mu.Unlock()
	check("EVSE power", evse.acPower)
	if len(evse.dc) != 0 {
		t.Errorf("DC targets in an AC session: %v", evse.dc[0])
	}
}

func checkDC(t *testing.T, evseL secc.DCLimits, evL evcc.DCLimits, bpt bool, eng *evcc.Engine, bat *recordingBattery) {
	t.Helper()
	got, ok := eng.EVSELimits()
	want := evcc.DCLimits(evseL)
	if !bpt {
		want.MaxDischargePower, want.MinDischargePower, want.MaxDischargeCurrent, want.MinDischargeCurrent = 0, 0, 0, 0
	}
	if !ok || got != want {
		t.Errorf("EVSE DC limits %+v (%v), want %+v", got, ok, want)
	}
	maxI := min(evseL.MaxChargeCurrent, evL.MaxChargeCurrent)
	maxDI := 0.0
	if bpt {
		maxDI = min(evseL.MaxDischargeCurrent, evL.MaxDischargeCurrent)
	}
	maxP := min(evseL.MaxChargePower, evL.MaxChargePower)
	for k, i := range bat.current {
		v := bat.voltages[k]
		// 0.1 % for the RationalNumber rounding of the EV's target current.
		if i > maxI || -i > maxDI || v*i > maxP*1.001 || v > min(evseL.MaxVoltage, evL.MaxVoltage) {
			t.Errorf("cycle %d: %.1f V %.2f A outside %.0f A / -%.0f A / %.0f W", k, v, i, maxI, maxDI, maxP)
			return
		}
	}
}

func dcArray(v ...float64) [10]float64 { return [10]float64(v) }
