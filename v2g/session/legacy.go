package session

import (
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/din"
	"github.com/v2gstack/iso15118/v2g/iso2"
)

// Namespaces and protocol version of DIN SPEC 70121 and ISO 15118-2 in
// supportedAppProtocol (protocol facts §4).
const (
	NamespaceDIN       = "urn:din:70121:2012:MsgDef"
	NamespaceISO2      = "urn:iso:15118:2:2013:MsgDef"
	LegacyVersionMajor = 2
	LegacyVersionMinor = 0
)

// Phases of the sessions that negotiated DIN SPEC 70121 or ISO 15118-2;
// every message of such a session is carried with payload type SAP
// (0x8001).
const (
	PhaseDIN  Phase = 16 + iota // DIN SPEC 70121 negotiated
	PhaseISO2                   // ISO 15118-2 negotiated
)

// LegacyPhaseOf returns the phase of a DIN or -2 namespace.
func LegacyPhaseOf(namespace string) (Phase, bool) {
	switch namespace {
	case NamespaceDIN:
		return PhaseDIN, true
	case NamespaceISO2:
		return PhaseISO2, true
	}
	return PhaseSAP, false
}

// Legacy reports whether p is the phase of a DIN or -2 session.
func (p Phase) Legacy() bool { return p == PhaseDIN || p == PhaseISO2 }

// LegacyName returns "DIN" or "ISO2" for a legacy phase.
func LegacyName(p Phase) string {
	switch p {
	case PhaseDIN:
		return "DIN"
	case PhaseISO2:
		return "ISO2"
	}
	return p.String()
}

// LegacyMsg is the kind of a DIN or -2 request/response pair.
type LegacyMsg uint8

// Legacy message kinds. DIN's ServicePaymentSelection and
// ContractAuthentication are -2's PaymentServiceSelection and
// Authorization.
const (
	LMsgUnknown LegacyMsg = iota
	LMsgSessionSetup
	LMsgServiceDiscovery
	LMsgServiceDetail
	LMsgPaymentSelection
	LMsgPaymentDetails
	LMsgAuthorization
	LMsgChargeParameterDiscovery
	LMsgCableCheck
	LMsgPreCharge
	LMsgPowerDelivery
	LMsgCurrentDemand
	LMsgChargingStatus
	LMsgMeteringReceipt
	LMsgWeldingDetection
	LMsgSessionStop
	LMsgCertificate // CertificateInstallation or CertificateUpdate
)

var legacyNames = [...]string{
	LMsgUnknown:                  "Unknown",
	LMsgSessionSetup:             "SessionSetup",
	LMsgServiceDiscovery:         "ServiceDiscovery",
	LMsgServiceDetail:            "ServiceDetail",
	LMsgPaymentSelection:         "PaymentSelection",
	LMsgPaymentDetails:           "PaymentDetails",
	LMsgAuthorization:            "Authorization",
	LMsgChargeParameterDiscovery: "ChargeParameterDiscovery",
	LMsgCableCheck:               "CableCheck",
	LMsgPreCharge:                "PreCharge",
	LMsgPowerDelivery:            "PowerDelivery",
	LMsgCurrentDemand:            "CurrentDemand",
	LMsgChargingStatus:           "ChargingStatus",
	LMsgMeteringReceipt:          "MeteringReceipt",
	LMsgWeldingDetection:         "WeldingDetection",
	LMsgSessionStop:              "SessionStop",
	LMsgCertificate:              "Certificate",
}

// String returns the name of m.
func (m LegacyMsg) String() string {
	if int(m) < len(legacyNames) {
		return legacyNames[m]
	}
	return fmt.Sprintf("LegacyMsg(%d)", uint8(m))
}

// LegacyCode is a DIN or -2 response code. Both schemas list the codes
// the engines use at the same index, so one numbering serves both.
type LegacyCode uint8

// Response codes common to DIN and -2.
const (
	LCodeOK                          LegacyCode = 0
	LCodeOKNewSessionEstablished     LegacyCode = 1
	LCodeOKOldSessionJoined          LegacyCode = 2
	LCodeFAILED                      LegacyCode = 4
	LCodeFAILEDSequenceError         LegacyCode = 5
	LCodeFAILEDServiceIDInvalid      LegacyCode = 6
	LCodeFAILEDUnknownSession        LegacyCode = 7
	LCodeFAILEDServiceSelection      LegacyCode = 8
	LCodeFAILEDPaymentSelection      LegacyCode = 9
	LCodeFAILEDWrongChargeParameter  LegacyCode = 16
	LCodeFAILEDPowerDeliveryNotApply LegacyCode = 17
	LCodeFAILEDTariffSelection       LegacyCode = 18
	LCodeFAILEDWrongEnergyTransfer   LegacyCode = 22
)

