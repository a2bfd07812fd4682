package session

import (
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

func TestMessageName(t *testing.T) {
	for _, tc := range []struct {
		m    exi.Message
		want string
	}{
		{&apphand.SupportedAppProtocolReq{}, "supportedAppProtocolReq"},
		{&apphand.SupportedAppProtocolRes{}, "supportedAppProtocolRes"},
		{&iso20.SessionSetupReq{}, "SessionSetupReq"},
		{&iso20.ServiceDetailRes{}, "ServiceDetailRes"},
		{&dc.DCChargeParameterDiscoveryReq{}, "DC_ChargeParameterDiscoveryReq"},
		{&dc.DCWeldingDetectionRes{}, "DC_WeldingDetectionRes"},
		{&ac.ACChargeLoopReq{}, "AC_ChargeLoopReq"},
		{&iso20.SessionStopRes{}, "SessionStopRes"},
		{nil, ""},
	} {
		if got := MessageName(tc.m); got != tc.want {
			t.Errorf("MessageName(%T) = %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestTrace(t *testing.T) {
	now := time.Unix(1795453144, 0)
	m := &iso20.SessionSetupReq{EVCCID: "EV1"}
	b := []byte{0x80, 0x8c}
	var got []TraceRecord
	Trace(func(r TraceRecord) { got = append(got, r) }, now, DirRx, v2gtp.Mainstream, m, b)
	if len(got) != 1 {
		t.Fatalf("%d records", len(got))
	}
	r := got[0]
	if !r.Time.Equal(now) || r.Dir != DirRx || r.Namespace != "ISO_V20_COMMON_MSG" || r.Name != "SessionSetupReq" ||
		r.Msg != exi.Message(m) || &r.EXI[0] != &b[0] || len(r.EXI) != 2 {
		t.Fatalf("record %+v", r)
	}
	for pt, want := range map[v2gtp.PayloadType]string{
		v2gtp.SAP: "SAP", v2gtp.DCMainstream: "ISO_V20_DC", v2gtp.ACMainstream: "ISO_V20_AC", 0x9000: "",
	} {
		if got := TraceNamespace(pt); got != want {
			t.Errorf("TraceNamespace(%v) = %q, want %q", pt, got, want)
		}
	}
	for d, want := range map[Direction]string{DirTx: "tx", DirRx: "rx", DirSig: "sig", 0: "Direction(0)"} {
		if d.String() != want {
			t.Errorf("%d: %q", d, d.String())
		}
	}
}

// TestTraceNilNoAlloc: without a hook, tracing costs no allocation.
func TestTraceNilNoAlloc(t *testing.T) {
	now := time.Unix(1795453144, 0)
	var m exi.Message = &dc.DCChargeLoopRes{}
	b := make([]byte, 16)
	if n := testing.AllocsPerRun(100, func() { Trace(nil, now, DirTx, v2gtp.DCMainstream, m, b) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

func BenchmarkTraceNil(b *testing.B) {
	b.ReportAllocs()
	now := time.Unix(1795453144, 0)
	var m exi.Message = &dc.DCChargeLoopRes{}
	p := make([]byte, 16)
	for b.Loop() {
		Trace(nil, now, DirTx, v2gtp.DCMainstream, m, p)
	}
}
