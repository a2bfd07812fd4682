package evccnet_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
	"github.com/v2gstack/iso15118/v2gtls"
)

// listen2 is listen with two vehicle credentials from the same roots:
// dial[0] presents the PKI's vehicle leaf, dial[1] a second leaf issued
// by the same sub-CA.
func listen2(t *testing.T, ctx context.Context) (*v2gtls.Listener, [2]evccnet.Dialer) {
	t.Helper()
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyP521, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	staple, err := p.Staple(pki.RoleSECCLeaf, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	scfg, err := v2gtls.ServerConfig(v2gtls.ServerOptions{
		Chain: p.Chain(pki.RoleSECCLeaf), Key: p.Get(pki.RoleSECCLeaf).Key,
		ClientRoots: []*pki.Certificate{p.Root(pki.RoleVehicleLeaf)},
		OCSPStaple:  staple[0],
	})
	if err != nil {
		t.Fatal(err)
	}
	prof := pki.ProfileFor(pki.RoleVehicleLeaf)
	tmpl := prof.Template(p.Family, p.Subject(pki.RoleVehicleLeaf), time.Now().Add(-testpki.Backdate).UTC().Truncate(time.Second))
	other, err := p.IssueKey(tmpl, prof.Issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	chainA := p.Chain(pki.RoleVehicleLeaf)
	chainB := append([]*pki.Certificate{other.Cert}, chainA[1:]...)
	if bytes.Equal(chainA[0].Raw, chainB[0].Raw) {
		t.Fatal("the two vehicle leaves are equal")
	}
	ln, err := v2gtls.Listen(ctx, "tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var dial [2]evccnet.Dialer
	for i, cred := range []*testpki.Credential{p.Get(pki.RoleVehicleLeaf), other} {
		chain := chainA
		if i == 1 {
			chain = chainB
		}
		ccfg, err := v2gtls.ClientConfig(v2gtls.ClientOptions{
			Chain: chain, Key: cred.Key,
			Roots: []*pki.Certificate{p.Root(pki.RoleSECCLeaf)}, RequireOCSP: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		dial[i] = func(ctx context.Context) (net.Conn, error) {
			return v2gtls.Dial(ctx, "tcp", ln.Addr().String(), ccfg)
		}
	}
	return ln, dial
}

// wire is a connection that keeps a copy of what the EVCC sent and
// received.
type wire struct {
	net.Conn
	mu      sync.Mutex
	out, in bytes.Buffer
}

func (w *wire) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	w.mu.Lock()
	w.in.Write(b[:n])
	w.mu.Unlock()
	return n, err
}

func (w *wire) Write(b []byte) (int, error) {
	n, err := w.Conn.Write(b)
	w.mu.Lock()
	w.out.Write(b[:n])
	w.mu.Unlock()
	return n, err
}

// exchange is one decoded request and its response.
type exchange struct {
	req, res exi.Message
	kind     session.Message
}

func (x exchange) code() iso20.ResponseCode {
	c, _ := session.ResponseCode(x.res)
	return c
}

func (x exchange) sessionID() []byte {
	id, _, _ := session.Header(x.res)
	return id
}

// frames decodes the V2GTP frames in b: supportedAppProtocol first, then
// messages of the phase (DC or AC).
func frames(t *testing.T, b []byte, after session.Phase) []exi.Message {
	t.Helper()
	rd := v2gtp.NewReader(bytes.NewReader(b), 0)
	phase := session.PhaseSAP
	var ms []exi.Message
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			break
		}
		m, err := session.Dispatch(f.Type, phase, f.Payload)
		if err != nil {
			t.Fatalf("frame %d: %v", len(ms), err)
		}
		phase = after
		ms = append(ms, m)
	}
	return ms
}

// exchanges pairs the recorded requests and responses of one DC
// connection.
func (w *wire) exchanges(t *testing.T) []exchange { return w.exchangesIn(t, session.PhaseDC) }

// exchangesIn pairs the recorded requests and responses of one
// connection whose session runs in phase.
func (w *wire) exchangesIn(t *testing.T, phase session.Phase) []exchange {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	reqs, ress := frames(t, w.out.Bytes(), phase), frames(t, w.in.Bytes(), phase)
	if len(reqs) != len(ress) {
		t.Fatalf("%d requests, %d responses", len(reqs), len(ress))
	}
	xs := make([]exchange, len(reqs))
	for i := range reqs {
		k, _ := session.Kind(reqs[i])
		if rk, _ := session.Kind(ress[i]); rk != k {
			t.Fatalf("exchange %d: %v answered by %v", i, k, rk)
		}
		xs[i] = exchange{req: reqs[i], res: ress[i], kind: k}
	}
	return xs
}

// harness runs a Server on loopback TLS and records its events.
type harness struct {
	dial   [2]evccnet.Dialer
	mu     sync.Mutex
	events []secc.EventKind
	wires  []*wire
	stop   func() error
}

func start(t *testing.T, ctx context.Context, cfg secc.Config, opts ...func(*seccnet.Server)) *harness {
	t.Helper()
	ln, dial := listen2(t, ctx)
	h := &harness{}
	srv := &seccnet.Server{Config: cfg, Logger: logger(t), OnEvent: func(ev secc.Event) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.events = append(h.events, ev.Kind)
		if ev.Kind == secc.EventClosed && ev.Err != nil {
			t.Errorf("SECC session ended: %v", ev.Err)
		}
	}}
	for _, o := range opts {
		o(srv)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	h.stop = func() error { cancel(); return <-served }
	for i := range dial {
		h.dial[i] = func(ctx context.Context) (net.Conn, error) {
			c, err := dial[i](ctx)
			if err != nil {
				return nil, err
			}
			w := &wire{Conn: c}
			h.mu.Lock()
			h.wires = append(h.wires, w)
			h.mu.Unlock()
			return w, nil
		}
	}
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return h
}

// eventsNow returns the events recorded so far. The Server reports the
// last event of a session before it closes the connection, so after Run
// returns the session's events are complete.
func (h *harness) eventsNow() []secc.EventKind {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}

func (h *harness) wire(i int) *wire {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.wires[i]
}

func battery() *evcc.SimBattery {
	bat := evcc.NewSimBattery()
	bat.Step = 10 * time.Second
	return bat
}

// TestPauseResumeOverTLS pauses a DC_BPT session, dials again with the
// same vehicle certificate and resumes it: OK_OldSessionJoined, the same
// SessionID, no authorization, energy flowing again to the target SOC.
func TestPauseResumeOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := start(t, ctx, secc.Config{EVSE: secc.NewSimEVSE()})
	bat := battery()
	veh := &evcc.ScriptedVehicle{Vehicle: bat, At: map[int]evcc.Action{4: evcc.ActionPause}}
	cfg := evcc.Config{Vehicle: veh, BPT: true, Dynamic: true}
	eng, err := evcc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var chargedAtPause float64
	dial := func(ctx context.Context) (net.Conn, error) {
		chargedAtPause, _ = bat.Transferred()
		return h.dial[0](ctx)
	}
	engines, err := evccnet.RunWithResume(ctx, dial, cfg, eng, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("RunWithResume: %v", err)
	}
	if len(engines) != 2 {
		t.Fatalf("%d sessions, want 2", len(engines))
	}
	first, second := h.wire(0).exchanges(t), h.wire(1).exchanges(t)
	last := first[len(first)-1]
	if stop, ok := last.req.(*iso20.SessionStopReq); !ok || stop.ChargingSession != iso20.ChargingSessionPause || last.code() != iso20.ResponseCodeOK {
		t.Fatalf("first session ends with %v %+v answered %v", last.kind, last.req, last.code())
	}
	paused := first[1].sessionID()
	if second[1].kind != session.MsgSessionSetup || second[1].code() != iso20.ResponseCodeOKOldSessionJoined ||
		!bytes.Equal(second[1].sessionID(), paused) {
		t.Fatalf("resume: %v answered %v with %x, paused %x", second[1].kind, second[1].code(), second[1].sessionID(), paused)
	}
	if id, _, _ := session.Header(second[1].req); !bytes.Equal(id, paused) {
		t.Fatalf("SessionSetupReq carries %x, paused %x", id, paused)
	}
	var kinds []session.Message
	for _, x := range second {
		kinds = append(kinds, x.kind)
		if !session.Failed(x.code()) && x.kind != session.MsgSupportedAppProtocol && !bytes.Equal(x.sessionID(), paused) {
			t.Errorf("%v in session %x", x.kind, x.sessionID())
		}
	}
	if !slices.Equal(kinds[:4], []session.Message{session.MsgSupportedAppProtocol, session.MsgSessionSetup,
		session.MsgDCChargeParameterDiscovery, session.MsgScheduleExchange}) {
		t.Errorf("resumed session starts %v", kinds[:4])
	}
	if slices.Contains(kinds, session.MsgAuthorization) || slices.Contains(kinds, session.MsgServiceSelection) {
		t.Errorf("resumed session renegotiates: %v", kinds)
	}
	if !engines[1].Resumed() || !bytes.Equal(engines[1].SessionID(), paused) {
		t.Errorf("second engine resumed %v, SessionID %x", engines[1].Resumed(), engines[1].SessionID())
	}
	total, _ := bat.Transferred()
	if chargedAtPause <= 0 || total <= chargedAtPause || bat.SOCPercent < bat.TargetPct {
		t.Errorf("charged %.0f Wh before the pause, %.0f Wh in all, SOC %.1f %%", chargedAtPause, total, bat.SOCPercent)
	}
	// A current flows in the resumed charge loop.
	flowing := false
	for _, x := range second {
		if l, ok := x.res.(*dc.DCChargeLoopRes); ok && session.Float(l.EVSEPresentCurrent.Exponent, l.EVSEPresentCurrent.Value) > 0 {
			flowing = true
		}
	}
	if !flowing {
		t.Error("no current after the resume")
	}
	want := []secc.EventKind{secc.EventSessionEstablished, secc.EventAuthorized, secc.EventPowerOn, secc.EventPowerOff,
		secc.EventPaused, secc.EventClosed, secc.EventSessionResumed, secc.EventPowerOn, secc.EventPowerOff, secc.EventClosed}
	if got := h.eventsNow(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// TestResumeOtherCertificateOverTLS: the paused SessionID presented with
// another vehicle certificate opens a new session.
func TestResumeOtherCertificateOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := start(t, ctx, secc.Config{EVSE: secc.NewSimEVSE()})
	bat := battery()
	veh := &evcc.ScriptedVehicle{Vehicle: bat, At: map[int]evcc.Action{3: evcc.ActionPause}}
	cfg := evcc.Config{Vehicle: veh, BPT: true}
	eng, _ := evcc.New(cfg)
	n := 0
	dial := func(ctx context.Context) (net.Conn, error) {
		n++
		return h.dial[min(n-1, 1)](ctx) // leaf A, then leaf B
	}
	engines, err := evccnet.RunWithResume(ctx, dial, cfg, eng, 0)
	if err != nil {
		t.Fatalf("RunWithResume: %v", err)
	}
	if len(engines) != 2 {
		t.Fatalf("%d sessions", len(engines))
	}
	first, second := h.wire(0).exchanges(t), h.wire(1).exchanges(t)
	paused := first[1].sessionID()
	setup := second[1]
	if id, _, _ := session.Header(setup.req); !bytes.Equal(id, paused) {
		t.Fatalf("SessionSetupReq carries %x, paused %x", id, paused)
	}
	if setup.code() != iso20.ResponseCodeOKNewSessionEstablished || bytes.Equal(setup.sessionID(), paused) {
		t.Fatalf("SessionSetup answered %v with %x (paused %x)", setup.code(), setup.sessionID(), paused)
	}
	if engines[1].Resumed() || !bytes.Equal(engines[1].SessionID(), setup.sessionID()) {
		t.Errorf("second engine resumed %v, SessionID %x", engines[1].Resumed(), engines[1].SessionID())
	}
	var kinds []session.Message
	for _, x := range second {
		kinds = append(kinds, x.kind)
	}
	if !slices.Contains(kinds, session.MsgAuthorization) || !slices.Contains(kinds, session.MsgServiceSelection) {
		t.Errorf("new session without authorization or service selection: %v", kinds)
	}
	events := h.eventsNow()
	if slices.Contains(events, secc.EventSessionResumed) {
		t.Errorf("events %v", events)
	}
	established := 0
	for _, e := range events {
		if e == secc.EventSessionEstablished {
			established++
		}
	}
	if established != 2 {
		t.Errorf("events %v: %d new sessions", events, established)
	}
}

// progress returns the ChargeProgress of each PowerDeliveryReq, with its
// response code.
func progress(xs []exchange) []string {
	var p []string
	for _, x := range xs {
		if r, ok := x.req.(*iso20.PowerDeliveryReq); ok {
			p = append(p, r.ChargeProgress.String()+":"+x.code().String())
		}
	}
	return p
}

func kindsOf(xs []exchange) []session.Message {
	var k []session.Message
	for _, x := range xs {
		k = append(k, x.kind)
	}
	return k
}

// containsKinds reports whether sub occurs in s as a contiguous run.
func containsKinds(s, sub []session.Message) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// TestScheduleRenegotiationOverTLS renegotiates the schedule from the
// charge loop, asked by the EV and by the EVSE.
func TestScheduleRenegotiationOverTLS(t *testing.T) {
	for _, byEVSE := range []bool{false, true} {
		name := "EV"
		if byEVSE {
			name = "EVSE"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE()}
			veh := &evcc.ScriptedVehicle{Vehicle: battery()}
			if byEVSE {
				evse.At = map[int]secc.Notification{3: secc.NotifyScheduleRenegotiation}
			} else {
				veh.At = map[int]evcc.Action{3: evcc.ActionScheduleRenegotiation}
			}
			h := start(t, ctx, secc.Config{EVSE: evse})
			eng, _ := evcc.New(evcc.Config{Vehicle: veh, BPT: true})
			c, err := h.dial[0](ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = evccnet.Run(ctx, c, eng)
			_ = c.Close()
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			xs := h.wire(0).exchanges(t)
			wantPD := []string{"Start:OK", "ScheduleRenegotiation:OK", "Start:OK", "Stop:OK"}
			if got := progress(xs); !slices.Equal(got, wantPD) {
				t.Errorf("PowerDelivery %v, want %v", got, wantPD)
			}
			k := kindsOf(xs)
			if !containsKinds(k, []session.Message{session.MsgDCChargeLoop, session.MsgPowerDelivery,
				session.MsgDCChargeParameterDiscovery, session.MsgScheduleExchange, session.MsgPowerDelivery, session.MsgDCChargeLoop}) {
				t.Errorf("exchanges %v", k)
			}
			if byEVSE {
				// The notification came in the charge-loop response
				// just before the renegotiation.
				i := slices.Index(k, session.MsgDCChargeParameterDiscovery)
				i = slices.Index(k[i+1:], session.MsgDCChargeParameterDiscovery) + i + 1
				l, ok := xs[i-2].res.(*dc.DCChargeLoopRes)
				if !ok || l.EVSEStatus == nil || l.EVSEStatus.EVSENotification != dc.EvseNotificationScheduleRenegotiation {
					t.Errorf("exchange before the renegotiation: %+v", xs[i-2].res)
				}
			}
			if got := h.eventsNow(); !slices.Contains(got, secc.EventScheduleRenegotiation) {
				t.Errorf("events %v", got)
			}
		})
	}
}

// TestServiceRenegotiationOverTLS: the EVSE asks for a service
// renegotiation; the EV stops power, renegotiates from ServiceDiscovery
// without a new authorization and selects DC Dynamic instead of DC_BPT
// Scheduled.
func TestServiceRenegotiationOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE(), At: map[int]secc.Notification{3: secc.NotifyServiceRenegotiation}}
	bat := battery()
	veh := &evcc.ScriptedVehicle{Vehicle: bat, Services: []evcc.ServiceChoice{{BPT: false, Dynamic: true}}}
	h := start(t, ctx, secc.Config{EVSE: evse})
	eng, _ := evcc.New(evcc.Config{Vehicle: veh, BPT: true})
	c, err := h.dial[0](ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = evccnet.Run(ctx, c, eng)
	_ = c.Close()
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	xs := h.wire(0).exchanges(t)
	var stops []string
	var selections []iso20.SelectedService
	for _, x := range xs {
		switch r := x.req.(type) {
		case *iso20.SessionStopReq:
			stops = append(stops, r.ChargingSession.String()+":"+x.code().String())
		case *iso20.ServiceSelectionReq:
			selections = append(selections, r.SelectedEnergyTransferService)
		}
	}
	if want := []string{"ServiceRenegotiation:OK", "Terminate:OK"}; !slices.Equal(stops, want) {
		t.Errorf("SessionStops %v, want %v", stops, want)
	}
	want := []iso20.SelectedService{{ServiceID: secc.ServiceDCBPT, ParameterSetID: secc.ParameterSetScheduled},
		{ServiceID: secc.ServiceDC, ParameterSetID: secc.ParameterSetDynamic}}
	if !slices.Equal(selections, want) {
		t.Errorf("selections %+v, want %+v", selections, want)
	}
	k := kindsOf(xs)
	if !containsKinds(k, []session.Message{session.MsgDCWeldingDetection, session.MsgSessionStop, session.MsgServiceDiscovery,
		session.MsgServiceDetail, session.MsgServiceSelection, session.MsgDCChargeParameterDiscovery,
		session.MsgScheduleExchange, session.MsgDCCableCheck}) {
		t.Errorf("exchanges %v", k)
	}
	n := 0
	for _, m := range k {
		if m == session.MsgAuthorization {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d authorizations, want 1", n)
	}
	if bat.SOCPercent < bat.TargetPct {
		t.Errorf("SOC %.1f %%", bat.SOCPercent)
	}
}

// TestStandbyOverTLS: the EV enters standby, loops at zero current and
// goes back to charging.
func TestStandbyOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := start(t, ctx, secc.Config{EVSE: secc.NewSimEVSE()})
	bat := battery()
	veh := &evcc.ScriptedVehicle{Vehicle: bat, At: map[int]evcc.Action{3: evcc.ActionStandby, 8: evcc.ActionExitStandby}}
	eng, _ := evcc.New(evcc.Config{Vehicle: veh, BPT: true, Dynamic: true})
	c, err := h.dial[0](ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = evccnet.Run(ctx, c, eng)
	_ = c.Close()
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	xs := h.wire(0).exchanges(t)
	wantPD := []string{"Start:OK", "Standby:OK", "Start:OK", "Stop:OK"}
	if got := progress(xs); !slices.Equal(got, wantPD) {
		t.Fatalf("PowerDelivery %v, want %v", got, wantPD)
	}
	// Charge-loop currents in the three phases: charging, standby,
	// charging again.
	var phases [3][]float64
	ph := 0
	for _, x := range xs {
		if r, ok := x.req.(*iso20.PowerDeliveryReq); ok && ph < 2 &&
			(r.ChargeProgress == iso20.ChargeProgressStandby || ph == 1 && r.ChargeProgress == iso20.ChargeProgressStart) {
			ph++
		}
		if l, ok := x.res.(*dc.DCChargeLoopRes); ok {
			phases[ph] = append(phases[ph], session.Float(l.EVSEPresentCurrent.Exponent, l.EVSEPresentCurrent.Value))
		}
	}
	if len(phases[1]) < 3 || slices.Max(phases[1]) != 0 || slices.Min(phases[1]) != 0 {
		t.Errorf("standby currents %v", phases[1])
	}
	if len(phases[0]) == 0 || slices.Max(phases[0]) <= 0 || len(phases[2]) == 0 || slices.Max(phases[2]) <= 0 {
		t.Errorf("currents before %v, after %v", phases[0], phases[2])
	}
	if got := h.eventsNow(); !slices.Contains(got, secc.EventStandby) {
		t.Errorf("events %v", got)
	}
	if bat.SOCPercent < bat.TargetPct {
		t.Errorf("SOC %.1f %%", bat.SOCPercent)
	}
}

// TestPauseResumeConcurrent: two vehicles with their own certificates
// charge at once on a Server with a per-session EVSE, pause and resume;
// the shared store gives each its own session back.
func TestPauseResumeConcurrent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := start(t, ctx, secc.Config{}, func(srv *seccnet.Server) {
		srv.NewEVSE = func(net.Conn) (secc.EVSE, error) { return secc.NewSimEVSE(), nil }
	})
	type result struct {
		engines []*evcc.Engine
		err     error
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			veh := &evcc.ScriptedVehicle{Vehicle: battery(), At: map[int]evcc.Action{3 + i: evcc.ActionPause}}
			cfg := evcc.Config{Vehicle: veh, BPT: i == 0, Dynamic: i == 1}
			eng, err := evcc.New(cfg)
			if err != nil {
				results[i].err = err
				return
			}
			results[i].engines, results[i].err = evccnet.RunWithResume(ctx, h.dial[i], cfg, eng, 50*time.Millisecond)
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.err != nil || len(r.engines) != 2 {
			t.Fatalf("vehicle %d: %d sessions, %v", i, len(r.engines), r.err)
		}
		first, second := r.engines[0], r.engines[1]
		if !second.Resumed() || !bytes.Equal(first.SessionID(), second.SessionID()) {
			t.Errorf("vehicle %d: resumed %v, SessionIDs %x %x", i, second.Resumed(), first.SessionID(), second.SessionID())
		}
	}
	if bytes.Equal(results[0].engines[0].SessionID(), results[1].engines[0].SessionID()) {
		t.Error("both vehicles got the same SessionID")
	}
	counts := map[secc.EventKind]int{}
	for _, e := range h.eventsNow() {
		counts[e]++
	}
	if counts[secc.EventPaused] != 2 || counts[secc.EventSessionResumed] != 2 || counts[secc.EventSessionEstablished] != 2 {
		t.Errorf("events %v", counts)
	}
}