// Failed reports whether c is a FAILED* code.
func (c LegacyCode) Failed() bool { return c >= LCodeFAILED }

// String returns the schema literal of c.
func (c LegacyCode) String() string {
	switch c {
	case LCodeOK:
		return "OK"
	case LCodeOKNewSessionEstablished:
		return "OK_NewSessionEstablished"
	case LCodeOKOldSessionJoined:
		return "OK_OldSessionJoined"
	case LCodeFAILED:
		return "FAILED"
	case LCodeFAILEDSequenceError:
		return "FAILED_SequenceError"
	case LCodeFAILEDServiceIDInvalid:
		return "FAILED_ServiceIDInvalid"
	case LCodeFAILEDUnknownSession:
		return "FAILED_UnknownSession"
	case LCodeFAILEDServiceSelection:
		return "FAILED_ServiceSelectionInvalid"
	case LCodeFAILEDPaymentSelection:
		return "FAILED_PaymentSelectionInvalid"
	case LCodeFAILEDWrongChargeParameter:
		return "FAILED_WrongChargeParameter"
	case LCodeFAILEDPowerDeliveryNotApply:
		return "FAILED_PowerDeliveryNotApplied"
	case LCodeFAILEDTariffSelection:
		return "FAILED_TariffSelectionInvalid"
	case LCodeFAILEDWrongEnergyTransfer:
		return "FAILED_WrongEnergyTransferMode"
	}
	return fmt.Sprintf("ResponseCode(%d)", uint8(c))
}

// Energy-transfer modes (DIN EVRequestedEnergyTransferType, -2
// EnergyTransferMode; the same index in both schemas).
const (
	TransferDCCore     uint8 = 2
	TransferDCExtended uint8 = 3
)

// Isolation levels of DC_EVSEStatus (same index in both schemas).
const (
	IsolationInvalid uint8 = 0
	IsolationValid   uint8 = 1
	IsolationWarning uint8 = 2
	IsolationFault   uint8 = 3
)

// EVSE status codes of DC_EVSEStatus (same index in both schemas).
const (
	EVSEStatusNotReady          uint8 = 0
	EVSEStatusReady             uint8 = 1
	EVSEStatusShutdown          uint8 = 2
	EVSEStatusIsolationActive   uint8 = 4
	EVSEStatusEmergencyShutdown uint8 = 5
)

// LegacyServiceCharge is the ServiceID of the charge service in DIN and
// -2 ServiceDiscoveryRes.
const LegacyServiceCharge uint16 = 1

// LegacyMessage is a DIN or -2 DC message in a form common to both
// schemas: the fields a DC EIM session uses. Quantities are in volts,
// amperes, watts and percent.
type LegacyMessage struct {
	Kind      LegacyMsg
	Response  bool
	SessionID []byte
	TimeStamp int64 // SessionSetupRes DateTimeNow / EVSETimeStamp, Unix seconds

	// Responses.
	Code       LegacyCode
	Ongoing    bool // EVSEProcessing: Ongoing
	EVSEID     string
	ServiceID  uint16 // ServiceDiscoveryRes charge service
	Transfer   uint8  // requested (CPD) or supported (ServiceDiscovery) mode
	External   bool   // payment: ExternalPayment offered / selected
	Isolation  uint8
	StatusCode uint8
	StopNotify bool // EVSENotification StopCharging
	EVSEMaxV   float64
	EVSEMaxI   float64
	EVSEMaxP   float64
	EVSEMinV   float64
	EVSEMinI   float64
	PresentV   float64
	PresentI   float64
	LimitI     bool // EVSECurrentLimitAchieved
	LimitV     bool
	LimitP     bool
	PMax       float64 // SAScheduleList PMax of the single tuple, W
	TupleID    uint8

	// Requests.
	EVCCID    []byte
	Services  []uint16 // PaymentSelection selected services
	EVReady   bool
	EVError   uint8
	SOC       uint8
	EVMaxV    float64
	EVMaxI    float64
	EVMaxP    float64 // 0: absent
	TargetV   float64
	TargetI   float64
	Start     bool // PowerDelivery: DIN ReadyToChargeState, -2 ChargeProgress Start
	Complete  bool // ChargingComplete
	Terminate bool // SessionStop Terminate (DIN: always)
}

