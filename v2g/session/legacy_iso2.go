package session

import (
	"fmt"

	"github.com/v2gstack/iso15118/v2g/iso2"
)

func iso2PV(x float64, u iso2.UnitSymbol) iso2.PhysicalValue {
	e, v := legacyPV(x)
	return iso2.PhysicalValue{Multiplier: e, Unit: u, Value: v}
}

func iso2PVP(x float64, u iso2.UnitSymbol) *iso2.PhysicalValue { p := iso2PV(x, u); return &p }

func iso2Fl(p iso2.PhysicalValue) float64 { return Float(p.Multiplier, p.Value) }

func iso2FlP(p *iso2.PhysicalValue) float64 {
	if p == nil {
		return 0
	}
	return iso2Fl(*p)
}

func iso2EVStatus(m *LegacyMessage) iso2.DCEVStatus {
	return iso2.DCEVStatus{EVReady: m.EVReady, EVErrorCode: iso2.DCEVErrorCode(m.EVError), EVRESSSOC: m.SOC}
}

func iso2EVSEStatus(m *LegacyMessage) iso2.DCEVSEStatus {
	iso := iso2.IsolationLevel(m.Isolation)
	s := iso2.DCEVSEStatus{EVSEIsolationStatus: &iso, EVSEStatusCode: iso2.DCEVSEStatusCode(m.StatusCode)}
	if m.StopNotify {
		s.EVSENotification = iso2.EVSENotificationStopCharging
	}
	return s
}

func fromISO2EVStatus(m *LegacyMessage, s iso2.DCEVStatus) {
	m.EVReady, m.EVError, m.SOC = s.EVReady, uint8(s.EVErrorCode), s.EVRESSSOC
}

func fromISO2EVSEStatus(m *LegacyMessage, s *iso2.DCEVSEStatus) {
	if s == nil {
		return
	}
	if s.EVSEIsolationStatus != nil {
		m.Isolation = uint8(*s.EVSEIsolationStatus)
	}
	m.StatusCode = uint8(s.EVSEStatusCode)
	m.StopNotify = s.EVSENotification == iso2.EVSENotificationStopCharging
}

