package secc

import (
	"time"

	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/ac"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
)

// Tariff is a flat energy price, sent as the AbsolutePriceSchedule of
// every schedule in ScheduleExchangeRes.
type Tariff struct {
	// Currency is the ISO 4217 code, at most 3 characters ("EUR").
	Currency string
	// Language is the ISO 639 code of the description, at most 3
	// characters ("eng").
	Language string
	// Description, optional, at most 160 characters.
	Description string
	// EnergyPrice is the price of one kWh in Currency.
	EnergyPrice float64
}

// PriceAlgorithmPower is the -20 price algorithm of a Tariff: the energy
// fee applies to the energy at any power.
const PriceAlgorithmPower = "urn:iso:std:iso:15118:-20:PriceAlgorithm:1-Power"

// Pricer is an optional interface of an EVSE: when the EVSE implements it
// and Tariff reports true, ScheduleExchangeRes carries the tariff as an
// absolute price schedule (with every schedule tuple in the Scheduled
// control mode, in the response of the Dynamic control mode).
type Pricer interface {
	Tariff(now time.Time) (Tariff, bool)
}

// MeterReading is the reading of the EVSE's energy meter.
type MeterReading struct {
	// MeterID identifies the meter, at most 32 characters.
	MeterID string
	// ChargedWh and DischargedWh are the meter's registers in Wh.
	ChargedWh, DischargedWh uint64
}

// Meter is an optional interface of an EVSE: when the EVSE implements it,
// a charge-loop response to a request with MeterInfoRequested set carries
// the reading as MeterInfo (the discharged register only in a BPT
// session).
type Meter interface {
	MeterReading(now time.Time) MeterReading
}

// priceSchedule returns the EVSE's tariff as an absolute price schedule,
// nil when it has none.
func (e *Engine) priceSchedule(now time.Time, id uint32) *iso20.AbsolutePriceSchedule {
	p, ok := e.cfg.EVSE.(Pricer)
	if !ok {
		return nil
	}
	t, ok := p.Tariff(now)
	if !ok {
		return nil
	}
	s := &iso20.AbsolutePriceSchedule{
		TimeAnchor:      uint64(max(now.Unix(), 0)),
		PriceScheduleID: id,
		Currency:        t.Currency,
		Language:        t.Language,
		PriceAlgorithm:  PriceAlgorithmPower,
		PriceRuleStacks: iso20.PriceRuleStackList{PriceRuleStack: []iso20.PriceRuleStack{{
			Duration:  0,
			PriceRule: []iso20.PriceRule{{EnergyFee: rc(t.EnergyPrice), PowerRangeStart: rc(0)}},
		}}},
	}
	if t.Description != "" {
		d := t.Description
		s.PriceScheduleDescription = &d
	}
	return s
}

// meterReading returns the EVSE's meter reading when the EV asked for it
// and the EVSE has a meter.
func (e *Engine) meterReading(now time.Time, requested bool) (MeterReading, bool) {
	m, ok := e.cfg.EVSE.(Meter)
	if !requested || !ok {
		return MeterReading{}, false
	}
	return m.MeterReading(now), true
}

func (e *Engine) dcMeterInfo(now time.Time, requested bool) *dc.MeterInfo {
	r, ok := e.meterReading(now, requested)
	if !ok {
		return nil
	}
	ts := uint64(max(now.Unix(), 0))
	mi := &dc.MeterInfo{MeterID: r.MeterID, ChargedEnergyReadingWh: r.ChargedWh, MeterTimestamp: &ts}
	if e.bpt {
		d := r.DischargedWh
		mi.BPTDischargedEnergyReadingWh = &d
	}
	return mi
}

func (e *Engine) acMeterInfo(now time.Time, requested bool) *ac.MeterInfo {
	r, ok := e.meterReading(now, requested)
	if !ok {
		return nil
	}
	ts := uint64(max(now.Unix(), 0))
	mi := &ac.MeterInfo{MeterID: r.MeterID, ChargedEnergyReadingWh: r.ChargedWh, MeterTimestamp: &ts}
	if e.bpt {
		d := r.DischargedWh
		mi.BPTDischargedEnergyReadingWh = &d
	}
	return mi
}

// Tariff implements Pricer with SimEVSE.Price; false when it is nil.
func (s *SimEVSE) Tariff(time.Time) (Tariff, bool) {
	if s.Price == nil {
		return Tariff{}, false
	}
	return *s.Price, true
}

// MeterReading implements Meter: the energy the simulated output has
// delivered (charge) and taken in (discharge) so far.
func (s *SimEVSE) MeterReading(now time.Time) MeterReading {
	if s.Step <= 0 {
		s.integrate(now)
	}
	return MeterReading{MeterID: s.MeterID, ChargedWh: uint64(s.chargedWh), DischargedWh: uint64(s.dischargedWh)}
}

// outputPower is the present output power in W (negative: discharge).
func (s *SimEVSE) outputPower() float64 {
	if !s.on {
		return 0
	}
	if s.acPower != 0 {
		return s.acPower
	}
	return s.target.Voltage * s.target.Current
}

// integrate adds the output power since the previous call to the meter;
// with Step positive, each change of the operating point counts Step.
func (s *SimEVSE) integrate(now time.Time) {
	var dt time.Duration
	switch {
	case s.Step > 0:
		dt = s.Step
	case !s.meterAt.IsZero() && now.After(s.meterAt):
		dt = now.Sub(s.meterAt)
	}
	if wh := s.outputPower() * dt.Hours(); wh >= 0 {
		s.chargedWh += wh
	} else {
		s.dischargedWh -= wh
	}
	s.meterAt = now
}
