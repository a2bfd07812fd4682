package secc

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// ErrPlainTCPProtocol is returned by New when Config.PlainTCP is set but
// Config.Protocols holds no DIN SPEC 70121 or ISO 15118-2 namespace: -20
// is never negotiated without TLS.
var ErrPlainTCPProtocol = errors.New("secc: plain TCP allows only DIN SPEC 70121 and ISO 15118-2")

// legacyState is the DIN / -2 part of an Engine.
type legacyState struct {
	stage      session.LegacyStage
	cableStart time.Time // first CableCheckReq of the current test
	isolation  uint8     // last insulation result, for DC_EVSEStatus
}

// checkProtocols validates Config.Protocols and Config.PlainTCP.
func checkProtocols(cfg *Config) error {
	legacy := false
	for _, ns := range cfg.Protocols {
		switch ns {
		case session.NamespaceDIN, session.NamespaceISO2:
			legacy = true
		case session.NamespaceDC, session.NamespaceAC:
		default:
			return fmt.Errorf("secc: protocol namespace %q not supported", ns)
		}
	}
	if cfg.Protocols != nil && len(cfg.Protocols) == 0 {
		return errors.New("secc: Config.Protocols is empty")
	}
	if cfg.PlainTCP && !legacy {
		return ErrPlainTCPProtocol
	}
	cfg.Protocols = append([]string(nil), cfg.Protocols...)
	return nil
}

// acceptsProtocol reports whether the engine negotiates the offered
// protocol p: a -20 namespace of a configured service (never on plain
// TCP), or a configured DIN / -2 namespace, each with its major version.
func (e *Engine) acceptsProtocol(ns string, major uint32) bool {
	if _, ok := session.LegacyPhaseOf(ns); ok {
		if major != session.LegacyVersionMajor {
			return false
		}
		for _, p := range e.cfg.Protocols {
			if p == ns {
				return true
			}
		}
		return false
	}
	if e.cfg.PlainTCP || major != session.VersionMajor || !e.supportsNamespace(ns) {
		return false
	}
	if e.cfg.Protocols == nil {
		return true
	}
	for _, p := range e.cfg.Protocols {
		if p == ns {
			return true
		}
	}
	return false
}

// minorVersion returns the minor protocol version the engine speaks for
// namespace ns.
func minorVersion(ns string) uint32 {
	if _, ok := session.LegacyPhaseOf(ns); ok {
		return session.LegacyVersionMinor
	}
	return session.VersionMinor
}

// legacyMessage handles one payload of a DIN or -2 session.
func (e *Engine) legacyMessage(now time.Time, pt v2gtp.PayloadType, payload []byte) (Response, error) {
	if pt != v2gtp.SAP {
		e.end(fmt.Errorf("%w: %w: %v in a %s session", ErrMalformed, session.ErrPayloadType, pt, session.LegacyName(e.phase)))
		return Response{}, e.reason
	}
	m, doc, err := session.DecodeLegacy(e.phase, payload)
	if err != nil {
		e.end(fmt.Errorf("%w: %w", ErrMalformed, err))
		return Response{}, e.reason
	}
	session.TraceLegacy(e.cfg.Trace, now, session.DirRx, e.phase, m, doc, payload)
	if m.Response {
		e.end(fmt.Errorf("%w: %vRes received", ErrMalformed, m.Kind))
		return Response{}, e.reason
	}
	k := m.Kind
	if k != session.LMsgSessionSetup && (e.sessionID == nil || !bytes.Equal(m.SessionID, e.sessionID)) {
		return e.legacyRefuse(now, k, session.LCodeFAILEDUnknownSession,
			fmt.Errorf("%w: %x in %v", ErrUnknownSession, m.SessionID, k))
	}
	if !session.LegacyAllowed(e.phase, e.lg.stage, k) {
		return e.legacyRefuse(now, k, session.LCodeFAILEDSequenceError,
			fmt.Errorf("%w: %v in stage %v", ErrSequence, k, e.lg.stage))
	}
	res, next, err := e.legacyHandle(now, m)
	if err != nil {
		e.end(err)
		return Response{}, err
	}
	if res.Code.Failed() {
		return e.legacySend(now, res, true, fmt.Errorf("%w: %v answered %v", ErrFailed, k, res.Code))
	}
	e.lg.stage = next
	if next == session.LStageSessionStopped {
		return e.legacySend(now, res, true, nil)
	}
	return e.legacySend(now, res, false, nil)
}