// Timer values of DIN SPEC 70121 and ISO 15118-2 (protocol facts §7.2).
const (
	// LegacyEVCCMsgTimeout is V2G_EVCC_Msg_Timeout for most messages.
	LegacyEVCCMsgTimeout = 2 * time.Second
	// ISO2EVCCMsgTimeoutLong is the -2 V2G_EVCC_Msg_Timeout for
	// ServiceDetail, PaymentDetails, PowerDelivery and certificate
	// messages.
	ISO2EVCCMsgTimeoutLong = 5 * time.Second
	// ISO2EVCCMsgTimeoutCurrentDemand is the -2 V2G_EVCC_Msg_Timeout for
	// CurrentDemandReq.
	ISO2EVCCMsgTimeoutCurrentDemand = 250 * time.Millisecond
	// DINEVCCMsgTimeoutCurrentDemand is the DIN V2G_EVCC_Msg_Timeout for
	// CurrentDemandReq.
	DINEVCCMsgTimeoutCurrentDemand = 500 * time.Millisecond
	// LegacySECCSequenceTimeout is V2G_SECC_Sequence_Timeout, flat.
	LegacySECCSequenceTimeout = 60 * time.Second
	// LegacySECCOngoingPerformanceTime is V2G_SECC_Ongoing_Performance_Time.
	LegacySECCOngoingPerformanceTime = 55 * time.Second
	// LegacyEVCCOngoingTimeout is V2G_EVCC_Ongoing_Timeout.
	LegacyEVCCOngoingTimeout = 60 * time.Second
	// LegacyEVCCCableCheckTimeout bounds the EVCC's CableCheck loop (-2).
	LegacyEVCCCableCheckTimeout = 40 * time.Second
	// LegacySECCCableCheckTime bounds the SECC's insulation test (-2 and
	// DIN).
	LegacySECCCableCheckTime = 38 * time.Second
	// LegacyEVCCPreChargeTimeout bounds the EVCC's PreCharge loop.
	LegacyEVCCPreChargeTimeout = 7 * time.Second
)

// LegacyEVCCMsgTimeoutFor returns V2G_EVCC_Msg_Timeout for request m in
// phase p.
func LegacyEVCCMsgTimeoutFor(p Phase, m LegacyMsg) time.Duration {
	switch {
	case m == LMsgCurrentDemand && p == PhaseDIN:
		return DINEVCCMsgTimeoutCurrentDemand
	case m == LMsgCurrentDemand:
		return ISO2EVCCMsgTimeoutCurrentDemand
	case p == PhaseISO2 && (m == LMsgServiceDetail || m == LMsgPaymentDetails ||
		m == LMsgPowerDelivery || m == LMsgCertificate):
		return ISO2EVCCMsgTimeoutLong
	}
	return LegacyEVCCMsgTimeout
}

// LegacyStage is where a DIN or -2 SECC stands, named after the last
// response it sent.
type LegacyStage uint8

// Stages of a DIN or -2 DC EIM session.
const (
	LStageAppProtocol LegacyStage = iota // after supportedAppProtocolRes
	LStageSessionSetup
	LStageServiceDiscovery
	LStageServiceDetail
	LStagePaymentSelection
	LStageAuthorizationOngoing
	LStageAuthorized
	LStageChargeParameterOngoing
	LStageChargeParameter
	LStageCableCheckOngoing
	LStageCableCheck
	LStagePreCharge
	LStagePowerDeliveryStart
	LStageCurrentDemand
	LStagePowerDeliveryStop
	LStageWeldingDetection
	LStageSessionStopped
)

var legacyStageNames = [...]string{
	"AppProtocol", "SessionSetup", "ServiceDiscovery", "ServiceDetail", "PaymentSelection",
	"AuthorizationOngoing", "Authorized", "ChargeParameterOngoing", "ChargeParameter",
	"CableCheckOngoing", "CableCheck", "PreCharge", "PowerDeliveryStart", "CurrentDemand",
	"PowerDeliveryStop", "WeldingDetection", "SessionStopped",
}

// String returns the name of s.
func (s LegacyStage) String() string {
	if int(s) < len(legacyStageNames) {
		return legacyStageNames[s]
	}
	return fmt.Sprintf("LegacyStage(%d)", uint8(s))
}

