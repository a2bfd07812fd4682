// Package replay runs one of our -20 engines against the other side of a
// recorded session. The recorded peer is a script: in role SECC our SECC
// answers the recorded EVCC's requests, in role EVCC our EVCC's requests
// are answered with the recorded SECC's responses. Our side is configured
// from what the recorded side offered, so that a conforming engine can
// follow the recording exchange by exchange; each exchange gets a verdict.
//
// A trace file is written by one side and holds both directions (see
// package trace); which messages are the EVCC's is read from their kinds,
// so either side's file of a session serves both roles.
package replay

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// Role is the side our engine plays.
type Role uint8

// Roles.
const (
	RoleSECC Role = iota + 1 // our SECC against the recorded EVCC
	RoleEVCC                 // our EVCC against the recorded SECC
)

// String returns "secc" or "evcc".
func (r Role) String() string {
	switch r {
	case RoleSECC:
		return "secc"
	case RoleEVCC:
		return "evcc"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// ParseRole parses "secc" or "evcc".
func ParseRole(s string) (Role, error) {
	switch s {
	case "secc":
		return RoleSECC, nil
	case "evcc":
		return RoleEVCC, nil
	}
	return 0, fmt.Errorf("replay: role %q is neither secc nor evcc", s)
}

// ErrTrace reports a recording that cannot be replayed: not a -20
// session, or requests and responses that do not pair up.
var ErrTrace = errors.New("replay: unusable trace")

// Exchange is the verdict on one request/response pair.
type Exchange struct {
	N int // 1-based position among our exchanges
	// Request is the request of the exchange: our EVCC's in role EVCC,
	// the recorded one (rewritten) in role SECC.
	Request string
	// RecordedRequest is the recorded request it was matched with.
	RecordedRequest string
	// Response and Code are the response of the exchange: our SECC's in
	// role SECC, the recorded one in role EVCC.
	Response, Code string
	// RecordedResponse and RecordedCode are the recorded response (role
	// SECC).
	RecordedResponse, RecordedCode string
	// Rewritten lists the IDs rewritten in the recorded request besides
	// the SessionID (role SECC), e.g. "ParameterSetID 3→2".
	Rewritten []string
	// Skipped counts recorded repetitions of the previous request, named
	// SkippedRequest, that our EVCC did not make before this one (role
	// EVCC).
	Skipped        int
	SkippedRequest string
	// OK is the verdict; Reason says why not, Note what an ok exchange
	// showed ("accepted": our EVCC took the recorded response; "as
	// recorded": our SECC answered as the recorded one did).
	OK     bool
	Reason string
	Note   string
}

// String returns the verdict line of x.
func (x Exchange) String() string {
	var b strings.Builder
	v := "ok"
	if !x.OK {
		v = "FAIL"
	}
	req := x.Request
	if req == "" {
		req = "-"
	}
	fmt.Fprintf(&b, "%3d %-4s %-31s recorded %-31s", x.N, v, req, orDash(x.RecordedRequest))
	if x.Response != "" {
		fmt.Fprintf(&b, " -> %s %s", x.Response, x.Code)
	}
	if x.RecordedResponse != "" && (x.RecordedResponse != x.Response || x.RecordedCode != x.Code) {
		fmt.Fprintf(&b, " (recorded %s %s)", x.RecordedResponse, x.RecordedCode)
	}
	switch {
	case x.Reason != "":
		b.WriteString(": ")
		b.WriteString(x.Reason)
	case x.OK && x.Note != "":
		b.WriteString(": ")
		b.WriteString(x.Note)
	}
	if len(x.Rewritten) > 0 {
		fmt.Fprintf(&b, " [rewritten %s]", strings.Join(x.Rewritten, ", "))
	}
	if x.Skipped > 0 {
		fmt.Fprintf(&b, " [%d more recorded %s not needed]", x.Skipped, x.SkippedRequest)
	}
	return strings.TrimRight(b.String(), " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Result is the outcome of a replay.
type Result struct {
	Role      Role
	Exchanges []Exchange
}

// Passed returns how many exchanges are ok.
func (r *Result) Passed() int {
	n := 0
	for _, x := range r.Exchanges {
		if x.OK {
			n++
		}
	}
	return n
}

// OK reports whether there are exchanges and all are ok.
func (r *Result) OK() bool { return len(r.Exchanges) > 0 && r.Passed() == len(r.Exchanges) }

// Summary returns the last line of a replay: "replay: N/M exchanges ok".
func (r *Result) Summary() string {
	return fmt.Sprintf("replay: %d/%d exchanges ok", r.Passed(), len(r.Exchanges))
}

// Run replays recs, the records of one recorded session, with our engine
// in role. An error means the recording cannot be replayed or our engine
// cannot be configured for it; a replay that diverges is a Result with
// failed exchanges.
func Run(recs []session.TraceRecord, role Role) (*Result, error) {
	ps, err := pairs(recs)
	if err != nil {
		return nil, err
	}
	switch role {
	case RoleSECC:
		return runSECC(ps)
	case RoleEVCC:
		return runEVCC(ps)
	}
	return nil, fmt.Errorf("replay: %v", role)
}

// RunFile replays the trace file name with our engine in role.
func RunFile(name string, role Role) (*Result, error) {
	recs, err := trace.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Run(recs, role)
}

// pair is one recorded exchange.
type pair struct {
	req, res session.TraceRecord
	kind     session.Message
}

// pairs groups the records into request/response exchanges; signed parts
// are left out.
func pairs(recs []session.TraceRecord) ([]pair, error) {
	var ps []pair
	var pending *session.TraceRecord
	for i := range recs {
		r := &recs[i]
		if r.Dir == session.DirSig {
			continue
		}
		if _, ok := trace.PayloadType(r.Namespace); !ok || r.Msg == nil {
			return nil, fmt.Errorf("%w: %s %s is not a -20 message", ErrTrace, r.Namespace, r.Name)
		}
		k, req := session.Kind(r.Msg)
		if k == session.MsgUnknown {
			return nil, fmt.Errorf("%w: %s %s is not a -20 message", ErrTrace, r.Namespace, r.Name)
		}
		switch {
		case req && pending != nil:
			return nil, fmt.Errorf("%w: %s follows %s without a response", ErrTrace, r.Name, pending.Name)
		case req:
			pending = r
		case pending == nil:
			return nil, fmt.Errorf("%w: %s without a request", ErrTrace, r.Name)
		default:
			if pk, _ := session.Kind(pending.Msg); pk != k {
				return nil, fmt.Errorf("%w: %s answers %s", ErrTrace, r.Name, pending.Name)
			}
			ps = append(ps, pair{req: *pending, res: *r, kind: k})
			pending = nil
		}
	}
	if pending != nil {
		return nil, fmt.Errorf("%w: ends with %s without a response", ErrTrace, pending.Name)
	}
	if len(ps) == 0 || ps[0].kind != session.MsgSupportedAppProtocol {
		return nil, fmt.Errorf("%w: does not start with supportedAppProtocol", ErrTrace)
	}
	return ps, nil
}

// decode decodes one of our engines' payloads.
func decode(pt v2gtp.PayloadType, b []byte) (exi.Message, error) {
	phase := session.PhaseDC
	switch pt {
	case v2gtp.SAP:
		phase = session.PhaseSAP
	case v2gtp.ACMainstream:
		phase = session.PhaseAC
	}
	return session.Dispatch(pt, phase, b)
}

// codeOf returns the response code of a response as its schema literal.
func codeOf(m exi.Message) string {
	if r, ok := m.(*apphand.SupportedAppProtocolRes); ok {
		return r.ResponseCode.String()
	}
	if c, ok := session.ResponseCode(m); ok {
		return c.String()
	}
	return ""
}

// processing returns the EVSEProcessing of a response, "" without one.
func processing(m exi.Message) string {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	f := v.Elem().FieldByName("EVSEProcessing")
	if !f.IsValid() {
		return ""
	}
	return fmt.Sprint(f.Interface())
}
