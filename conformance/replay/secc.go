package replay

import (
	"errors"
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// scriptEVSE is an EVSE that decides and measures as the recorded SECC
// did in the exchange being replayed.
type scriptEVSE struct {
	id     string
	limits secc.DCLimits
	ac     secc.ACLimits
	cur    exi.Message // the recorded response of the current exchange
}

func (s *scriptEVSE) EVSEID() string { return s.id }

func (s *scriptEVSE) AuthorizeEIM(time.Time, string) secc.AuthorizationStatus {
	r, ok := s.cur.(*iso20.AuthorizationRes)
	switch {
	case !ok:
	case r.ResponseCode == iso20.ResponseCodeWARNINGEIMAuthorizationFailure:
		return secc.AuthorizationRejected
	case r.EVSEProcessing != iso20.ProcessingFinished:
		return secc.AuthorizationPending
	}
	return secc.AuthorizationAccepted
}

// DCLimits returns the limits of the recorded DC_ChargeParameterDiscoveryRes,
// with those the recorded charge-loop response of the exchange names.
func (s *scriptEVSE) DCLimits() secc.DCLimits {
	l := s.limits
	r, ok := s.cur.(*dc.DCChargeLoopRes)
	if !ok {
		return l
	}
	switch {
	case r.ScheduledDCCLResControlMode != nil:
		c := r.ScheduledDCCLResControlMode
		l.MaxChargePower = flp(c.EVSEMaximumChargePower, l.MaxChargePower)
		l.MinChargePower = flp(c.EVSEMinimumChargePower, l.MinChargePower)
		l.MaxChargeCurrent = flp(c.EVSEMaximumChargeCurrent, l.MaxChargeCurrent)
		l.MaxVoltage = flp(c.EVSEMaximumVoltage, l.MaxVoltage)
	case r.BPTScheduledDCCLResControlMode != nil:
		c := r.BPTScheduledDCCLResControlMode
		l.MaxChargePower = flp(c.EVSEMaximumChargePower, l.MaxChargePower)
		l.MinChargePower = flp(c.EVSEMinimumChargePower, l.MinChargePower)
		l.MaxChargeCurrent = flp(c.EVSEMaximumChargeCurrent, l.MaxChargeCurrent)
		l.MaxVoltage = flp(c.EVSEMaximumVoltage, l.MaxVoltage)
		l.MaxDischargePower = flp(c.EVSEMaximumDischargePower, l.MaxDischargePower)
		l.MinDischargePower = flp(c.EVSEMinimumDischargePower, l.MinDischargePower)
		l.MaxDischargeCurrent = flp(c.EVSEMaximumDischargeCurrent, l.MaxDischargeCurrent)
		l.MinVoltage = flp(c.EVSEMinimumVoltage, l.MinVoltage)
	case r.DynamicDCCLResControlMode != nil:
		c := r.DynamicDCCLResControlMode
		l.MaxChargePower, l.MinChargePower = fl(c.EVSEMaximumChargePower), fl(c.EVSEMinimumChargePower)
		l.MaxChargeCurrent, l.MaxVoltage = fl(c.EVSEMaximumChargeCurrent), fl(c.EVSEMaximumVoltage)
	case r.BPTDynamicDCCLResControlMode != nil:
		c := r.BPTDynamicDCCLResControlMode
		l.MaxChargePower, l.MinChargePower = fl(c.EVSEMaximumChargePower), fl(c.EVSEMinimumChargePower)
		l.MaxChargeCurrent, l.MaxVoltage = fl(c.EVSEMaximumChargeCurrent), fl(c.EVSEMaximumVoltage)
		l.MaxDischargePower, l.MinDischargePower = fl(c.EVSEMaximumDischargePower), fl(c.EVSEMinimumDischargePower)
		l.MaxDischargeCurrent, l.MinVoltage = fl(c.EVSEMaximumDischargeCurrent), fl(c.EVSEMinimumVoltage)
	}
	return l
}

func (s *scriptEVSE) CableCheck(time.Time) secc.IsolationStatus {
	r, ok := s.cur.(*dc.DCCableCheckRes)
	switch {
	case !ok:
	case session.Failed(iso20.ResponseCode(r.ResponseCode)):
		return secc.IsolationFault
	case r.EVSEProcessing != dc.ProcessingFinished:
		return secc.IsolationPending
	}
	return secc.IsolationValid
}

func (s *scriptEVSE) SetTarget(time.Time, secc.DCTarget) {}

func (s *scriptEVSE) SetPower(time.Time, bool) error {
	if r, ok := s.cur.(*iso20.PowerDeliveryRes); ok && session.Failed(r.ResponseCode) {
		return errors.New("recorded PowerDeliveryRes " + r.ResponseCode.String())
	}
	return nil
}

func (s *scriptEVSE) Present(time.Time) (float64, float64) {
	switch r := s.cur.(type) {
	case *dc.DCPreChargeRes:
		return fl(r.EVSEPresentVoltage), 0
	case *dc.DCChargeLoopRes:
		return fl(r.EVSEPresentVoltage), fl(r.EVSEPresentCurrent)
	case *dc.DCWeldingDetectionRes:
		return fl(r.EVSEPresentVoltage), 0
	}
	return 0, 0
}

func dcLimits(m exi.Message) secc.DCLimits {
	r, _ := m.(*dc.DCChargeParameterDiscoveryRes)
	switch {
	case r == nil:
	case r.BPTDCCPDResEnergyTransferMode != nil:
		b := r.BPTDCCPDResEnergyTransferMode
		return secc.DCLimits{
			MaxChargePower: fl(b.EVSEMaximumChargePower), MinChargePower: fl(b.EVSEMinimumChargePower),
			MaxChargeCurrent: fl(b.EVSEMaximumChargeCurrent), MinChargeCurrent: fl(b.EVSEMinimumChargeCurrent),
			MaxVoltage: fl(b.EVSEMaximumVoltage), MinVoltage: fl(b.EVSEMinimumVoltage),
			MaxDischargePower: fl(b.EVSEMaximumDischargePower), MinDischargePower: fl(b.EVSEMinimumDischargePower),
			MaxDischargeCurrent: fl(b.EVSEMaximumDischargeCurrent), MinDischargeCurrent: fl(b.EVSEMinimumDischargeCurrent),
		}
	case r.DCCPDResEnergyTransferMode != nil:
		d := r.DCCPDResEnergyTransferMode
		return secc.DCLimits{
			MaxChargePower: fl(d.EVSEMaximumChargePower), MinChargePower: fl(d.EVSEMinimumChargePower),
			MaxChargeCurrent: fl(d.EVSEMaximumChargeCurrent), MinChargeCurrent: fl(d.EVSEMinimumChargeCurrent),
			MaxVoltage: fl(d.EVSEMaximumVoltage), MinVoltage: fl(d.EVSEMinimumVoltage),
		}
	}
	return secc.DCLimits{}
}

// seccConfig configures our SECC with the recorded SECC's offer: its
// services, the control modes of its parameter sets, its EVSEID and
// limits.
func seccConfig(rec *offer, evse *scriptEVSE) secc.Config {
	cfg := secc.Config{EVSE: evse}
	if len(rec.services) > 0 {
		cfg.Services = append([]uint16(nil), rec.services...)
	}
	if rec.connector != 0 {
		cfg.AC.Connector = rec.connector
	}
	for _, m := range rec.order {
		switch m {
		case 1:
			cfg.ParameterSets = append(cfg.ParameterSets, secc.ParameterSetScheduled)
		case 2:
			cfg.ParameterSets = append(cfg.ParameterSets, secc.ParameterSetDynamic)
		}
	}
	return cfg
}

func runSECC(ps []pair) (*Result, error) {
	rec := recordedOffer(ps)
	evse := &scriptEVSE{id: rec.evseID, limits: dcLimits(rec.cpd), ac: acLimits(rec.cpd, rec.nominal)}
	eng, err := secc.New(seccConfig(rec, evse))
	if err != nil {
		return nil, fmt.Errorf("replay: our SECC cannot make the recorded offer: %w", err)
	}
	ours := newOffer()
	res := &Result{Role: RoleSECC}
	eng.Start(ps[0].req.Time)
	for i, p := range ps {
		x := Exchange{N: i + 1, Request: p.req.Name, RecordedRequest: p.req.Name,
			RecordedResponse: p.res.Name, RecordedCode: codeOf(p.res.Msg)}
		evse.cur = p.res.Msg
		pt, b, notes, err := rewrite(p, eng.SessionID(), rec, ours)
		x.Rewritten = notes
		if err != nil {
			x.Reason = err.Error()
			res.Exchanges = append(res.Exchanges, x)
			break
		}
		r, err := eng.HandleMessage(p.req.Time, pt, b)
		if err != nil {
			x.Reason = "our SECC ends the session without a response: " + err.Error()
			res.Exchanges = append(res.Exchanges, x)
			break
		}
		m, err := decode(r.PayloadType, r.Payload)
		if err != nil {
			x.Reason = "our response does not decode: " + err.Error()
			res.Exchanges = append(res.Exchanges, x)
			break
		}
		ours.learn(m)
		x.Response, x.Code = session.MessageName(m), codeOf(m)
		x.Reason = judgeSECC(p, m, r, i == len(ps)-1)
		x.OK = x.Reason == ""
		x.Note = "as recorded"
		res.Exchanges = append(res.Exchanges, x)
		if !x.OK {
			break
		}
	}
	return res, nil
}

// judgeSECC compares our response m to the recorded one: same message,
// same class of response code (the same code for supportedAppProtocol),
// same EVSEProcessing, and the session ends exactly at the recorded
// SessionStop.
func judgeSECC(p pair, m exi.Message, r secc.Response, last bool) string {
	name, code := session.MessageName(m), codeOf(m)
	if name != p.res.Name {
		return "response differs from the recorded " + p.res.Name
	}
	rc := codeOf(p.res.Msg)
	if p.kind == session.MsgSupportedAppProtocol {
		if code != rc {
			return "code differs from the recorded " + rc
		}
	} else {
		a, _ := session.ResponseCode(m)
		b, _ := session.ResponseCode(p.res.Msg)
		if session.ClassOf(a) != session.ClassOf(b) {
			return "code differs from the recorded " + rc
		}
	}
	if a, b := processing(m), processing(p.res.Msg); a != b {
		return fmt.Sprintf("EVSEProcessing %s, recorded %s", a, b)
	}
	stop := p.kind == session.MsgSessionStop
	switch {
	case r.Close && !stop:
		return fmt.Sprintf("our SECC ends the session: %v", r.Reason)
	case r.Close && r.Reason != nil:
		return fmt.Sprintf("our SECC ends the session: %v", r.Reason)
	case stop && !r.Close:
		return "our SECC keeps the session open after SessionStop"
	case last && !stop:
		return "the recording ends here without SessionStop"
	}
	return ""
}

// rewrite returns the recorded request of p as our SECC must receive it:
// with our SessionID, and the parameter set and schedule tuple our SECC
// offered where the recorded EVCC chose the recorded SECC's. The
// supportedAppProtocolReq and SessionSetupReq go as recorded, byte for
// byte.
func rewrite(p pair, id []byte, rec, ours *offer) (v2gtp.PayloadType, []byte, []string, error) {
	pt, _ := trace.PayloadType(p.req.Namespace)
	if p.kind == session.MsgSupportedAppProtocol || p.kind == session.MsgSessionSetup {
		return pt, p.req.EXI, nil, nil
	}
	m, err := trace.Decode(p.req.Namespace, p.req.EXI) // a copy to modify
	if err != nil {
		return 0, nil, nil, err
	}
	_, ts, _ := session.Header(m)
	session.SetHeader(m, id, ts)
	var notes []string
	switch r := m.(type) {
	case *iso20.ServiceSelectionReq:
		sel := &r.SelectedEnergyTransferService
		mode, ok := rec.modes[svcSet{sel.ServiceID, sel.ParameterSetID}]
		if !ok {
			return 0, nil, nil, fmt.Errorf("the recorded SECC offered no parameter set %d for service %d",
				sel.ParameterSetID, sel.ServiceID)
		}
		set, ok := ours.sets[svcMode{sel.ServiceID, mode}]
		if !ok {
			return 0, nil, nil, fmt.Errorf("our SECC offered no ControlMode %d for service %d", mode, sel.ServiceID)
		}
		if set != sel.ParameterSetID {
			notes = append(notes, fmt.Sprintf("ParameterSetID %d→%d", sel.ParameterSetID, set))
		}
		sel.ParameterSetID = set
	case *iso20.PowerDeliveryReq:
		if pp := r.EVPowerProfile; pp != nil && pp.ScheduledEVPPTControlMode != nil {
			c := pp.ScheduledEVPPTControlMode
			i := index(rec.tuples, c.SelectedScheduleTupleID)
			if i < 0 || i >= len(ours.tuples) {
				return 0, nil, nil, fmt.Errorf("ScheduleTupleID %d: recorded tuples %v, ours %v",
					c.SelectedScheduleTupleID, rec.tuples, ours.tuples)
			}
			if ours.tuples[i] != c.SelectedScheduleTupleID {
				notes = append(notes, fmt.Sprintf("ScheduleTupleID %d→%d", c.SelectedScheduleTupleID, ours.tuples[i]))
			}
			c.SelectedScheduleTupleID = ours.tuples[i]
		}
	}
	pt, b, err := session.Encode(nil, m)
	if err != nil {
		return 0, nil, nil, err
	}
	return pt, b, notes, nil
}

func index(ids []uint32, id uint32) int {
	for i, v := range ids {
		if v == id {
			return i
		}
	}
	return -1
}
