package secc

import "time"

// AuthorizationStatus is the integrator's answer to an EIM authorization.
type AuthorizationStatus uint8

// Authorization decisions.
const (
	AuthorizationPending  AuthorizationStatus = iota // still waiting (RFID, app, …)
	AuthorizationAccepted                            // the session may go on
	AuthorizationRejected                            // refused
)

// IsolationStatus is the result of the insulation test of a DC cable check.
type IsolationStatus uint8

// Isolation results (IEC 61851-23 IMD states).
const (
	IsolationPending IsolationStatus = iota // test still running
	IsolationValid                          // insulation good
	IsolationWarning                        // degraded but usable
	IsolationFault                          // insulation failed: end the session
)

// DCLimits are the EVSE's DC limits in volts, amperes and watts. The
// discharge fields are used only for a BPT service.
type DCLimits struct {
	MaxChargePower, MinChargePower           float64
	MaxChargeCurrent, MinChargeCurrent       float64
	MaxVoltage, MinVoltage                   float64
	MaxDischargePower, MinDischargePower     float64
	MaxDischargeCurrent, MinDischargeCurrent float64
}

// DCTarget is the operating point the engine asks the power module for.
type DCTarget struct {
	Voltage float64 // V
	Current float64 // A; negative for discharge
}

// EVSE is the integrator's side of the SECC: limits, measurements and
// decisions. The engine calls it synchronously from HandleMessage, so a
// method must answer within the message performance time; a decision that
// takes longer answers Pending and is asked again on the repeated request.
type EVSE interface {
	// EVSEID returns the EVSE identifier sent in SessionSetupRes.
	EVSEID() string
	// AuthorizeEIM decides an external-identification-means authorization.
	AuthorizeEIM(now time.Time, evccID string) AuthorizationStatus
	// DCLimits returns the DC limits of the EVSE.
	DCLimits() DCLimits
	// CableCheck runs (or continues) the insulation test.
	CableCheck(now time.Time) IsolationStatus
	// SetTarget sets the power module's operating point.
	SetTarget(now time.Time, t DCTarget)
	// SetPower switches the output on (PowerDelivery Start) or off (Stop).
	// An error refuses the PowerDelivery with FAILED_PowerDeliveryNotApplied.
	SetPower(now time.Time, on bool) error
	// Present returns the measured output voltage and current.
	Present(now time.Time) (voltage, current float64)
}

// SimEVSE is a simulated DC and AC charger: its output follows the target
// at once, the insulation test passes after CableCheckRounds rounds and EIM
// authorization is granted after AuthorizeRounds pending rounds. It
// implements EVSE and ACEVSE. It models one connector: it serves one
// session at a time and is not safe for concurrent use.
type SimEVSE struct {
	ID               string
	Limits           DCLimits
	AC               ACLimits
	CableCheckRounds int
	AuthorizeRounds  int
	RejectEIM        bool
	// Price, when set, is the tariff sent with the schedules.
	Price *Tariff
	// MeterID names the simulated meter.
	MeterID string
	// Step, when positive, is the simulated time each new operating point
	// (one per charge loop) adds to the meter instead of the time since
	// the previous one, like evcc.SimBattery.Step.
	Step time.Duration

	cableChecks, authorizations int
	target                      DCTarget
	on                          bool
	acPower                     float64
	chargedWh, dischargedWh     float64
	meterAt                     time.Time
}

// NewSimEVSE returns a simulated 500 V / 100 A / 50 kW bidirectional DC
// charger that is also a three-phase 230 V / 50 Hz / 22 kW bidirectional
// AC charger (see NewSimACLimits).
func NewSimEVSE() *SimEVSE {
	return &SimEVSE{
		ID: "DE*V2G*E0001",
		Limits: DCLimits{
			MaxChargePower: 50000, MinChargePower: 100,
			MaxChargeCurrent: 100, MinChargeCurrent: 1,
			MaxVoltage: 500, MinVoltage: 150,
			MaxDischargePower: 11000, MinDischargePower: 100,
			MaxDischargeCurrent: 25, MinDischargeCurrent: 1,
		},
		AC:               NewSimACLimits(),
		CableCheckRounds: 1,
		Price:            &Tariff{Currency: "EUR", Language: "eng", EnergyPrice: 0.3},
		MeterID:          "SIM-METER-1",
	}
}

// EVSEID implements EVSE.
func (s *SimEVSE) EVSEID() string { return s.ID }

// AuthorizeEIM implements EVSE.
func (s *SimEVSE) AuthorizeEIM(time.Time, string) AuthorizationStatus {
	s.authorizations++
	switch {
	case s.RejectEIM:
		return AuthorizationRejected
	case s.authorizations <= s.AuthorizeRounds:
		return AuthorizationPending
	}
	return AuthorizationAccepted
}

// DCLimits implements EVSE.
func (s *SimEVSE) DCLimits() DCLimits { return s.Limits }

// CableCheck implements EVSE.
func (s *SimEVSE) CableCheck(time.Time) IsolationStatus {
	s.cableChecks++
	if s.cableChecks <= s.CableCheckRounds {
		return IsolationPending
	}
	return IsolationValid
}

// SetTarget implements EVSE; the target is clamped to the limits.
func (s *SimEVSE) SetTarget(now time.Time, t DCTarget) {
	s.integrate(now)
	t.Voltage = min(max(t.Voltage, 0), s.Limits.MaxVoltage)
	t.Current = min(max(t.Current, -s.Limits.MaxDischargeCurrent), s.Limits.MaxChargeCurrent)
	s.target = t
}

// SetPower implements EVSE.
func (s *SimEVSE) SetPower(now time.Time, on bool) error {
	if s.Step <= 0 {
		s.integrate(now)
	}
	s.on = on
	if !on {
		s.target = DCTarget{}
		s.acPower = 0
	}
	return nil
}

// Present implements EVSE: the voltage follows the target; current flows
// only while the output is on.
func (s *SimEVSE) Present(time.Time) (float64, float64) {
	if !s.on {
		return s.target.Voltage, 0
	}
	return s.target.Voltage, s.target.Current
}
