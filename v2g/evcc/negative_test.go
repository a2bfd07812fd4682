package evcc_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// exchange is one request of the EVCC and the SECC's answer to it.
type exchange struct {
	kind     session.Message
	req      evcc.Request
	res      secc.Response
	deadline time.Duration // EVCC's response timeout as armed
}

// pair is our EVCC against our SECC on a fake clock; tamper, when set,
// replaces the SECC's n-th response.
type pair struct {
	t   *testing.T
	v   *evcc.Engine
	s   *secc.Engine
	now time.Time
}

func newPair(t *testing.T) *pair {
	t.Helper()
	evse := secc.NewSimEVSE()
	s, err := secc.New(secc.Config{EVSE: evse})
	if err != nil {
		t.Fatal(err)
	}
	bat := evcc.NewSimBattery()
	bat.CapacityWh = 200
	bat.Discharge, bat.MinPct = true, 60
	v, err := evcc.New(evcc.Config{Vehicle: bat, BPT: true})
	if err != nil {
		t.Fatal(err)
	}
	p := &pair{t: t, v: v, s: s, now: time.Unix(1795453144, 0)}
	s.Start(p.now)
	return p
}

// run plays the session until the EVCC's n-th request (counted from 0)
// and returns the exchanges so far and that request, unanswered.
func (p *pair) run(n int) ([]exchange, evcc.Request) {
	p.t.Helper()
	req, err := p.v.Start(p.now)
	if err != nil {
		p.t.Fatal(err)
	}
	var log []exchange
	for i := 0; ; i++ {
		d, _ := p.v.Deadline()
		x := exchange{kind: kindOfPayload(p.t, req, i == 0), req: req, deadline: d.Sub(p.now)}
		if i == n || req.Done {
			return log, req
		}
		p.now = p.now.Add(20 * time.Millisecond)
		res, err := p.s.HandleMessage(p.now, req.PayloadType, req.Payload)
		if err != nil {
			p.t.Fatalf("SECC: %v", err)
		}
		x.res = res
		log = append(log, x)
		req, err = p.v.HandleMessage(p.now, res.PayloadType, res.Payload)
		if err != nil {
			p.t.Fatalf("EVCC: %v", err)
		}
	}
}

func kindOfPayload(t *testing.T, r evcc.Request, first bool) session.Message {
	t.Helper()
	if r.Done {
		return session.MsgUnknown
	}
	phase := session.PhaseDC
	if first {
		phase = session.PhaseSAP
	}
	m, err := session.Dispatch(r.PayloadType, phase, r.Payload)
	if err != nil {
		t.Fatalf("EVCC request does not decode: %v", err)
	}
	k, _ := session.Kind(m)
	return k
}

// wantTimeout is V2G_EVCC_Msg_Timeout per request (protocol facts §7.1,
// Tables 215 and 217), written out by hand.
func wantTimeout(k session.Message) time.Duration {
	switch k {
	case session.MsgServiceDetail:
		return 5 * time.Second
	case session.MsgDCChargeLoop:
		return 500 * time.Millisecond
	}
	return 2 * time.Second
}

