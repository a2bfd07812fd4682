package evcc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// ErrPlainTCPProtocol is returned by New when Config.PlainTCP is set but
// no DIN SPEC 70121 or ISO 15118-2 namespace is offered: -20 is never
// offered without TLS.
var ErrPlainTCPProtocol = errors.New("evcc: plain TCP allows only DIN SPEC 70121 and ISO 15118-2")

// PreChargeCurrent is the current (A) the engine asks for during a DIN or
// -2 pre-charge.
const PreChargeCurrent = 1

// legacyEV is the DIN / -2 part of an Engine.
type legacyEV struct {
	waiting    session.LegacyMsg
	cableStart time.Time
	preStart   time.Time
	tupleID    uint8
}

// offered reports whether namespace ns is offered on this connection.
func (c *Config) offered(ns string) bool {
	_, legacy := session.LegacyPhaseOf(ns)
	return legacy || !c.PlainTCP
}

// offeredNamespaces returns the namespaces of supportedAppProtocolReq,
// best first: on plain TCP the -20 ones are left out.
func (c *Config) offeredNamespaces() []string {
	var out []string
	for _, ns := range c.namespaces() {
		if c.offered(ns) {
			out = append(out, ns)
		}
	}
	return out
}

// checkLegacyConfig checks the plain-TCP rule of cfg.
func checkLegacyConfig(cfg *Config) error {
	if cfg.PlainTCP && len(cfg.offeredNamespaces()) == 0 {
		return ErrPlainTCPProtocol
	}
	return nil
}

// versionOf returns the major and minor protocol version of namespace ns.
func versionOf(ns string) (uint32, uint32) {
	if _, ok := session.LegacyPhaseOf(ns); ok {
		return session.LegacyVersionMajor, session.LegacyVersionMinor
	}
	return session.VersionMajor, session.VersionMinor
}

// legacyEVCCID returns the EVCCID of a DIN / -2 SessionSetupReq (a MAC
// address, at most 6 bytes): the vehicle's EVCCID when it is such a hex
// string, else its last 6 bytes.
func legacyEVCCID(id string) []byte {
	if b, err := hex.DecodeString(id); err == nil && len(b) > 0 && len(b) <= 6 {
		return b
	}
	b := []byte(id)
	if len(b) > 6 {
		b = b[len(b)-6:]
	}
	return b
}

// legacyStart sends the SessionSetupReq of a DIN or -2 session.
func (e *Engine) legacyStart(now time.Time) (Request, error) {
	return e.legacySend(now, &session.LegacyMessage{
		Kind: session.LMsgSessionSetup, EVCCID: legacyEVCCID(e.cfg.Vehicle.EVCCID()),
	}, true)
}

// legacySend encodes request m (reset starts a new Ongoing budget).
func (e *Engine) legacySend(now time.Time, m *session.LegacyMessage, reset bool) (Request, error) {
	if reset {
		e.ongoing = time.Time{}
	}
	m.SessionID = e.sessionID
	if m.SessionID == nil {
		// A new session: SessionID zero (protocol facts §10.1).
		m.SessionID = []byte{0}
	}
	doc, b, err := session.EncodeLegacy(e.phase, m)
	if err != nil {
		return e.fail(fmt.Errorf("evcc: %w", err))
	}
	session.TraceLegacy(e.cfg.Trace, now, session.DirTx, e.phase, m, doc, b)
	e.lg.waiting = m.Kind
	e.deadline = now.Add(session.LegacyEVCCMsgTimeoutFor(e.phase, m.Kind))
	return Request{PayloadType: v2gtp.SAP, Payload: b}, nil
}

// legacyRepeat re-sends a request answered Ongoing within the budget.
func (e *Engine) legacyRepeat(now time.Time, m *session.LegacyMessage) (Request, error) {
	if e.ongoing.IsZero() {
		e.ongoing = now
	}
	if now.Sub(e.ongoing) > session.LegacyEVCCOngoingTimeout {
		return e.fail(fmt.Errorf("%w in %v", ErrOngoingLimit, m.Kind))
	}
	return e.legacySend(now, m, false)
}

