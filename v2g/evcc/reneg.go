package evcc

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// Action is what the vehicle does after a charge-loop response.
type Action uint8

// Actions.
const (
	ActionContinue              Action = iota // next charge-loop request
	ActionPause                               // PowerDelivery(Stop), welding detection, SessionStop(Pause)
	ActionStandby                             // one zero-current loop, then PowerDelivery(Standby)
	ActionExitStandby                         // PowerDelivery(Start) from standby
	ActionScheduleRenegotiation               // PowerDelivery(ScheduleRenegotiation), new schedule
	ActionServiceRenegotiation                // PowerDelivery(Stop), welding detection, SessionStop(ServiceRenegotiation)
)

// String returns the name of a.
func (a Action) String() string {
	switch a {
	case ActionContinue:
		return "Continue"
	case ActionPause:
		return "Pause"
	case ActionStandby:
		return "Standby"
	case ActionExitStandby:
		return "ExitStandby"
	case ActionScheduleRenegotiation:
		return "ScheduleRenegotiation"
	case ActionServiceRenegotiation:
		return "ServiceRenegotiation"
	}
	return "Action(?)"
}

// Planner is an optional interface of a Vehicle: after each charge-loop
// response that carries no EVSE notification the engine asks it what to
// do next. standby says whether the session is in standby.
type Planner interface {
	LoopAction(now time.Time, standby bool) Action
}

// Reselector is an optional interface of a Vehicle: after a service
// renegotiation the engine asks it which service to select next (DC_BPT
// or DC, Dynamic or Scheduled); ok false keeps the Config's choice.
type Reselector interface {
	Reselect(now time.Time) (bpt, dynamic, ok bool)
}

// Resume is what an EVCC keeps of a paused session to resume it on a
// later connection.
type Resume struct {
	SessionID    []byte
	EVSEID       string // the SECC that paused; checked on OK_OldSessionJoined when set
	Service      uint16
	ParameterSet uint16
	Dynamic      bool
}

// ErrResume reports a Resume that cannot be used.
var ErrResume = errors.New("evcc: invalid resume")

// NewResumed returns an Engine that resumes a paused session: its
// SessionSetupReq carries r.SessionID. On OK_OldSessionJoined it goes on
// at ChargeParameterDiscovery with the kept service; on
// OK_NewSessionEstablished it forgets r and runs a new session as
// configured by cfg.
func NewResumed(cfg Config, r Resume) (*Engine, error) {
	if len(r.SessionID) != session.SessionIDLen || bytes.Equal(r.SessionID, make([]byte, session.SessionIDLen)) {
		return nil, fmt.Errorf("%w: SessionID %x", ErrResume, r.SessionID)
	}
	switch r.Service {
	case ServiceDC, ServiceDCBPT, ServiceAC, ServiceACBPT:
	default:
		return nil, fmt.Errorf("%w: service %d", ErrResume, r.Service)
	}
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	r.SessionID = bytes.Clone(r.SessionID)
	e.resume = &r
	e.sessionID = bytes.Clone(r.SessionID)
	return e, nil
}

// Paused returns what a resume of the session needs, and whether the
// session ended with SessionStop(Pause) answered OK.
func (e *Engine) Paused() (Resume, bool) {
	if !e.paused {
		return Resume{}, false
	}
	return Resume{
		SessionID: bytes.Clone(e.sessionID), EVSEID: e.evseID,
		Service: e.service, ParameterSet: e.paramSet, Dynamic: e.cfg.Dynamic,
	}, true
}

// Resumed reports whether the SECC joined the old session
// (OK_OldSessionJoined).
func (e *Engine) Resumed() bool { return e.resumed }

// Standby reports whether the session is in standby.
func (e *Engine) Standby() bool { return e.standby }

// stopKind is how the session ends after PowerDelivery(Stop).
type stopKind uint8

const (
	stopTerminate stopKind = iota
	stopPause
	stopServiceRenegotiation
)

func (k stopKind) session() iso20.ChargingSession {
	switch k {
	case stopPause:
		return iso20.ChargingSessionPause
	case stopServiceRenegotiation:
		return iso20.ChargingSessionServiceRenegotiation
	}
	return iso20.ChargingSessionTerminate
}

