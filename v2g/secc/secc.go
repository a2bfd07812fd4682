// Package secc is the sans-I/O ISO 15118-20 SECC (charger) engine. It is
// fed decoded-frame payloads and the current time, and answers with the
// response payload; a driver owns the connection and the clock.
//
// It implements the DC, DC_BPT, AC and AC_BPT services with EIM
// authorization, Scheduled and Dynamic control modes: supportedAppProtocol
// (the -20 DC and AC namespaces, as the configured services need),
// SessionSetup, AuthorizationSetup, Authorization, ServiceDiscovery,
// ServiceDetail, ServiceSelection, DC_ChargeParameterDiscovery,
// AC_ChargeParameterDiscovery, ScheduleExchange, DC_CableCheck,
// DC_PreCharge, PowerDelivery, DC_ChargeLoop, AC_ChargeLoop,
// DC_WeldingDetection and SessionStop. Plug and Charge and certificate
// installation are not implemented yet: their requests end the session.
// With Config.Protocols it also serves DIN SPEC 70121 and ISO 15118-2 DC
// sessions with EIM (see legacy.go).
//
// Pause and resume: SessionStop(Pause) is accepted after
// PowerDelivery(Stop) or welding detection, never with the cable live
// (FAILED_PauseNotAllowed). The session (SessionID, selected service and
// parameter set, authorization) goes into Config.Paused under
// SHA-512(SessionID ‖ SHA-512(vehicle leaf certificate)); the driver
// passes the certificate with SetPeerCertificate. A SessionSetupReq with
// that SessionID from the same certificate is answered
// OK_OldSessionJoined and continues at ChargeParameterDiscovery; any
// other SessionID or certificate gets a new session. The EVSE asks the EV
// to pause, to renegotiate or to leave standby through the optional
// Notifier interface, whose answer goes into the EVSEStatus of the
// charge-loop response.
//
// All of this works in the DC and the AC message sets; AC has no cable
// check, pre-charge or welding detection to repeat or skip.
//
// Schedule renegotiation (PowerDelivery(ScheduleRenegotiation) from the
// charge loop or standby) holds the output at zero current with the
// contactors closed and re-enters at ChargeParameterDiscovery; after the
// new ScheduleExchange a DC EV goes straight to PowerDelivery(Start): the
// cable stayed live and was checked, so cable check and pre-charge are
// not repeated (the standard leaves this open; this follows the -20
// reading of protocol facts §5.9 rather than -2, which repeats them). A
// DC PowerDelivery(Start) without a pre-charge since the service
// selection is still refused.
//
// Service renegotiation (SessionStop(ServiceRenegotiation) after
// PowerDelivery(Stop), with the session authorized) continues at
// ServiceDiscovery with the authorization kept; the new selection runs
// cable check and pre-charge again. Config.NoServiceRenegotiation refuses
// it with FAILED_NoServiceRenegotiationSupported.
//
// Standby (PowerDelivery(Standby) from the charge loop) holds the output
// at zero current (AC: zero active power) while the EV keeps sending
// charge-loop requests, until
// PowerDelivery Start, Stop or ScheduleRenegotiation; Config.RefuseStandby
// answers WARNING_StandbyNotAllowed instead.
package secc

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// Energy-transfer service IDs (protocol facts §6.1) the engine serves.
const (
	ServiceDC    uint16 = 2
	ServiceDCBPT uint16 = 6
)

// Parameter-set IDs the engine offers for each DC service.
const (
	ParameterSetScheduled uint16 = 1 // ControlMode 1
	ParameterSetDynamic   uint16 = 2 // ControlMode 2
)

