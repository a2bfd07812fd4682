package session

import "fmt"

// Stage is where the SECC stands in the -20 message sequence, named after
// the last response it sent (protocol facts §5.3).
type Stage uint8

// Stages of the SECC.
const (
	StageInit                     Stage = iota // connection open, nothing exchanged
	StageAppProtocol                           // after supportedAppProtocolRes
	StageSessionSetup                          // after SessionSetupRes (OK_NewSessionEstablished)
	StageSessionResumed                        // after SessionSetupRes (OK_OldSessionJoined)
	StageAuthorizationSetup                    // after AuthorizationSetupRes
	StageCertificateInstallation               // after CertificateInstallationRes
	StageAuthorizationOngoing                  // after AuthorizationRes (Ongoing)
	StageAuthorizationRejected                 // after AuthorizationRes (Finished, WARNING)
	StageAuthorized                            // after AuthorizationRes (Finished, OK)
	StageServiceDiscovery                      // after ServiceDiscoveryRes
	StageServiceDetail                         // after ServiceDetailRes
	StageServiceSelection                      // after ServiceSelectionRes
	StageChargeParameterDiscovery              // after *_ChargeParameterDiscoveryRes
	StageScheduleExchangeOngoing               // after ScheduleExchangeRes (Ongoing)
	StageScheduleExchange                      // after ScheduleExchangeRes (Finished)
	StageCableCheckOngoing                     // after DC_CableCheckRes (Ongoing)
	StageCableCheck                            // after DC_CableCheckRes (Finished)
	StagePreCharge                             // after DC_PreChargeRes
	StagePowerDeliveryStart                    // after PowerDeliveryRes (Start)
	StageChargeLoop                            // after *_ChargeLoopRes
	StagePowerDeliveryStop                     // after PowerDeliveryRes (Stop)
	StageWeldingDetection                      // after DC_WeldingDetectionRes
	StageSessionStopped                        // after SessionStopRes; nothing more
	StageStandby                               // after PowerDeliveryRes (Standby) or a *_ChargeLoopRes in standby
	StageScheduleRenegotiation                 // after PowerDeliveryRes (ScheduleRenegotiation)
	StageServiceRenegotiation                  // after SessionStopRes (ServiceRenegotiation)
)

var stageNames = [...]string{
	StageInit:                     "Init",
	StageAppProtocol:              "AppProtocol",
	StageSessionSetup:             "SessionSetup",
	StageSessionResumed:           "SessionResumed",
	StageAuthorizationSetup:       "AuthorizationSetup",
	StageCertificateInstallation:  "CertificateInstallation",
	StageAuthorizationOngoing:     "AuthorizationOngoing",
	StageAuthorizationRejected:    "AuthorizationRejected",
	StageAuthorized:               "Authorized",
	StageServiceDiscovery:         "ServiceDiscovery",
	StageServiceDetail:            "ServiceDetail",
	StageServiceSelection:         "ServiceSelection",
	StageChargeParameterDiscovery: "ChargeParameterDiscovery",
	StageScheduleExchangeOngoing:  "ScheduleExchangeOngoing",
	StageScheduleExchange:         "ScheduleExchange",
	StageCableCheckOngoing:        "CableCheckOngoing",
	StageCableCheck:               "CableCheck",
	StagePreCharge:                "PreCharge",
	StagePowerDeliveryStart:       "PowerDeliveryStart",
	StageChargeLoop:               "ChargeLoop",
	StagePowerDeliveryStop:        "PowerDeliveryStop",
	StageWeldingDetection:         "WeldingDetection",
	StageSessionStopped:           "SessionStopped",
	StageStandby:                  "Standby",
	StageScheduleRenegotiation:    "ScheduleRenegotiation",
	StageServiceRenegotiation:     "ServiceRenegotiation",
}

// String returns the name of s.
func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}

// Expected returns the requests the SECC accepts in stage s of a session
// whose energy transfer is DC (dc true) or AC. The result is a fresh
// slice. certInstall says whether the SECC offered CertificateInstallation
// in AuthorizationSetupRes.
func Expected(s Stage, dc, certInstall bool) []Message {
	cpd, loop := MsgACChargeParameterDiscovery, MsgACChargeLoop
	if dc {
		cpd, loop = MsgDCChargeParameterDiscovery, MsgDCChargeLoop
	}
	switch s {
	case StageInit:
		return []Message{MsgSupportedAppProtocol}
	case StageAppProtocol:
		return []Message{MsgSessionSetup}
	case StageSessionSetup:
		return []Message{MsgAuthorizationSetup}
	case StageSessionResumed:
		return []Message{cpd}
	case StageAuthorizationSetup:
		if certInstall {
			return []Message{MsgAuthorization, MsgCertificateInstallation, MsgSessionStop}
		}
		return []Message{MsgAuthorization, MsgSessionStop}
	case StageCertificateInstallation, StageAuthorizationOngoing:
		return []Message{MsgAuthorization, MsgSessionStop}
	case StageAuthorizationRejected:
		if certInstall {
			return []Message{MsgAuthorization, MsgCertificateInstallation, MsgSessionStop}
		}
		return []Message{MsgAuthorization, MsgSessionStop}
	case StageAuthorized:
		return []Message{MsgServiceDiscovery, MsgSessionStop}
	case StageServiceDiscovery:
		return []Message{MsgServiceDetail, MsgSessionStop}
	case StageServiceDetail:
		return []Message{MsgServiceDetail, MsgServiceSelection, MsgSessionStop}
	case StageServiceSelection:
		return []Message{cpd, MsgSessionStop}
	case StageChargeParameterDiscovery, StageScheduleExchangeOngoing:
		return []Message{MsgScheduleExchange, MsgSessionStop}
	case StageScheduleExchange:
		if dc {
			return []Message{MsgDCCableCheck, MsgPowerDelivery, MsgSessionStop}
		}
		return []Message{MsgPowerDelivery, MsgSessionStop}
	case StageCableCheckOngoing:
		return []Message{MsgDCCableCheck, MsgSessionStop}
	case StageCableCheck:
		return []Message{MsgDCPreCharge}
	case StagePreCharge:
		return []Message{MsgDCPreCharge, MsgPowerDelivery}
	case StagePowerDeliveryStart:
		return []Message{loop, MsgPowerDelivery}
	case StageChargeLoop:
		return []Message{loop, MsgPowerDelivery, MsgMeteringConfirmation, MsgSessionStop}
	case StagePowerDeliveryStop:
		if dc {
			return []Message{MsgDCWeldingDetection, MsgSessionStop}
		}
		return []Message{MsgSessionStop}
	case StageWeldingDetection:
		return []Message{MsgDCWeldingDetection, MsgSessionStop}
	case StageStandby:
		return []Message{loop, MsgPowerDelivery}
	case StageScheduleRenegotiation:
		return []Message{cpd, MsgSessionStop}
	case StageServiceRenegotiation:
		return []Message{MsgServiceDiscovery}
	}
	return nil
}

// Allowed reports whether the SECC accepts request m in stage s.
func Allowed(s Stage, dc, certInstall bool, m Message) bool {
	for _, e := range Expected(s, dc, certInstall) {
		if e == m {
			return true
		}
	}
	return false
}
