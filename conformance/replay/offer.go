package replay

import (
	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/session"
)

// svcSet names a parameter set of a service.
type svcSet struct{ service, set uint16 }

// svcMode names a control mode of a service.
type svcMode struct {
	service uint16
	mode    int32
}

// offer is what an SECC offered in a session, read from its responses.
type offer struct {
	services []uint16         // ServiceDiscoveryRes, in order
	modes    map[svcSet]int32 // ServiceDetailRes: ControlMode of each parameter set
	sets     map[svcMode]uint16
	order    []int32  // control modes in the order first offered
	tuples   []uint32 // ScheduleTupleIDs of the last finished ScheduleExchangeRes
	evseID   string
	cpd      exi.Message // the ChargeParameterDiscoveryRes
	// connector and nominal are the Connector and EVSENominalVoltage
	// parameters of the first parameter set offered.
	connector int32
	nominal   float64
}

func newOffer() *offer {
	return &offer{modes: map[svcSet]int32{}, sets: map[svcMode]uint16{}}
}

// learn records what response m offers.
func (o *offer) learn(m exi.Message) {
	switch r := m.(type) {
	case *iso20.SessionSetupRes:
		o.evseID = r.EVSEID
	case *iso20.ServiceDiscoveryRes:
		o.services = o.services[:0]
		for _, s := range r.EnergyTransferServiceList.Service {
			o.services = append(o.services, s.ServiceID)
		}
	case *iso20.ServiceDetailRes:
		for _, ps := range r.ServiceParameterList.ParameterSet {
			if o.nominal == 0 {
				o.connector, _ = intParam(ps, "Connector")
				if v, ok := intParam(ps, "EVSENominalVoltage"); ok {
					o.nominal = float64(v)
				}
			}
			mode, ok := intParam(ps, "ControlMode")
			if !ok {
				continue
			}
			o.modes[svcSet{r.ServiceID, ps.ParameterSetID}] = mode
			if _, dup := o.sets[svcMode{r.ServiceID, mode}]; !dup {
				o.sets[svcMode{r.ServiceID, mode}] = ps.ParameterSetID
			}
			seen := false
			for _, m := range o.order {
				seen = seen || m == mode
			}
			if !seen {
				o.order = append(o.order, mode)
			}
		}
	case *iso20.ScheduleExchangeRes:
		if r.EVSEProcessing == iso20.ProcessingFinished && r.ScheduledSEResControlMode != nil {
			o.tuples = o.tuples[:0]
			for _, t := range r.ScheduledSEResControlMode.ScheduleTuple {
				o.tuples = append(o.tuples, t.ScheduleTupleID)
			}
		}
	case *dc.DCChargeParameterDiscoveryRes:
		o.cpd = m
	default:
		if k, _ := session.Kind(m); k == session.MsgACChargeParameterDiscovery {
			o.cpd = m
		}
	}
}

// intParam returns an integer parameter of a parameter set.
func intParam(ps iso20.ParameterSet, name string) (int32, bool) {
	for _, p := range ps.Parameter {
		if p.Name != name {
			continue
		}
		switch {
		case p.IntValue != nil:
			return *p.IntValue, true
		case p.ShortValue != nil:
			return int32(*p.ShortValue), true
		case p.ByteValue != nil:
			return int32(*p.ByteValue), true
		}
	}
	return 0, false
}

// recordedOffer reads the recorded SECC's offer from the responses of ps.
func recordedOffer(ps []pair) *offer {
	o := newOffer()
	for _, p := range ps {
		o.learn(p.res.Msg)
	}
	return o
}

func fl(r dc.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }

func flp(r *dc.RationalNumber, def float64) float64 {
	if r == nil {
		return def
	}
	return fl(*r)
}

func fc(r iso20.RationalNumber) float64 { return session.Float(r.Exponent, r.Value) }