// setupResumed handles the SessionSetupRes of a resume attempt; false
// when the engine does not resume or the SECC opened a new session.
func (e *Engine) setupResumed(now time.Time, res *iso20.SessionSetupRes) (Request, bool, error) {
	r := e.resume
	if r == nil {
		return Request{}, false, nil
	}
	e.resume = nil
	if res.ResponseCode != iso20.ResponseCodeOKOldSessionJoined {
		// A new session: the paused data, authorization included, is gone.
		return Request{}, false, nil
	}
	if !bytes.Equal(res.Header.SessionID, r.SessionID) || r.EVSEID != "" && res.EVSEID != r.EVSEID {
		req, err := e.fail(fmt.Errorf("%w: OK_OldSessionJoined for session %x by EVSE %q, paused %x by %q",
			ErrRefused, res.Header.SessionID, res.EVSEID, r.SessionID, r.EVSEID))
		return req, true, err
	}
	if ac := r.Service == ServiceAC || r.Service == ServiceACBPT; ac != e.isAC() {
		req, err := e.fail(fmt.Errorf("%w: OK_OldSessionJoined for service %d in the %v message set",
			ErrRefused, r.Service, e.phase))
		return req, true, err
	}
	e.resumed, e.evseID = true, res.EVSEID
	e.service, e.paramSet = r.Service, r.ParameterSet
	e.cfg.BPT, e.cfg.Dynamic = r.Service == ServiceDCBPT || r.Service == ServiceACBPT, r.Dynamic
	req, err := e.next(now, e.cpdRequest())
	return req, true, err
}

// cpdRequest returns the ChargeParameterDiscoveryReq of the session's
// message set.
func (e *Engine) cpdRequest() exi.Message {
	if e.isAC() {
		return e.acChargeParameterDiscovery()
	}
	return e.chargeParameterDiscovery()
}

// loopRequest returns the charge-loop request of the session's message
// set.
func (e *Engine) loopRequest(now time.Time) exi.Message {
	if e.isAC() {
		return e.acChargeLoop(now)
	}
	return e.chargeLoop(now)
}

// acNotification is dcNotification for an AC EVSEStatus.
func acNotification(s *ac.EVSEStatus) *iso20.EvseNotification {
	if s == nil {
		return nil
	}
	n := iso20.EvseNotification(s.EVSENotification)
	return &n
}

// dcNotification returns the notification of a DC EVSEStatus in the
// CommonTypes enumeration (same schema order), nil without one.
func dcNotification(s *dc.EVSEStatus) *iso20.EvseNotification {
	if s == nil {
		return nil
	}
	n := iso20.EvseNotification(s.EVSENotification)
	return &n
}

// afterLoop acts on a charge-loop response's notification (nil: none)
// or the vehicle's plan; false means: send the next charge-loop request.
func (e *Engine) afterLoop(now time.Time, note *iso20.EvseNotification) (Request, bool, error) {
	a := ActionContinue
	if note != nil {
		switch *note {
		case iso20.EvseNotificationPause:
			a = ActionPause
		case iso20.EvseNotificationExitStandby:
			a = ActionExitStandby
		case iso20.EvseNotificationScheduleRenegotiation:
			a = ActionScheduleRenegotiation
		case iso20.EvseNotificationServiceRenegotiation:
			a = ActionServiceRenegotiation
		}
	}
	if e.rampDown {
		e.rampDown = false
		if a != ActionPause && a != ActionServiceRenegotiation {
			// The zero-current loop is answered: enter standby.
			r, err := e.next(now, e.powerDelivery(now, iso20.ChargeProgressStandby))
			return r, true, err
		}
	} else if a == ActionContinue {
		if p, ok := e.cfg.Vehicle.(Planner); ok {
			a = p.LoopAction(now, e.standby)
		}
	}
	var (
		r   Request
		err error
	)
	switch a {
	case ActionPause, ActionServiceRenegotiation:
		e.after = stopPause
		if a == ActionServiceRenegotiation {
			e.after = stopServiceRenegotiation
		}
		e.stopping = true
		r, err = e.next(now, e.powerDelivery(now, iso20.ChargeProgressStop))
	case ActionStandby:
		if e.standby {
			return Request{}, false, nil
		}
		e.rampDown = true
		r, err = e.send(now, e.loopRequest(now))
	case ActionExitStandby:
		if !e.standby {
			return Request{}, false, nil
		}
		r, err = e.next(now, e.powerDelivery(now, iso20.ChargeProgressStart))
	case ActionScheduleRenegotiation:
		r, err = e.next(now, e.powerDelivery(now, iso20.ChargeProgressScheduleRenegotiation))
	default:
		return Request{}, false, nil
	}
	return r, true, err
}