func reencode(t *testing.T, m exi.Message) (v2gtp.PayloadType, []byte) {
	t.Helper()
	pt, b, err := session.Encode(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return pt, b
}

// TestEVCCNegative takes every request of a DC_BPT session and, in a fresh
// session, answers it wrongly in four ways: a response of another type, the
// right response for another session, the right response with FAILED, and
// no response at all. The EVCC must end the session each time and send
// nothing more.
func TestEVCCNegative(t *testing.T) {
	full, last := newPair(t).run(-1)
	if !last.Done {
		t.Fatal("reference session did not end")
	}
	if len(full) < 20 {
		t.Fatalf("reference session has only %d exchanges", len(full))
	}
	// One case per distinct request kind, at its first occurrence.
	seen := map[session.Message]bool{}
	for n, x := range full {
		if seen[x.kind] {
			continue
		}
		seen[x.kind] = true
		t.Run(fmt.Sprint(x.kind), func(t *testing.T) {
			if x.deadline != wantTimeout(x.kind) {
				t.Errorf("response timeout %v, want %v", x.deadline, wantTimeout(x.kind))
			}
			phase := session.PhaseDC
			if n == 0 {
				phase = session.PhaseSAP
			}
			t.Run("timeout", func(t *testing.T) {
				p := newPair(t)
				p.run(n)
				d, ok := p.v.Deadline()
				if !ok {
					t.Fatal("no deadline armed")
				}
				if err := p.v.HandleTimeout(d.Add(-time.Nanosecond)); err != nil {
					t.Fatalf("early: %v", err)
				}
				if err := p.v.HandleTimeout(d); !errors.Is(err, evcc.ErrTimeout) {
					t.Fatalf("at the deadline: %v", err)
				}
				if closed, _ := p.v.Closed(); !closed {
					t.Fatal("engine still open")
				}
			})
			if n == 0 {
				return // the SAP response has no header or -20 response code
			}
			answer := func(t *testing.T, tamper func(m exi.Message, id []byte) exi.Message) (evcc.Request, error) {
				p := newPair(t)
				_, req := p.run(n)
				res, err := p.s.HandleMessage(p.now, req.PayloadType, req.Payload)
				if err != nil {
					t.Fatal(err)
				}
				m, err := session.Dispatch(res.PayloadType, phase, res.Payload)
				if err != nil {
					t.Fatal(err)
				}
				id, _, _ := session.Header(m)
				pt, b := reencode(t, tamper(m, id))
				return p.v.HandleMessage(p.now, pt, b)
			}
			check := func(t *testing.T, r evcc.Request, err, want error) {
				t.Helper()
				if !errors.Is(err, want) || !r.Done || len(r.Payload) != 0 {
					t.Fatalf("got done %v, %d bytes, err %v; want %v", r.Done, len(r.Payload), err, want)
				}
			}
			t.Run("other type", func(t *testing.T) {
				r, err := answer(t, func(_ exi.Message, id []byte) exi.Message {
					var o exi.Message = &iso20.SessionStopRes{}
					if x.kind == session.MsgSessionStop {
						o = &iso20.ServiceSelectionRes{}
					}
					session.SetHeader(o, id, 0)
					return o
				})
				check(t, r, err, evcc.ErrUnexpected)
			})
			if x.kind != session.MsgSessionSetup {
				t.Run("other session", func(t *testing.T) {
					r, err := answer(t, func(m exi.Message, id []byte) exi.Message {
						other := append([]byte(nil), id...)
						other[7] ^= 1
						session.SetHeader(m, other, 0)
						return m
					})
					check(t, r, err, evcc.ErrUnexpected)
				})
			}
			t.Run("FAILED", func(t *testing.T) {
				r, err := answer(t, func(m exi.Message, _ []byte) exi.Message {
					if !session.SetResponseCode(m, iso20.ResponseCodeFAILED) {
						t.Fatalf("%T has no response code", m)
					}
					return m
				})
				check(t, r, err, evcc.ErrFailed)
			})
		})
	}
	for _, k := range []session.Message{session.MsgSessionSetup, session.MsgDCCableCheck,
		session.MsgDCPreCharge, session.MsgPowerDelivery, session.MsgDCChargeLoop,
		session.MsgDCWeldingDetection, session.MsgSessionStop} {
		if !seen[k] {
			t.Errorf("the reference session never sent %v", k)
		}
	}
}

// TestEVCCFailedMidLoop answers the fifth charge-loop request with FAILED:
// the EVCC stops at once (no PowerDelivery, no SessionStop) with ErrFailed.
func TestEVCCFailedMidLoop(t *testing.T) {
	full, _ := newPair(t).run(-1)
	n, loops := -1, 0
	for i, x := range full {
		if x.kind == session.MsgDCChargeLoop {
			if loops++; loops == 5 {
				n = i
				break
			}
		}
	}
	if n < 0 {
		t.Fatalf("reference session has %d charge loops", loops)
	}
	p := newPair(t)
	_, req := p.run(n)
	res, err := p.s.HandleMessage(p.now, req.PayloadType, req.Payload)
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.Dispatch(res.PayloadType, session.PhaseDC, res.Payload)
	if err != nil {
		t.Fatal(err)
	}
	session.SetResponseCode(m, iso20.ResponseCodeFAILED)
	pt, b := reencode(t, m)
	r, err := p.v.HandleMessage(p.now, pt, b)
	if !errors.Is(err, evcc.ErrFailed) || !r.Done || len(r.Payload) != 0 {
		t.Fatalf("got done %v, %d bytes, err %v", r.Done, len(r.Payload), err)
	}
	if _, err := p.v.HandleMessage(p.now, pt, b); !errors.Is(err, evcc.ErrClosed) {
		t.Fatalf("after the end: %v", err)
	}
}

// TestEVCCStopsOnEVSEViolation answers the first charge-loop request with
// a response outside the vehicle's limits (80 A, 450 V, 20 A discharge for
// NewSimBattery) or of the wrong control mode: the EVCC's next request is
// PowerDelivery(Stop), and the session, finished with our SECC, ends with
// ErrEVSEViolation.
func TestEVCCStopsOnEVSEViolation(t *testing.T) {
	full, _ := newPair(t).run(-1)
	n := -1
	for i, x := range full {
		if x.kind == session.MsgDCChargeLoop {
			n = i
			break
		}
	}
	if n < 0 {
		t.Fatal("no charge loop")
	}
	for _, tc := range []struct {
		name   string
		tamper func(*dc.DCChargeLoopRes)
	}{
		{"current", func(r *dc.DCChargeLoopRes) { r.EVSEPresentCurrent = dc.RationalNumber{Value: 200} }},
		{"voltage", func(r *dc.DCChargeLoopRes) { r.EVSEPresentVoltage = dc.RationalNumber{Value: 600} }},
		{"discharge current", func(r *dc.DCChargeLoopRes) { r.EVSEPresentCurrent = dc.RationalNumber{Value: -50} }},
		{"control mode", func(r *dc.DCChargeLoopRes) {
			r.BPTScheduledDCCLResControlMode = nil
			r.ScheduledDCCLResControlMode = &dc.ScheduledDCCLResControlMode{}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t)
			_, req := p.run(n)
			res, err := p.s.HandleMessage(p.now, req.PayloadType, req.Payload)
			if err != nil {
				t.Fatal(err)
			}
			m, err := session.Dispatch(res.PayloadType, session.PhaseDC, res.Payload)
			if err != nil {
				t.Fatal(err)
			}
			tc.tamper(m.(*dc.DCChargeLoopRes))
			pt, b := reencode(t, m)
			req, err = p.v.HandleMessage(p.now, pt, b)
			if err != nil {
				t.Fatal(err)
			}
			next, err := session.Dispatch(req.PayloadType, session.PhaseDC, req.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if pd, ok := next.(*iso20.PowerDeliveryReq); !ok || pd.ChargeProgress != iso20.ChargeProgressStop {
				t.Fatalf("next request %T %+v, want PowerDelivery(Stop)", next, next)
			}
			for i := 0; !req.Done; i++ {
				if i > 50 {
					t.Fatal("session does not end")
				}
				p.now = p.now.Add(20 * time.Millisecond)
				res, err := p.s.HandleMessage(p.now, req.PayloadType, req.Payload)
				if err != nil {
					t.Fatal(err)
				}
				if req, err = p.v.HandleMessage(p.now, res.PayloadType, res.Payload); err != nil {
					t.Fatal(err)
				}
			}
			if !errors.Is(req.Reason, evcc.ErrEVSEViolation) {
				t.Fatalf("session ended with %v", req.Reason)
			}
			if _, err := p.v.Closed(); !errors.Is(err, evcc.ErrEVSEViolation) {
				t.Fatalf("Closed reports %v", err)
			}
		})
	}
}
