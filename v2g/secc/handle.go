package secc

import (
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
)

func rn(x float64) dc.RationalNumber {
	e, v := session.Rational(x)
	return dc.RationalNumber{Exponent: e, Value: v}
}

func rnp(x float64) *dc.RationalNumber { r := rn(x); return &r }

func rc(x float64) iso20.RationalNumber {
	e, v := session.Rational(x)
	return iso20.RationalNumber{Exponent: e, Value: v}
}

func fl(r dc.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }

func intParam(name string, v int32) iso20.Parameter {
	return iso20.Parameter{Name: name, IntValue: &v}
}

// handle answers an in-sequence request with its response and the stage
// the engine reaches. A FAILED response code in res ends the session.
func (e *Engine) handle(now time.Time, k session.Message, m exi.Message) (exi.Message, session.Stage, error) {
	switch req := m.(type) {
	case *iso20.SessionSetupReq:
		if res, ok := e.resume(now, req); ok {
			return res, session.StageSessionResumed, nil
		}
		id, err := e.newSessionID()
		if err != nil {
			return nil, 0, err
		}
		e.sessionID, e.evccID = id, req.EVCCID
		e.setup = time.Time{}
		e.emit(EventSessionEstablished)
		return &iso20.SessionSetupRes{
			ResponseCode: iso20.ResponseCodeOKNewSessionEstablished,
			EVSEID:       e.cfg.EVSE.EVSEID(),
		}, session.StageSessionSetup, nil

	case *iso20.AuthorizationSetupReq:
		return &iso20.AuthorizationSetupRes{
			AuthorizationServices:     []iso20.Authorization{iso20.AuthorizationEIM},
			EIMASResAuthorizationMode: &iso20.EIMASResAuthorizationMode{},
		}, session.StageAuthorizationSetup, nil

	case *iso20.AuthorizationReq:
		res := &iso20.AuthorizationRes{EVSEProcessing: iso20.ProcessingFinished}
		if req.SelectedAuthorizationService != iso20.AuthorizationEIM || req.EIMAReqAuthorizationMode == nil {
			res.ResponseCode = iso20.ResponseCodeWARNINGAuthorizationSelectionInvalid
			return res, session.StageAuthorizationRejected, nil
		}
		switch e.cfg.EVSE.AuthorizeEIM(now, e.evccID) {
		case AuthorizationAccepted:
			e.ongoingExpired(now, false)
			e.authorized = true
			e.emit(EventAuthorized)
			return res, session.StageAuthorized, nil
		case AuthorizationRejected:
			e.ongoingExpired(now, false)
			res.ResponseCode = iso20.ResponseCodeWARNINGEIMAuthorizationFailure
			return res, session.StageAuthorizationRejected, nil
		}
		if e.ongoingExpired(now, true) {
			res.ResponseCode = iso20.ResponseCodeFAILED
			return res, session.StageSessionStopped, nil
		}
		res.EVSEProcessing = iso20.ProcessingOngoing
		return res, session.StageAuthorizationOngoing, nil

	case *iso20.ServiceDiscoveryReq:
		res := &iso20.ServiceDiscoveryRes{ServiceRenegotiationSupported: !e.cfg.NoServiceRenegotiation}
		for _, s := range e.cfg.Services {
			if servicePhase(s) != e.phase {
				continue
			}
			res.EnergyTransferServiceList.Service = append(res.EnergyTransferServiceList.Service,
				iso20.Service{ServiceID: s})
		}
		return res, session.StageServiceDiscovery, nil

	case *iso20.ServiceDetailReq:
		res := &iso20.ServiceDetailRes{ServiceID: req.ServiceID}
		if !e.offers(req.ServiceID) {
			res.ResponseCode = iso20.ResponseCodeFAILEDServiceIDInvalid
			res.ServiceParameterList = minimalParameterList()
			return res, session.StageSessionStopped, nil
		}
		for _, id := range e.cfg.ParameterSets {
			mode := int32(1)
			if id == ParameterSetDynamic {
				mode = 2
			}
			ps := iso20.ParameterSet{ParameterSetID: id, Parameter: e.serviceParameters(req.ServiceID, mode)}
			res.ServiceParameterList.ParameterSet = append(res.ServiceParameterList.ParameterSet, ps)
			e.offered[session.ServicePair{ServiceID: req.ServiceID, ParameterSetID: id}] = true
		}
		return res, session.StageServiceDetail, nil

	case *iso20.ServiceSelectionReq:
		p := session.ServicePair{
			ServiceID:      req.SelectedEnergyTransferService.ServiceID,
			ParameterSetID: req.SelectedEnergyTransferService.ParameterSetID,
		}
		res := &iso20.ServiceSelectionRes{}
		if !e.offered[p] {
			res.ResponseCode = iso20.ResponseCodeFAILEDServiceSelectionInvalid
			return res, session.StageSessionStopped, nil
		}
		e.selected = p
		e.precharge = false
		e.bpt = p.ServiceID == ServiceDCBPT || p.ServiceID == ServiceACBPT
		e.dynamic = p.ParameterSetID == ParameterSetDynamic
		return res, session.StageServiceSelection, nil

	case *dc.DCChargeParameterDiscoveryReq:
		return e.chargeParameterDiscovery(req), session.StageChargeParameterDiscovery, nil

	case *iso20.ScheduleExchangeReq:
		return e.scheduleExchange(now, req), session.StageScheduleExchange, nil

	case *dc.DCCableCheckReq:
		res := &dc.DCCableCheckRes{EVSEProcessing: dc.ProcessingFinished}
		switch e.cfg.EVSE.CableCheck(now) {
		case IsolationValid, IsolationWarning:
			e.ongoingExpired(now, false)
			return res, session.StageCableCheck, nil
		case IsolationFault:
			res.ResponseCode = dc.ResponseCodeFAILED
			return res, session.StageSessionStopped, nil
		}
		if e.ongoingExpired(now, true) {
			res.ResponseCode = dc.ResponseCodeFAILED
			return res, session.StageSessionStopped, nil
		}
		res.EVSEProcessing = dc.ProcessingOngoing
		return res, session.StageCableCheckOngoing, nil

	case *dc.DCPreChargeReq:
		e.precharge = true
		e.cfg.EVSE.SetTarget(now, DCTarget{Voltage: fl(req.EVTargetVoltage)})
		v, _ := e.cfg.EVSE.Present(now)
		return &dc.DCPreChargeRes{EVSEPresentVoltage: rn(v)}, session.StagePreCharge, nil

	case *iso20.PowerDeliveryReq:
		return e.powerDelivery(now, req)

	case *dc.DCChargeLoopReq:
		res := e.chargeLoop(now, req)
		res.EVSEStatus = e.dcStatus(now)
		return res, e.loopStage(), nil

	case *dc.DCWeldingDetectionReq:
		v, _ := e.cfg.EVSE.Present(now)
		return &dc.DCWeldingDetectionRes{EVSEPresentVoltage: rn(v)}, session.StageWeldingDetection, nil

	case *iso20.SessionStopReq:
		return e.sessionStop(now, req)
	}
	if res, next, ok := e.handleAC(now, m); ok {
		return res, next, nil
	}
	return nil, 0, fmt.Errorf("%w: %v", ErrUnsupported, k)
}

