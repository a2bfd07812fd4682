package secc

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testshared"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

var t0 = time.Unix(1795453144, 0)

func encode(t *testing.T, m exi.Message) (v2gtp.PayloadType, []byte) {
	t.Helper()
	pt, b, err := session.Encode(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return pt, b
}

func decodeRes(t *testing.T, phase session.Phase, r Response) exi.Message {
	t.Helper()
	m, err := session.Dispatch(r.PayloadType, phase, r.Payload)
	if err != nil {
		t.Fatalf("response does not decode: %v", err)
	}
	return m
}

func sap(t *testing.T, e *Engine, now time.Time) {
	t.Helper()
	pt, b := encode(t, &apphand.SupportedAppProtocolReq{AppProtocol: []apphand.AppProtocol{{
		ProtocolNamespace: session.NamespaceDC, VersionNumberMajor: 1, SchemaID: 1, Priority: 1,
	}}})
	r, err := e.HandleMessage(now, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	res := decodeRes(t, session.PhaseSAP, r).(*apphand.SupportedAppProtocolRes)
	if res.ResponseCode != apphand.ResponseCodeOKSuccessfulNegotiation || res.SchemaID == nil || *res.SchemaID != 1 {
		t.Fatalf("SAP res %+v", res)
	}
}

func newEngine(t *testing.T, seed []byte) *Engine {
	t.Helper()
	cfg := Config{EVSE: NewSimEVSE()}
	if seed != nil {
		cfg.Rand = bytes.NewReader(seed)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Start(t0)
	return e
}

func TestSequenceError(t *testing.T) {
	e := newEngine(t, nil)
	sap(t, e, t0)
	pt, b := encode(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV1"})
	r, err := e.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	setup := decodeRes(t, session.PhaseDC, r).(*iso20.SessionSetupRes)
	if setup.ResponseCode != iso20.ResponseCodeOKNewSessionEstablished || len(setup.Header.SessionID) != 8 {
		t.Fatalf("SessionSetupRes %+v", setup)
	}
	// ServiceDiscoveryReq before AuthorizationSetup/Authorization.
	pt, b = encode(t, &iso20.ServiceDiscoveryReq{Header: iso20.MessageHeader{SessionID: setup.Header.SessionID}})
	r, err = e.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	res, ok := decodeRes(t, session.PhaseDC, r).(*iso20.ServiceDiscoveryRes)
	if !ok || res.ResponseCode != iso20.ResponseCodeFAILEDSequenceError {
		t.Fatalf("got %+v, want ServiceDiscoveryRes FAILED_SequenceError", res)
	}
	if !r.Close || !errors.Is(r.Reason, ErrSequence) {
		t.Fatalf("Close %v reason %v", r.Close, r.Reason)
	}
	if closed, reason := e.Closed(); !closed || !errors.Is(reason, ErrSequence) {
		t.Fatalf("Closed() = %v, %v", closed, reason)
	}
	if _, err := e.HandleMessage(t0, pt, b); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestUnknownSession(t *testing.T) {
	e := newEngine(t, nil)
	sap(t, e, t0)
	pt, b := encode(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV1"})
	if _, err := e.HandleMessage(t0, pt, b); err != nil {
		t.Fatal(err)
	}
	pt, b = encode(t, &iso20.AuthorizationSetupReq{Header: iso20.MessageHeader{SessionID: []byte{9, 9, 9, 9, 9, 9, 9, 9}}})
	r, err := e.HandleMessage(t0, pt, b)
	if err != nil {
		t.Fatal(err)
	}
	res := decodeRes(t, session.PhaseDC, r).(*iso20.AuthorizationSetupRes)
	if res.ResponseCode != iso20.ResponseCodeFAILEDUnknownSession || !r.Close {
		t.Fatalf("got %v close %v", res.ResponseCode, r.Close)
	}
}

func TestMalformed(t *testing.T) {
	e := newEngine(t, nil)
	sap(t, e, t0)
	_, err := e.HandleMessage(t0, v2gtp.Mainstream, []byte{0x80, 0xff, 0xff, 0xff})
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	if closed, _ := e.Closed(); !closed {
		t.Fatal("not closed")
	}
}

func TestSequenceTimeout(t *testing.T) {
	e := newEngine(t, nil)
	sap(t, e, t0)
	pt, b := encode(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV1"})
	if _, err := e.HandleMessage(t0.Add(time.Second), pt, b); err != nil {
		t.Fatal(err)
	}
	d, ok := e.Deadline()
	if !ok || !d.Equal(t0.Add(time.Second+session.SECCSequenceTimeout)) {
		t.Fatalf("deadline %v %v", d, ok)
	}
	if err := e.HandleTimeout(d.Add(-time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := e.HandleTimeout(d); !errors.Is(err, ErrSequenceTimeout) {
		t.Fatalf("err = %v", err)
	}
}

// replayTraces are the Josev EVCC sessions with EIM on the DC path.
var replayTraces = []string{
	"josev-dc_bpt-eim.evcc.jsonl",
	"josev-dc-eim.evcc.jsonl",
	"josev-dcbpt-eim-tls13-p521.evcc.jsonl",
}

// TestReplayJosev feeds the requests of Josev EVCC DC and DC_BPT EIM
// sessions to the engine, with their exact EXI, and checks every answer
// decodes and is OK. The session-ID source is seeded with Josev's session
// ID so the recorded requests match.
func TestReplayJosev(t *testing.T) {
	for _, name := range replayTraces {
		t.Run(name, func(t *testing.T) { replay(t, name, false) })
	}
}

// TestReplayJosevRewritten replays the same requests to an engine with a
// random session ID, rewriting the SessionID of each request (decode, set
// the header, re-encode).
func TestReplayJosevRewritten(t *testing.T) {
	for _, name := range replayTraces {
		t.Run(name, func(t *testing.T) { replay(t, name, true) })
	}
}

func replay(t *testing.T, name string, rewrite bool) {
	file := testshared.Dir(t, "traces", name)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type line struct {
		Dir, Ns, Msg, Exi string
		JSON              map[string]json.RawMessage `json:"json"`
	}
	var lines []line
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var sessionID []byte
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if l.Msg == "SessionSetupRes" {
			var v struct{ Header struct{ SessionID string } }
			if err := json.Unmarshal(l.JSON["SessionSetupRes"], &v); err != nil {
				t.Fatal(err)
			}
			if sessionID, err = hex.DecodeString(v.Header.SessionID); err != nil {
				t.Fatal(err)
			}
		}
		lines = append(lines, l)
	}
	if len(sessionID) != 8 {
		t.Fatal("no SessionSetupRes in the trace")
	}
	seed := sessionID
	if rewrite {
		seed = nil
	}
	e := newEngine(t, seed)
	now := t0
	phase := session.PhaseSAP
	n := 0
	for _, l := range lines {
		if l.Dir != "tx" {
			continue
		}
		b, err := hex.DecodeString(l.Exi)
		if err != nil {
			t.Fatal(err)
		}
		pt := v2gtp.Mainstream
		switch l.Ns {
		case "SAP":
			pt = v2gtp.SAP
		case "ISO_V20_DC":
			pt = v2gtp.DCMainstream
		}
		if rewrite && e.SessionID() != nil {
			m, err := session.Dispatch(pt, phase, b)
			if err != nil {
				t.Fatalf("%s: %v", l.Msg, err)
			}
			_, ts, _ := session.Header(m)
			session.SetHeader(m, e.SessionID(), ts)
			if pt, b, err = session.Encode(nil, m); err != nil {
				t.Fatalf("%s: %v", l.Msg, err)
			}
		}
		now = now.Add(100 * time.Millisecond)
		r, err := e.HandleMessage(now, pt, b)
		if err != nil {
			t.Fatalf("%s: %v", l.Msg, err)
		}
		res := decodeRes(t, phase, r)
		k, req := session.Kind(res)
		if req || k.String()+"Req" != l.Msg && !(k == session.MsgSupportedAppProtocol && l.Msg == "supportedAppProtocolReq") {
			t.Fatalf("%s answered with %v", l.Msg, k)
		}
		if k == session.MsgSupportedAppProtocol {
			phase = session.PhaseDC
			n++
			continue
		}
		c, _ := session.ResponseCode(res)
		if session.ClassOf(c) != session.ClassOK {
			t.Fatalf("%s answered %v", l.Msg, c)
		}
		if id, _, _ := session.Header(res); !bytes.Equal(id, e.SessionID()) || !rewrite && !bytes.Equal(id, sessionID) {
			t.Fatalf("%s: SessionID %x", l.Msg, id)
		}
		if r.Close != (k == session.MsgSessionStop) {
			t.Fatalf("%s: Close = %v (%v)", l.Msg, r.Close, r.Reason)
		}
		n++
	}
	if n < 30 {
		t.Fatalf("only %d requests replayed", n)
	}
	if closed, reason := e.Closed(); !closed || reason != nil {
		t.Fatalf("Closed() = %v, %v", closed, reason)
	}
}

func TestSetupTimeout(t *testing.T) {
	e := newEngine(t, nil)
	sap(t, e, t0)
	d, ok := e.Deadline()
	if !ok || !d.Equal(t0.Add(session.SECCCommunicationSetupTimeout)) {
		t.Fatalf("deadline %v %v", d, ok)
	}
	pt, b := encode(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV1"})
	if _, err := e.HandleMessage(d, pt, b); !errors.Is(err, ErrSetupTimeout) {
		t.Fatalf("late SessionSetupReq: %v", err)
	}
}

// TestOutOfOrder sends, after a valid prefix of the DC path, a request the
// stage does not admit, and expects its response with FAILED_SequenceError.
func TestOutOfOrder(t *testing.T) {
	prefix := func(id []byte) []exi.Message {
		h := iso20.MessageHeader{SessionID: id}
		return []exi.Message{
			&iso20.AuthorizationSetupReq{Header: h},
			&iso20.AuthorizationReq{Header: h, SelectedAuthorizationService: iso20.AuthorizationEIM,
				EIMAReqAuthorizationMode: &iso20.EIMAReqAuthorizationMode{}},
			&iso20.ServiceDiscoveryReq{Header: h},
			&iso20.ServiceDetailReq{Header: h, ServiceID: ServiceDC},
			&iso20.ServiceSelectionReq{Header: h, SelectedEnergyTransferService: iso20.SelectedService{
				ServiceID: ServiceDC, ParameterSetID: ParameterSetScheduled}},
		}
	}
	bad := func(id []byte) []exi.Message {
		h := iso20.MessageHeader{SessionID: id}
		return []exi.Message{
			&iso20.ServiceDiscoveryReq{Header: h}, // after SessionSetup
			&iso20.ServiceSelectionReq{Header: h}, // after AuthorizationSetup
			&iso20.PowerDeliveryReq{Header: h},    // after Authorization
			&iso20.ServiceSelectionReq{Header: h}, // after ServiceDiscovery
			&iso20.ScheduleExchangeReq{Header: h, MaximumSupportingPoints: 12, // after ServiceDetail
				ScheduledSEReqControlMode: &iso20.ScheduledSEReqControlMode{}},
			&iso20.AuthorizationSetupReq{Header: h}, // after ServiceSelection
		}
	}
	for i := range bad(nil) {
		e := newEngine(t, nil)
		sap(t, e, t0)
		pt, b := encode(t, &iso20.SessionSetupReq{Header: iso20.MessageHeader{SessionID: make([]byte, 8)}, EVCCID: "EV1"})
		if _, err := e.HandleMessage(t0, pt, b); err != nil {
			t.Fatal(err)
		}
		id := e.SessionID()
		for _, m := range prefix(id)[:i] {
			pt, b := encode(t, m)
			r, err := e.HandleMessage(t0, pt, b)
			if err != nil || r.Close {
				t.Fatalf("prefix %d: %v %v", i, err, r.Reason)
			}
		}
		m := bad(id)[i]
		want, _ := session.Kind(m)
		pt, b = encode(t, m)
		r, err := e.HandleMessage(t0, pt, b)
		if err != nil {
			t.Fatal(err)
		}
		res := decodeRes(t, session.PhaseDC, r)
		k, _ := session.Kind(res)
		c, _ := session.ResponseCode(res)
		if k != want || c != iso20.ResponseCodeFAILEDSequenceError || !r.Close {
			t.Errorf("case %d: %v answered %v %v (close %v)", i, want, k, c, r.Close)
		}
	}
}
