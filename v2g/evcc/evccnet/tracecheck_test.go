package evccnet_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// recorder collects the trace records of one side of a session.
type recorder struct {
	mu   sync.Mutex
	recs []session.TraceRecord
}

func (r *recorder) hook(rec session.TraceRecord) {
	rec.EXI = bytes.Clone(rec.EXI) // the engines reuse their buffers
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
}

func (r *recorder) take() []session.TraceRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.recs
	r.recs = nil
	return out
}

func dcf(x dc.RationalNumber) float64 { return session.Float(x.Exponent, x.Value) }
func acf(x ac.RationalNumber) float64 { return session.Float(x.Exponent, x.Value) }

// traceConfig is what one session of the matrix was configured with.
type traceConfig struct {
	ac, bpt    bool
	evseDC     [10]float64 // secc.DCLimits in field order
	evseAC     [4]float64  // max charge, min charge, max discharge, min discharge power
	evDC       [10]float64 // evcc.DCLimits in field order
	evAC       [4]float64
	capacityWh float64
	startPct   float64
	targetPct  float64
	minPct     float64
	step       time.Duration
}

// checkTraces checks a session from its two traces alone: the EVCC's
// trace is the mirror of the SECC's, the charge-parameter messages carry
// the configured limits of both sides, every charge-loop value stays
// within both sides' limits, and the energy that the loop messages carry
// matches the configured battery: charged from the start to the target
// state of charge and, with BPT, discharged from the target to the
// minimum, give or take the energy of one simulated step per phase.
func checkTraces(t *testing.T, cfg traceConfig, seccTrace, evccTrace []session.TraceRecord) {
	t.Helper()
	if len(seccTrace) == 0 || len(seccTrace) != len(evccTrace) {
		t.Fatalf("traces of %d and %d records", len(seccTrace), len(evccTrace))
	}
	for i := range seccTrace {
		s, e := seccTrace[i], evccTrace[i]
		if s.Dir == e.Dir || s.Name != e.Name || s.Namespace != e.Namespace || !bytes.Equal(s.EXI, e.EXI) {
			t.Fatalf("record %d: SECC %v %s %x, EVCC %v %s %x", i, s.Dir, s.Name, s.EXI, e.Dir, e.Name, e.EXI)
		}
	}
	var (
		sawCPDReq, sawCPDRes bool
		charged, discharged  float64 // Wh, from the loop messages
		loops                int
		maxPower             float64
	)
	hours := cfg.step.Hours()
	within := func(what string, x, lo, hi float64) {
		t.Helper()
		if x < lo-1e-9 || x > hi+1e-9 {
			t.Errorf("%s %.3f outside [%.3f, %.3f]", what, x, lo, hi)
		}
	}
	addEnergy := func(w float64) {
		if w >= 0 {
			charged += w * hours
		} else {
			discharged -= w * hours
		}
		maxPower = max(maxPower, w, -w)
	}
	for _, r := range seccTrace {
		switch m := r.Msg.(type) {
		case *dc.DCChargeParameterDiscoveryReq:
			sawCPDReq = true
			if d := m.DCCPDReqEnergyTransferMode; d != nil {
				got := [6]float64{dcf(d.EVMaximumChargePower), dcf(d.EVMinimumChargePower), dcf(d.EVMaximumChargeCurrent),
					dcf(d.EVMinimumChargeCurrent), dcf(d.EVMaximumVoltage), dcf(d.EVMinimumVoltage)}
				if want := [6]float64(cfg.evDC[:6]); got != want {
					t.Errorf("EV DC limits in the trace %v, configured %v", got, want)
				}
			} else {
				b := m.BPTDCCPDReqEnergyTransferMode
				got := [10]float64{dcf(b.EVMaximumChargePower), dcf(b.EVMinimumChargePower), dcf(b.EVMaximumChargeCurrent),
					dcf(b.EVMinimumChargeCurrent), dcf(b.EVMaximumVoltage), dcf(b.EVMinimumVoltage),
					dcf(b.EVMaximumDischargePower), dcf(b.EVMinimumDischargePower), dcf(b.EVMaximumDischargeCurrent),
					dcf(b.EVMinimumDischargeCurrent)}
				if got != cfg.evDC {
					t.Errorf("EV DC limits in the trace %v, configured %v", got, cfg.evDC)
				}
			}
		case *dc.DCChargeParameterDiscoveryRes:
			sawCPDRes = true
			if cfg.bpt {
				b := m.BPTDCCPDResEnergyTransferMode
				got := [10]float64{dcf(b.EVSEMaximumChargePower), dcf(b.EVSEMinimumChargePower), dcf(b.EVSEMaximumChargeCurrent),
					dcf(b.EVSEMinimumChargeCurrent), dcf(b.EVSEMaximumVoltage), dcf(b.EVSEMinimumVoltage),
					dcf(b.EVSEMaximumDischargePower), dcf(b.EVSEMinimumDischargePower), dcf(b.EVSEMaximumDischargeCurrent),
					dcf(b.EVSEMinimumDischargeCurrent)}
				if got != cfg.evseDC {
					t.Errorf("EVSE DC limits in the trace %v, configured %v", got, cfg.evseDC)
				}
			} else {
				d := m.DCCPDResEnergyTransferMode
				got := [6]float64{dcf(d.EVSEMaximumChargePower), dcf(d.EVSEMinimumChargePower), dcf(d.EVSEMaximumChargeCurrent),
					dcf(d.EVSEMinimumChargeCurrent), dcf(d.EVSEMaximumVoltage), dcf(d.EVSEMinimumVoltage)}
				if want := [6]float64(cfg.evseDC[:6]); got != want {
					t.Errorf("EVSE DC limits in the trace %v, configured %v", got, want)
				}
			}
		case *dc.DCChargeLoopRes:
			loops++
			v, i := dcf(m.EVSEPresentVoltage), dcf(m.EVSEPresentCurrent)
			within("present voltage", v, 0, min(cfg.evseDC[4], cfg.evDC[4]))
			if cfg.bpt {
				within("present current", i, -min(cfg.evseDC[8], cfg.evDC[8]), min(cfg.evseDC[2], cfg.evDC[2]))
			} else {
				within("present current", i, 0, min(cfg.evseDC[2], cfg.evDC[2]))
			}
			addEnergy(v * i)
		case *ac.ACChargeParameterDiscoveryReq:
			sawCPDReq = true
			if a := m.ACCPDReqEnergyTransferMode; a != nil {
				got := [2]float64{acf(a.EVMaximumChargePower), acf(a.EVMinimumChargePower)}
				if want := [2]float64(cfg.evAC[:2]); got != want {
					t.Errorf("EV AC limits in the trace %v, configured %v", got, want)
				}
			} else if b := m.BPTACCPDReqEnergyTransferMode; b != nil {
				got := [4]float64{acf(b.EVMaximumChargePower), acf(b.EVMinimumChargePower),
					acf(b.EVMaximumDischargePower), acf(b.EVMinimumDischargePower)}
				if got != cfg.evAC {
					t.Errorf("EV AC limits in the trace %v, configured %v", got, cfg.evAC)
				}
			}
		case *ac.ACChargeParameterDiscoveryRes:
			sawCPDRes = true
			var got [4]float64
			if b := m.BPTACCPDResEnergyTransferMode; b != nil {
				got = [4]float64{acf(b.EVSEMaximumChargePower), acf(b.EVSEMinimumChargePower),
					acf(b.EVSEMaximumDischargePower), acf(b.EVSEMinimumDischargePower)}
			} else if a := m.ACCPDResEnergyTransferMode; a != nil {
				got = [4]float64{acf(a.EVSEMaximumChargePower), acf(a.EVSEMinimumChargePower), cfg.evseAC[2], cfg.evseAC[3]}
			}
			if got != cfg.evseAC {
				t.Errorf("EVSE AC limits in the trace %v, configured %v", got, cfg.evseAC)
			}
		case *ac.ACChargeLoopReq:
			var p *ac.RationalNumber
			switch {
			case m.ScheduledACCLReqControlMode != nil:
				p = &m.ScheduledACCLReqControlMode.EVPresentActivePower
			case m.DynamicACCLReqControlMode != nil:
				p = &m.DynamicACCLReqControlMode.EVPresentActivePower
			case m.BPTScheduledACCLReqControlMode != nil:
				p = &m.BPTScheduledACCLReqControlMode.EVPresentActivePower
			case m.BPTDynamicACCLReqControlMode != nil:
				p = &m.BPTDynamicACCLReqControlMode.EVPresentActivePower
			}
			if p == nil {
				t.Fatal("AC_ChargeLoopReq without a control mode")
			}
			w := acf(*p)
			if w > 0 {
				within("EV present power", w, max(cfg.evseAC[1], cfg.evAC[1]), min(cfg.evseAC[0], cfg.evAC[0]))
			} else if w < 0 {
				if !cfg.bpt {
					t.Errorf("discharge %.0f W without BPT", w)
				}
				within("EV present discharge power", -w, max(cfg.evseAC[3], cfg.evAC[3]), min(cfg.evseAC[2], cfg.evAC[2]))
			}
			loops++
			addEnergy(w)
		}
	}
	if !sawCPDReq || !sawCPDRes || loops < 10 {
		t.Fatalf("trace: ChargeParameterDiscovery req %v res %v, %d loop messages", sawCPDReq, sawCPDRes, loops)
	}
	// One step of the largest power seen is the overshoot allowed at each
	// turning point (the battery passes its target or minimum within a
	// step), plus one step for the loop message that carries the power of
	// the previous step (AC).
	slack := 2 * maxPower * hours
	wantCharge := (cfg.targetPct - cfg.startPct) / 100 * cfg.capacityWh
	within("energy charged (Wh) in the trace", charged, wantCharge-slack, wantCharge+slack)
	if cfg.bpt {
		wantDischarge := (cfg.targetPct - cfg.minPct) / 100 * cfg.capacityWh
		within("energy discharged (Wh) in the trace", discharged, wantDischarge-slack, wantDischarge+2*slack)
	} else if discharged != 0 {
		t.Errorf("%.1f Wh discharged without BPT", discharged)
	}
	t.Logf("trace: %d records, %d loops, %.1f Wh charged, %.1f Wh discharged", len(seccTrace), loops, charged, discharged)
}
