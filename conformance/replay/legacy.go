package replay

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/din"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/iso2"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// legacyPhase reports whether recs are a DIN SPEC 70121 or ISO 15118-2
// session, and which.
func legacyPhase(recs []session.TraceRecord) (session.Phase, bool) {
	for _, r := range recs {
		switch r.Namespace {
		case trace.NSDIN:
			return session.PhaseDIN, true
		case trace.NSISO2:
			return session.PhaseISO2, true
		}
	}
	return session.PhaseSAP, false
}

// lpair is one recorded exchange of a DIN or -2 session; rq and rs are
// nil for supportedAppProtocol.
type lpair struct {
	req, res session.TraceRecord
	rq, rs   *session.LegacyMessage
}

func (p lpair) kind() session.LegacyMsg {
	if p.rq == nil {
		return session.LMsgUnknown
	}
	return p.rq.Kind
}

func legacyPairs(recs []session.TraceRecord, phase session.Phase) ([]lpair, error) {
	var ps []lpair
	var pending *lpair
	for _, r := range recs {
		if r.Dir == session.DirSig {
			continue
		}
		var lm *session.LegacyMessage
		isReq := false
		switch r.Namespace {
		case session.TraceNSSAP:
			_, isReq = r.Msg.(*apphand.SupportedAppProtocolReq)
		case trace.NSDIN, trace.NSISO2:
			m, _, err := session.DecodeLegacy(phase, r.EXI)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrTrace, r.Name, err)
			}
			lm, isReq = m, !m.Response
		default:
			return nil, fmt.Errorf("%w: %s %s in a %s session", ErrTrace, r.Namespace, r.Name, session.LegacyName(phase))
		}
		switch {
		case isReq && pending != nil:
			return nil, fmt.Errorf("%w: a request follows another without a response", ErrTrace)
		case isReq:
			pending = &lpair{req: r, rq: lm}
		case pending == nil:
			return nil, fmt.Errorf("%w: a response without a request", ErrTrace)
		default:
			if (lm == nil) != (pending.rq == nil) || lm != nil && lm.Kind != pending.rq.Kind {
				return nil, fmt.Errorf("%w: a response answers another request", ErrTrace)
			}
			pending.res, pending.rs = r, lm
			ps = append(ps, *pending)
			pending = nil
		}
	}
	if pending != nil {
		return nil, fmt.Errorf("%w: ends with a request without a response", ErrTrace)
	}
	if len(ps) == 0 || ps[0].rq != nil {
		return nil, fmt.Errorf("%w: does not start with supportedAppProtocol", ErrTrace)
	}
	return ps, nil
}

func runLegacy(recs []session.TraceRecord, phase session.Phase, role Role) (*Result, error) {
	ps, err := legacyPairs(recs, phase)
	if err != nil {
		return nil, err
	}
	switch role {
	case RoleSECC:
		return runLegacySECC(ps, phase)
	case RoleEVCC:
		return runLegacyEVCC(ps, phase)
	}
	return nil, fmt.Errorf("replay: %v", role)
}

func legacyNamespace(phase session.Phase) string {
	if phase == session.PhaseDIN {
		return session.NamespaceDIN
	}
	return session.NamespaceISO2
}

// withSessionID returns the EXI of the recorded request with its
// SessionID replaced by id (the recorded one for SessionSetupReq).
func withSessionID(p lpair, id []byte) ([]byte, error) {
	if p.rq.Kind == session.LMsgSessionSetup {
		return p.req.EXI, nil
	}
	switch doc := p.req.Msg.(type) {
	case *din.V2GMessage:
		c := *doc
		c.Header.SessionID = id
		return c.AppendEXI(nil, exi.Options{})
	case *iso2.V2GMessage:
		c := *doc
		c.Header.SessionID = id
		return c.AppendEXI(nil, exi.Options{})
	}
	return nil, fmt.Errorf("%w: %s is no V2G_Message", ErrTrace, p.req.Name)
}

