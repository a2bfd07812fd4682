package session

import (
	"fmt"
	"math"

	"github.com/v2gstack/iso15118/v2g/din"
)

func dinPV(x float64, u din.UnitSymbol) din.PhysicalValue {
	e, v := legacyPV(x)
	return din.PhysicalValue{Multiplier: e, Unit: &u, Value: v}
}

func dinPVP(x float64, u din.UnitSymbol) *din.PhysicalValue { p := dinPV(x, u); return &p }

func dinFl(p din.PhysicalValue) float64 { return Float(p.Multiplier, p.Value) }

func dinFlP(p *din.PhysicalValue) float64 {
	if p == nil {
		return 0
	}
	return dinFl(*p)
}

// legacyPV returns the PhysicalValue (Multiplier, Value) of x; the
// schemas bound the multiplier to -3..3, so larger exponents saturate.
func legacyPV(x float64) (int8, int16) {
	e, v := Rational(x)
	if e > 3 {
		if x < 0 {
			return 3, math.MinInt16
		}
		return 3, math.MaxInt16
	}
	return e, v
}

func dinEVStatus(m *LegacyMessage) din.DCEVStatus {
	return din.DCEVStatus{EVReady: m.EVReady, EVErrorCode: din.DCEVErrorCode(m.EVError), EVRESSSOC: m.SOC}
}

func dinEVSEStatus(m *LegacyMessage) din.DCEVSEStatus {
	iso := din.IsolationLevel(m.Isolation)
	s := din.DCEVSEStatus{EVSEIsolationStatus: &iso, EVSEStatusCode: din.DCEVSEStatusCode(m.StatusCode)}
	if m.StopNotify {
		s.EVSENotification = din.EVSENotificationStopCharging
	}
	return s
}

func fromDINEVStatus(m *LegacyMessage, s din.DCEVStatus) {
	m.EVReady, m.EVError, m.SOC = s.EVReady, uint8(s.EVErrorCode), s.EVRESSSOC
}

func fromDINEVSEStatus(m *LegacyMessage, s *din.DCEVSEStatus) {
	if s == nil {
		return
	}
	if s.EVSEIsolationStatus != nil {
		m.Isolation = uint8(*s.EVSEIsolationStatus)
	}
	m.StatusCode = uint8(s.EVSEStatusCode)
	m.StopNotify = s.EVSENotification == din.EVSENotificationStopCharging
}