// Errors that end a session; match them with errors.Is.
var (
	ErrMalformed       = errors.New("secc: malformed message")
	ErrSequence        = errors.New("secc: request out of sequence")
	ErrUnknownSession  = errors.New("secc: unknown session")
	ErrUnsupported     = errors.New("secc: request not supported")
	ErrSequenceTimeout = errors.New("secc: sequence timeout")
	ErrSetupTimeout    = errors.New("secc: communication setup timeout")
	ErrFailed          = errors.New("secc: session failed")
	ErrClosed          = errors.New("secc: session is over")
	ErrNoNegotiation   = errors.New("secc: no common application protocol")
	ErrAborted         = errors.New("secc: session aborted")
)

// Config configures an Engine. EVSE is required.
type Config struct {
	// EVSE is the integrator's charger; with an AC service it must also
	// implement ACEVSE.
	EVSE EVSE
	// Rand is the source of session IDs; nil means crypto/rand.
	Rand io.Reader
	// Services are the energy-transfer services offered, in order
	// (ServiceDC, ServiceDCBPT, ServiceAC, ServiceACBPT); nil means DC and
	// DC_BPT. A session negotiates the DC or the AC message set in
	// supportedAppProtocol and is offered the services of that set.
	Services []uint16
	// AC holds the ServiceDetail parameters of the AC services.
	AC ACOptions
	// ParameterSets are the control modes offered for each service
	// (ParameterSetScheduled, ParameterSetDynamic), in order; nil means
	// both.
	ParameterSets []uint16
	// Paused keeps paused sessions so that a later connection can resume
	// them; nil means a pause is answered OK but cannot be resumed. A
	// driver shares one store between all its connections.
	Paused PausedStore
	// RefuseStandby answers PowerDelivery(Standby) with
	// WARNING_StandbyNotAllowed.
	RefuseStandby bool
	// NoServiceRenegotiation refuses SessionStop(ServiceRenegotiation)
	// with FAILED_NoServiceRenegotiationSupported and says so in
	// ServiceDiscoveryRes.
	NoServiceRenegotiation bool
	// Trace, when set, receives every message received and sent.
	Trace session.TraceFunc
	// Protocols, when set, are the supportedAppProtocol namespaces the
	// engine accepts: session.NamespaceDC and session.NamespaceAC (for
	// the configured services), session.NamespaceDIN and
	// session.NamespaceISO2 (DC with EIM). nil means the -20 namespaces
	// of the configured services. The EV's priority picks among them.
	Protocols []string
	// PlainTCP tells the engine that its connection is not TLS: it then
	// negotiates only DIN SPEC 70121 and ISO 15118-2, never -20. The
	// driver sets it.
	PlainTCP bool
}

// Response is an answer of the engine: a V2GTP payload to send.
type Response struct {
	PayloadType v2gtp.PayloadType
	Payload     []byte
	// Close is set when the session ends after this response: the driver
	// sends it and then closes the connection.
	Close bool
	// Reason says why the session ends when Close is set; nil after a
	// normal SessionStop.
	Reason error
}

// Engine is one SECC session on one connection. It is not safe for
// concurrent use.
type Engine struct {
	cfg      Config
	rand     io.Reader
	stage    session.Stage
	phase    session.Phase
	closed   bool
	reason   error
	deadline time.Time // sequence timeout
	setup    time.Time // communication-setup timeout, until SessionSetupRes

	sessionID []byte
	evccID    string
	offered   map[session.ServicePair]bool
	selected  session.ServicePair
	bpt       bool
	dynamic   bool
	ongoing   time.Time // start of the current Ongoing loop
	now       time.Time // time of the input being handled
	powered   bool      // PowerDelivery(Start) applied and not yet stopped
	precharge bool      // DC pre-charge done since the service selection
	lg        legacyState

	certHash   [64]byte // SHA-512 of the vehicle leaf certificate
	certKnown  bool
	authorized bool
	standby    bool
	resumed    bool

	events []Event
}

