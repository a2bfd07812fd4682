package secc

// EventKind is the kind of an Event.
type EventKind uint8

// Event kinds.
const (
	EventSessionEstablished EventKind = iota + 1 // SessionSetupRes sent with a new SessionID
	EventAuthorized                              // authorization finished OK
	EventPowerOn                                 // PowerDelivery(Start) applied
	EventPowerOff                                // PowerDelivery(Stop) applied
	EventClosed                                  // the session is over; Err says why (nil: normal stop)
)

// Event kinds of pause/resume, renegotiation and standby.
const (
	EventSessionResumed        EventKind = EventClosed + 1 + iota // SessionSetupRes sent with OK_OldSessionJoined
	EventPaused                                                   // SessionStopRes(Pause) sent; the session is kept for a resume
	EventStandby                                                  // PowerDelivery(Standby) accepted; power held at zero
	EventScheduleRenegotiation                                    // PowerDelivery(ScheduleRenegotiation) accepted
	EventServiceRenegotiation                                     // SessionStopRes(ServiceRenegotiation) sent
)

// String returns the name of k.
func (k EventKind) String() string {
	switch k {
	case EventSessionEstablished:
		return "SessionEstablished"
	case EventAuthorized:
		return "Authorized"
	case EventPowerOn:
		return "PowerOn"
	case EventPowerOff:
		return "PowerOff"
	case EventClosed:
		return "Closed"
	case EventSessionResumed:
		return "SessionResumed"
	case EventPaused:
		return "Paused"
	case EventStandby:
		return "Standby"
	case EventScheduleRenegotiation:
		return "ScheduleRenegotiation"
	case EventServiceRenegotiation:
		return "ServiceRenegotiation"
	}
	return "EventKind(?)"
}

// Event reports something the integrator may act on.
type Event struct {
	Kind EventKind
	Err  error
}