func (e *Engine) offers(id uint16) bool {
	for _, s := range e.cfg.Services {
		if s == id && servicePhase(s) == e.phase {
			return true
		}
	}
	return false
}

func (e *Engine) chargeParameterDiscovery(req *dc.DCChargeParameterDiscoveryReq) *dc.DCChargeParameterDiscoveryRes {
	l := e.cfg.EVSE.DCLimits()
	res := &dc.DCChargeParameterDiscoveryRes{}
	if e.bpt != (req.BPTDCCPDReqEnergyTransferMode != nil) {
		res.ResponseCode = dc.ResponseCodeFAILEDWrongChargeParameter
		res.DCCPDResEnergyTransferMode = &dc.DCCPDResEnergyTransferMode{}
		return res
	}
	if !e.bpt {
		res.DCCPDResEnergyTransferMode = &dc.DCCPDResEnergyTransferMode{
			EVSEMaximumChargePower:   rn(l.MaxChargePower),
			EVSEMinimumChargePower:   rn(l.MinChargePower),
			EVSEMaximumChargeCurrent: rn(l.MaxChargeCurrent),
			EVSEMinimumChargeCurrent: rn(l.MinChargeCurrent),
			EVSEMaximumVoltage:       rn(l.MaxVoltage),
			EVSEMinimumVoltage:       rn(l.MinVoltage),
		}
		return res
	}
	res.BPTDCCPDResEnergyTransferMode = &dc.BPTDCCPDResEnergyTransferMode{
		EVSEMaximumChargePower:      rn(l.MaxChargePower),
		EVSEMinimumChargePower:      rn(l.MinChargePower),
		EVSEMaximumChargeCurrent:    rn(l.MaxChargeCurrent),
		EVSEMinimumChargeCurrent:    rn(l.MinChargeCurrent),
		EVSEMaximumVoltage:          rn(l.MaxVoltage),
		EVSEMinimumVoltage:          rn(l.MinVoltage),
		EVSEMaximumDischargePower:   rn(l.MaxDischargePower),
		EVSEMinimumDischargePower:   rn(l.MinDischargePower),
		EVSEMaximumDischargeCurrent: rn(l.MaxDischargeCurrent),
		EVSEMinimumDischargeCurrent: rn(l.MinDischargeCurrent),
	}
	return res
}