// New returns an Engine waiting for supportedAppProtocolReq.
func New(cfg Config) (*Engine, error) {
	if cfg.EVSE == nil {
		return nil, errors.New("secc: Config.EVSE is nil")
	}
	if cfg.Services == nil {
		cfg.Services = []uint16{ServiceDC, ServiceDCBPT}
	}
	for _, s := range cfg.Services {
		if s != ServiceDC && s != ServiceDCBPT && !isAC(s) {
			return nil, fmt.Errorf("secc: service %d not supported", s)
		}
	}
	cfg.Services = append([]uint16(nil), cfg.Services...)
	if err := checkAC(&cfg); err != nil {
		return nil, err
	}
	if cfg.ParameterSets == nil {
		cfg.ParameterSets = []uint16{ParameterSetScheduled, ParameterSetDynamic}
	}
	if len(cfg.ParameterSets) == 0 {
		return nil, errors.New("secc: Config.ParameterSets is empty")
	}
	for _, p := range cfg.ParameterSets {
		if p != ParameterSetScheduled && p != ParameterSetDynamic {
			return nil, fmt.Errorf("secc: parameter set %d not supported", p)
		}
	}
	cfg.ParameterSets = append([]uint16(nil), cfg.ParameterSets...)
	if err := checkProtocols(&cfg); err != nil {
		return nil, err
	}
	r := cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	return &Engine{cfg: cfg, rand: r, offered: map[session.ServicePair]bool{}}, nil
}

// Start arms the communication-setup timer; call it when the TCP/TLS
// connection is established.
func (e *Engine) Start(now time.Time) {
	e.setup = now.Add(session.SECCCommunicationSetupTimeout)
}

// Stage returns the engine's stage in the message sequence.
func (e *Engine) Stage() session.Stage { return e.stage }

// SessionID returns the session's ID, nil before SessionSetup.
func (e *Engine) SessionID() []byte { return bytes.Clone(e.sessionID) }

// Closed reports whether the session is over, and why (nil after a normal
// SessionStop).
func (e *Engine) Closed() (bool, error) { return e.closed, e.reason }

// Deadline returns when the engine times out waiting for the next request.
func (e *Engine) Deadline() (time.Time, bool) {
	d := e.deadline
	if !e.setup.IsZero() && (d.IsZero() || e.setup.Before(d)) {
		d = e.setup
	}
	return d, !e.closed && !d.IsZero()
}

// HandleTimeout ends the session when the deadline has passed; it returns
// the reason, or nil when the deadline has not passed.
func (e *Engine) HandleTimeout(now time.Time) error {
	e.now = now
	d, ok := e.Deadline()
	if !ok || now.Before(d) {
		return nil
	}
	if d.Equal(e.setup) {
		e.end(fmt.Errorf("%w: no SessionSetup within %v", ErrSetupTimeout, session.SECCCommunicationSetupTimeout))
	} else if e.phase.Legacy() {
		e.end(fmt.Errorf("%w in %s stage %v", ErrSequenceTimeout, session.LegacyName(e.phase), e.lg.stage))
	} else {
		e.end(fmt.Errorf("%w in stage %v", ErrSequenceTimeout, e.stage))
	}
	return e.reason
}

// NextEvent returns the next pending event.
func (e *Engine) NextEvent() (Event, bool) {
	if len(e.events) == 0 {
		return Event{}, false
	}
	ev := e.events[0]
	e.events = e.events[1:]
	return ev, true
}

func (e *Engine) emit(k EventKind) { e.events = append(e.events, Event{Kind: k}) }

// end closes the session. On an abnormal end (a non-nil reason) of a
// session past SessionSetup the EVSE is commanded to switch its output
// off, whatever the stage, so that no end of a session leaves power on
// ([V2G20-443] and protocol facts §9); SetPower(false) must therefore be
// harmless when the output is already off. A normal end with the output
// still on (SessionStop from the charge loop) switches it off too.
func (e *Engine) end(reason error) {
	if e.closed {
		return
	}
	e.closed, e.reason = true, reason
	e.deadline, e.setup = time.Time{}, time.Time{}
	if e.sessionID != nil && (reason != nil || e.powered) {
		e.powered = false
		if err := e.cfg.EVSE.SetPower(e.now, false); err != nil {
			e.reason = fmt.Errorf("%w (and switching the output off failed: %w)", reason, err)
		}
	}
	e.events = append(e.events, Event{Kind: EventClosed, Err: e.reason})
}

