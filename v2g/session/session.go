// Package session holds the ISO 15118-20 message-sequence rules that the
// SECC and EVCC engines share: the message kinds, the SECC's table of
// expected requests per stage, the response-code classes, the timer values
// of each role and the decoding of a V2GTP payload into a typed message.
//
// The package is sans-I/O: it neither touches the network nor reads the
// wall clock.
package session

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// Namespaces of the -20 energy-transfer message sets offered in
// supportedAppProtocol, and the protocol version the stack speaks.
const (
	NamespaceAC   = "urn:iso:std:iso:15118:-20:AC"
	NamespaceDC   = "urn:iso:std:iso:15118:-20:DC"
	NamespaceWPT  = "urn:iso:std:iso:15118:-20:WPT"
	NamespaceACDP = "urn:iso:std:iso:15118:-20:ACDP"
	VersionMajor  = 1
	VersionMinor  = 0
)

// SessionIDLen is the length of a -20 SessionID in bytes.
const SessionIDLen = 8

// Message is the kind of a -20 request/response pair (or of the
// supportedAppProtocol handshake).
type Message uint8

// Message kinds.
const (
	MsgUnknown Message = iota
	MsgSupportedAppProtocol
	MsgSessionSetup
	MsgAuthorizationSetup
	MsgAuthorization
	MsgCertificateInstallation
	MsgServiceDiscovery
	MsgServiceDetail
	MsgServiceSelection
	MsgDCChargeParameterDiscovery
	MsgACChargeParameterDiscovery
	MsgScheduleExchange
	MsgDCCableCheck
	MsgDCPreCharge
	MsgPowerDelivery
	MsgDCChargeLoop
	MsgACChargeLoop
	MsgMeteringConfirmation
	MsgDCWeldingDetection
	MsgSessionStop
	MsgVehicleCheckIn
	MsgVehicleCheckOut
)

var messageNames = [...]string{
	MsgUnknown:                    "Unknown",
	MsgSupportedAppProtocol:       "SupportedAppProtocol",
	MsgSessionSetup:               "SessionSetup",
	MsgAuthorizationSetup:         "AuthorizationSetup",
	MsgAuthorization:              "Authorization",
	MsgCertificateInstallation:    "CertificateInstallation",
	MsgServiceDiscovery:           "ServiceDiscovery",
	MsgServiceDetail:              "ServiceDetail",
	MsgServiceSelection:           "ServiceSelection",
	MsgDCChargeParameterDiscovery: "DC_ChargeParameterDiscovery",
	MsgACChargeParameterDiscovery: "AC_ChargeParameterDiscovery",
	MsgScheduleExchange:           "ScheduleExchange",
	MsgDCCableCheck:               "DC_CableCheck",
	MsgDCPreCharge:                "DC_PreCharge",
	MsgPowerDelivery:              "PowerDelivery",
	MsgDCChargeLoop:               "DC_ChargeLoop",
	MsgACChargeLoop:               "AC_ChargeLoop",
	MsgMeteringConfirmation:       "MeteringConfirmation",
	MsgDCWeldingDetection:         "DC_WeldingDetection",
	MsgSessionStop:                "SessionStop",
	MsgVehicleCheckIn:             "VehicleCheckIn",
	MsgVehicleCheckOut:            "VehicleCheckOut",
}

// String returns the schema name of m without the Req/Res suffix.
func (m Message) String() string {
	if int(m) < len(messageNames) {
		return messageNames[m]
	}
	return fmt.Sprintf("Message(%d)", uint8(m))
}

// PayloadType returns the V2GTP payload type that carries m.
func (m Message) PayloadType() v2gtp.PayloadType {
	switch m {
	case MsgSupportedAppProtocol:
		return v2gtp.SAP
	case MsgDCChargeParameterDiscovery, MsgDCCableCheck, MsgDCPreCharge, MsgDCChargeLoop, MsgDCWeldingDetection:
		return v2gtp.DCMainstream
	case MsgACChargeParameterDiscovery, MsgACChargeLoop:
		return v2gtp.ACMainstream
	}
	return v2gtp.Mainstream
}