// legacyMessage handles one response payload of a DIN or -2 session.
func (e *Engine) legacyMessage(now time.Time, pt v2gtp.PayloadType, payload []byte) (Request, error) {
	if pt != v2gtp.SAP {
		return e.fail(fmt.Errorf("%w: %w: %v in a %s session", ErrMalformed, session.ErrPayloadType, pt, session.LegacyName(e.phase)))
	}
	m, doc, err := session.DecodeLegacy(e.phase, payload)
	if err != nil {
		return e.fail(fmt.Errorf("%w: %w", ErrMalformed, err))
	}
	session.TraceLegacy(e.cfg.Trace, now, session.DirRx, e.phase, m, doc, payload)
	if !m.Response || m.Kind != e.lg.waiting {
		return e.fail(fmt.Errorf("%w: %v (response %v) while waiting for %vRes", ErrUnexpected, m.Kind, m.Response, e.lg.waiting))
	}
	if m.Kind != session.LMsgSessionSetup && !bytes.Equal(m.SessionID, e.sessionID) {
		return e.fail(fmt.Errorf("%w: %vRes for session %x", ErrUnexpected, m.Kind, m.SessionID))
	}
	if m.Code.Failed() {
		return e.fail(fmt.Errorf("%w: %vRes %v", ErrFailed, m.Kind, m.Code))
	}
	return e.legacyStep(now, m)
}

// evStatus returns a request of kind k with the vehicle's DC_EVStatus.
func (e *Engine) evStatus(now time.Time, k session.LegacyMsg) *session.LegacyMessage {
	soc := math.Round(min(max(e.cfg.Vehicle.SOC(now), 0), 100))
	return &session.LegacyMessage{Kind: k, EVReady: true, SOC: uint8(soc), Terminate: true}
}

func (e *Engine) legacyStep(now time.Time, res *session.LegacyMessage) (Request, error) {
	v := e.cfg.Vehicle
	l := v.DCLimits()
	switch res.Kind {
	case session.LMsgSessionSetup:
		id := res.SessionID
		if res.Code != session.LCodeOKNewSessionEstablished || len(id) == 0 || len(id) > session.SessionIDLen ||
			bytes.Equal(id, make([]byte, len(id))) {
			return e.fail(fmt.Errorf("%w: SessionSetup %v, SessionID %x", ErrRefused, res.Code, id))
		}
		e.sessionID = bytes.Clone(id)
		return e.legacySend(now, &session.LegacyMessage{Kind: session.LMsgServiceDiscovery}, true)

	case session.LMsgServiceDiscovery:
		if !res.External {
			return e.fail(fmt.Errorf("%w: ExternalPayment not offered", ErrNoService))
		}
		if res.Transfer < session.TransferDCCore {
			return e.fail(fmt.Errorf("%w: energy transfer mode %d is not DC", ErrNoService, res.Transfer))
		}
		e.service = res.ServiceID
		return e.legacySend(now, &session.LegacyMessage{
			Kind: session.LMsgPaymentSelection, External: true, Services: []uint16{res.ServiceID},
		}, true)

	case session.LMsgPaymentSelection:
		return e.legacySend(now, &session.LegacyMessage{Kind: session.LMsgAuthorization}, true)

	case session.LMsgAuthorization:
		if res.Ongoing {
			return e.legacyRepeat(now, &session.LegacyMessage{Kind: session.LMsgAuthorization})
		}
		return e.legacySend(now, e.legacyCPD(now), true)

	case session.LMsgChargeParameterDiscovery:
		if res.Ongoing {
			return e.legacyRepeat(now, e.legacyCPD(now))
		}
		e.evse = DCLimits{
			MaxChargePower: res.EVSEMaxP, MaxChargeCurrent: res.EVSEMaxI, MinChargeCurrent: res.EVSEMinI,
			MaxVoltage: res.EVSEMaxV, MinVoltage: res.EVSEMinV,
		}
		e.evseKnown = true
		e.lg.tupleID = max(res.TupleID, 1)
		e.lg.cableStart = now
		return e.legacySend(now, e.evStatus(now, session.LMsgCableCheck), true)

	case session.LMsgCableCheck:
		if res.Ongoing {
			if now.Sub(e.lg.cableStart) > session.LegacyEVCCCableCheckTimeout {
				return e.fail(fmt.Errorf("%w: CableCheck not finished within %v", ErrOngoingLimit, session.LegacyEVCCCableCheckTimeout))
			}
			return e.legacySend(now, e.evStatus(now, session.LMsgCableCheck), false)
		}
		e.target = v.PresentVoltage(now)
		e.lg.preStart = now
		return e.legacySend(now, e.legacyPreCharge(now), true)

	case session.LMsgPreCharge:
		if math.Abs(res.PresentV-e.target) > PreChargeTolerance {
			if now.Sub(e.lg.preStart) > session.LegacyEVCCPreChargeTimeout {
				return e.fail(fmt.Errorf("%w: PreCharge did not reach %g V within %v", ErrOngoingLimit, e.target, session.LegacyEVCCPreChargeTimeout))
			}
			return e.legacySend(now, e.legacyPreCharge(now), false)
		}
		return e.legacySend(now, e.legacyPowerDelivery(now, true), true)

	case session.LMsgPowerDelivery:
		if e.stopping {
			return e.legacySend(now, e.evStatus(now, session.LMsgWeldingDetection), true)
		}
		return e.legacySend(now, e.legacyCurrentDemand(now), true)

	case session.LMsgCurrentDemand:
		e.loops++
		if err := e.checkLegacyLoop(res, l); err != nil {
			e.abnormal, e.stopping = err, true
			return e.legacySend(now, e.legacyPowerDelivery(now, false), true)
		}
		v.Measure(now, res.PresentV, res.PresentI)
		if res.StopNotify || v.ChargingComplete(now) {
			e.stopping = true
			return e.legacySend(now, e.legacyPowerDelivery(now, false), true)
		}
		return e.legacySend(now, e.legacyCurrentDemand(now), true)

	case session.LMsgWeldingDetection:
		return e.legacySend(now, &session.LegacyMessage{Kind: session.LMsgSessionStop, Terminate: true}, true)

	case session.LMsgSessionStop:
		e.end(e.abnormal)
		return Request{Done: true, Reason: e.abnormal}, nil
	}
	return e.fail(fmt.Errorf("%w: %vRes", ErrUnexpected, res.Kind))
}