// Abort ends the session for a reason outside the engine (the connection
// was lost, the driver is shutting down): like every abnormal end, it
// commands the EVSE to switch its output off. It does nothing when the
// session is already over.
func (e *Engine) Abort(now time.Time, reason error) {
	if reason == nil {
		reason = ErrAborted
	}
	e.now = now
	e.end(reason)
}

// HandleMessage handles one V2GTP payload and returns the response. An
// error without a response (malformed EXI, unknown payload type, a
// request the engine does not serve) ends the session: the driver closes
// the connection. A response with Close set ends it after sending.
func (e *Engine) HandleMessage(now time.Time, pt v2gtp.PayloadType, payload []byte) (Response, error) {
	if e.closed {
		return Response{}, ErrClosed
	}
	e.now = now
	// A request after the deadline comes too late: the session is over.
	if err := e.HandleTimeout(now); err != nil {
		return Response{}, err
	}
	if e.phase.Legacy() {
		return e.legacyMessage(now, pt, payload)
	}
	m, err := session.Dispatch(pt, e.phase, payload)
	if err != nil {
		if r, ok, rerr := e.otherSet(now, pt, payload); ok {
			return r, rerr
		}
		e.end(fmt.Errorf("%w: %w", ErrMalformed, err))
		return Response{}, e.reason
	}
	session.Trace(e.cfg.Trace, now, session.DirRx, pt, m, payload)
	k, req := session.Kind(m)
	if !req {
		e.end(fmt.Errorf("%w: %v response received", ErrMalformed, k))
		return Response{}, e.reason
	}
	if k == session.MsgSupportedAppProtocol {
		return e.appProtocol(now, m.(*apphand.SupportedAppProtocolReq))
	}
	id, _, _ := session.Header(m)
	if k != session.MsgSessionSetup && (e.sessionID == nil || !bytes.Equal(id, e.sessionID)) {
		return e.refuse(now, k, iso20.ResponseCodeFAILEDUnknownSession,
			fmt.Errorf("%w: %x in %v", ErrUnknownSession, id, k))
	}
	if !session.Allowed(e.stage, e.dcSession(), false, k) {
		return e.refuse(now, k, iso20.ResponseCodeFAILEDSequenceError,
			fmt.Errorf("%w: %v in stage %v", ErrSequence, k, e.stage))
	}
	res, next, err := e.handle(now, k, m)
	if err != nil {
		e.end(err)
		return Response{}, err
	}
	if c, ok := session.ResponseCode(res); ok && session.Failed(c) {
		return e.send(now, res, fmt.Errorf("%w: %v answered %v", ErrFailed, k, c))
	}
	e.stage = next
	if next == session.StageSessionStopped {
		return e.send(now, res, nil)
	}
	return e.sendKeep(now, k, res)
}

// refuse answers k with a FAILED code and ends the session.
func (e *Engine) refuse(now time.Time, k session.Message, code iso20.ResponseCode, reason error) (Response, error) {
	res := failedResponse(k)
	if res == nil {
		e.end(fmt.Errorf("%w: %v: %w", ErrUnsupported, k, reason))
		return Response{}, e.reason
	}
	session.SetResponseCode(res, code)
	return e.send(now, res, reason)
}

// send encodes res, ends the session and returns the final response.
func (e *Engine) send(now time.Time, res exi.Message, reason error) (Response, error) {
	r, err := e.encode(now, res)
	if err != nil {
		e.end(err)
		return Response{}, err
	}
	e.stage = session.StageSessionStopped
	e.end(reason)
	r.Close, r.Reason = true, reason
	return r, nil
}

