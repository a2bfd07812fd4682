package session

import (
	"fmt"
	"testing"
)

// TestExpectedRenegotiation checks the stages of pause/resume,
// renegotiation and standby against protocol facts §5.3 and §5.9.
func TestExpectedRenegotiation(t *testing.T) {
	for _, tc := range []struct {
		s    Stage
		dc   bool
		want []Message
	}{
		// SessionSetupRes (OK_OldSessionJoined): ChargeParameterDiscovery only.
		{StageSessionResumed, true, []Message{MsgDCChargeParameterDiscovery}},
		{StageSessionResumed, false, []Message{MsgACChargeParameterDiscovery}},
		// SessionStopRes (ServiceRenegotiation): ServiceDiscovery only.
		{StageServiceRenegotiation, true, []Message{MsgServiceDiscovery}},
		{StageServiceRenegotiation, false, []Message{MsgServiceDiscovery}},
		// Standby: charge-loop requests until a PowerDelivery leaves it.
		{StageStandby, true, []Message{MsgDCChargeLoop, MsgPowerDelivery}},
		{StageStandby, false, []Message{MsgACChargeLoop, MsgPowerDelivery}},
		// Schedule renegotiation re-enters at ChargeParameterDiscovery;
		// Terminate stays possible.
		{StageScheduleRenegotiation, true, []Message{MsgDCChargeParameterDiscovery, MsgSessionStop}},
		{StageScheduleRenegotiation, false, []Message{MsgACChargeParameterDiscovery, MsgSessionStop}},
		// After a renegotiated ScheduleExchange a DC EV may go straight
		// to PowerDelivery.
		{StageScheduleExchange, true, []Message{MsgDCCableCheck, MsgPowerDelivery, MsgSessionStop}},
		// The charge loop leaves with PowerDelivery (Stop, Standby,
		// ScheduleRenegotiation).
		{StageChargeLoop, true, []Message{MsgDCChargeLoop, MsgPowerDelivery, MsgMeteringConfirmation, MsgSessionStop}},
	} {
		got := Expected(tc.s, tc.dc, false)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Expected(%v, dc=%v) = %v, want %v", tc.s, tc.dc, got, tc.want)
		}
	}
	for _, m := range []Message{MsgAuthorizationSetup, MsgAuthorization, MsgServiceDiscovery, MsgServiceSelection} {
		if Allowed(StageSessionResumed, true, false, m) {
			t.Errorf("%v allowed after OK_OldSessionJoined", m)
		}
	}
	for _, m := range []Message{MsgServiceSelection, MsgDCChargeParameterDiscovery, MsgSessionSetup, MsgAuthorization} {
		if Allowed(StageServiceRenegotiation, true, false, m) {
			t.Errorf("%v allowed after SessionStopRes (ServiceRenegotiation)", m)
		}
	}
	if Allowed(StageStandby, true, false, MsgSessionStop) || Allowed(StageStandby, true, false, MsgDCWeldingDetection) {
		t.Error("SessionStop or welding detection allowed in standby")
	}
	for _, s := range []Stage{StageStandby, StageScheduleRenegotiation, StageServiceRenegotiation} {
		if s.String() == fmt.Sprintf("Stage(%d)", uint8(s)) {
			t.Errorf("stage %d has no name", uint8(s))
		}
	}
}
