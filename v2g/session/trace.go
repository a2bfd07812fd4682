package session

import (
	"fmt"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// Direction says which way a traced message went, seen from the side that
// records it.
type Direction uint8

// Directions.
const (
	DirTx  Direction = iota + 1 // sent by the recording side
	DirRx                       // received by the recording side
	DirSig                      // a signed part of a message (an EXI fragment); in trace files only
)

// String returns the trace-file name of d: "tx", "rx" or "sig".
func (d Direction) String() string {
	switch d {
	case DirTx:
		return "tx"
	case DirRx:
		return "rx"
	case DirSig:
		return "sig"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Namespace labels of traced messages, as the ns field of a trace file
// names the set a message is coded with.
const (
	TraceNSSAP    = "SAP"                // supportedAppProtocol
	TraceNSCommon = "ISO_V20_COMMON_MSG" // -20 CommonMessages
	TraceNSDC     = "ISO_V20_DC"         // -20 DC
	TraceNSAC     = "ISO_V20_AC"         // -20 AC
)

// TraceNamespace returns the namespace label of a message carried with
// payload type pt, or "" for a payload type the engines do not speak.
func TraceNamespace(pt v2gtp.PayloadType) string {
	switch pt {
	case v2gtp.SAP:
		return TraceNSSAP
	case v2gtp.Mainstream:
		return TraceNSCommon
	case v2gtp.DCMainstream:
		return TraceNSDC
	case v2gtp.ACMainstream:
		return TraceNSAC
	}
	return ""
}

// TraceRecord is one exchanged message as an engine sees it.
type TraceRecord struct {
	Time      time.Time   // the engine's clock when the message was decoded or encoded
	Dir       Direction   // DirTx sent, DirRx received
	Namespace string      // TraceNSSAP, TraceNSCommon, TraceNSDC, TraceNSAC
	Name      string      // element name, e.g. "supportedAppProtocolReq", "DC_ChargeLoopRes"
	Msg       exi.Message // the decoded message; do not modify it
	// EXI is the exact EXI document, without the V2GTP header. It aliases
	// the engine's input or output buffer: copy it to keep it beyond the
	// call.
	EXI []byte
}

// TraceFunc receives every message an engine decodes or encodes. It is
// called synchronously from the engine, so it must not block; a driver
// serving several sessions calls it from several goroutines.
type TraceFunc func(TraceRecord)

// Trace calls f, when it is set, with the record of message m coded as b
// with payload type pt. It does nothing and allocates nothing when f is
// nil.
func Trace(f TraceFunc, now time.Time, dir Direction, pt v2gtp.PayloadType, m exi.Message, b []byte) {
	if f == nil {
		return
	}
	f(TraceRecord{Time: now, Dir: dir, Namespace: TraceNamespace(pt), Name: MessageName(m), Msg: m, EXI: b})
}

var (
	reqNames [len(messageNames)]string
	resNames [len(messageNames)]string
)

func init() {
	for i, n := range messageNames {
		reqNames[i], resNames[i] = n+"Req", n+"Res"
	}
	reqNames[MsgSupportedAppProtocol] = "supportedAppProtocolReq"
	resNames[MsgSupportedAppProtocol] = "supportedAppProtocolRes"
	reqNames[MsgUnknown], resNames[MsgUnknown] = "", ""
}

// MessageName returns the element name of a typed -20 or
// supportedAppProtocol message ("supportedAppProtocolReq",
// "SessionSetupRes", "DC_ChargeLoopReq"), or "" for other types.
func MessageName(m exi.Message) string {
	k, req := Kind(m)
	if req {
		return reqNames[k]
	}
	return resNames[k]
}
