package evcc

import "time"

// DCLimits are the vehicle's DC limits in volts, amperes and watts. The
// discharge fields are used only for a BPT service.
type DCLimits struct {
	MaxChargePower, MinChargePower           float64
	MaxChargeCurrent, MinChargeCurrent       float64
	MaxVoltage, MinVoltage                   float64
	MaxDischargePower, MinDischargePower     float64
	MaxDischargeCurrent, MinDischargeCurrent float64
}

// Energy are the energy requests of the vehicle in watt-hours.
type Energy struct {
	Target, Maximum, Minimum float64
}

// Vehicle is the integrator's side of the EVCC: battery state, limits and
// targets. The engine calls it synchronously from HandleMessage.
type Vehicle interface {
	// EVCCID returns the identifier sent in SessionSetupReq.
	EVCCID() string
	// DCLimits returns the vehicle's DC limits.
	DCLimits() DCLimits
	// SOC returns the present state of charge in percent.
	SOC(now time.Time) float64
	// TargetSOC returns the state of charge at which charging completes.
	TargetSOC() float64
	// Energy returns the present energy requests.
	Energy(now time.Time) Energy
	// PresentVoltage returns the battery voltage.
	PresentVoltage(now time.Time) float64
	// Target returns the requested charge voltage and current (negative
	// current: discharge).
	Target(now time.Time) (voltage, current float64)
	// Measure feeds the EVSE's present output into the battery.
	Measure(now time.Time, voltage, current float64)
	// ChargingComplete reports whether the vehicle wants to stop.
	ChargingComplete(now time.Time) bool
}

// SimBattery is a simulated battery: its voltage rises linearly with the
// state of charge and it integrates the measured power over time, DC
// (Measure) or AC (SetActivePower). It implements Vehicle and ACVehicle.
type SimBattery struct {
	ID         string
	Limits     DCLimits
	AC         ACLimits
	CapacityWh float64
	SOCPercent float64
	TargetPct  float64
	// EmptyVoltage and FullVoltage bound the open-circuit voltage.
	EmptyVoltage, FullVoltage float64
	// Discharge makes a BPT session charge to TargetPct and then
	// discharge to MinPct before it completes.
	Discharge bool
	MinPct    float64
	// Step, when positive, is the simulated time each Measure integrates
	// instead of the time since the previous one: a speed-up for drivers
	// that run on the wall clock.
	Step time.Duration

	last                time.Time
	discharging         bool
	charged, discharged float64
	acPower             float64
}

// NewSimBattery returns a small 400 V battery at 20 % charging to 80 %,
// with an 11 kW on-board charger (see NewSimACLimits).
func NewSimBattery() *SimBattery {
	return &SimBattery{
		ID: "WMIV2GSTACK000001",
		Limits: DCLimits{
			MaxChargePower: 30000, MinChargePower: 100,
			MaxChargeCurrent: 80, MinChargeCurrent: 1,
			MaxVoltage: 450, MinVoltage: 300,
			MaxDischargePower: 10000, MinDischargePower: 100,
			MaxDischargeCurrent: 20, MinDischargeCurrent: 0,
		},
		AC:           NewSimACLimits(),
		CapacityWh:   2000,
		SOCPercent:   20,
		TargetPct:    80,
		EmptyVoltage: 340,
		FullVoltage:  420,
	}
}

// EVCCID implements Vehicle.
func (b *SimBattery) EVCCID() string { return b.ID }

// DCLimits implements Vehicle.
func (b *SimBattery) DCLimits() DCLimits { return b.Limits }

// SOC implements Vehicle.
func (b *SimBattery) SOC(time.Time) float64 { return b.SOCPercent }

// TargetSOC implements Vehicle.
func (b *SimBattery) TargetSOC() float64 { return b.TargetPct }

// Transferred returns the energy measured into and out of the battery
// so far, in watt-hours.
func (b *SimBattery) Transferred() (charged, discharged float64) { return b.charged, b.discharged }

// Discharging reports whether the battery is in its discharge phase.
func (b *SimBattery) Discharging() bool { return b.discharging }

// Energy implements Vehicle. In the discharge phase the target and
// minimum requests are negative: the vehicle offers energy.
func (b *SimBattery) Energy(time.Time) Energy {
	need := func(pct float64) float64 { return (pct - b.SOCPercent) / 100 * b.CapacityWh }
	if b.discharging {
		return Energy{Target: need(b.MinPct), Maximum: max(0, need(100)), Minimum: need(b.MinPct)}
	}
	if b.Discharge {
		return Energy{Target: max(0, need(b.TargetPct)), Maximum: max(0, need(100)), Minimum: need(b.MinPct)}
	}
	return Energy{Target: max(0, need(b.TargetPct)), Maximum: max(0, need(100)), Minimum: max(0, need(0))}
}

// PresentVoltage implements Vehicle.
func (b *SimBattery) PresentVoltage(time.Time) float64 {
	return b.EmptyVoltage + (b.FullVoltage-b.EmptyVoltage)*b.SOCPercent/100
}

// Target implements Vehicle: full current until the target SOC, then,
// with Discharge set, full discharge current until MinPct.
func (b *SimBattery) Target(now time.Time) (float64, float64) {
	v := b.PresentVoltage(now)
	if b.discharging {
		if b.atMinimum() {
			return v, 0
		}
		return v, -min(b.Limits.MaxDischargeCurrent, b.Limits.MaxDischargePower/v)
	}
	i := min(b.Limits.MaxChargeCurrent, b.Limits.MaxChargePower/v)
	if b.atTarget() {
		i = 0
	}
	return v, i
}

// Measure implements Vehicle.
func (b *SimBattery) Measure(now time.Time, voltage, current float64) {
	b.integrate(now, voltage*current)
}

// integrate adds the power (W) over the time since the last call, or Step.
func (b *SimBattery) integrate(now time.Time, watts float64) {
	var dt time.Duration
	switch {
	case b.Step > 0:
		dt = b.Step
	case !b.last.IsZero() && now.After(b.last):
		dt = now.Sub(b.last)
	}
	if dt > 0 {
		wh := watts * dt.Hours()
		if wh >= 0 {
			b.charged += wh
		} else {
			b.discharged -= wh
		}
		b.SOCPercent = min(100, max(0, b.SOCPercent+wh/b.CapacityWh*100))
	}
	b.last = now
	if b.Discharge && !b.discharging && b.atTarget() {
		b.discharging = true
	}
}

// ChargingComplete implements Vehicle.
func (b *SimBattery) ChargingComplete(time.Time) bool {
	if b.Discharge {
		return b.discharging && b.atMinimum()
	}
	return b.atTarget()
}

// socResolution is the smallest energy (Wh) the engine's requests carry:
// a RationalNumber with exponent -3. A state of charge this close to a
// limit counts as reached, or a request would round to zero and the
// session never end.
const socResolution = 0.001

func (b *SimBattery) atTarget() bool {
	return b.SOCPercent >= b.TargetPct-socResolution/b.CapacityWh*100
}

func (b *SimBattery) atMinimum() bool {
	return b.SOCPercent <= b.MinPct+socResolution/b.CapacityWh*100
}
