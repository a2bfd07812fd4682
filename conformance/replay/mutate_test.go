package replay_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/conformance/replay"
	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
)

func load(t *testing.T, name string) []session.TraceRecord {
	t.Helper()
	recs, err := trace.ReadFile(filepath.Join(testshared.Dir(t, "traces"), name))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// reencode sets the EXI of r to its modified message.
func reencode(t *testing.T, r *session.TraceRecord) {
	t.Helper()
	b, err := r.Msg.AppendEXI(nil, exi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.EXI = b
}

// without returns recs without the exchanges whose request is name.
func without(recs []session.TraceRecord, name string) []session.TraceRecord {
	res := strings.TrimSuffix(name, "Req") + "Res"
	var out []session.TraceRecord
	for _, r := range recs {
		if r.Name != name && r.Name != res {
			out = append(out, r)
		}
	}
	return out
}

func lines(res *replay.Result) string {
	var b strings.Builder
	for _, x := range res.Exchanges {
		fmt.Fprintln(&b, x)
	}
	return b.String()
}

// TestReplaySECCRewritesIDs: when the recorded SECC numbered its parameter
// sets and schedule tuples differently from ours, the recorded EVCC's
// choices are rewritten to our SECC's IDs for the same control mode and
// tuple, and the replay passes in both roles.
func TestReplaySECCRewritesIDs(t *testing.T) {
	recs := load(t, "josev-dc-eim.evcc.jsonl")
	profiles := 0
	for i := range recs {
		r := &recs[i]
		switch m := r.Msg.(type) {
		case *iso20.ServiceDetailRes:
			for j := range m.ServiceParameterList.ParameterSet {
				m.ServiceParameterList.ParameterSet[j].ParameterSetID += 6
			}
		case *iso20.ServiceSelectionReq:
			m.SelectedEnergyTransferService.ParameterSetID += 6
		case *iso20.ScheduleExchangeRes:
			m.ScheduledSEResControlMode.ScheduleTuple[0].ScheduleTupleID = 5
		case *iso20.PowerDeliveryReq:
			if p := m.EVPowerProfile; p != nil && p.ScheduledEVPPTControlMode != nil {
				p.ScheduledEVPPTControlMode.SelectedScheduleTupleID = 5
				profiles++
			}
		default:
			continue
		}
		reencode(t, r)
	}
	if profiles != 1 {
		t.Fatalf("%d PowerDeliveryReqs with a schedule tuple", profiles)
	}
	res, err := replay.Run(recs, replay.RoleSECC)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("%s%s", lines(res), res.Summary())
	}
	var rewritten []string
	for _, x := range res.Exchanges {
		rewritten = append(rewritten, x.Rewritten...)
	}
	if got := strings.Join(rewritten, "; "); got != "ParameterSetID 7→1; ScheduleTupleID 5→1" {
		t.Fatalf("rewritten: %s", got)
	}
	if !strings.Contains(lines(res), "ServiceSelectionRes OK: as recorded [rewritten ParameterSetID 7→1]") {
		t.Fatalf("no rewrite in the verdicts:\n%s", lines(res))
	}
	if res, err := replay.Run(recs, replay.RoleEVCC); err != nil || !res.OK() {
		t.Fatalf("role evcc: %v\n%s", err, lines(res))
	}
}

// TestReplaySECCRefuses: a recorded EVCC that skips AuthorizationSetup
// gets FAILED_SequenceError from our SECC; the replay stops there.
func TestReplaySECCRefuses(t *testing.T) {
	recs := without(load(t, "josev-dc_bpt-eim.secc.jsonl"), "AuthorizationSetupReq")
	res, err := replay.Run(recs, replay.RoleSECC)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || res.Passed() != 2 || len(res.Exchanges) != 3 || res.Summary() != "replay: 2/3 exchanges ok" {
		t.Fatalf("%s%s", lines(res), res.Summary())
	}
	x := res.Exchanges[2]
	if x.Request != "AuthorizationReq" || x.Code != "FAILED_SequenceError" || x.RecordedCode != "OK" ||
		!strings.Contains(x.String(), "(recorded AuthorizationRes OK): code differs") {
		t.Fatalf("%s", x)
	}
}

// TestReplayEVCCRejects: our EVCC ends the session on a recorded FAILED
// response.
func TestReplayEVCCRejects(t *testing.T) {
	recs := load(t, "josev-dc-eim.evcc.jsonl")
	for i := range recs {
		if m, ok := recs[i].Msg.(*iso20.AuthorizationRes); ok {
			m.ResponseCode = iso20.ResponseCodeFAILED
			reencode(t, &recs[i])
		}
	}
	res, err := replay.Run(recs, replay.RoleEVCC)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 4 || res.Passed() != 3 {
		t.Fatalf("%s", lines(res))
	}
	if x := res.Exchanges[3]; x.Request != "AuthorizationReq" || x.Code != "FAILED" || !strings.Contains(x.Reason, "rejects") {
		t.Fatalf("%s", x)
	}
}

// TestReplayEVCCRequestDiffers: without the recorded cable check, our
// EVCC's DC_CableCheckReq meets the recorded DC_PreChargeReq.
func TestReplayEVCCRequestDiffers(t *testing.T) {
	recs := without(load(t, "josev-dc-eim.secc.jsonl"), "DC_CableCheckReq")
	res, err := replay.Run(recs, replay.RoleEVCC)
	if err != nil {
		t.Fatal(err)
	}
	x := res.Exchanges[len(res.Exchanges)-1]
	if res.Passed() != 9 || x.N != 10 || x.Request != "DC_CableCheckReq" || x.RecordedRequest != "DC_PreChargeReq" || x.OK ||
		x.Reason != "request differs from the recorded DC_PreChargeReq" {
		t.Fatalf("%s", lines(res))
	}
}

// TestReplayTruncated: a recording that ends before SessionStop fails at
// the end in both roles.
func TestReplayTruncated(t *testing.T) {
	recs := load(t, "josev-dc-eim.evcc.jsonl")
	cut := 0
	for cut < len(recs) && recs[cut].Name != "DC_WeldingDetectionReq" {
		cut++
	}
	recs = recs[:cut]
	res, err := replay.Run(recs, replay.RoleEVCC)
	if err != nil {
		t.Fatal(err)
	}
	if x := res.Exchanges[len(res.Exchanges)-1]; x.OK || x.Request != "DC_WeldingDetectionReq" ||
		x.Reason != "the recording has no further exchange" || res.Passed() != len(res.Exchanges)-1 {
		t.Fatalf("%s", lines(res))
	}
	if res, err = replay.Run(recs, replay.RoleSECC); err != nil {
		t.Fatal(err)
	}
	if x := res.Exchanges[len(res.Exchanges)-1]; x.OK || x.Request != "PowerDeliveryReq" ||
		x.Reason != "the recording ends here without SessionStop" || res.Passed() != len(res.Exchanges)-1 {
		t.Fatalf("%s", lines(res))
	}
}

func TestReplayUnpaired(t *testing.T) {
	recs := load(t, "josev-dc-eim.evcc.jsonl")
	for _, tc := range []struct {
		name string
		recs []session.TraceRecord
	}{
		{"two requests", append(append([]session.TraceRecord{}, recs[:3]...), recs[4:]...)},
		{"response first", recs[1:]},
		{"trailing request", recs[:len(recs)-1]},
		{"no SAP", recs[2:]},
		{"empty", nil},
	} {
		for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
			if _, err := replay.Run(tc.recs, role); !errors.Is(err, replay.ErrTrace) {
				t.Errorf("%s, %v: err = %v", tc.name, role, err)
			}
		}
	}
}