func (e *Engine) scheduleExchange(now time.Time, req *iso20.ScheduleExchangeReq) *iso20.ScheduleExchangeRes {
	res := &iso20.ScheduleExchangeRes{EVSEProcessing: iso20.ProcessingFinished}
	if e.dynamic {
		res.DynamicSEResControlMode = &iso20.DynamicSEResControlMode{AbsolutePriceSchedule: e.priceSchedule(now, 1)}
		if req.DynamicSEReqControlMode == nil {
			res.ResponseCode = iso20.ResponseCodeFAILED
		}
		return res
	}
	charge, discharge := e.schedulePower()
	anchor := uint64(max(now.Unix(), 0))
	tuple := iso20.ScheduleTuple{
		ScheduleTupleID: 1,
		ChargingSchedule: iso20.ChargingSchedule{PowerSchedule: iso20.PowerSchedule{
			TimeAnchor: anchor,
			PowerScheduleEntries: iso20.PowerScheduleEntryList{PowerScheduleEntry: []iso20.PowerScheduleEntry{
				{Duration: 86400, Power: rc(charge)},
			}},
		}, AbsolutePriceSchedule: e.priceSchedule(now, 1)},
	}
	if e.bpt {
		tuple.DischargingSchedule = &iso20.ChargingSchedule{PowerSchedule: iso20.PowerSchedule{
			TimeAnchor: anchor,
			PowerScheduleEntries: iso20.PowerScheduleEntryList{PowerScheduleEntry: []iso20.PowerScheduleEntry{
				{Duration: 86400, Power: rc(-discharge)},
			}},
		}}
	}
	res.ScheduledSEResControlMode = &iso20.ScheduledSEResControlMode{ScheduleTuple: []iso20.ScheduleTuple{tuple}}
	if req.ScheduledSEReqControlMode == nil {
		res.ResponseCode = iso20.ResponseCodeFAILED
	}
	return res
}

