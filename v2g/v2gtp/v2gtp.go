// Package v2gtp implements the V2G Transfer Protocol framing of ISO 15118:
// an 8-byte header (version 0x01, inverse version 0xFE, payload type,
// payload length, all big-endian) in front of every EXI message and SDP
// datagram.
//
// [AppendHeader] and [AppendFrame] write into a caller's buffer without
// allocating; [ParseHeader] checks a header in the order the standard
// prescribes (version pair, then payload type, then length); [Reader]
// reassembles frames from a byte stream, however the stream splits them,
// and bounds every length before it allocates.
package v2gtp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderLen is the length of a V2GTP header.
const HeaderLen = 8

// Protocol version octets.
const (
	Version        = 0x01
	InverseVersion = 0xFE
)

// DefaultMaxPayload is the Reader's payload limit when none is set: large
// enough for certificate messages (the shared corpus reaches 17 KB).
const DefaultMaxPayload = 64 << 10

// PayloadType identifies the content of a V2GTP message.
type PayloadType uint16

// Payload types of ISO 15118-20 (Table 14) and ISO 15118-2.
const (
	SAP                   PayloadType = 0x8001 // SupportedAppProtocol; every -2 and DIN message
	Mainstream            PayloadType = 0x8002 // -20 CommonMessages
	ACMainstream          PayloadType = 0x8003 // -20 AC
	DCMainstream          PayloadType = 0x8004 // -20 DC
	ACDPMainstream        PayloadType = 0x8005 // -20 ACDP
	WPTMainstream         PayloadType = 0x8006 // -20 WPT
	ScheduleRenegotiation PayloadType = 0x8101 // side stream
	MeteringConfirmation  PayloadType = 0x8102 // side stream
	ACDPSystemStatus      PayloadType = 0x8103 // side stream
	ParkingStatus         PayloadType = 0x8104 // side stream
	SDPRequest            PayloadType = 0x9000
	SDPResponse           PayloadType = 0x9001
	SDPRequestWireless    PayloadType = 0x9002
	SDPResponseWireless   PayloadType = 0x9003
)

// String returns the name of a known payload type, or its hex value.
func (t PayloadType) String() string {
	switch t {
	case SAP:
		return "SAP"
	case Mainstream:
		return "Mainstream"
	case ACMainstream:
		return "ACMainstream"
	case DCMainstream:
		return "DCMainstream"
	case ACDPMainstream:
		return "ACDPMainstream"
	case WPTMainstream:
		return "WPTMainstream"
	case ScheduleRenegotiation:
		return "ScheduleRenegotiation"
	case MeteringConfirmation:
		return "MeteringConfirmation"
	case ACDPSystemStatus:
		return "ACDPSystemStatus"
	case ParkingStatus:
		return "ParkingStatus"
	case SDPRequest:
		return "SDPRequest"
	case SDPResponse:
		return "SDPResponse"
	case SDPRequestWireless:
		return "SDPRequestWireless"
	case SDPResponseWireless:
		return "SDPResponseWireless"
	}
	return fmt.Sprintf("PayloadType(0x%04X)", uint16(t))
}

// Known reports whether t is one of the payload types above.
func (t PayloadType) Known() bool {
	switch t {
	case SAP, Mainstream, ACMainstream, DCMainstream, ACDPMainstream, WPTMainstream,
		ScheduleRenegotiation, MeteringConfirmation, ACDPSystemStatus, ParkingStatus,
		SDPRequest, SDPResponse, SDPRequestWireless, SDPResponseWireless:
		return true
	}
	return false
}

// Errors returned by the parser and the Reader; match them with errors.Is.
var (
	// ErrVersion reports a header whose version pair is not 0x01 0xFE.
	// Framing is lost: close the connection.
	ErrVersion = errors.New("v2gtp: wrong protocol version")
	// ErrPayloadTooLarge reports a payload length above the limit.
	// Framing is lost: close the connection.
	ErrPayloadTooLarge = errors.New("v2gtp: payload length over the limit")
	// ErrTruncated reports input that ends inside a header or payload.
	ErrTruncated = errors.New("v2gtp: truncated message")
	// ErrUnknownPayloadType reports a well-framed message of a payload type
	// this package does not know. The Reader has consumed it; the caller
	// may skip it and read on.
	ErrUnknownPayloadType = errors.New("v2gtp: unknown payload type")
)

// Header is a decoded V2GTP header.
type Header struct {
	Type   PayloadType
	Length uint32 // payload length, header excluded
}

// HeaderError describes a rejected header.
type HeaderError struct {
	Raw [HeaderLen]byte // the header as received
	Err error           // ErrVersion, ErrUnknownPayloadType or ErrPayloadTooLarge
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("%v (header % x)", e.Err, e.Raw[:])
}

// Unwrap returns the sentinel.
func (e *HeaderError) Unwrap() error { return e.Err }

// ParseHeader decodes the header at the start of b and checks it: version
// pair first, then payload type, then length against maxPayload (0 means
// DefaultMaxPayload). With an unknown payload type it returns the header
// together with an error wrapping ErrUnknownPayloadType, so that the caller
// can skip the payload.
func ParseHeader(b []byte, maxPayload int) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, ErrTruncated
	}
	if maxPayload <= 0 {
		maxPayload = DefaultMaxPayload
	}
	h := Header{
		Type:   PayloadType(binary.BigEndian.Uint16(b[2:4])),
		Length: binary.BigEndian.Uint32(b[4:8]),
	}
	if b[0] != Version || b[1] != InverseVersion {
		return h, headerError(b, ErrVersion)
	}
	if uint64(h.Length) > uint64(maxPayload) {
		return h, headerError(b, ErrPayloadTooLarge)
	}
	if !h.Type.Known() {
		return h, headerError(b, ErrUnknownPayloadType)
	}
	return h, nil
}

func headerError(b []byte, err error) error {
	e := &HeaderError{Err: err}
	copy(e.Raw[:], b)
	return e
}

// AppendHeader appends a header for a payload of n bytes to dst.
func AppendHeader(dst []byte, t PayloadType, n int) []byte {
	return append(dst, Version, InverseVersion, byte(t>>8), byte(t),
		byte(uint32(n)>>24), byte(uint32(n)>>16), byte(uint32(n)>>8), byte(uint32(n)))
}

// AppendFrame appends a header and payload to dst.
func AppendFrame(dst []byte, t PayloadType, payload []byte) []byte {
	return append(AppendHeader(dst, t, len(payload)), payload...)
}
