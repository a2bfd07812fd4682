package replay

import (
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
)

// scriptVehicle is a vehicle with the recorded EVCC's identity, limits,
// energy requests and state of charge, which completes charging after as
// many charge-loop rounds as the recorded EVCC made.
type scriptVehicle struct {
	id        string
	limits    evcc.DCLimits
	targetSOC float64
	energy    evcc.Energy
	voltage   float64
	ac        evcc.ACLimits
	loops     []exi.Message // the recorded DC_ or AC_ChargeLoopReqs
	measured  int           // charge-loop responses seen
}

func (v *scriptVehicle) EVCCID() string               { return v.id }
func (v *scriptVehicle) DCLimits() evcc.DCLimits      { return v.limits }
func (v *scriptVehicle) TargetSOC() float64           { return v.targetSOC }
func (v *scriptVehicle) Energy(time.Time) evcc.Energy { return v.energy }

// PresentVoltage is the voltage at which the recorded EVCC ended
// pre-charge (see evccSetup).
func (v *scriptVehicle) PresentVoltage(time.Time) float64 { return v.voltage }

// loop returns the recorded charge-loop request of the current round.
func (v *scriptVehicle) loop() exi.Message {
	if len(v.loops) == 0 {
		return nil
	}
	return v.loops[min(v.measured, len(v.loops)-1)]
}

func (v *scriptVehicle) SOC(time.Time) float64 {
	var soc *uint8
	switch l := v.loop().(type) {
	case *dc.DCChargeLoopReq:
		if l.DisplayParameters != nil {
			soc = l.DisplayParameters.PresentSOC
		}
	case *ac.ACChargeLoopReq:
		if l.DisplayParameters != nil {
			soc = l.DisplayParameters.PresentSOC
		}
	}
	if soc == nil {
		return 0
	}
	return float64(*soc)
}

func (v *scriptVehicle) Target(time.Time) (float64, float64) {
	l, _ := v.loop().(*dc.DCChargeLoopReq)
	switch {
	case l == nil:
	case l.ScheduledDCCLReqControlMode != nil:
		c := l.ScheduledDCCLReqControlMode
		return fl(c.EVTargetVoltage), fl(c.EVTargetCurrent)
	case l.BPTScheduledDCCLReqControlMode != nil:
		c := l.BPTScheduledDCCLReqControlMode
		return fl(c.EVTargetVoltage), fl(c.EVTargetCurrent)
	case l.DynamicDCCLReqControlMode != nil:
		return v.voltage, fl(l.DynamicDCCLReqControlMode.EVMaximumChargeCurrent)
	case l.BPTDynamicDCCLReqControlMode != nil:
		return v.voltage, fl(l.BPTDynamicDCCLReqControlMode.EVMaximumChargeCurrent)
	}
	return v.voltage, 0
}

func (v *scriptVehicle) Measure(time.Time, float64, float64) { v.measured++ }

func (v *scriptVehicle) ChargingComplete(time.Time) bool { return v.measured >= len(v.loops) }

