package secc

import (
	"testing"

	"github.com/v2gstack/iso15118/exi"

	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// FuzzHandleMessage feeds arbitrary payloads to an engine in session: it
// must answer, refuse or close, never panic, and every answer must decode.
func FuzzHandleMessage(f *testing.F) {
	id := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	h := iso20.MessageHeader{SessionID: id}
	for _, m := range []struct {
		pt v2gtp.PayloadType
		b  []byte
	}{
		{v2gtp.Mainstream, must(f, &iso20.AuthorizationSetupReq{Header: h})},
		{v2gtp.Mainstream, must(f, &iso20.SessionStopReq{Header: h})},
		{v2gtp.DCMainstream, must(f, &dc.DCCableCheckReq{Header: dc.MessageHeader{SessionID: id}})},
		{v2gtp.Mainstream, []byte{0x80}},
	} {
		f.Add(uint16(m.pt), m.b)
	}
	f.Fuzz(func(t *testing.T, pt uint16, b []byte) {
		e := newEngine(t, append([]byte(nil), id...))
		sap(t, e, t0)
		setup := must(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV"})
		if _, err := e.HandleMessage(t0, v2gtp.Mainstream, setup); err != nil {
			t.Fatal(err)
		}
		r, err := e.HandleMessage(t0, v2gtp.PayloadType(pt), b)
		if err != nil {
			if closed, _ := e.Closed(); !closed {
				t.Fatalf("error %v without closing", err)
			}
			return
		}
		if _, err := session.Dispatch(r.PayloadType, answerPhase(session.PhaseDC, r.PayloadType), r.Payload); err != nil {
			t.Fatalf("answer does not decode: %v", err)
		}
	})
}

func must(tb testing.TB, m exi.Message) []byte {
	tb.Helper()
	_, b, err := session.Encode(nil, m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
