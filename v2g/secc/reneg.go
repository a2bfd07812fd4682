package secc

import (
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// Notification is what the SECC asks of the EV in a charge-loop response
// (EVSENotification, protocol facts §6.7).
type Notification uint8

// Notifications. NotifyNone sends no EVSEStatus.
const (
	NotifyNone                  Notification = iota
	NotifyPause                              // stop power and pause the session
	NotifyExitStandby                        // leave standby (sent only in standby)
	NotifyTerminate                          // stop power and end the session
	NotifyScheduleRenegotiation              // renegotiate the schedule
	NotifyServiceRenegotiation               // stop power and renegotiate the service
)

// String returns the EVSENotification name of n.
func (n Notification) String() string {
	switch n {
	case NotifyNone:
		return "None"
	case NotifyPause:
		return "Pause"
	case NotifyExitStandby:
		return "ExitStandby"
	case NotifyTerminate:
		return "Terminate"
	case NotifyScheduleRenegotiation:
		return "ScheduleRenegotiation"
	case NotifyServiceRenegotiation:
		return "ServiceRenegotiation"
	}
	return "Notification(?)"
}

// Notifier is an optional interface of an EVSE: the engine asks it,
// before each charge-loop response, whether to notify the EV. standby
// says whether the EV is in standby.
type Notifier interface {
	Notify(now time.Time, standby bool) Notification
}

// notification asks the EVSE for the notification of this charge-loop
// response.
func (e *Engine) notification(now time.Time) Notification {
	nf, ok := e.cfg.EVSE.(Notifier)
	if !ok {
		return NotifyNone
	}
	n := nf.Notify(now, e.standby)
	if n == NotifyExitStandby && !e.standby || n > NotifyServiceRenegotiation {
		return NotifyNone
	}
	return n
}

// dcStatus returns the EVSEStatus of a DC_ChargeLoopRes, nil when there
// is nothing to notify.
func (e *Engine) dcStatus(now time.Time) *dc.EVSEStatus {
	n := e.notification(now)
	if n == NotifyNone {
		return nil
	}
	// The Notify* constants follow evseNotificationType's schema order.
	return &dc.EVSEStatus{EVSENotification: dc.EvseNotification(n - 1)}
}

// acStatus is dcStatus for an AC_ChargeLoopRes.
func (e *Engine) acStatus(now time.Time) *ac.EVSEStatus {
	n := e.notification(now)
	if n == NotifyNone {
		return nil
	}
	return &ac.EVSEStatus{EVSENotification: ac.EvseNotification(n - 1)}
}

// zeroPower is an ACEVSE whose active power stays at zero.
type zeroPower struct{ ACEVSE }

func (z zeroPower) SetActivePower(now time.Time, _ float64) { z.ACEVSE.SetActivePower(now, 0) }

// loopStage is the stage after a charge-loop response.
func (e *Engine) loopStage() session.Stage {
	if e.standby {
		return session.StageStandby
	}
	return session.StageChargeLoop
}

// holdStandby keeps the output at zero current while the EV is in
// standby.
func (e *Engine) holdStandby(now time.Time) {
	if e.standby {
		e.zeroCurrent(now)
	}
}

// zeroCurrent sets the output to zero current at the present voltage
// (DC) or to zero active power (AC).
func (e *Engine) zeroCurrent(now time.Time) {
	if e.phase == session.PhaseAC {
		e.acEVSE().SetActivePower(now, 0)
		return
	}
	v, _ := e.cfg.EVSE.Present(now)
	e.cfg.EVSE.SetTarget(now, DCTarget{Voltage: v})
}

// enterStandby answers PowerDelivery(Standby): with power on, from the
// charge loop, the output is held at zero current while the EV keeps
// sending charge-loop requests; otherwise, or with Config.RefuseStandby,
// WARNING_StandbyNotAllowed leaves the stage as it is.
func (e *Engine) enterStandby(now time.Time, res *iso20.PowerDeliveryRes) (exi.Message, session.Stage, error) {
	if e.cfg.RefuseStandby || !e.powered ||
		e.stage != session.StageChargeLoop && e.stage != session.StagePowerDeliveryStart && e.stage != session.StageStandby {
		res.ResponseCode = iso20.ResponseCodeWARNINGStandbyNotAllowed
		return res, e.stage, nil
	}
	if !e.standby {
		e.emit(EventStandby)
	}
	e.standby = true
	e.zeroCurrent(now)
	return res, session.StageStandby, nil
}

// scheduleRenegotiation answers PowerDelivery(ScheduleRenegotiation):
// from the charge loop or standby the output goes to zero current with
// the contactors closed and the session re-enters at
// ChargeParameterDiscovery.
func (e *Engine) scheduleRenegotiation(now time.Time, res *iso20.PowerDeliveryRes) (exi.Message, session.Stage, error) {
	if !e.powered || e.stage != session.StageChargeLoop && e.stage != session.StageStandby &&
		e.stage != session.StagePowerDeliveryStart {
		res.ResponseCode = iso20.ResponseCodeFAILEDScheduleRenegotiation
		return res, session.StageSessionStopped, nil
	}
	e.standby = false
	e.zeroCurrent(now)
	e.emit(EventScheduleRenegotiation)
	return res, session.StageScheduleRenegotiation, nil
}

// cableLive reports whether the DC output may carry voltage: from cable
// check until PowerDelivery(Stop).
func (e *Engine) cableLive() bool {
	switch e.stage {
	case session.StageCableCheckOngoing, session.StageCableCheck, session.StagePreCharge:
		return true
	}
	return e.powered
}

// sessionStop answers SessionStopReq. Terminate is always accepted.
// Pause only after PowerDelivery(Stop) (and welding detection): the
// session is kept for a resume. ServiceRenegotiation, once authorized
// and with the cable dead, continues at ServiceDiscovery with the
// authorization kept; a new service selection follows.
func (e *Engine) sessionStop(now time.Time, req *iso20.SessionStopReq) (exi.Message, session.Stage, error) {
	res := &iso20.SessionStopRes{}
	switch req.ChargingSession {
	case iso20.ChargingSessionTerminate:
		return res, session.StageSessionStopped, nil
	case iso20.ChargingSessionPause:
		if e.stage != session.StagePowerDeliveryStop && e.stage != session.StageWeldingDetection {
			res.ResponseCode = iso20.ResponseCodeFAILEDPauseNotAllowed
			return res, session.StageSessionStopped, nil
		}
		e.pause(now)
		return res, session.StageSessionStopped, nil
	case iso20.ChargingSessionServiceRenegotiation:
		switch {
		case e.cfg.NoServiceRenegotiation:
			res.ResponseCode = iso20.ResponseCodeFAILEDNoServiceRenegotiationSupported
		case !e.authorized || e.cableLive():
			res.ResponseCode = iso20.ResponseCodeFAILEDSequenceError
		default:
			e.selected = session.ServicePair{}
			e.offered = map[session.ServicePair]bool{}
			e.bpt, e.dynamic = false, false
			e.emit(EventServiceRenegotiation)
			return res, session.StageServiceRenegotiation, nil
		}
		return res, session.StageSessionStopped, nil
	}
	res.ResponseCode = iso20.ResponseCodeFAILED
	return res, session.StageSessionStopped, nil
}

// ScriptedEVSE wraps an EVSE with scripted charge-loop notifications:
// At maps the number of a charge-loop request (from 1, counted over the
// wrapper's life, so across resumed sessions) to the notification of its
// response. Its ACEVSE methods forward to EVSE, which must implement
// ACEVSE for AC services (else they report zero limits and power). It is
// not safe for concurrent use.
type ScriptedEVSE struct {
	EVSE
	At map[int]Notification

	loops int
}

// Notify implements Notifier.
func (s *ScriptedEVSE) Notify(now time.Time, standby bool) Notification {
	s.loops++
	if n, ok := s.At[s.loops]; ok {
		return n
	}
	if nf, ok := s.EVSE.(Notifier); ok {
		return nf.Notify(now, standby)
	}
	return NotifyNone
}

// ACLimits implements ACEVSE.
func (s *ScriptedEVSE) ACLimits() ACLimits {
	if a, ok := s.EVSE.(ACEVSE); ok {
		return a.ACLimits()
	}
	return ACLimits{}
}

// SetActivePower implements ACEVSE.
func (s *ScriptedEVSE) SetActivePower(now time.Time, watts float64) {
	if a, ok := s.EVSE.(ACEVSE); ok {
		a.SetActivePower(now, watts)
	}
}

// PresentActivePower implements ACEVSE.
func (s *ScriptedEVSE) PresentActivePower(now time.Time) float64 {
	if a, ok := s.EVSE.(ACEVSE); ok {
		return a.PresentActivePower(now)
	}
	return 0
}

// Loops returns how many charge-loop responses the wrapper was asked about.
func (s *ScriptedEVSE) Loops() int { return s.loops }
