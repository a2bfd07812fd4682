package session

import "time"

// Timer values of -20 (protocol facts §7.1, ISO 15118-20 Tables 215–217).
// The EVCC values bound how long it waits; the SECC values bound how fast
// it answers and how long it waits for the next request.
const (
	// EVCCMsgTimeout is V2G_EVCC_Msg_Timeout for most messages.
	EVCCMsgTimeout = 2 * time.Second
	// EVCCMsgTimeoutLong is V2G_EVCC_Msg_Timeout for ServiceDetailReq
	// and CertificateInstallationReq.
	EVCCMsgTimeoutLong = 5 * time.Second
	// EVCCMsgTimeoutChargeLoop is V2G_EVCC_Msg_Timeout for *_ChargeLoopReq.
	EVCCMsgTimeoutChargeLoop = 500 * time.Millisecond

	// SECCMsgPerformanceTime is V2G_SECC_Msg_Performance_Time for most
	// messages.
	SECCMsgPerformanceTime = 1500 * time.Millisecond
	// SECCMsgPerformanceTimeLong is V2G_SECC_Msg_Performance_Time for the
	// messages with the 5 s EVCC timeout (by analogy with -2; the -20
	// value is unconfirmed).
	SECCMsgPerformanceTimeLong = 4500 * time.Millisecond
	// SECCMsgPerformanceTimeChargeLoop is V2G_SECC_Msg_Performance_Time
	// for *_ChargeLoopReq.
	SECCMsgPerformanceTimeChargeLoop = 250 * time.Millisecond

	// EVCCSequencePerformanceTime is V2G_EVCC_Sequence_Performance_Time.
	EVCCSequencePerformanceTime = 40 * time.Second
	// EVCCSequencePerformanceTimeChargeLoop is
	// V2G_EVCC_Sequence_Performance_Time before the next *_ChargeLoopReq.
	EVCCSequencePerformanceTimeChargeLoop = 250 * time.Millisecond

	// SECCSequenceTimeout is V2G_SECC_Sequence_Timeout after most responses.
	SECCSequenceTimeout = 60 * time.Second
	// SECCSequenceTimeoutChargeLoop is V2G_SECC_Sequence_Timeout after
	// a *_ChargeLoopRes.
	SECCSequenceTimeoutChargeLoop = 500 * time.Millisecond

	// EVCCOngoingTimeout is V2G_EVCC_Ongoing_Timeout, the budget of a
	// repeated request answered with Ongoing, counted from the first one.
	EVCCOngoingTimeout = 60 * time.Second
	// SECCOngoingPerformanceTime is V2G_SECC_Ongoing_Performance_Time.
	SECCOngoingPerformanceTime = 55 * time.Second

	// EVCCCommunicationSetupTimeout is V2G_EVCC_CommunicationSetup_Timer
	// (Josev's value; Table 221 unconfirmed).
	EVCCCommunicationSetupTimeout = 20 * time.Second
	// SECCCommunicationSetupTimeout is V2G_SECC_CommunicationSetup_Timer
	// (the -2 value; Table 221 unconfirmed).
	SECCCommunicationSetupTimeout = 18 * time.Second

	// SECCDataLinkTerminateDelay is how long after SessionStopRes
	// (Terminate) the SECC terminates the data link [V2G20-1776].
	SECCDataLinkTerminateDelay = 2 * time.Second
)

// EVCCMsgTimeoutFor returns V2G_EVCC_Msg_Timeout for request m.
func EVCCMsgTimeoutFor(m Message) time.Duration {
	switch m {
	case MsgServiceDetail, MsgCertificateInstallation:
		return EVCCMsgTimeoutLong
	case MsgDCChargeLoop, MsgACChargeLoop:
		return EVCCMsgTimeoutChargeLoop
	}
	return EVCCMsgTimeout
}

// SECCMsgPerformanceTimeFor returns V2G_SECC_Msg_Performance_Time for
// request m.
func SECCMsgPerformanceTimeFor(m Message) time.Duration {
	switch m {
	case MsgServiceDetail, MsgCertificateInstallation:
		return SECCMsgPerformanceTimeLong
	case MsgDCChargeLoop, MsgACChargeLoop:
		return SECCMsgPerformanceTimeChargeLoop
	}
	return SECCMsgPerformanceTime
}

// SECCSequenceTimeoutAfter returns V2G_SECC_Sequence_Timeout after the
// SECC sent the response to m.
func SECCSequenceTimeoutAfter(m Message) time.Duration {
	switch m {
	case MsgDCChargeLoop, MsgACChargeLoop:
		return SECCSequenceTimeoutChargeLoop
	}
	return SECCSequenceTimeout
}

// EVCCSequencePerformanceTimeBefore returns
// V2G_EVCC_Sequence_Performance_Time before the EVCC sends request m.
func EVCCSequencePerformanceTimeBefore(m Message) time.Duration {
	switch m {
	case MsgDCChargeLoop, MsgACChargeLoop:
		return EVCCSequencePerformanceTimeChargeLoop
	}
	return EVCCSequencePerformanceTime
}