// checkLegacyLoop checks a CurrentDemandRes against the vehicle's limits.
func (e *Engine) checkLegacyLoop(res *session.LegacyMessage, l DCLimits) error {
	switch {
	case !within(res.PresentV, l.MaxVoltage):
		return fmt.Errorf("%w: present voltage %g V above the vehicle's %g V", ErrEVSEViolation, res.PresentV, l.MaxVoltage)
	case res.PresentI > 0 && !within(res.PresentI, l.MaxChargeCurrent):
		return fmt.Errorf("%w: present current %g A above the vehicle's %g A", ErrEVSEViolation, res.PresentI, l.MaxChargeCurrent)
	case res.PresentI < 0:
		return fmt.Errorf("%w: discharge current %g A in a DC session", ErrEVSEViolation, res.PresentI)
	}
	return nil
}

func (e *Engine) legacyCPD(now time.Time) *session.LegacyMessage {
	l := e.cfg.Vehicle.DCLimits()
	m := e.evStatus(now, session.LMsgChargeParameterDiscovery)
	m.Transfer = session.TransferDCExtended
	m.EVMaxV, m.EVMaxI, m.EVMaxP = l.MaxVoltage, l.MaxChargeCurrent, l.MaxChargePower
	return m
}

func (e *Engine) legacyPreCharge(now time.Time) *session.LegacyMessage {
	m := e.evStatus(now, session.LMsgPreCharge)
	m.TargetV, m.TargetI = e.target, PreChargeCurrent
	return m
}

func (e *Engine) legacyPowerDelivery(now time.Time, start bool) *session.LegacyMessage {
	m := e.evStatus(now, session.LMsgPowerDelivery)
	m.Start, m.TupleID = start, e.lg.tupleID
	m.Complete = !start && e.cfg.Vehicle.ChargingComplete(now)
	return m
}

func (e *Engine) legacyCurrentDemand(now time.Time) *session.LegacyMessage {
	v := e.cfg.Vehicle
	l := v.DCLimits()
	m := e.evStatus(now, session.LMsgCurrentDemand)
	m.TargetV, m.TargetI = v.Target(now)
	if e.evseKnown {
		m.TargetI = min(m.TargetI, e.evse.MaxChargeCurrent)
	}
	m.TargetI = max(m.TargetI, 0)
	m.EVMaxV, m.EVMaxI, m.EVMaxP = l.MaxVoltage, l.MaxChargeCurrent, l.MaxChargePower
	m.Complete = v.ChargingComplete(now)
	return m
}