// toISO2 builds the -2 document of m.
func toISO2(m *LegacyMessage) (*iso2.V2GMessage, error) {
	doc := &iso2.V2GMessage{Header: iso2.MessageHeader{SessionID: append([]byte(nil), m.SessionID...)}}
	b := &doc.Body
	code := iso2.ResponseCode(m.Code)
	proc := iso2.EVSEProcessingFinished
	if m.Ongoing {
		proc = iso2.EVSEProcessingOngoing
	}
	switch {
	case m.Kind == LMsgSessionSetup && !m.Response:
		b.SessionSetupReq = &iso2.SessionSetupReq{EVCCID: m.EVCCID}
	case m.Kind == LMsgSessionSetup:
		ts := m.TimeStamp
		b.SessionSetupRes = &iso2.SessionSetupRes{ResponseCode: code, EVSEID: m.EVSEID, EVSETimeStamp: &ts}
	case m.Kind == LMsgServiceDiscovery && !m.Response:
		b.ServiceDiscoveryReq = &iso2.ServiceDiscoveryReq{}
	case m.Kind == LMsgServiceDiscovery:
		b.ServiceDiscoveryRes = &iso2.ServiceDiscoveryRes{
			ResponseCode:      code,
			PaymentOptionList: iso2.PaymentOptionList{PaymentOption: []iso2.PaymentOption{iso2.PaymentOptionExternalPayment}},
			ChargeService: iso2.ChargeService{
				ServiceID: m.ServiceID, ServiceCategory: iso2.ServiceCategoryEVCharging,
				SupportedEnergyTransferMode: iso2.SupportedEnergyTransferMode{
					EnergyTransferMode: []iso2.EnergyTransferMode{iso2.EnergyTransferMode(m.Transfer)},
				},
			},
		}
	case m.Kind == LMsgServiceDetail && !m.Response:
		b.ServiceDetailReq = &iso2.ServiceDetailReq{ServiceID: m.ServiceID}
	case m.Kind == LMsgServiceDetail:
		b.ServiceDetailRes = &iso2.ServiceDetailRes{ResponseCode: code, ServiceID: m.ServiceID}
	case m.Kind == LMsgPaymentSelection && !m.Response:
		req := &iso2.PaymentServiceSelectionReq{SelectedPaymentOption: iso2.PaymentOptionContract}
		if m.External {
			req.SelectedPaymentOption = iso2.PaymentOptionExternalPayment
		}
		for _, s := range m.Services {
			req.SelectedServiceList.SelectedService = append(req.SelectedServiceList.SelectedService, iso2.SelectedService{ServiceID: s})
		}
		b.PaymentServiceSelectionReq = req
	case m.Kind == LMsgPaymentSelection:
		b.PaymentServiceSelectionRes = &iso2.PaymentServiceSelectionRes{ResponseCode: code}
	case m.Kind == LMsgAuthorization && !m.Response:
		b.AuthorizationReq = &iso2.AuthorizationReq{}
	case m.Kind == LMsgAuthorization:
		b.AuthorizationRes = &iso2.AuthorizationRes{ResponseCode: code, EVSEProcessing: proc}
	case m.Kind == LMsgChargeParameterDiscovery && !m.Response:
		p := &iso2.DCEVChargeParameter{
			DCEVStatus:            iso2EVStatus(m),
			EVMaximumCurrentLimit: iso2PV(m.EVMaxI, iso2.UnitSymbolA),
			EVMaximumVoltageLimit: iso2PV(m.EVMaxV, iso2.UnitSymbolV),
		}
		if m.EVMaxP > 0 {
			p.EVMaximumPowerLimit = iso2PVP(m.EVMaxP, iso2.UnitSymbolW)
		}
		b.ChargeParameterDiscoveryReq = &iso2.ChargeParameterDiscoveryReq{
			RequestedEnergyTransferMode: iso2.EnergyTransferMode(m.Transfer),
			DCEVChargeParameter:         p,
		}
	case m.Kind == LMsgChargeParameterDiscovery:
		dur := uint32(86400)
		b.ChargeParameterDiscoveryRes = &iso2.ChargeParameterDiscoveryRes{
			ResponseCode: code, EVSEProcessing: proc,
			SAScheduleList: &iso2.SAScheduleList{SAScheduleTuple: []iso2.SAScheduleTuple{{
				SAScheduleTupleID: max(m.TupleID, 1),
				PMaxSchedule: iso2.PMaxSchedule{PMaxScheduleEntry: []iso2.PMaxScheduleEntry{{
					RelativeTimeInterval: iso2.RelativeTimeInterval{Duration: &dur}, PMax: iso2PV(m.PMax, iso2.UnitSymbolW),
				}}},
			}}},
			DCEVSEChargeParameter: &iso2.DCEVSEChargeParameter{
				DCEVSEStatus:            iso2EVSEStatus(m),
				EVSEMaximumCurrentLimit: iso2PV(m.EVSEMaxI, iso2.UnitSymbolA),
				EVSEMaximumPowerLimit:   iso2PV(m.EVSEMaxP, iso2.UnitSymbolW),
				EVSEMaximumVoltageLimit: iso2PV(m.EVSEMaxV, iso2.UnitSymbolV),
				EVSEMinimumCurrentLimit: iso2PV(m.EVSEMinI, iso2.UnitSymbolA),
				EVSEMinimumVoltageLimit: iso2PV(m.EVSEMinV, iso2.UnitSymbolV),
				EVSEPeakCurrentRipple:   iso2PV(1, iso2.UnitSymbolA),
			},
		}
	case m.Kind == LMsgCableCheck && !m.Response:
		b.CableCheckReq = &iso2.CableCheckReq{DCEVStatus: iso2EVStatus(m)}
	case m.Kind == LMsgCableCheck:
		b.CableCheckRes = &iso2.CableCheckRes{ResponseCode: code, DCEVSEStatus: iso2EVSEStatus(m), EVSEProcessing: proc}
	case m.Kind == LMsgPreCharge && !m.Response:
		b.PreChargeReq = &iso2.PreChargeReq{
			DCEVStatus:      iso2EVStatus(m),
			EVTargetVoltage: iso2PV(m.TargetV, iso2.UnitSymbolV),
			EVTargetCurrent: iso2PV(m.TargetI, iso2.UnitSymbolA),
		}
	case m.Kind == LMsgPreCharge:
		b.PreChargeRes = &iso2.PreChargeRes{ResponseCode: code, DCEVSEStatus: iso2EVSEStatus(m),
			EVSEPresentVoltage: iso2PV(m.PresentV, iso2.UnitSymbolV)}
	case m.Kind == LMsgPowerDelivery && !m.Response:
		progress := iso2.ChargeProgressStop
		if m.Start {
			progress = iso2.ChargeProgressStart
		}
		b.PowerDeliveryReq = &iso2.PowerDeliveryReq{
			ChargeProgress: progress, SAScheduleTupleID: max(m.TupleID, 1),
			DCEVPowerDeliveryParameter: &iso2.DCEVPowerDeliveryParameter{
				DCEVStatus: iso2EVStatus(m), ChargingComplete: m.Complete,
			},
		}
	case m.Kind == LMsgPowerDelivery:
		s := iso2EVSEStatus(m)
		b.PowerDeliveryRes = &iso2.PowerDeliveryRes{ResponseCode: code, DCEVSEStatus: &s}
	case m.Kind == LMsgCurrentDemand && !m.Response:
		b.CurrentDemandReq = &iso2.CurrentDemandReq{
			DCEVStatus:            iso2EVStatus(m),
			EVTargetCurrent:       iso2PV(m.TargetI, iso2.UnitSymbolA),
			EVMaximumVoltageLimit: iso2PVP(m.EVMaxV, iso2.UnitSymbolV),
			EVMaximumCurrentLimit: iso2PVP(m.EVMaxI, iso2.UnitSymbolA),
			ChargingComplete:      m.Complete,
			EVTargetVoltage:       iso2PV(m.TargetV, iso2.UnitSymbolV),
		}
		if m.EVMaxP > 0 {
			b.CurrentDemandReq.EVMaximumPowerLimit = iso2PVP(m.EVMaxP, iso2.UnitSymbolW)
		}
	case m.Kind == LMsgCurrentDemand:
		b.CurrentDemandRes = &iso2.CurrentDemandRes{
			ResponseCode: code, DCEVSEStatus: iso2EVSEStatus(m),
			EVSEPresentVoltage:       iso2PV(m.PresentV, iso2.UnitSymbolV),
			EVSEPresentCurrent:       iso2PV(m.PresentI, iso2.UnitSymbolA),
			EVSECurrentLimitAchieved: m.LimitI, EVSEVoltageLimitAchieved: m.LimitV, EVSEPowerLimitAchieved: m.LimitP,
			EVSEMaximumVoltageLimit: iso2PVP(m.EVSEMaxV, iso2.UnitSymbolV),
			EVSEMaximumCurrentLimit: iso2PVP(m.EVSEMaxI, iso2.UnitSymbolA),
			EVSEMaximumPowerLimit:   iso2PVP(m.EVSEMaxP, iso2.UnitSymbolW),
			EVSEID:                  m.EVSEID,
			SAScheduleTupleID:       max(m.TupleID, 1),
		}
	case m.Kind == LMsgWeldingDetection && !m.Response:
		b.WeldingDetectionReq = &iso2.WeldingDetectionReq{DCEVStatus: iso2EVStatus(m)}
	case m.Kind == LMsgWeldingDetection:
		b.WeldingDetectionRes = &iso2.WeldingDetectionRes{ResponseCode: code, DCEVSEStatus: iso2EVSEStatus(m),
			EVSEPresentVoltage: iso2PV(m.PresentV, iso2.UnitSymbolV)}
	case m.Kind == LMsgSessionStop && !m.Response:
		req := &iso2.SessionStopReq{ChargingSession: iso2.ChargingSessionPause}
		if m.Terminate {
			req.ChargingSession = iso2.ChargingSessionTerminate
		}
		b.SessionStopReq = req
	case m.Kind == LMsgSessionStop:
		b.SessionStopRes = &iso2.SessionStopRes{ResponseCode: code}
	default:
		return nil, fmt.Errorf("session: -2 has no %v (response %v) the engines send", m.Kind, m.Response)
	}
	return doc, nil
}