// powerDeliveryDone handles the PowerDeliveryRes of Standby and
// ScheduleRenegotiation; false for Start and Stop.
func (e *Engine) powerDeliveryDone(now time.Time, res *iso20.PowerDeliveryRes) (Request, bool, error) {
	var (
		r   Request
		err error
	)
	switch e.progress {
	case iso20.ChargeProgressStandby:
		// Refused (WARNING_StandbyNotAllowed): charging goes on.
		e.standby = res.ResponseCode != iso20.ResponseCodeWARNINGStandbyNotAllowed
		r, err = e.next(now, e.loopRequest(now))
	case iso20.ChargeProgressScheduleRenegotiation:
		e.standby, e.renegotiating = false, true
		r, err = e.next(now, e.cpdRequest())
	default:
		e.standby = false
		return Request{}, false, nil
	}
	return r, true, err
}

// sessionStopped handles SessionStopRes: a service renegotiation goes on
// at ServiceDiscovery, anything else ends the session.
func (e *Engine) sessionStopped(now time.Time) (Request, error) {
	switch e.after {
	case stopServiceRenegotiation:
		e.after, e.stopping = stopTerminate, false
		e.service, e.paramSet, e.tupleID, e.evseKnown = 0, 0, 0, false
		if rs, ok := e.cfg.Vehicle.(Reselector); ok {
			if bpt, dynamic, ok := rs.Reselect(now); ok {
				e.cfg.BPT, e.cfg.Dynamic = bpt, dynamic
			}
		}
		return e.next(now, &iso20.ServiceDiscoveryReq{})
	case stopPause:
		e.paused = true
	}
	e.end(nil)
	return Request{Done: true}, nil
}

// ServiceChoice is a service preference: DC_BPT or DC, Dynamic or
// Scheduled.
type ServiceChoice struct {
	BPT, Dynamic bool
}

// ScriptedVehicle wraps a Vehicle with a script of charge-loop actions:
// At maps the number of a charge-loop response (from 1, counted by
// Measure over the wrapper's life, so across resumed sessions) to the
// action after it. Reselect takes the next of Services after each
// service renegotiation. Its ACVehicle methods forward to Vehicle, which
// must implement ACVehicle for an AC session (else they report zero
// limits and power); in AC the charge-loop responses are counted by
// SetActivePower. It is not safe for concurrent use.
type ScriptedVehicle struct {
	Vehicle
	At       map[int]Action
	Services []ServiceChoice

	loops, reselections int
}

// Measure implements Vehicle and counts the charge-loop responses.
func (s *ScriptedVehicle) Measure(now time.Time, voltage, current float64) {
	s.loops++
	s.Vehicle.Measure(now, voltage, current)
}

// ACLimits implements ACVehicle.
func (s *ScriptedVehicle) ACLimits() ACLimits {
	if a, ok := s.Vehicle.(ACVehicle); ok {
		return a.ACLimits()
	}
	return ACLimits{}
}

// ACTarget implements ACVehicle.
func (s *ScriptedVehicle) ACTarget(now time.Time) float64 {
	if a, ok := s.Vehicle.(ACVehicle); ok {
		return a.ACTarget(now)
	}
	return 0
}

// SetActivePower implements ACVehicle and counts the AC charge-loop
// responses.
func (s *ScriptedVehicle) SetActivePower(now time.Time, watts float64) {
	s.loops++
	if a, ok := s.Vehicle.(ACVehicle); ok {
		a.SetActivePower(now, watts)
	}
}

// PresentActivePower implements ACVehicle.
func (s *ScriptedVehicle) PresentActivePower(now time.Time) float64 {
	if a, ok := s.Vehicle.(ACVehicle); ok {
		return a.PresentActivePower(now)
	}
	return 0
}

// LoopAction implements Planner.
func (s *ScriptedVehicle) LoopAction(time.Time, bool) Action { return s.At[s.loops] }

// Reselect implements Reselector.
func (s *ScriptedVehicle) Reselect(time.Time) (bpt, dynamic, ok bool) {
	if s.reselections >= len(s.Services) {
		return false, false, false
	}
	c := s.Services[s.reselections]
	s.reselections++
	return c.BPT, c.Dynamic, true
}

// Loops returns how many charge-loop responses the wrapper has seen.
func (s *ScriptedVehicle) Loops() int { return s.loops }