func (e *Engine) powerDelivery(now time.Time, req *iso20.PowerDeliveryReq) (exi.Message, session.Stage, error) {
	res := &iso20.PowerDeliveryRes{}
	switch req.ChargeProgress {
	case iso20.ChargeProgressStart:
		if e.stage == session.StageChargeLoop {
			res.ResponseCode = iso20.ResponseCodeFAILEDSequenceError
			return res, session.StageSessionStopped, nil
		}
		if p := req.EVPowerProfile; p != nil && p.ScheduledEVPPTControlMode != nil &&
			p.ScheduledEVPPTControlMode.SelectedScheduleTupleID != 1 {
			res.ResponseCode = iso20.ResponseCodeFAILEDScheduleSelectionInvalid
			return res, session.StageSessionStopped, nil
		}
		if e.phase == session.PhaseDC && !e.precharge {
			// DC output only after cable check and pre-charge.
			res.ResponseCode = iso20.ResponseCodeFAILEDSequenceError
			return res, session.StageSessionStopped, nil
		}
		if err := e.cfg.EVSE.SetPower(now, true); err != nil {
			res.ResponseCode = iso20.ResponseCodeFAILEDPowerDeliveryNotApplied
			return res, session.StageSessionStopped, nil
		}
		if !e.powered {
			e.emit(EventPowerOn)
		}
		e.powered, e.standby = true, false
		return res, session.StagePowerDeliveryStart, nil
	case iso20.ChargeProgressStop:
		if err := e.cfg.EVSE.SetPower(now, false); err != nil {
			res.ResponseCode = iso20.ResponseCodeFAILEDContactorError
			return res, session.StageSessionStopped, nil
		}
		e.powered, e.standby = false, false
		e.emit(EventPowerOff)
		return res, session.StagePowerDeliveryStop, nil
	case iso20.ChargeProgressStandby:
		return e.enterStandby(now, res)
	}
	return e.scheduleRenegotiation(now, res)
}

func (e *Engine) chargeLoop(now time.Time, req *dc.DCChargeLoopReq) *dc.DCChargeLoopRes {
	l := e.cfg.EVSE.DCLimits()
	res := &dc.DCChargeLoopRes{}
	ok := false
	switch {
	case !e.bpt && !e.dynamic && req.ScheduledDCCLReqControlMode != nil:
		c := req.ScheduledDCCLReqControlMode
		e.cfg.EVSE.SetTarget(now, DCTarget{Voltage: fl(c.EVTargetVoltage), Current: fl(c.EVTargetCurrent)})
		res.ScheduledDCCLResControlMode = &dc.ScheduledDCCLResControlMode{
			EVSEMaximumChargePower:   rnp(l.MaxChargePower),
			EVSEMaximumChargeCurrent: rnp(l.MaxChargeCurrent),
			EVSEMaximumVoltage:       rnp(l.MaxVoltage),
		}
		ok = true
	case e.bpt && !e.dynamic && req.BPTScheduledDCCLReqControlMode != nil:
		c := req.BPTScheduledDCCLReqControlMode
		e.cfg.EVSE.SetTarget(now, DCTarget{Voltage: fl(c.EVTargetVoltage), Current: fl(c.EVTargetCurrent)})
		res.BPTScheduledDCCLResControlMode = &dc.BPTScheduledDCCLResControlMode{
			EVSEMaximumChargePower:      rnp(l.MaxChargePower),
			EVSEMaximumChargeCurrent:    rnp(l.MaxChargeCurrent),
			EVSEMaximumVoltage:          rnp(l.MaxVoltage),
			EVSEMaximumDischargePower:   rnp(l.MaxDischargePower),
			EVSEMaximumDischargeCurrent: rnp(l.MaxDischargeCurrent),
			EVSEMinimumVoltage:          rnp(l.MinVoltage),
		}
		ok = true
	case !e.bpt && e.dynamic && req.DynamicDCCLReqControlMode != nil:
		c := req.DynamicDCCLReqControlMode
		e.cfg.EVSE.SetTarget(now, DCTarget{
			Voltage: fl(req.EVPresentVoltage),
			Current: min(fl(c.EVMaximumChargeCurrent), l.MaxChargeCurrent),
		})
		res.DynamicDCCLResControlMode = &dc.DynamicDCCLResControlMode{
			EVSEMaximumChargePower:   rn(l.MaxChargePower),
			EVSEMinimumChargePower:   rn(l.MinChargePower),
			EVSEMaximumChargeCurrent: rn(l.MaxChargeCurrent),
			EVSEMaximumVoltage:       rn(l.MaxVoltage),
		}
		ok = true
	case e.bpt && e.dynamic && req.BPTDynamicDCCLReqControlMode != nil:
		c := req.BPTDynamicDCCLReqControlMode
		i := min(fl(c.EVMaximumChargeCurrent), l.MaxChargeCurrent)
		if fl(c.EVTargetEnergyRequest) < 0 {
			// The EV offers energy: discharge at the lower of both limits.
			i = -min(fl(c.EVMaximumDischargeCurrent), l.MaxDischargeCurrent)
		}
		e.cfg.EVSE.SetTarget(now, DCTarget{Voltage: fl(req.EVPresentVoltage), Current: i})
		res.BPTDynamicDCCLResControlMode = &dc.BPTDynamicDCCLResControlMode{
			EVSEMaximumChargePower:      rn(l.MaxChargePower),
			EVSEMinimumChargePower:      rn(l.MinChargePower),
			EVSEMaximumChargeCurrent:    rn(l.MaxChargeCurrent),
			EVSEMaximumVoltage:          rn(l.MaxVoltage),
			EVSEMaximumDischargePower:   rn(l.MaxDischargePower),
			EVSEMinimumDischargePower:   rn(l.MinDischargePower),
			EVSEMaximumDischargeCurrent: rn(l.MaxDischargeCurrent),
			EVSEMinimumVoltage:          rn(l.MinVoltage),
		}
		ok = true
	}
	if !ok {
		// The control mode must match the selected parameter set [V2G20-1600].
		res.ResponseCode = dc.ResponseCodeFAILED
		res.ScheduledDCCLResControlMode = &dc.ScheduledDCCLResControlMode{}
	}
	e.holdStandby(now)
	res.MeterInfo = e.dcMeterInfo(now, req.MeterInfoRequested)
	v, i := e.cfg.EVSE.Present(now)
	res.EVSEPresentVoltage, res.EVSEPresentCurrent = rn(v), rn(i)
	res.EVSECurrentLimitAchieved = i >= l.MaxChargeCurrent
	res.EVSEVoltageLimitAchieved = v >= l.MaxVoltage
	res.EVSEPowerLimitAchieved = v*i >= l.MaxChargePower
	return res
}