// legacyRefuse answers k with a FAILED code and ends the session; a
// request the engine cannot answer ends it without a response.
func (e *Engine) legacyRefuse(now time.Time, k session.LegacyMsg, code session.LegacyCode, reason error) (Response, error) {
	res := e.legacyResponse(now, k)
	res.Code = code
	return e.legacySend(now, res, true, reason)
}

// legacySend encodes res; with stop set it ends the session for reason,
// else it arms the sequence timer.
func (e *Engine) legacySend(now time.Time, res *session.LegacyMessage, stop bool, reason error) (Response, error) {
	res.SessionID = e.sessionID
	if res.SessionID == nil {
		res.SessionID = make([]byte, session.SessionIDLen)
	}
	doc, b, err := session.EncodeLegacy(e.phase, res)
	if err != nil {
		if reason == nil {
			reason = err
		}
		e.end(fmt.Errorf("%w: %v: %w", ErrUnsupported, res.Kind, reason))
		return Response{}, e.reason
	}
	session.TraceLegacy(e.cfg.Trace, now, session.DirTx, e.phase, res, doc, b)
	r := Response{PayloadType: v2gtp.SAP, Payload: b}
	if stop {
		e.stage, e.lg.stage = session.StageSessionStopped, session.LStageSessionStopped
		e.end(reason)
		r.Close, r.Reason = true, reason
		return r, nil
	}
	e.deadline = now.Add(session.LegacySECCSequenceTimeout)
	return r, nil
}

// legacyResponse returns the response to k with the EVSE's present
// status filled in.
func (e *Engine) legacyResponse(now time.Time, k session.LegacyMsg) *session.LegacyMessage {
	res := &session.LegacyMessage{
		Kind: k, Response: true, TimeStamp: max(now.Unix(), 0),
		EVSEID: e.cfg.EVSE.EVSEID(), ServiceID: session.LegacyServiceCharge,
		Transfer: session.TransferDCExtended, External: true, TupleID: 1,
		Isolation: e.lg.isolation, StatusCode: session.EVSEStatusReady,
	}
	l := e.cfg.EVSE.DCLimits()
	res.EVSEMaxV, res.EVSEMaxI, res.EVSEMaxP = l.MaxVoltage, l.MaxChargeCurrent, l.MaxChargePower
	res.EVSEMinV, res.EVSEMinI, res.PMax = l.MinVoltage, l.MinChargeCurrent, l.MaxChargePower
	return res
}

