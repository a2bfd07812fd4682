package sdp

import (
	"fmt"
	"net/netip"
)

// Offer is what an SECC serves: its link-local address and the TCP ports
// of its TLS and plain endpoints. A -20-only SECC sets TLSPort only; set
// TCPPort only when the station also serves ISO 15118-2 or DIN 70121
// without TLS on that port.
type Offer struct {
	Addr    netip.Addr // link-local address of the interface, without zone
	TLSPort uint16     // TLS endpoint; 0 if none
	TCPPort uint16     // plain TCP endpoint; 0 if none
}

// Validate reports an unusable address or an Offer without endpoints.
func (o Offer) Validate() error {
	if o.TLSPort == 0 && o.TCPPort == 0 {
		return ErrNoEndpoint
	}
	return checkEndpoint(o.Addr.WithZone(""), 1)
}

// Answer returns the response to req by the answer table of ISO 15118-2:
// TLS when it is asked for and served [V2G2-626], otherwise the plain
// endpoint [V2G2-627]; a request without TLS gets the plain endpoint if
// there is one and the TLS endpoint otherwise, leaving the choice to the
// vehicle. Only TCP is served: a request for the reserved UDP transport is
// refused with ErrTransportNotServed.
func (o Offer) Answer(req Request) (Response, error) {
	if err := req.Validate(); err != nil {
		return Response{}, err
	}
	if req.Transport != TransportTCP {
		return Response{}, fmt.Errorf("%w: %v", ErrTransportNotServed, req.Transport)
	}
	if err := o.Validate(); err != nil {
		return Response{}, err
	}
	r := Response{Addr: o.Addr.WithZone(""), Transport: TransportTCP}
	useTLS := o.TLSPort != 0 && (req.Security == SecurityTLS || o.TCPPort == 0)
	if useTLS {
		r.Security, r.Port = SecurityTLS, o.TLSPort
	} else {
		r.Security, r.Port = SecurityNone, o.TCPPort
	}
	return r, nil
}