// toDIN builds the DIN document of m.
func toDIN(m *LegacyMessage) (*din.V2GMessage, error) {
	doc := &din.V2GMessage{Header: din.MessageHeader{SessionID: append([]byte(nil), m.SessionID...)}}
	b := &doc.Body
	code := din.ResponseCode(m.Code)
	proc := din.EVSEProcessingFinished
	if m.Ongoing {
		proc = din.EVSEProcessingOngoing
	}
	switch {
	case m.Kind == LMsgSessionSetup && !m.Response:
		b.SessionSetupReq = &din.SessionSetupReq{EVCCID: m.EVCCID}
	case m.Kind == LMsgSessionSetup:
		ts := m.TimeStamp
		b.SessionSetupRes = &din.SessionSetupRes{ResponseCode: code, EVSEID: []byte(m.EVSEID), DateTimeNow: &ts}
	case m.Kind == LMsgServiceDiscovery && !m.Response:
		b.ServiceDiscoveryReq = &din.ServiceDiscoveryReq{}
	case m.Kind == LMsgServiceDiscovery:
		b.ServiceDiscoveryRes = &din.ServiceDiscoveryRes{
			ResponseCode:   code,
			PaymentOptions: din.PaymentOptions{PaymentOption: []din.PaymentOption{din.PaymentOptionExternalPayment}},
			ChargeService: din.ServiceCharge{
				ServiceTag:         din.ServiceTag{ServiceID: m.ServiceID, ServiceCategory: din.ServiceCategoryEVCharging},
				EnergyTransferType: din.EVSESupportedEnergyTransfer(m.Transfer),
			},
		}
	case m.Kind == LMsgPaymentSelection && !m.Response:
		req := &din.ServicePaymentSelectionReq{SelectedPaymentOption: din.PaymentOptionContract}
		if m.External {
			req.SelectedPaymentOption = din.PaymentOptionExternalPayment
		}
		for _, s := range m.Services {
			req.SelectedServiceList.SelectedService = append(req.SelectedServiceList.SelectedService, din.SelectedService{ServiceID: s})
		}
		b.ServicePaymentSelectionReq = req
	case m.Kind == LMsgPaymentSelection:
		b.ServicePaymentSelectionRes = &din.ServicePaymentSelectionRes{ResponseCode: code}
	case m.Kind == LMsgAuthorization && !m.Response:
		b.ContractAuthenticationReq = &din.ContractAuthenticationReq{}
	case m.Kind == LMsgAuthorization:
		b.ContractAuthenticationRes = &din.ContractAuthenticationRes{ResponseCode: code, EVSEProcessing: proc}
	case m.Kind == LMsgChargeParameterDiscovery && !m.Response:
		p := &din.DCEVChargeParameter{
			DCEVStatus:            dinEVStatus(m),
			EVMaximumCurrentLimit: dinPV(m.EVMaxI, din.UnitSymbolA),
			EVMaximumVoltageLimit: dinPV(m.EVMaxV, din.UnitSymbolV),
		}
		if m.EVMaxP > 0 {
			p.EVMaximumPowerLimit = dinPVP(m.EVMaxP, din.UnitSymbolW)
		}
		b.ChargeParameterDiscoveryReq = &din.ChargeParameterDiscoveryReq{
			EVRequestedEnergyTransferType: din.EVRequestedEnergyTransfer(m.Transfer),
			DCEVChargeParameter:           p,
		}
	case m.Kind == LMsgChargeParameterDiscovery:
		dur := uint32(86400)
		// DIN's PMax is a short in watts: a larger limit saturates; the
		// exact power is EVSEMaximumPowerLimit.
		pmax := int16(min(max(m.PMax, 0), math.MaxInt16))
		b.ChargeParameterDiscoveryRes = &din.ChargeParameterDiscoveryRes{
			ResponseCode: code, EVSEProcessing: proc,
			SAScheduleList: &din.SAScheduleList{SAScheduleTuple: []din.SAScheduleTuple{{
				SAScheduleTupleID: int16(max(m.TupleID, 1)),
				PMaxSchedule: din.PMaxSchedule{PMaxScheduleEntry: []din.PMaxScheduleEntry{{
					RelativeTimeInterval: &din.RelativeTimeInterval{Duration: &dur}, PMax: pmax,
				}}},
			}}},
			DCEVSEChargeParameter: &din.DCEVSEChargeParameter{
				DCEVSEStatus:            dinEVSEStatus(m),
				EVSEMaximumCurrentLimit: dinPV(m.EVSEMaxI, din.UnitSymbolA),
				EVSEMaximumPowerLimit:   dinPVP(m.EVSEMaxP, din.UnitSymbolW),
				EVSEMaximumVoltageLimit: dinPV(m.EVSEMaxV, din.UnitSymbolV),
				EVSEMinimumCurrentLimit: dinPV(m.EVSEMinI, din.UnitSymbolA),
				EVSEMinimumVoltageLimit: dinPV(m.EVSEMinV, din.UnitSymbolV),
				EVSEPeakCurrentRipple:   dinPV(1, din.UnitSymbolA),
			},
		}
	case m.Kind == LMsgCableCheck && !m.Response:
		b.CableCheckReq = &din.CableCheckReq{DCEVStatus: dinEVStatus(m)}
	case m.Kind == LMsgCableCheck:
		b.CableCheckRes = &din.CableCheckRes{ResponseCode: code, DCEVSEStatus: dinEVSEStatus(m), EVSEProcessing: proc}
	case m.Kind == LMsgPreCharge && !m.Response:
		b.PreChargeReq = &din.PreChargeReq{
			DCEVStatus:      dinEVStatus(m),
			EVTargetVoltage: dinPV(m.TargetV, din.UnitSymbolV),
			EVTargetCurrent: dinPV(m.TargetI, din.UnitSymbolA),
		}
	case m.Kind == LMsgPreCharge:
		b.PreChargeRes = &din.PreChargeRes{ResponseCode: code, DCEVSEStatus: dinEVSEStatus(m),
			EVSEPresentVoltage: dinPV(m.PresentV, din.UnitSymbolV)}
	case m.Kind == LMsgPowerDelivery && !m.Response:
		b.PowerDeliveryReq = &din.PowerDeliveryReq{
			ReadyToChargeState: m.Start,
			DCEVPowerDeliveryParameter: &din.DCEVPowerDeliveryParameter{
				DCEVStatus: dinEVStatus(m), ChargingComplete: m.Complete,
			},
		}
	case m.Kind == LMsgPowerDelivery:
		s := dinEVSEStatus(m)
		b.PowerDeliveryRes = &din.PowerDeliveryRes{ResponseCode: code, DCEVSEStatus: &s}
	case m.Kind == LMsgCurrentDemand && !m.Response:
		b.CurrentDemandReq = &din.CurrentDemandReq{
			DCEVStatus:            dinEVStatus(m),
			EVTargetCurrent:       dinPV(m.TargetI, din.UnitSymbolA),
			EVMaximumVoltageLimit: dinPVP(m.EVMaxV, din.UnitSymbolV),
			EVMaximumCurrentLimit: dinPVP(m.EVMaxI, din.UnitSymbolA),
			ChargingComplete:      m.Complete,
			EVTargetVoltage:       dinPV(m.TargetV, din.UnitSymbolV),
		}
		if m.EVMaxP > 0 {
			b.CurrentDemandReq.EVMaximumPowerLimit = dinPVP(m.EVMaxP, din.UnitSymbolW)
		}
	case m.Kind == LMsgCurrentDemand:
		b.CurrentDemandRes = &din.CurrentDemandRes{
			ResponseCode: code, DCEVSEStatus: dinEVSEStatus(m),
			EVSEPresentVoltage:       dinPV(m.PresentV, din.UnitSymbolV),
			EVSEPresentCurrent:       dinPV(m.PresentI, din.UnitSymbolA),
			EVSECurrentLimitAchieved: m.LimitI, EVSEVoltageLimitAchieved: m.LimitV, EVSEPowerLimitAchieved: m.LimitP,
			EVSEMaximumVoltageLimit: dinPVP(m.EVSEMaxV, din.UnitSymbolV),
			EVSEMaximumCurrentLimit: dinPVP(m.EVSEMaxI, din.UnitSymbolA),
			EVSEMaximumPowerLimit:   dinPVP(m.EVSEMaxP, din.UnitSymbolW),
		}
	case m.Kind == LMsgWeldingDetection && !m.Response:
		b.WeldingDetectionReq = &din.WeldingDetectionReq{DCEVStatus: dinEVStatus(m)}
	case m.Kind == LMsgWeldingDetection:
		b.WeldingDetectionRes = &din.WeldingDetectionRes{ResponseCode: code, DCEVSEStatus: dinEVSEStatus(m),
			EVSEPresentVoltage: dinPV(m.PresentV, din.UnitSymbolV)}
	case m.Kind == LMsgSessionStop && !m.Response:
		b.SessionStopReq = &din.SessionStop{}
	case m.Kind == LMsgSessionStop:
		b.SessionStopRes = &din.SessionStopRes{ResponseCode: code}
	default:
		return nil, fmt.Errorf("session: DIN has no %v (response %v) the engines send", m.Kind, m.Response)
	}
	return doc, nil
}