// Kind returns the message kind of a decoded typed message and whether it
// is a request.
func Kind(m exi.Message) (Message, bool) {
	switch m.(type) {
	case *apphand.SupportedAppProtocolReq:
		return MsgSupportedAppProtocol, true
	case *apphand.SupportedAppProtocolRes:
		return MsgSupportedAppProtocol, false
	case *iso20.SessionSetupReq:
		return MsgSessionSetup, true
	case *iso20.SessionSetupRes:
		return MsgSessionSetup, false
	case *iso20.AuthorizationSetupReq:
		return MsgAuthorizationSetup, true
	case *iso20.AuthorizationSetupRes:
		return MsgAuthorizationSetup, false
	case *iso20.AuthorizationReq:
		return MsgAuthorization, true
	case *iso20.AuthorizationRes:
		return MsgAuthorization, false
	case *iso20.CertificateInstallationReq:
		return MsgCertificateInstallation, true
	case *iso20.CertificateInstallationRes:
		return MsgCertificateInstallation, false
	case *iso20.ServiceDiscoveryReq:
		return MsgServiceDiscovery, true
	case *iso20.ServiceDiscoveryRes:
		return MsgServiceDiscovery, false
	case *iso20.ServiceDetailReq:
		return MsgServiceDetail, true
	case *iso20.ServiceDetailRes:
		return MsgServiceDetail, false
	case *iso20.ServiceSelectionReq:
		return MsgServiceSelection, true
	case *iso20.ServiceSelectionRes:
		return MsgServiceSelection, false
	case *iso20.ScheduleExchangeReq:
		return MsgScheduleExchange, true
	case *iso20.ScheduleExchangeRes:
		return MsgScheduleExchange, false
	case *iso20.PowerDeliveryReq:
		return MsgPowerDelivery, true
	case *iso20.PowerDeliveryRes:
		return MsgPowerDelivery, false
	case *iso20.MeteringConfirmationReq:
		return MsgMeteringConfirmation, true
	case *iso20.MeteringConfirmationRes:
		return MsgMeteringConfirmation, false
	case *iso20.SessionStopReq:
		return MsgSessionStop, true
	case *iso20.SessionStopRes:
		return MsgSessionStop, false
	case *iso20.VehicleCheckInReq:
		return MsgVehicleCheckIn, true
	case *iso20.VehicleCheckInRes:
		return MsgVehicleCheckIn, false
	case *iso20.VehicleCheckOutReq:
		return MsgVehicleCheckOut, true
	case *iso20.VehicleCheckOutRes:
		return MsgVehicleCheckOut, false
	case *dc.DCChargeParameterDiscoveryReq:
		return MsgDCChargeParameterDiscovery, true
	case *dc.DCChargeParameterDiscoveryRes:
		return MsgDCChargeParameterDiscovery, false
	case *dc.DCCableCheckReq:
		return MsgDCCableCheck, true
	case *dc.DCCableCheckRes:
		return MsgDCCableCheck, false
	case *dc.DCPreChargeReq:
		return MsgDCPreCharge, true
	case *dc.DCPreChargeRes:
		return MsgDCPreCharge, false
	case *dc.DCChargeLoopReq:
		return MsgDCChargeLoop, true
	case *dc.DCChargeLoopRes:
		return MsgDCChargeLoop, false
	case *dc.DCWeldingDetectionReq:
		return MsgDCWeldingDetection, true
	case *dc.DCWeldingDetectionRes:
		return MsgDCWeldingDetection, false
	case *ac.ACChargeParameterDiscoveryReq:
		return MsgACChargeParameterDiscovery, true
	case *ac.ACChargeParameterDiscoveryRes:
		return MsgACChargeParameterDiscovery, false
	case *ac.ACChargeLoopReq:
		return MsgACChargeLoop, true
	case *ac.ACChargeLoopRes:
		return MsgACChargeLoop, false
	}
	return MsgUnknown, false
}

// Phase says which documents a V2GTP payload may hold: before the
// supportedAppProtocol handshake only SAP, afterwards CommonMessages plus
// the negotiated energy-transfer set.
type Phase uint8

// Phases.
const (
	PhaseSAP Phase = iota // before supportedAppProtocol completed
	PhaseDC               // -20 DC negotiated
	PhaseAC               // -20 AC negotiated
)

// String returns the name of p.
func (p Phase) String() string {
	switch p {
	case PhaseSAP:
		return "SAP"
	case PhaseDC:
		return "DC"
	case PhaseAC:
		return "AC"
	}
	return fmt.Sprintf("Phase(%d)", uint8(p))
}

// PhaseOf returns the phase of a negotiated supportedAppProtocol namespace.
func PhaseOf(namespace string) (Phase, bool) {
	switch namespace {
	case NamespaceDC:
		return PhaseDC, true
	case NamespaceAC:
		return PhaseAC, true
	}
	return PhaseSAP, false
}

