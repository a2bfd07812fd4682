package sdp

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// Port is the UDP port of SDP.
const Port = 15118

// Security is the transport security requested or offered.
type Security uint8

// Security values.
const (
	SecurityTLS  Security = 0x00 // TLS (mandatory for ISO 15118-20)
	SecurityNone Security = 0x10 // no transport security
)

// String returns "TLS", "none" or the hex value.
func (s Security) String() string {
	switch s {
	case SecurityTLS:
		return "TLS"
	case SecurityNone:
		return "none"
	}
	return fmt.Sprintf("Security(0x%02X)", uint8(s))
}

func (s Security) check() error {
	if s != SecurityTLS && s != SecurityNone {
		return fmt.Errorf("%w: 0x%02X", ErrSecurity, uint8(s))
	}
	return nil
}

// Transport is the transport protocol requested or offered.
type Transport uint8

// Transport values.
const (
	TransportTCP Transport = 0x00 // TCP, the only transport of V2G messages
	TransportUDP Transport = 0x10 // reserved for UDP, never used for V2G traffic
)

// String returns "TCP", "UDP" or the hex value.
func (t Transport) String() string {
	switch t {
	case TransportTCP:
		return "TCP"
	case TransportUDP:
		return "UDP"
	}
	return fmt.Sprintf("Transport(0x%02X)", uint8(t))
}

func (t Transport) check() error {
	if t != TransportTCP && t != TransportUDP {
		return fmt.Errorf("%w: 0x%02X", ErrTransport, uint8(t))
	}
	return nil
}

// Payload sizes of the four messages.
const (
	RequestLen          = 2
	ResponseLen         = 20
	WirelessRequestLen  = 62
	WirelessResponseLen = 59
)

// Request is SECCDiscoveryReq.
type Request struct {
	Security  Security
	Transport Transport
}

// Validate reports an unknown Security or Transport value.
func (r Request) Validate() error {
	if err := r.Security.check(); err != nil {
		return err
	}
	return r.Transport.check()
}

// Response is SECCDiscoveryRes: where the SECC serves V2G messages.
type Response struct {
	Addr      netip.Addr // IPv6 address, without zone
	Port      uint16     // TCP port
	Security  Security
	Transport Transport
}

// Validate reports unknown Security or Transport values and addresses an
// EVCC cannot use: ::, multicast, anything but link-local unicast, port 0.
func (r Response) Validate() error {
	if err := r.Security.check(); err != nil {
		return err
	}
	if err := r.Transport.check(); err != nil {
		return err
	}
	return checkEndpoint(r.Addr, r.Port)
}

func checkEndpoint(a netip.Addr, port uint16) error {
	switch {
	case !a.IsValid() || a.IsUnspecified():
		return fmt.Errorf("%w: %v", ErrAddrUnspecified, a)
	case a.IsMulticast():
		return fmt.Errorf("%w: %v", ErrAddrMulticast, a)
	case !a.Is6() || a.Is4In6() || !a.IsLinkLocalUnicast():
		return fmt.Errorf("%w: %v", ErrAddrNotLinkLocal, a)
	case port == 0:
		return ErrPortZero
	}
	return nil
}

// frame checks the V2GTP header of a datagram and returns its payload.
func frame(b []byte, want v2gtp.PayloadType, size int) ([]byte, error) {
	if len(b) < v2gtp.HeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrShort, len(b))
	}
	if b[0] != v2gtp.Version || b[1] != v2gtp.InverseVersion {
		return nil, fmt.Errorf("%w: %02X %02X", ErrVersion, b[0], b[1])
	}
	if t := v2gtp.PayloadType(binary.BigEndian.Uint16(b[2:])); t != want {
		return nil, fmt.Errorf("%w: %v, want %v", ErrPayloadType, t, want)
	}
	if n := binary.BigEndian.Uint32(b[4:]); n != uint32(size) {
		return nil, fmt.Errorf("%w: payload length field %d, want %d", ErrLength, n, size)
	}
	if len(b) != v2gtp.HeaderLen+size {
		return nil, fmt.Errorf("%w: datagram of %d bytes, want %d", ErrLength, len(b), v2gtp.HeaderLen+size)
	}
	return b[v2gtp.HeaderLen:], nil
}

// AppendRequest appends a V2GTP-framed SECCDiscoveryReq to dst. It does
// not validate r.
func AppendRequest(dst []byte, r Request) []byte {
	dst = v2gtp.AppendHeader(dst, v2gtp.SDPRequest, RequestLen)
	return append(dst, byte(r.Security), byte(r.Transport))
}

// ParseRequest parses a V2GTP-framed SECCDiscoveryReq datagram.
func ParseRequest(b []byte) (Request, error) {
	p, err := frame(b, v2gtp.SDPRequest, RequestLen)
	if err != nil {
		return Request{}, err
	}
	r := Request{Security: Security(p[0]), Transport: Transport(p[1])}
	if err := r.Validate(); err != nil {
		return Request{}, err
	}
	return r, nil
}

func appendAddr(dst []byte, a netip.Addr) []byte {
	b := a.As16()
	return append(dst, b[:]...)
}

// AppendResponse appends a V2GTP-framed SECCDiscoveryRes to dst. It does
// not validate r; the zero Addr is written as ::, an IPv4 address as
// IPv4-mapped.
func AppendResponse(dst []byte, r Response) []byte {
	dst = v2gtp.AppendHeader(dst, v2gtp.SDPResponse, ResponseLen)
	dst = appendAddr(dst, r.Addr)
	return append(dst, byte(r.Port>>8), byte(r.Port), byte(r.Security), byte(r.Transport))
}

// ParseResponse parses a V2GTP-framed SECCDiscoveryRes datagram and
// validates it (see [Response.Validate]).
func ParseResponse(b []byte) (Response, error) {
	p, err := frame(b, v2gtp.SDPResponse, ResponseLen)
	if err != nil {
		return Response{}, err
	}
	r := Response{
		Addr:      netip.AddrFrom16([16]byte(p[:16])),
		Port:      binary.BigEndian.Uint16(p[16:]),
		Security:  Security(p[18]),
		Transport: Transport(p[19]),
	}
	if err := r.Validate(); err != nil {
		return Response{}, err
	}
	return r, nil
}