// runLegacySECC answers the recorded EVCC's requests with our SECC, whose
// simulated EVSE answers Ongoing as often as the recorded SECC did.
func runLegacySECC(ps []lpair, phase session.Phase) (*Result, error) {
	evse := secc.NewSimEVSE()
	evse.AuthorizeRounds, evse.CableCheckRounds = 0, 0
	for _, p := range ps {
		if p.rs != nil && p.rs.Ongoing {
			switch p.rs.Kind {
			case session.LMsgAuthorization:
				evse.AuthorizeRounds++
			case session.LMsgCableCheck:
				evse.CableCheckRounds++
			}
		}
	}
	eng, err := secc.New(secc.Config{EVSE: evse, Protocols: []string{legacyNamespace(phase)}})
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	res := &Result{Role: RoleSECC}
	eng.Start(ps[0].req.Time)
	for i, p := range ps {
		x := Exchange{N: i + 1, Request: p.req.Name, RecordedRequest: p.req.Name, RecordedResponse: p.res.Name}
		b := p.req.EXI
		if p.rq != nil {
			x.Request = session.LegacyMessageName(phase, p.rq)
			x.RecordedRequest = x.Request
			x.RecordedResponse, x.RecordedCode = session.LegacyMessageName(phase, p.rs), p.rs.Code.String()
			if b, err = withSessionID(p, eng.SessionID()); err != nil {
				return nil, err
			}
		} else {
			x.RecordedCode = codeOf(p.res.Msg)
		}
		r, err := eng.HandleMessage(p.req.Time, v2gtp.SAP, b)
		if err != nil {
			x.Reason = "our SECC ends the session without a response: " + err.Error()
			res.Exchanges = append(res.Exchanges, x)
			break
		}
		x.Reason = judgeLegacySECC(phase, p, r, i == len(ps)-1, &x)
		x.OK, x.Note = x.Reason == "", "as recorded"
		res.Exchanges = append(res.Exchanges, x)
		if !x.OK {
			break
		}
	}
	return res, nil
}

// judgeLegacySECC compares our response to the recorded one: the same
// message, response code and EVSEProcessing, and the session ends exactly
// at the recorded SessionStop.
func judgeLegacySECC(phase session.Phase, p lpair, r secc.Response, last bool, x *Exchange) string {
	if p.rq == nil {
		m, err := apphand.DecodeDocument(r.Payload, exi.Options{})
		if err != nil {
			return "our response does not decode: " + err.Error()
		}
		x.Response, x.Code = "supportedAppProtocolRes", codeOf(m)
		if x.Code != x.RecordedCode {
			return "code differs from the recorded " + x.RecordedCode
		}
		return ""
	}
	m, _, err := session.DecodeLegacy(phase, r.Payload)
	if err != nil {
		return "our response does not decode: " + err.Error()
	}
	x.Response, x.Code = session.LegacyMessageName(phase, m), m.Code.String()
	switch {
	case x.Response != x.RecordedResponse:
		return "response differs from the recorded " + x.RecordedResponse
	case m.Code != p.rs.Code:
		return "code differs from the recorded " + x.RecordedCode
	case m.Ongoing != p.rs.Ongoing:
		return fmt.Sprintf("EVSEProcessing Ongoing %v, recorded %v", m.Ongoing, p.rs.Ongoing)
	case r.Close != last:
		return fmt.Sprintf("our SECC closes %v after this exchange (%v)", r.Close, r.Reason)
	}
	return ""
}

// legacyVehicle is a vehicle with the recorded EVCC's identity, limits and
// state of charge, which completes charging after as many CurrentDemand
// rounds as the recorded EVCC made.
type legacyVehicle struct {
	id       string
	limits   evcc.DCLimits
	soc      float64
	voltage  float64
	loops    []*session.LegacyMessage
	measured int
}

func (v *legacyVehicle) EVCCID() string          { return v.id }
func (v *legacyVehicle) DCLimits() evcc.DCLimits { return v.limits }
func (v *legacyVehicle) TargetSOC() float64      { return 100 }
func (v *legacyVehicle) Energy(time.Time) evcc.Energy {
	return evcc.Energy{}
}

// PresentVoltage is the EVSE present voltage of the last recorded
// PreChargeRes, at which the recorded EVCC stopped pre-charging.
func (v *legacyVehicle) PresentVoltage(time.Time) float64 { return v.voltage }

func (v *legacyVehicle) loop() *session.LegacyMessage {
	if len(v.loops) == 0 {
		return nil
	}
	return v.loops[min(v.measured, len(v.loops)-1)]
}