// sendKeep encodes res and arms the sequence timer.
func (e *Engine) sendKeep(now time.Time, k session.Message, res exi.Message) (Response, error) {
	r, err := e.encode(now, res)
	if err != nil {
		e.end(err)
		return Response{}, err
	}
	e.deadline = now.Add(session.SECCSequenceTimeoutAfter(k))
	return r, nil
}

func (e *Engine) encode(now time.Time, res exi.Message) (Response, error) {
	ts := uint64(max(now.Unix(), 0))
	id := e.sessionID
	if id == nil {
		id = make([]byte, session.SessionIDLen)
	}
	session.SetHeader(res, id, ts)
	pt, b, err := session.Encode(nil, res)
	if err != nil {
		return Response{}, fmt.Errorf("secc: %w", err)
	}
	session.Trace(e.cfg.Trace, now, session.DirTx, pt, res, b)
	return Response{PayloadType: pt, Payload: b}, nil
}

func (e *Engine) appProtocol(now time.Time, req *apphand.SupportedAppProtocolReq) (Response, error) {
	if e.stage != session.StageInit {
		e.end(fmt.Errorf("%w: supportedAppProtocolReq in stage %v", ErrSequence, e.stage))
		return Response{}, e.reason
	}
	var best *apphand.AppProtocol
	for i := range req.AppProtocol {
		p := &req.AppProtocol[i]
		if e.acceptsProtocol(p.ProtocolNamespace, p.VersionNumberMajor) &&
			(best == nil || p.Priority < best.Priority) {
			best = p
		}
	}
	res := &apphand.SupportedAppProtocolRes{ResponseCode: apphand.ResponseCodeFailedNoNegotiation}
	if best != nil {
		res.ResponseCode = apphand.ResponseCodeOKSuccessfulNegotiation
		if best.VersionNumberMinor != minorVersion(best.ProtocolNamespace) {
			res.ResponseCode = apphand.ResponseCodeOKSuccessfulNegotiationWithMinorDeviation
		}
		id := best.SchemaID
		res.SchemaID = &id
	}
	b, err := res.AppendEXI(nil, exi.Options{})
	if err != nil {
		e.end(fmt.Errorf("secc: %w", err))
		return Response{}, e.reason
	}
	session.Trace(e.cfg.Trace, now, session.DirTx, v2gtp.SAP, res, b)
	r := Response{PayloadType: v2gtp.SAP, Payload: b}
	if best == nil {
		e.stage = session.StageSessionStopped
		e.end(ErrNoNegotiation)
		r.Close, r.Reason = true, ErrNoNegotiation
		return r, nil
	}
	e.stage = session.StageAppProtocol
	e.phase, _ = session.PhaseOf(best.ProtocolNamespace)
	if p, ok := session.LegacyPhaseOf(best.ProtocolNamespace); ok {
		e.phase = p
	}
	e.deadline = now.Add(session.SECCSequenceTimeout)
	return r, nil
}

// newSessionID draws a non-zero 8-byte session ID.
func (e *Engine) newSessionID() ([]byte, error) {
	id := make([]byte, session.SessionIDLen)
	for range 16 {
		if _, err := io.ReadFull(e.rand, id); err != nil {
			return nil, fmt.Errorf("secc: session ID: %w", err)
		}
		if !bytes.Equal(id, make([]byte, session.SessionIDLen)) {
			return id, nil
		}
	}
	return nil, errors.New("secc: session ID: random source returns zeros")
}

// ongoingExpired tracks the budget of a repeated Ongoing answer.
func (e *Engine) ongoingExpired(now time.Time, ongoing bool) bool {
	if !ongoing {
		e.ongoing = time.Time{}
		return false
	}
	if e.ongoing.IsZero() {
		e.ongoing = now
	}
	return now.Sub(e.ongoing) > session.SECCOngoingPerformanceTime
}

// Selected returns the energy-transfer service and parameter set the EV
// selected; zero before ServiceSelection.
func (e *Engine) Selected() session.ServicePair { return e.selected }