// evccSetup returns our EVCC's configuration, with its scripted vehicle,
// from the recorded EVCC's requests: the namespace, service and control
// mode it chose, the limits of its ChargeParameterDiscoveryReq, the
// energy requests of its ScheduleExchangeReq, its charge-loop requests.
// The battery voltage is the EVSE present voltage of the last recorded
// DC_PreChargeRes, the voltage at which the recorded EVCC stopped
// pre-charging (falling back to the EVPresentVoltage of its first
// charge-loop request).
func evccSetup(ps []pair, rec *offer) evcc.Config {
	v := &scriptVehicle{targetSOC: 100}
	var cfg evcc.Config
	prechargeSeen := false
	for _, p := range ps {
		switch r := p.req.Msg.(type) {
		case *iso20.SessionSetupReq:
			v.id = r.EVCCID
		case *apphand.SupportedAppProtocolReq:
			cfg.AC = chosen(r, p.res.Msg) == session.NamespaceAC
		case *iso20.ServiceSelectionReq:
			sel := r.SelectedEnergyTransferService
			cfg.BPT = sel.ServiceID == evcc.ServiceDCBPT || sel.ServiceID == evcc.ServiceACBPT
			cfg.Dynamic = rec.modes[svcSet{sel.ServiceID, sel.ParameterSetID}] == 2
		case *dc.DCChargeParameterDiscoveryReq:
			if b := r.BPTDCCPDReqEnergyTransferMode; b != nil {
				v.limits = evcc.DCLimits{
					MaxChargePower: fl(b.EVMaximumChargePower), MinChargePower: fl(b.EVMinimumChargePower),
					MaxChargeCurrent: fl(b.EVMaximumChargeCurrent), MinChargeCurrent: fl(b.EVMinimumChargeCurrent),
					MaxVoltage: fl(b.EVMaximumVoltage), MinVoltage: fl(b.EVMinimumVoltage),
					MaxDischargePower: fl(b.EVMaximumDischargePower), MinDischargePower: fl(b.EVMinimumDischargePower),
					MaxDischargeCurrent: fl(b.EVMaximumDischargeCurrent), MinDischargeCurrent: fl(b.EVMinimumDischargeCurrent),
				}
				if b.TargetSOC != nil {
					v.targetSOC = float64(*b.TargetSOC)
				}
			} else if d := r.DCCPDReqEnergyTransferMode; d != nil {
				v.limits = evcc.DCLimits{
					MaxChargePower: fl(d.EVMaximumChargePower), MinChargePower: fl(d.EVMinimumChargePower),
					MaxChargeCurrent: fl(d.EVMaximumChargeCurrent), MinChargeCurrent: fl(d.EVMinimumChargeCurrent),
					MaxVoltage: fl(d.EVMaximumVoltage), MinVoltage: fl(d.EVMinimumVoltage),
				}
				if d.TargetSOC != nil {
					v.targetSOC = float64(*d.TargetSOC)
				}
			}
		case *iso20.ScheduleExchangeReq:
			if s := r.ScheduledSEReqControlMode; s != nil {
				if s.EVTargetEnergyRequest != nil {
					v.energy.Target = fc(*s.EVTargetEnergyRequest)
				}
				if s.EVMaximumEnergyRequest != nil {
					v.energy.Maximum = fc(*s.EVMaximumEnergyRequest)
				}
				if s.EVMinimumEnergyRequest != nil {
					v.energy.Minimum = fc(*s.EVMinimumEnergyRequest)
				}
			} else if d := r.DynamicSEReqControlMode; d != nil {
				v.energy = evcc.Energy{Target: fc(d.EVTargetEnergyRequest),
					Maximum: fc(d.EVMaximumEnergyRequest), Minimum: fc(d.EVMinimumEnergyRequest)}
				if d.TargetSOC != nil {
					v.targetSOC = float64(*d.TargetSOC)
				}
			}
		case *dc.DCChargeLoopReq:
			if len(v.loops) == 0 && !prechargeSeen {
				v.voltage = fl(r.EVPresentVoltage)
			}
			v.loops = append(v.loops, r)
		case *ac.ACChargeParameterDiscoveryReq:
			v.ac = acVehicleLimits(r)
		case *ac.ACChargeLoopReq:
			v.loops = append(v.loops, r)
		}
		if r, ok := p.res.Msg.(*dc.DCPreChargeRes); ok {
			v.voltage, prechargeSeen = fl(r.EVSEPresentVoltage), true
		}
	}
	cfg.Vehicle = v
	return cfg
}

// chosen returns the namespace of the recorded supportedAppProtocolReq
// that the recorded response chose, "" when none.
func chosen(req *apphand.SupportedAppProtocolReq, res exi.Message) string {
	r, ok := res.(*apphand.SupportedAppProtocolRes)
	if !ok || r.SchemaID == nil {
		return ""
	}
	for _, p := range req.AppProtocol {
		if p.SchemaID == *r.SchemaID {
			return p.ProtocolNamespace
		}
	}
	return ""
}

func runEVCC(ps []pair) (*Result, error) {
	rec := recordedOffer(ps)
	cfg := evccSetup(ps, rec)
	eng, err := evcc.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	res := &Result{Role: RoleEVCC}
	q, err := eng.Start(ps[0].req.Time)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	j := 0 // next recorded exchange
	for n := 1; !q.Done; n++ {
		m, err := decode(q.PayloadType, q.Payload)
		if err != nil {
			res.Exchanges = append(res.Exchanges, Exchange{N: n, Reason: "our request does not decode: " + err.Error()})
			return res, nil
		}
		k, _ := session.Kind(m)
		x := Exchange{N: n, Request: session.MessageName(m)}
		// Our EVCC may repeat a request fewer times than the recorded one
		// (pre-charge reached sooner, PowerDelivery and welding detection
		// not repeated): skip the recorded repetitions.
		if j > 0 && j < len(ps) && ps[j].kind != k {
			skip := 0
			for j+skip < len(ps) && ps[j+skip].kind == ps[j-1].kind {
				skip++
			}
			if j+skip < len(ps) && ps[j+skip].kind == k {
				x.Skipped, x.SkippedRequest = skip, ps[j].req.Name
				j += skip
			}
		}
		if j >= len(ps) {
			x.Reason = "the recording has no further exchange"
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		p := ps[j]
		x.RecordedRequest, x.Response, x.Code = p.req.Name, p.res.Name, codeOf(p.res.Msg)
		if p.kind != k {
			x.Reason = "request differs from the recorded " + p.req.Name
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		now := p.res.Time
		if err := eng.HandleTimeout(now); err != nil {
			x.Reason = "our EVCC timed out: " + err.Error()
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		pt, _ := trace.PayloadType(p.res.Namespace)
		q, err = eng.HandleMessage(now, pt, p.res.EXI)
		if err != nil {
			x.Reason = "our EVCC rejects the response: " + err.Error()
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		x.OK, x.Note = true, "accepted"
		res.Exchanges = append(res.Exchanges, x)
		j++
	}
	if j < len(ps) {
		res.Exchanges = append(res.Exchanges, Exchange{N: len(res.Exchanges) + 1, RecordedRequest: ps[j].req.Name,
			Reason: fmt.Sprintf("our EVCC ended the session with %d recorded exchanges left", len(ps)-j)})
	}
	return res, nil
}