// fromISO2 returns the common form of a -2 document.
func fromISO2(doc *iso2.V2GMessage) (*LegacyMessage, error) {
	m := &LegacyMessage{SessionID: doc.Header.SessionID, Terminate: true}
	b := &doc.Body
	switch {
	case b.SessionSetupReq != nil:
		m.Kind, m.EVCCID = LMsgSessionSetup, b.SessionSetupReq.EVCCID
	case b.SessionSetupRes != nil:
		r := b.SessionSetupRes
		m.Kind, m.Response, m.Code, m.EVSEID = LMsgSessionSetup, true, LegacyCode(r.ResponseCode), r.EVSEID
		if r.EVSETimeStamp != nil {
			m.TimeStamp = *r.EVSETimeStamp
		}
	case b.ServiceDiscoveryReq != nil:
		m.Kind = LMsgServiceDiscovery
	case b.ServiceDiscoveryRes != nil:
		r := b.ServiceDiscoveryRes
		m.Kind, m.Response, m.Code = LMsgServiceDiscovery, true, LegacyCode(r.ResponseCode)
		m.ServiceID = r.ChargeService.ServiceID
		for _, t := range r.ChargeService.SupportedEnergyTransferMode.EnergyTransferMode {
			if t == iso2.EnergyTransferModeDCExtended || m.Transfer == 0 {
				m.Transfer = uint8(t)
			}
		}
		for _, p := range r.PaymentOptionList.PaymentOption {
			m.External = m.External || p == iso2.PaymentOptionExternalPayment
		}
	case b.PaymentServiceSelectionReq != nil:
		r := b.PaymentServiceSelectionReq
		m.Kind, m.External = LMsgPaymentSelection, r.SelectedPaymentOption == iso2.PaymentOptionExternalPayment
		for _, s := range r.SelectedServiceList.SelectedService {
			m.Services = append(m.Services, s.ServiceID)
		}
	case b.PaymentServiceSelectionRes != nil:
		m.Kind, m.Response, m.Code = LMsgPaymentSelection, true, LegacyCode(b.PaymentServiceSelectionRes.ResponseCode)
	case b.AuthorizationReq != nil:
		m.Kind = LMsgAuthorization
	case b.AuthorizationRes != nil:
		r := b.AuthorizationRes
		m.Kind, m.Response, m.Code, m.Ongoing = LMsgAuthorization, true, LegacyCode(r.ResponseCode), r.EVSEProcessing == iso2.EVSEProcessingOngoing
	case b.ChargeParameterDiscoveryReq != nil:
		r := b.ChargeParameterDiscoveryReq
		m.Kind, m.Transfer = LMsgChargeParameterDiscovery, uint8(r.RequestedEnergyTransferMode)
		if p := r.DCEVChargeParameter; p != nil {
			fromISO2EVStatus(m, p.DCEVStatus)
			m.EVMaxI, m.EVMaxV, m.EVMaxP = iso2Fl(p.EVMaximumCurrentLimit), iso2Fl(p.EVMaximumVoltageLimit), iso2FlP(p.EVMaximumPowerLimit)
		}
	case b.ChargeParameterDiscoveryRes != nil:
		r := b.ChargeParameterDiscoveryRes
		m.Kind, m.Response, m.Code, m.Ongoing = LMsgChargeParameterDiscovery, true, LegacyCode(r.ResponseCode), r.EVSEProcessing == iso2.EVSEProcessingOngoing
		if l := r.SAScheduleList; l != nil && len(l.SAScheduleTuple) > 0 {
			t := l.SAScheduleTuple[0]
			m.TupleID = uint8(t.SAScheduleTupleID)
			if len(t.PMaxSchedule.PMaxScheduleEntry) > 0 {
				m.PMax = iso2Fl(t.PMaxSchedule.PMaxScheduleEntry[0].PMax)
			}
		}
		if p := r.DCEVSEChargeParameter; p != nil {
			fromISO2EVSEStatus(m, &p.DCEVSEStatus)
			m.EVSEMaxI, m.EVSEMaxV, m.EVSEMaxP = iso2Fl(p.EVSEMaximumCurrentLimit), iso2Fl(p.EVSEMaximumVoltageLimit), iso2Fl(p.EVSEMaximumPowerLimit)
			m.EVSEMinI, m.EVSEMinV = iso2Fl(p.EVSEMinimumCurrentLimit), iso2Fl(p.EVSEMinimumVoltageLimit)
		}
	case b.CableCheckReq != nil:
		m.Kind = LMsgCableCheck
		fromISO2EVStatus(m, b.CableCheckReq.DCEVStatus)
	case b.CableCheckRes != nil:
		r := b.CableCheckRes
		m.Kind, m.Response, m.Code, m.Ongoing = LMsgCableCheck, true, LegacyCode(r.ResponseCode), r.EVSEProcessing == iso2.EVSEProcessingOngoing
		fromISO2EVSEStatus(m, &r.DCEVSEStatus)
	case b.PreChargeReq != nil:
		r := b.PreChargeReq
		m.Kind, m.TargetV, m.TargetI = LMsgPreCharge, iso2Fl(r.EVTargetVoltage), iso2Fl(r.EVTargetCurrent)
		fromISO2EVStatus(m, r.DCEVStatus)
	case b.PreChargeRes != nil:
		r := b.PreChargeRes
		m.Kind, m.Response, m.Code, m.PresentV = LMsgPreCharge, true, LegacyCode(r.ResponseCode), iso2Fl(r.EVSEPresentVoltage)
		fromISO2EVSEStatus(m, &r.DCEVSEStatus)
	case b.PowerDeliveryReq != nil:
		r := b.PowerDeliveryReq
		m.Kind, m.Start, m.TupleID = LMsgPowerDelivery, r.ChargeProgress == iso2.ChargeProgressStart, r.SAScheduleTupleID
		if p := r.DCEVPowerDeliveryParameter; p != nil {
			fromISO2EVStatus(m, p.DCEVStatus)
			m.Complete = p.ChargingComplete
		}
	case b.PowerDeliveryRes != nil:
		r := b.PowerDeliveryRes
		m.Kind, m.Response, m.Code = LMsgPowerDelivery, true, LegacyCode(r.ResponseCode)
		fromISO2EVSEStatus(m, r.DCEVSEStatus)
	case b.CurrentDemandReq != nil:
		r := b.CurrentDemandReq
		m.Kind, m.TargetV, m.TargetI, m.Complete = LMsgCurrentDemand, iso2Fl(r.EVTargetVoltage), iso2Fl(r.EVTargetCurrent), r.ChargingComplete
		m.EVMaxV, m.EVMaxI, m.EVMaxP = iso2FlP(r.EVMaximumVoltageLimit), iso2FlP(r.EVMaximumCurrentLimit), iso2FlP(r.EVMaximumPowerLimit)
		fromISO2EVStatus(m, r.DCEVStatus)
	case b.CurrentDemandRes != nil:
		r := b.CurrentDemandRes
		m.Kind, m.Response, m.Code = LMsgCurrentDemand, true, LegacyCode(r.ResponseCode)
		m.PresentV, m.PresentI = iso2Fl(r.EVSEPresentVoltage), iso2Fl(r.EVSEPresentCurrent)
		m.LimitI, m.LimitV, m.LimitP = r.EVSECurrentLimitAchieved, r.EVSEVoltageLimitAchieved, r.EVSEPowerLimitAchieved
		m.EVSEMaxV, m.EVSEMaxI, m.EVSEMaxP = iso2FlP(r.EVSEMaximumVoltageLimit), iso2FlP(r.EVSEMaximumCurrentLimit), iso2FlP(r.EVSEMaximumPowerLimit)
		m.EVSEID, m.TupleID = r.EVSEID, r.SAScheduleTupleID
		fromISO2EVSEStatus(m, &r.DCEVSEStatus)
	case b.WeldingDetectionReq != nil:
		m.Kind = LMsgWeldingDetection
		fromISO2EVStatus(m, b.WeldingDetectionReq.DCEVStatus)
	case b.WeldingDetectionRes != nil:
		r := b.WeldingDetectionRes
		m.Kind, m.Response, m.Code, m.PresentV = LMsgWeldingDetection, true, LegacyCode(r.ResponseCode), iso2Fl(r.EVSEPresentVoltage)
		fromISO2EVSEStatus(m, &r.DCEVSEStatus)
	case b.SessionStopReq != nil:
		m.Kind, m.Terminate = LMsgSessionStop, b.SessionStopReq.ChargingSession == iso2.ChargingSessionTerminate
	case b.SessionStopRes != nil:
		m.Kind, m.Response, m.Code = LMsgSessionStop, true, LegacyCode(b.SessionStopRes.ResponseCode)
	case b.ServiceDetailReq != nil:
		m.Kind, m.ServiceID = LMsgServiceDetail, b.ServiceDetailReq.ServiceID
	case b.ServiceDetailRes != nil:
		r := b.ServiceDetailRes
		m.Kind, m.Response, m.Code, m.ServiceID = LMsgServiceDetail, true, LegacyCode(r.ResponseCode), r.ServiceID
	case b.PaymentDetailsReq != nil:
		m.Kind = LMsgPaymentDetails
	case b.ChargingStatusReq != nil:
		m.Kind = LMsgChargingStatus
	case b.MeteringReceiptReq != nil:
		m.Kind = LMsgMeteringReceipt
	case b.CertificateInstallationReq != nil || b.CertificateUpdateReq != nil:
		m.Kind = LMsgCertificate
	default:
		return nil, fmt.Errorf("%w: -2 body holds no message the engines handle", ErrDecode)
	}
	return m, nil
}