// TestACPauseResumeOverTLS: an AC_BPT session paused by the EVSE resumes
// on a second connection at AC_ChargeParameterDiscovery.
func TestACPauseResumeOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	evse := &secc.ScriptedEVSE{EVSE: secc.NewSimEVSE(), At: map[int]secc.Notification{3: secc.NotifyPause}}
	h := start(t, ctx, secc.Config{EVSE: evse, Services: []uint16{secc.ServiceAC, secc.ServiceACBPT}})
	bat := battery()
	cfg := evcc.Config{Vehicle: &evcc.ScriptedVehicle{Vehicle: bat}, AC: true, BPT: true}
	eng, _ := evcc.New(cfg)
	engines, err := evccnet.RunWithResume(ctx, h.dial[0], cfg, eng, 0)
	if err != nil || len(engines) != 2 {
		t.Fatalf("%d sessions: %v", len(engines), err)
	}
	first, second := h.wire(0).exchangesIn(t, session.PhaseAC), h.wire(1).exchangesIn(t, session.PhaseAC)
	paused := first[1].sessionID()
	if second[1].code() != iso20.ResponseCodeOKOldSessionJoined || !bytes.Equal(second[1].sessionID(), paused) {
		t.Fatalf("resume answered %v with %x, paused %x", second[1].code(), second[1].sessionID(), paused)
	}
	k := kindsOf(second)
	if !slices.Equal(k[:5], []session.Message{session.MsgSupportedAppProtocol, session.MsgSessionSetup,
		session.MsgACChargeParameterDiscovery, session.MsgScheduleExchange, session.MsgPowerDelivery}) {
		t.Errorf("resumed session %v", k)
	}
	if engines[1].Service() != evcc.ServiceACBPT || !engines[1].Resumed() {
		t.Errorf("service %d, resumed %v", engines[1].Service(), engines[1].Resumed())
	}
	if in, _ := bat.Transferred(); in <= 0 || bat.SOCPercent < bat.TargetPct {
		t.Errorf("charged %.0f Wh, SOC %.1f %%", in, bat.SOCPercent)
	}
}
