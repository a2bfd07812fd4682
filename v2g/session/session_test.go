package session

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

func TestClassOf(t *testing.T) {
	for c := iso20.ResponseCode(0); c < 40; c++ {
		want := ClassOK
		switch s := c.String(); {
		case strings.HasPrefix(s, "WARNING"):
			want = ClassWarning
		case strings.HasPrefix(s, "FAILED"):
			want = ClassFailed
		}
		if got := ClassOf(c); got != want {
			t.Errorf("ClassOf(%v) = %v, want %v", c, got, want)
		}
	}
}

func TestExpectedHappyPathDC(t *testing.T) {
	path := []struct {
		s Stage
		m Message
	}{
		{StageInit, MsgSupportedAppProtocol},
		{StageAppProtocol, MsgSessionSetup},
		{StageSessionSetup, MsgAuthorizationSetup},
		{StageAuthorizationSetup, MsgAuthorization},
		{StageAuthorized, MsgServiceDiscovery},
		{StageServiceDiscovery, MsgServiceDetail},
		{StageServiceDetail, MsgServiceSelection},
		{StageServiceSelection, MsgDCChargeParameterDiscovery},
		{StageChargeParameterDiscovery, MsgScheduleExchange},
		{StageScheduleExchange, MsgDCCableCheck},
		{StageCableCheck, MsgDCPreCharge},
		{StagePreCharge, MsgPowerDelivery},
		{StagePowerDeliveryStart, MsgDCChargeLoop},
		{StageChargeLoop, MsgPowerDelivery},
		{StagePowerDeliveryStop, MsgDCWeldingDetection},
		{StageWeldingDetection, MsgSessionStop},
	}
	for _, p := range path {
		if !Allowed(p.s, true, false, p.m) {
			t.Errorf("%v: %v not allowed", p.s, p.m)
		}
	}
	if Allowed(StageAppProtocol, true, false, MsgAuthorizationSetup) {
		t.Error("AuthorizationSetup allowed before SessionSetup")
	}
	if Allowed(StageSessionStopped, true, false, MsgSessionSetup) {
		t.Error("request allowed after SessionStop")
	}
}

func payloadType(ns string) v2gtp.PayloadType {
	switch ns {
	case "SAP":
		return v2gtp.SAP
	case "ISO_V20_DC":
		return v2gtp.DCMainstream
	case "ISO_V20_AC":
		return v2gtp.ACMainstream
	}
	return v2gtp.Mainstream
}

func TestDispatchTrace(t *testing.T) {
	file := testshared.Dir(t, "traces", "josev-dc_bpt-eim.evcc.jsonl")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	phase := PhaseSAP
	n := 0
	for sc.Scan() {
		var line struct{ Dir, Ns, Msg, Exi string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		b, err := hex.DecodeString(line.Exi)
		if err != nil {
			t.Fatal(err)
		}
		pt := payloadType(line.Ns)
		m, err := Dispatch(pt, phase, b)
		if err != nil {
			t.Fatalf("%s: %v", line.Msg, err)
		}
		k, req := Kind(m)
		if k == MsgUnknown || req != strings.HasSuffix(line.Msg, "Req") ||
			!strings.EqualFold(strings.TrimSuffix(strings.TrimSuffix(line.Msg, "Req"), "Res"), k.String()) {
			t.Errorf("%s decoded as %v (request %v)", line.Msg, k, req)
		}
		if k.PayloadType() != pt {
			t.Errorf("%v: payload type %v, trace %v", k, k.PayloadType(), pt)
		}
		if k == MsgSupportedAppProtocol && !req {
			phase = PhaseDC
		}
		if k != MsgSupportedAppProtocol {
			if id, _, ok := Header(m); !ok || len(id) != SessionIDLen {
				t.Errorf("%v: header %x %v", k, id, ok)
			}
		}
		if c, ok := ResponseCode(m); ok && Failed(c) {
			t.Errorf("%v: %v", k, c)
		}
		n++
	}
	if n == 0 {
		t.Fatal("empty trace")
	}
}

func TestDispatchErrors(t *testing.T) {
	if _, err := Dispatch(v2gtp.Mainstream, PhaseSAP, []byte{0x80}); !errors.Is(err, ErrPayloadType) {
		t.Errorf("CommonMessages before SAP: %v", err)
	}
	if _, err := Dispatch(v2gtp.ACMainstream, PhaseDC, []byte{0x80}); !errors.Is(err, ErrPayloadType) {
		t.Errorf("AC in DC phase: %v", err)
	}
	if _, err := Dispatch(v2gtp.Mainstream, PhaseDC, []byte{0x80, 0xff, 0xff}); !errors.Is(err, ErrDecode) {
		t.Errorf("garbage: %v", err)
	}
}

func TestSetHeader(t *testing.T) {
	m := &iso20.SessionStopReq{}
	if !SetHeader(m, []byte{1, 2, 3, 4, 5, 6, 7, 8}, 42) {
		t.Fatal("SetHeader failed")
	}
	id, ts, ok := Header(m)
	if !ok || ts != 42 || id[7] != 8 {
		t.Fatalf("Header = %x %d %v", id, ts, ok)
	}
	r := &iso20.SessionStopRes{}
	if !SetResponseCode(r, iso20.ResponseCodeFAILEDSequenceError) {
		t.Fatal("SetResponseCode failed")
	}
	if c, _ := ResponseCode(r); c != iso20.ResponseCodeFAILEDSequenceError {
		t.Fatalf("code %v", c)
	}
}

func TestRational(t *testing.T) {
	for _, x := range []float64{0, 1, 400, 1000, 300000, -10000, 0.05, 123.456, 920.5} {
		e, v := Rational(x)
		got := Float(e, v)
		if d := got - x; d > 1e-3*max(1, abs(x)) || -d > 1e-3*max(1, abs(x)) {
			t.Errorf("Rational(%v) = %d×10^%d = %v", x, v, e, got)
		}
	}
	if e, v := Rational(400); e != 0 || v != 400 {
		t.Errorf("Rational(400) = %d×10^%d", v, e)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