// legacyHandle answers an in-sequence request with its response and the
// stage the engine reaches. A FAILED code in the response ends the
// session.
func (e *Engine) legacyHandle(now time.Time, m *session.LegacyMessage) (*session.LegacyMessage, session.LegacyStage, error) {
	res := e.legacyResponse(now, m.Kind)
	stay := e.lg.stage
	switch m.Kind {
	case session.LMsgSessionSetup:
		// Every SessionSetupReq opens a new session: the EV's SessionID
		// (zero, of any length up to 8 bytes, for a new session) names
		// no session this engine knows.
		id, err := e.newSessionID()
		if err != nil {
			return nil, 0, err
		}
		e.sessionID, e.evccID = id, fmt.Sprintf("%X", m.EVCCID)
		e.setup = time.Time{}
		e.emit(EventSessionEstablished)
		res.Code = session.LCodeOKNewSessionEstablished
		return res, session.LStageSessionSetup, nil

	case session.LMsgServiceDiscovery:
		return res, session.LStageServiceDiscovery, nil

	case session.LMsgServiceDetail:
		// The charge service has no details and no value-added service
		// is offered.
		res.ServiceID = m.ServiceID
		res.Code = session.LCodeFAILEDServiceIDInvalid
		return res, stay, nil

	case session.LMsgPaymentSelection:
		if !m.External {
			res.Code = session.LCodeFAILEDPaymentSelection
			return res, stay, nil
		}
		charge := false
		for _, s := range m.Services {
			charge = charge || s == session.LegacyServiceCharge
		}
		if !charge {
			res.Code = session.LCodeFAILEDServiceSelection
			return res, stay, nil
		}
		return res, session.LStagePaymentSelection, nil

	case session.LMsgAuthorization:
		switch e.cfg.EVSE.AuthorizeEIM(now, e.evccID) {
		case AuthorizationAccepted:
			e.ongoingExpired(now, false)
			e.emit(EventAuthorized)
			return res, session.LStageAuthorized, nil
		case AuthorizationRejected:
			e.ongoingExpired(now, false)
			res.Code = session.LCodeFAILED
			return res, stay, nil
		}
		if e.ongoingExpired(now, true) {
			res.Code = session.LCodeFAILED
			return res, stay, nil
		}
		res.Ongoing = true
		return res, session.LStageAuthorizationOngoing, nil

	case session.LMsgChargeParameterDiscovery:
		if m.Transfer < session.TransferDCCore {
			res.Code = session.LCodeFAILEDWrongEnergyTransfer
			return res, stay, nil
		}
		e.precharge = false
		return res, session.LStageChargeParameter, nil

	case session.LMsgCableCheck:
		if e.lg.cableStart.IsZero() {
			e.lg.cableStart = now
		}
		switch e.cfg.EVSE.CableCheck(now) {
		case IsolationValid:
			e.lg.isolation, res.Isolation = session.IsolationValid, session.IsolationValid
			return res, session.LStageCableCheck, nil
		case IsolationWarning:
			e.lg.isolation, res.Isolation = session.IsolationWarning, session.IsolationWarning
			return res, session.LStageCableCheck, nil
		case IsolationFault:
			e.lg.isolation, res.Isolation = session.IsolationFault, session.IsolationFault
			res.Code = session.LCodeFAILED
			return res, stay, nil
		}
		if now.Sub(e.lg.cableStart) > session.LegacySECCCableCheckTime {
			res.Code = session.LCodeFAILED
			return res, stay, nil
		}
		res.Ongoing, res.StatusCode = true, session.EVSEStatusIsolationActive
		return res, session.LStageCableCheckOngoing, nil

	case session.LMsgPreCharge:
		e.precharge = true
		e.cfg.EVSE.SetTarget(now, DCTarget{Voltage: m.TargetV, Current: m.TargetI})
		res.PresentV, _ = e.cfg.EVSE.Present(now)
		return res, session.LStagePreCharge, nil

	case session.LMsgPowerDelivery:
		if m.Start {
			if e.lg.stage != session.LStagePreCharge || !e.precharge {
				res.Code = session.LCodeFAILEDSequenceError
				return res, stay, nil
			}
			if err := e.cfg.EVSE.SetPower(now, true); err != nil {
				res.Code = session.LCodeFAILEDPowerDeliveryNotApply
				return res, stay, nil
			}
			e.powered = true
			e.emit(EventPowerOn)
			return res, session.LStagePowerDeliveryStart, nil
		}
		if err := e.cfg.EVSE.SetPower(now, false); err != nil {
			res.Code = session.LCodeFAILED
			return res, stay, nil
		}
		e.powered = false
		e.emit(EventPowerOff)
		return res, session.LStagePowerDeliveryStop, nil

	case session.LMsgCurrentDemand:
		l := e.cfg.EVSE.DCLimits()
		e.cfg.EVSE.SetTarget(now, DCTarget{Voltage: m.TargetV, Current: min(m.TargetI, l.MaxChargeCurrent)})
		v, i := e.cfg.EVSE.Present(now)
		res.PresentV, res.PresentI = v, i
		res.LimitI = i >= l.MaxChargeCurrent
		res.LimitV = v >= l.MaxVoltage
		res.LimitP = v*i >= l.MaxChargePower
		return res, session.LStageCurrentDemand, nil

	case session.LMsgWeldingDetection:
		res.PresentV, _ = e.cfg.EVSE.Present(now)
		return res, session.LStageWeldingDetection, nil

	case session.LMsgSessionStop:
		return res, session.LStageSessionStopped, nil
	}
	return nil, 0, fmt.Errorf("%w: %s %v", ErrUnsupported, session.LegacyName(e.phase), m.Kind)
}