// Errors of Dispatch; match them with errors.Is.
var (
	// ErrPayloadType reports a payload type that the phase does not admit.
	ErrPayloadType = errors.New("session: payload type not allowed in this phase")
	// ErrDecode reports a payload that is not a valid EXI document of the
	// set its payload type names.
	ErrDecode = errors.New("session: malformed EXI payload")
)

// Dispatch decodes the V2GTP payload b of type pt into the typed message
// of the set that pt names, checking that the phase admits pt.
func Dispatch(pt v2gtp.PayloadType, phase Phase, b []byte) (exi.Message, error) {
	var opt exi.Options
	var (
		m   exi.Message
		err error
	)
	switch {
	case phase == PhaseSAP && pt == v2gtp.SAP:
		m, err = apphand.DecodeDocument(b, opt)
	case phase != PhaseSAP && pt == v2gtp.Mainstream:
		m, err = iso20.DecodeDocument(b, opt)
	case phase == PhaseDC && pt == v2gtp.DCMainstream:
		m, err = dc.DecodeDocument(b, opt)
	case phase == PhaseAC && pt == v2gtp.ACMainstream:
		m, err = ac.DecodeDocument(b, opt)
	default:
		return nil, fmt.Errorf("%w: %v in phase %v", ErrPayloadType, pt, phase)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %w", ErrDecode, pt, err)
	}
	return m, nil
}

// Encode appends the EXI document of m to dst and returns it with the
// payload type that carries it.
func Encode(dst []byte, m exi.Message) (v2gtp.PayloadType, []byte, error) {
	k, _ := Kind(m)
	if k == MsgUnknown {
		return 0, dst, fmt.Errorf("session: encode: unknown message type %T", m)
	}
	out, err := m.AppendEXI(dst, exi.Options{})
	if err != nil {
		return 0, dst, fmt.Errorf("session: encode %v: %w", k, err)
	}
	return k.PayloadType(), out, nil
}

// header returns the addressable Header field of a -20 message, which
// every CommonMessages and energy-set message has. The sets generate one
// MessageHeader type each, so the field is reached by reflection.
func header(m exi.Message) (reflect.Value, bool) {
	if m == nil {
		return reflect.Value{}, false
	}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	h := v.Elem().FieldByName("Header")
	if !h.IsValid() || h.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	return h, true
}

// Header returns the SessionID and TimeStamp of a -20 message; ok is false
// for messages without a header (supportedAppProtocol).
func Header(m exi.Message) (sessionID []byte, timeStamp uint64, ok bool) {
	h, ok := header(m)
	if !ok {
		return nil, 0, false
	}
	return h.FieldByName("SessionID").Bytes(), h.FieldByName("TimeStamp").Uint(), true
}

// SetHeader sets the SessionID and TimeStamp of a -20 message. It reports
// false for messages without a header.
func SetHeader(m exi.Message, sessionID []byte, timeStamp uint64) bool {
	h, ok := header(m)
	if !ok {
		return false
	}
	h.FieldByName("SessionID").SetBytes(append([]byte(nil), sessionID...))
	h.FieldByName("TimeStamp").SetUint(timeStamp)
	return true
}

// ResponseCode returns the response code of a -20 response in the
// CommonMessages enumeration (every -20 set shares its order); ok is false
// for requests and supportedAppProtocol.
func ResponseCode(m exi.Message) (iso20.ResponseCode, bool) {
	if m == nil {
		return 0, false
	}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return 0, false
	}
	if _, isSAP := m.(*apphand.SupportedAppProtocolRes); isSAP {
		return 0, false
	}
	f := v.Elem().FieldByName("ResponseCode")
	if !f.IsValid() || f.Kind() != reflect.Uint8 {
		return 0, false
	}
	return iso20.ResponseCode(f.Uint()), true
}

// SetResponseCode sets the response code of a -20 response; it reports
// false when m has none.
func SetResponseCode(m exi.Message, c iso20.ResponseCode) bool {
	if _, ok := ResponseCode(m); !ok {
		return false
	}
	reflect.ValueOf(m).Elem().FieldByName("ResponseCode").SetUint(uint64(c))
	return true
}

// ServicePair names an energy-transfer service and one of its parameter
// sets, as offered in ServiceDetailRes and chosen in ServiceSelectionReq.
type ServicePair struct {
	ServiceID      uint16
	ParameterSetID uint16
}