func minimalParameterList() iso20.ServiceParameterList {
	return iso20.ServiceParameterList{ParameterSet: []iso20.ParameterSet{{
		ParameterSetID: 0, Parameter: []iso20.Parameter{intParam("ControlMode", 1)},
	}}}
}

// failedResponse returns a schema-valid response to k with minimal
// content, for refusing a request; nil when the engine cannot build one.
func failedResponse(k session.Message) exi.Message {
	switch k {
	case session.MsgSessionSetup:
		return &iso20.SessionSetupRes{EVSEID: "ZZ00000"}
	case session.MsgAuthorizationSetup:
		return &iso20.AuthorizationSetupRes{
			AuthorizationServices:     []iso20.Authorization{iso20.AuthorizationEIM},
			EIMASResAuthorizationMode: &iso20.EIMASResAuthorizationMode{},
		}
	case session.MsgAuthorization:
		return &iso20.AuthorizationRes{}
	case session.MsgServiceDiscovery:
		return &iso20.ServiceDiscoveryRes{EnergyTransferServiceList: iso20.ServiceList{
			Service: []iso20.Service{{ServiceID: ServiceDC}},
		}}
	case session.MsgServiceDetail:
		return &iso20.ServiceDetailRes{ServiceParameterList: minimalParameterList()}
	case session.MsgServiceSelection:
		return &iso20.ServiceSelectionRes{}
	case session.MsgScheduleExchange:
		return &iso20.ScheduleExchangeRes{DynamicSEResControlMode: &iso20.DynamicSEResControlMode{}}
	case session.MsgPowerDelivery:
		return &iso20.PowerDeliveryRes{}
	case session.MsgSessionStop:
		return &iso20.SessionStopRes{}
	case session.MsgDCChargeParameterDiscovery:
		return &dc.DCChargeParameterDiscoveryRes{DCCPDResEnergyTransferMode: &dc.DCCPDResEnergyTransferMode{}}
	case session.MsgDCCableCheck:
		return &dc.DCCableCheckRes{}
	case session.MsgDCPreCharge:
		return &dc.DCPreChargeRes{}
	case session.MsgDCChargeLoop:
		return &dc.DCChargeLoopRes{ScheduledDCCLResControlMode: &dc.ScheduledDCCLResControlMode{}}
	case session.MsgDCWeldingDetection:
		return &dc.DCWeldingDetectionRes{}
	}
	return acFailedResponse(k)
}