// fromDIN returns the common form of a DIN document.
func fromDIN(doc *din.V2GMessage) (*LegacyMessage, error) {
	m := &LegacyMessage{SessionID: doc.Header.SessionID, Terminate: true}
	b := &doc.Body
	switch {
	case b.SessionSetupReq != nil:
		m.Kind, m.EVCCID = LMsgSessionSetup, b.SessionSetupReq.EVCCID
	case b.SessionSetupRes != nil:
		r := b.SessionSetupRes
		m.Kind, m.Response, m.Code, m.EVSEID = LMsgSessionSetup, true, LegacyCode(r.ResponseCode), string(r.EVSEID)
		if r.DateTimeNow != nil {
			m.TimeStamp = *r.DateTimeNow
		}
	case b.ServiceDiscoveryReq != nil:
		m.Kind = LMsgServiceDiscovery
	case b.ServiceDiscoveryRes != nil:
		r := b.ServiceDiscoveryRes
		m.Kind, m.Response, m.Code = LMsgServiceDiscovery, true, LegacyCode(r.ResponseCode)
		m.ServiceID, m.Transfer = r.ChargeService.ServiceTag.ServiceID, uint8(r.ChargeService.EnergyTransferType)
		for _, p := range r.PaymentOptions.PaymentOption {
			m.External = m.External || p == din.PaymentOptionExternalPayment
		}
	case b.ServicePaymentSelectionReq != nil:
		r := b.ServicePaymentSelectionReq
		m.Kind, m.External = LMsgPaymentSelection, r.SelectedPaymentOption == din.PaymentOptionExternalPayment
		for _, s := range r.SelectedServiceList.SelectedService {
			m.Services = append(m.Services, s.ServiceID)
		}
	case b.ServicePaymentSelectionRes != nil:
		m.Kind, m.Response, m.Code = LMsgPaymentSelection, true, LegacyCode(b.ServicePaymentSelectionRes.ResponseCode)
	case b.ContractAuthenticationReq != nil:
		m.Kind = LMsgAuthorization
	case b.ContractAuthenticationRes != nil:
		r := b.ContractAuthenticationRes
		m.Kind, m.Response, m.Code, m.Ongoing = LMsgAuthorization, true, LegacyCode(r.ResponseCode), r.EVSEProcessing == din.EVSEProcessingOngoing
	case b.ChargeParameterDiscoveryReq != nil:
		r := b.ChargeParameterDiscoveryReq
		m.Kind, m.Transfer = LMsgChargeParameterDiscovery, uint8(r.EVRequestedEnergyTransferType)
		if p := r.DCEVChargeParameter; p != nil {
			fromDINEVStatus(m, p.DCEVStatus)
			m.EVMaxI, m.EVMaxV, m.EVMaxP = dinFl(p.EVMaximumCurrentLimit), dinFl(p.EVMaximumVoltageLimit), dinFlP(p.EVMaximumPowerLimit)
		}
	case b.ChargeParameterDiscoveryRes != nil:
		r := b.ChargeParameterDiscoveryRes
		m.Kind, m.Response, m.Code, m.Ongoing = LMsgChargeParameterDiscovery, true, LegacyCode(r.ResponseCode), r.EVSEProcessing == din.EVSEProcessingOngoing
		if l := r.SAScheduleList; l != nil && len(l.SAScheduleTuple) > 0 {
			t := l.SAScheduleTuple[0]
			m.TupleID = uint8(t.SAScheduleTupleID)
			if len(t.PMaxSchedule.PMaxScheduleEntry) > 0 {
				m.PMax = float64(t.PMaxSchedule.PMaxScheduleEntry[0].PMax)
			}
		}
		if p := r.DCEVSEChargeParameter; p != nil {
			fromDINEVSEStatus(m, &p.DCEVSEStatus)
			m.EVSEMaxI, m.EVSEMaxV, m.EVSEMaxP = dinFl(p.EVSEMaximumCurrentLimit), dinFl(p.EVSEMaximumVoltageLimit), dinFlP(p.EVSEMaximumPowerLimit)
			m.EVSEMinI, m.EVSEMinV = dinFl(p.EVSEMinimumCurrentLimit), dinFl(p.EVSEMinimumVoltageLimit)
		}
	case b.CableCheckReq != nil:
		m.Kind = LMsgCableCheck
		fromDINEVStatus(m, b.CableCheckReq.DCEVStatus)
	case b.CableCheckRes != nil:
		r := b.CableCheckRes
		m.Kind, m.Response, m.Code, m.Ongoing = LMsgCableCheck, true, LegacyCode(r.ResponseCode), r.EVSEProcessing == din.EVSEProcessingOngoing
		fromDINEVSEStatus(m, &r.DCEVSEStatus)
	case b.PreChargeReq != nil:
		r := b.PreChargeReq
		m.Kind, m.TargetV, m.TargetI = LMsgPreCharge, dinFl(r.EVTargetVoltage), dinFl(r.EVTargetCurrent)
		fromDINEVStatus(m, r.DCEVStatus)
	case b.PreChargeRes != nil:
		r := b.PreChargeRes
		m.Kind, m.Response, m.Code, m.PresentV = LMsgPreCharge, true, LegacyCode(r.ResponseCode), dinFl(r.EVSEPresentVoltage)
		fromDINEVSEStatus(m, &r.DCEVSEStatus)
	case b.PowerDeliveryReq != nil:
		r := b.PowerDeliveryReq
		m.Kind, m.Start = LMsgPowerDelivery, r.ReadyToChargeState
		if p := r.DCEVPowerDeliveryParameter; p != nil {
			fromDINEVStatus(m, p.DCEVStatus)
			m.Complete = p.ChargingComplete
		}
	case b.PowerDeliveryRes != nil:
		r := b.PowerDeliveryRes
		m.Kind, m.Response, m.Code = LMsgPowerDelivery, true, LegacyCode(r.ResponseCode)
		fromDINEVSEStatus(m, r.DCEVSEStatus)
	case b.CurrentDemandReq != nil:
		r := b.CurrentDemandReq
		m.Kind, m.TargetV, m.TargetI, m.Complete = LMsgCurrentDemand, dinFl(r.EVTargetVoltage), dinFl(r.EVTargetCurrent), r.ChargingComplete
		m.EVMaxV, m.EVMaxI, m.EVMaxP = dinFlP(r.EVMaximumVoltageLimit), dinFlP(r.EVMaximumCurrentLimit), dinFlP(r.EVMaximumPowerLimit)
		fromDINEVStatus(m, r.DCEVStatus)
	case b.CurrentDemandRes != nil:
		r := b.CurrentDemandRes
		m.Kind, m.Response, m.Code = LMsgCurrentDemand, true, LegacyCode(r.ResponseCode)
		m.PresentV, m.PresentI = dinFl(r.EVSEPresentVoltage), dinFl(r.EVSEPresentCurrent)
		m.LimitI, m.LimitV, m.LimitP = r.EVSECurrentLimitAchieved, r.EVSEVoltageLimitAchieved, r.EVSEPowerLimitAchieved
		m.EVSEMaxV, m.EVSEMaxI, m.EVSEMaxP = dinFlP(r.EVSEMaximumVoltageLimit), dinFlP(r.EVSEMaximumCurrentLimit), dinFlP(r.EVSEMaximumPowerLimit)
		fromDINEVSEStatus(m, &r.DCEVSEStatus)
	case b.WeldingDetectionReq != nil:
		m.Kind = LMsgWeldingDetection
		fromDINEVStatus(m, b.WeldingDetectionReq.DCEVStatus)
	case b.WeldingDetectionRes != nil:
		r := b.WeldingDetectionRes
		m.Kind, m.Response, m.Code, m.PresentV = LMsgWeldingDetection, true, LegacyCode(r.ResponseCode), dinFl(r.EVSEPresentVoltage)
		fromDINEVSEStatus(m, &r.DCEVSEStatus)
	case b.SessionStopReq != nil:
		m.Kind = LMsgSessionStop
	case b.SessionStopRes != nil:
		m.Kind, m.Response, m.Code = LMsgSessionStop, true, LegacyCode(b.SessionStopRes.ResponseCode)
	case b.ServiceDetailReq != nil:
		m.Kind = LMsgServiceDetail
	case b.PaymentDetailsReq != nil:
		m.Kind = LMsgPaymentDetails
	case b.ChargingStatusReq != nil:
		m.Kind = LMsgChargingStatus
	case b.MeteringReceiptReq != nil:
		m.Kind = LMsgMeteringReceipt
	case b.CertificateInstallationReq != nil || b.CertificateUpdateReq != nil:
		m.Kind = LMsgCertificate
	default:
		return nil, fmt.Errorf("%w: DIN body holds no message the engines handle", ErrDecode)
	}
	return m, nil
}