func (v *legacyVehicle) SOC(time.Time) float64 {
	if l := v.loop(); l != nil && v.measured > 0 {
		return float64(l.SOC)
	}
	return v.soc
}

func (v *legacyVehicle) Target(time.Time) (float64, float64) {
	if l := v.loop(); l != nil {
		return l.TargetV, l.TargetI
	}
	return v.voltage, 0
}

func (v *legacyVehicle) Measure(time.Time, float64, float64) { v.measured++ }
func (v *legacyVehicle) ChargingComplete(time.Time) bool     { return v.measured >= len(v.loops) }

func legacyVehicleOf(ps []lpair) *legacyVehicle {
	v := &legacyVehicle{}
	for _, p := range ps {
		if p.rq == nil {
			continue
		}
		switch p.rq.Kind {
		case session.LMsgSessionSetup:
			v.id = hex.EncodeToString(p.rq.EVCCID)
		case session.LMsgChargeParameterDiscovery:
			v.limits = evcc.DCLimits{MaxVoltage: p.rq.EVMaxV, MaxChargeCurrent: p.rq.EVMaxI, MaxChargePower: p.rq.EVMaxP}
			v.soc = float64(p.rq.SOC)
		case session.LMsgPreCharge:
			v.voltage = p.rs.PresentV
		case session.LMsgCurrentDemand:
			v.loops = append(v.loops, p.rq)
		}
	}
	return v
}

// runLegacyEVCC answers our EVCC's requests with the recorded SECC's
// responses, skipping recorded repetitions our EVCC does not need.
func runLegacyEVCC(ps []lpair, phase session.Phase) (*Result, error) {
	eng, err := evcc.New(evcc.Config{Vehicle: legacyVehicleOf(ps), AppProtocols: []string{legacyNamespace(phase)}})
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	res := &Result{Role: RoleEVCC}
	q, err := eng.Start(ps[0].req.Time)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	j := 0
	for n := 1; !q.Done; n++ {
		x := Exchange{N: n, Request: "supportedAppProtocolReq"}
		k := session.LMsgUnknown
		if n > 1 {
			m, _, err := session.DecodeLegacy(phase, q.Payload)
			if err != nil {
				x.Reason = "our request does not decode: " + err.Error()
				res.Exchanges = append(res.Exchanges, x)
				return res, nil
			}
			k, x.Request = m.Kind, session.LegacyMessageName(phase, m)
		}
		if j > 0 && j < len(ps) && ps[j].kind() != k {
			skip := 0
			for j+skip < len(ps) && ps[j+skip].kind() == ps[j-1].kind() {
				skip++
			}
			if j+skip < len(ps) && ps[j+skip].kind() == k {
				x.Skipped, x.SkippedRequest = skip, session.LegacyMessageName(phase, ps[j].rq)
				j += skip
			}
		}
		if j >= len(ps) {
			x.Reason = "the recording has no further exchange"
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		p := ps[j]
		x.RecordedRequest, x.Response, x.Code = p.req.Name, p.res.Name, codeOf(p.res.Msg)
		if p.rq != nil {
			x.RecordedRequest, x.Response, x.Code = session.LegacyMessageName(phase, p.rq),
				session.LegacyMessageName(phase, p.rs), p.rs.Code.String()
		}
		if p.kind() != k {
			x.Reason = "request differs from the recorded " + x.RecordedRequest
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		now := p.res.Time
		if err := eng.HandleTimeout(now); err != nil {
			x.Reason = "our EVCC timed out: " + err.Error()
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		q, err = eng.HandleMessage(now, v2gtp.SAP, p.res.EXI)
		if err != nil {
			x.Reason = "our EVCC rejects the response: " + err.Error()
			res.Exchanges = append(res.Exchanges, x)
			return res, nil
		}
		x.OK, x.Note = true, "accepted"
		res.Exchanges = append(res.Exchanges, x)
		j++
	}
	if j < len(ps) {
		res.Exchanges = append(res.Exchanges, Exchange{N: len(res.Exchanges) + 1, RecordedRequest: ps[j].req.Name,
			Reason: fmt.Sprintf("our EVCC ended the session with %d recorded exchanges left", len(ps)-j)})
	}
	return res, nil
}
