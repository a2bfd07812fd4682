package session_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/session"
)

// TestLegacyTraces decodes every DIN and -2 message of the shared
// recordings into the common form: the kind and direction match the body
// element the recording names, and the form survives an encoding round
// trip.
func TestLegacyTraces(t *testing.T) {
	dir := testshared.Dir(t, "traces")
	for _, tc := range []struct {
		file  string
		phase session.Phase
	}{
		{"josev-din-dc.secc.jsonl", session.PhaseDIN},
		{"josev-din-dc.evcc.jsonl", session.PhaseDIN},
		{"josev-iso2-eim-dc.secc.jsonl", session.PhaseISO2},
		{"josev-iso2-eim-dc.evcc.jsonl", session.PhaseISO2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var v struct {
					Dir, NS, EXI string
					JSON         struct {
						V2GMessage struct {
							Body map[string]json.RawMessage
						} `json:"V2G_Message"`
					}
				}
				if err := json.Unmarshal([]byte(l), &v); err != nil {
					t.Fatal(err)
				}
				if v.Dir == "sig" || v.NS == "SAP" {
					continue
				}
				var body string
				for k := range v.JSON.V2GMessage.Body {
					body = k
				}
				x, err := hex.DecodeString(v.EXI)
				if err != nil {
					t.Fatal(err)
				}
				m, _, err := session.DecodeLegacy(tc.phase, x)
				if err != nil {
					t.Fatalf("%s: %v", body, err)
				}
				if got := session.LegacyMessageName(tc.phase, m); got != body {
					t.Errorf("%s decodes as %s", body, got)
				}
				_, enc, err := session.EncodeLegacy(tc.phase, m)
				if err != nil {
					t.Fatalf("%s: encode: %v", body, err)
				}
				again, _, err := session.DecodeLegacy(tc.phase, enc)
				if err != nil {
					t.Fatalf("%s: decode of our encoding: %v", body, err)
				}
				_, enc2, _ := session.EncodeLegacy(tc.phase, again)
				if !reflect.DeepEqual(enc, enc2) {
					t.Errorf("%s: the common form is not stable: %x then %x", body, enc, enc2)
				}
				n++
			}
			if n < 50 {
				t.Errorf("%d messages", n)
			}
		})
	}
}

// TestLegacyValues checks that quantities survive the PhysicalValue
// coding (Multiplier, Value) of both schemas.
func TestLegacyValues(t *testing.T) {
	m := &session.LegacyMessage{Kind: session.LMsgCurrentDemand, SessionID: []byte{1, 2, 3, 4, 5, 6, 7, 8},
		EVReady: true, SOC: 30, TargetV: 500, TargetI: 32, EVMaxV: 500, EVMaxI: 32, EVMaxP: 8000}
	for _, p := range []session.Phase{session.PhaseDIN, session.PhaseISO2} {
		_, b, err := session.EncodeLegacy(p, m)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := session.DecodeLegacy(p, b)
		if err != nil {
			t.Fatal(err)
		}
		if got.TargetV != 500 || got.TargetI != 32 || got.EVMaxP != 8000 || got.SOC != 30 || !got.EVReady ||
			!slices.Equal(got.SessionID, m.SessionID) || got.Kind != session.LMsgCurrentDemand || got.Response {
			t.Errorf("%v: %+v", p, got)
		}
	}
	// 100 kW does not fit a short in watts: it is coded 10000 × 10^1.
	r := &session.LegacyMessage{Kind: session.LMsgCurrentDemand, Response: true, PresentV: 400, PresentI: 125.5,
		EVSEMaxP: 100000, EVSEMaxV: 1000, EVSEMaxI: 500}
	_, b, err := session.EncodeLegacy(session.PhaseISO2, r)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := session.DecodeLegacy(session.PhaseISO2, b)
	if got.PresentV != 400 || got.PresentI != 125.5 || got.EVSEMaxP != 100000 || got.EVSEMaxV != 1000 {
		t.Errorf("%+v", got)
	}
}

func TestLegacySequenceTable(t *testing.T) {
	type c struct {
		p    session.Phase
		s    session.LegacyStage
		want []session.LegacyMsg
	}
	for _, tc := range []c{
		{session.PhaseDIN, session.LStageAppProtocol, []session.LegacyMsg{session.LMsgSessionSetup}},
		{session.PhaseDIN, session.LStageServiceDiscovery, []session.LegacyMsg{session.LMsgPaymentSelection}},
		{session.PhaseISO2, session.LStageServiceDiscovery, []session.LegacyMsg{session.LMsgServiceDetail, session.LMsgPaymentSelection}},
		{session.PhaseISO2, session.LStageAuthorizationOngoing, []session.LegacyMsg{session.LMsgAuthorization}},
		{session.PhaseDIN, session.LStageCableCheck, []session.LegacyMsg{session.LMsgPreCharge}},
		{session.PhaseDIN, session.LStagePreCharge, []session.LegacyMsg{session.LMsgPreCharge, session.LMsgPowerDelivery}},
		{session.PhaseISO2, session.LStageCurrentDemand, []session.LegacyMsg{session.LMsgCurrentDemand, session.LMsgPowerDelivery}},
		{session.PhaseISO2, session.LStagePowerDeliveryStop, []session.LegacyMsg{session.LMsgWeldingDetection, session.LMsgSessionStop}},
		{session.PhaseDIN, session.LStageSessionStopped, nil},
	} {
		if got := session.LegacyExpected(tc.p, tc.s); !slices.Equal(got, tc.want) {
			t.Errorf("%v %v: %v, want %v", session.LegacyName(tc.p), tc.s, got, tc.want)
		}
	}
	if session.LegacyAllowed(session.PhaseDIN, session.LStageSessionSetup, session.LMsgServiceDetail) {
		t.Error("DIN ServiceDetail allowed")
	}
}

func TestLegacyTimers(t *testing.T) {
	for _, tc := range []struct {
		p    session.Phase
		m    session.LegacyMsg
		want time.Duration
	}{
		{session.PhaseISO2, session.LMsgCurrentDemand, 250 * time.Millisecond},
		{session.PhaseDIN, session.LMsgCurrentDemand, 500 * time.Millisecond},
		{session.PhaseISO2, session.LMsgPowerDelivery, 5 * time.Second},
		{session.PhaseDIN, session.LMsgPowerDelivery, 2 * time.Second},
		{session.PhaseISO2, session.LMsgSessionSetup, 2 * time.Second},
	} {
		if got := session.LegacyEVCCMsgTimeoutFor(tc.p, tc.m); got != tc.want {
			t.Errorf("%v %v: %v, want %v", session.LegacyName(tc.p), tc.m, got, tc.want)
		}
	}
	if session.LegacySECCSequenceTimeout != 60*time.Second || session.LegacySECCOngoingPerformanceTime != 55*time.Second {
		t.Error("SECC timers")
	}
}
