package sdp

import (
	"errors"
	"fmt"
)

// Errors of the codec and the engine. Every error returned by this package
// wraps one of them; match with errors.Is.
var (
	// ErrShort reports a datagram shorter than a V2GTP header.
	ErrShort = errors.New("sdp: short datagram")
	// ErrVersion reports a V2GTP version pair other than 0x01 0xFE.
	ErrVersion = errors.New("sdp: wrong V2GTP version")
	// ErrPayloadType reports a V2GTP payload type other than the one
	// expected (for example a wireless request on a PLC link).
	ErrPayloadType = errors.New("sdp: wrong payload type")
	// ErrLength reports a payload length field other than the message's
	// fixed size, or a datagram whose size does not match it.
	ErrLength = errors.New("sdp: wrong length")
	// ErrSecurity reports a Security value other than 0x00 or 0x10.
	ErrSecurity = errors.New("sdp: unknown security value")
	// ErrTransport reports a TransportProtocol value other than 0x00 or
	// 0x10.
	ErrTransport = errors.New("sdp: unknown transport value")
	// ErrTransportNotServed reports a request for a transport the SECC
	// does not serve (the reserved UDP value: only TCP is served).
	ErrTransportNotServed = errors.New("sdp: transport not served")
	// ErrDiagStatus reports an unknown wireless DiagStatus value.
	ErrDiagStatus = errors.New("sdp: unknown diagnosis status")
	// ErrAddrUnspecified reports an answer carrying the address ::.
	ErrAddrUnspecified = errors.New("sdp: unspecified address")
	// ErrAddrMulticast reports an answer carrying a multicast address.
	ErrAddrMulticast = errors.New("sdp: multicast address")
	// ErrAddrNotLinkLocal reports an answer carrying an address that is
	// not IPv6 link-local unicast (fe80::/10).
	ErrAddrNotLinkLocal = errors.New("sdp: address is not link-local")
	// ErrPortZero reports an answer carrying port 0.
	ErrPortZero = errors.New("sdp: port 0")
	// ErrTransportMismatch reports an answer whose transport differs from
	// the requested one.
	ErrTransportMismatch = errors.New("sdp: answer has another transport than requested")
	// ErrDowngrade reports an answer without TLS to a request for TLS,
	// refused unless Config.AllowDowngrade is set.
	ErrDowngrade = errors.New("sdp: answer without TLS to a TLS request")
	// ErrNoEndpoint reports an Offer with neither a TLS nor a TCP port.
	ErrNoEndpoint = errors.New("sdp: no endpoint offered")
	// ErrNoResponse reports that the client gave up: no valid answer to
	// the configured number of requests [V2G20-161]. The error is a
	// *NoResponseError.
	ErrNoResponse = errors.New("sdp: no valid response")
)

// NoResponseError is returned by [Client.Result] when the client has given
// up. It matches [ErrNoResponse] and, if answers were received but
// rejected, the reason of the last rejection.
type NoResponseError struct {
	Requests      int   // requests sent without a valid answer
	LastRejection error // why the last received answer was refused; nil if none arrived
}

func (e *NoResponseError) Error() string {
	s := fmt.Sprintf("%v after %d requests", ErrNoResponse, e.Requests)
	if e.LastRejection != nil {
		s += " (last answer rejected: " + e.LastRejection.Error() + ")"
	}
	return s
}

// Unwrap returns ErrNoResponse and the last rejection, if any.
func (e *NoResponseError) Unwrap() []error {
	if e.LastRejection == nil {
		return []error{ErrNoResponse}
	}
	return []error{ErrNoResponse, e.LastRejection}
}