// LegacyExpected returns the requests a DIN or -2 SECC accepts in stage s
// of a DC EIM session (DIN SPEC 70121 §9.6, ISO 15118-2 §8.8.2). DIN has
// no ServiceDetail.
func LegacyExpected(p Phase, s LegacyStage) []LegacyMsg {
	switch s {
	case LStageAppProtocol:
		return []LegacyMsg{LMsgSessionSetup}
	case LStageSessionSetup:
		return []LegacyMsg{LMsgServiceDiscovery}
	case LStageServiceDiscovery, LStageServiceDetail:
		if p == PhaseISO2 {
			return []LegacyMsg{LMsgServiceDetail, LMsgPaymentSelection}
		}
		return []LegacyMsg{LMsgPaymentSelection}
	case LStagePaymentSelection, LStageAuthorizationOngoing:
		return []LegacyMsg{LMsgAuthorization}
	case LStageAuthorized, LStageChargeParameterOngoing:
		return []LegacyMsg{LMsgChargeParameterDiscovery}
	case LStageChargeParameter, LStageCableCheckOngoing:
		return []LegacyMsg{LMsgCableCheck}
	case LStageCableCheck:
		return []LegacyMsg{LMsgPreCharge}
	case LStagePreCharge:
		return []LegacyMsg{LMsgPreCharge, LMsgPowerDelivery}
	case LStagePowerDeliveryStart, LStageCurrentDemand:
		return []LegacyMsg{LMsgCurrentDemand, LMsgPowerDelivery}
	case LStagePowerDeliveryStop, LStageWeldingDetection:
		return []LegacyMsg{LMsgWeldingDetection, LMsgSessionStop}
	}
	return nil
}

// LegacyAllowed reports whether request m is in sequence in stage s.
func LegacyAllowed(p Phase, s LegacyStage, m LegacyMsg) bool {
	for _, x := range LegacyExpected(p, s) {
		if x == m {
			return true
		}
	}
	return false
}

// EncodeLegacy returns the typed DIN or -2 document of m (phase PhaseDIN
// or PhaseISO2) and its EXI encoding, carried with payload type SAP.
func EncodeLegacy(p Phase, m *LegacyMessage) (exi.Message, []byte, error) {
	var (
		doc exi.Message
		err error
	)
	switch p {
	case PhaseDIN:
		doc, err = toDIN(m)
	case PhaseISO2:
		doc, err = toISO2(m)
	default:
		return nil, nil, fmt.Errorf("session: encode: phase %v is not DIN or -2", p)
	}
	if err != nil {
		return nil, nil, err
	}
	b, err := doc.AppendEXI(nil, exi.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("session: encode %s %v: %w", LegacyName(p), m.Kind, err)
	}
	return doc, b, nil
}

// DecodeLegacy decodes a DIN or -2 V2G_Message payload (payload type SAP)
// into its common form and its typed document.
func DecodeLegacy(p Phase, b []byte) (*LegacyMessage, exi.Message, error) {
	switch p {
	case PhaseDIN:
		var doc din.V2GMessage
		if err := doc.DecodeEXI(b, exi.Options{}); err != nil {
			return nil, nil, fmt.Errorf("%w: DIN: %w", ErrDecode, err)
		}
		m, err := fromDIN(&doc)
		return m, &doc, err
	case PhaseISO2:
		var doc iso2.V2GMessage
		if err := doc.DecodeEXI(b, exi.Options{}); err != nil {
			return nil, nil, fmt.Errorf("%w: ISO 15118-2: %w", ErrDecode, err)
		}
		m, err := fromISO2(&doc)
		return m, &doc, err
	}
	return nil, nil, fmt.Errorf("%w: phase %v is not DIN or -2", ErrPayloadType, p)
}

// Trace namespaces of the DIN and -2 messages (the labels of the recorded
// sessions).
const (
	TraceNSDIN  = "DIN_MSG_DEF"
	TraceNSISO2 = "ISO_V2_MSG_DEF"
)

// LegacyDocument is the element name of every DIN and -2 message, the
// Name of its trace record (LegacyMessageName names the body).
const LegacyDocument = "V2G_Message"

// TraceLegacy calls f, when it is set, with the record of a DIN or -2
// message, named LegacyDocument as in the recorded sessions.
func TraceLegacy(f TraceFunc, now time.Time, dir Direction, p Phase, m *LegacyMessage, doc exi.Message, b []byte) {
	if f == nil {
		return
	}
	ns := TraceNSISO2
	if p == PhaseDIN {
		ns = TraceNSDIN
	}
	f(TraceRecord{Time: now, Dir: dir, Namespace: ns, Name: LegacyDocument, Msg: doc, EXI: b})
}

// LegacyMessageName returns the body element name of m in phase p, e.g.
// "ContractAuthenticationReq" (DIN) or "AuthorizationReq" (-2).
func LegacyMessageName(p Phase, m *LegacyMessage) string {
	name := m.Kind.String()
	switch {
	case p == PhaseDIN && m.Kind == LMsgPaymentSelection:
		name = "ServicePaymentSelection"
	case p == PhaseDIN && m.Kind == LMsgAuthorization:
		name = "ContractAuthentication"
	case m.Kind == LMsgPaymentSelection:
		name = "PaymentServiceSelection"
	}
	if m.Response {
		return name + "Res"
	}
	return name + "Req"
}
