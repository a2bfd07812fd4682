package sdp

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

// DiagStatus is the wireless SDP diagnosis status of the SECC.
type DiagStatus uint8

// DiagStatus values. The codes are not confirmed by the standard's text
// available to this project.
const (
	DiagOngoing               DiagStatus = 0x00 // association ongoing: ask again after ≥ 250 ms [V2G20-2288]
	DiagFinishedWithEVSEID    DiagStatus = 0x01 // finished, EVSEID known: stop sending [V2G20-2287]
	DiagFinishedWithoutEVSEID DiagStatus = 0x02 // finished, no EVSEID: stop sending
	DiagError                 DiagStatus = 0x10 // error
)

func (d DiagStatus) check() error {
	switch d {
	case DiagOngoing, DiagFinishedWithEVSEID, DiagFinishedWithoutEVSEID, DiagError:
		return nil
	}
	return fmt.Errorf("%w: 0x%02X", ErrDiagStatus, uint8(d))
}

// WirelessRequest is the wireless SECCDiscoveryReq (payload type 0x9002,
// 62 bytes). The layout after Security and Transport is not confirmed by
// the standard's text available to this project.
type WirelessRequest struct {
	Security     Security
	Transport    Transport
	P2PS         uint16   // P2PS/PPD bitfield
	CouplingType uint8    // coupling type
	EVID         [20]byte // ASCII, "ZZ00000" when unknown
	EVSEID       [37]byte // ASCII
}

// AppendWirelessRequest appends a V2GTP-framed wireless request to dst.
func AppendWirelessRequest(dst []byte, r WirelessRequest) []byte {
	dst = v2gtp.AppendHeader(dst, v2gtp.SDPRequestWireless, WirelessRequestLen)
	dst = append(dst, byte(r.Security), byte(r.Transport), byte(r.P2PS>>8), byte(r.P2PS), r.CouplingType)
	dst = append(dst, r.EVID[:]...)
	return append(dst, r.EVSEID[:]...)
}

// ParseWirelessRequest parses a V2GTP-framed wireless request. A PLC
// request (0x9000) is refused with ErrPayloadType [V2G20-2273].
func ParseWirelessRequest(b []byte) (WirelessRequest, error) {
	p, err := frame(b, v2gtp.SDPRequestWireless, WirelessRequestLen)
	if err != nil {
		return WirelessRequest{}, err
	}
	r := WirelessRequest{
		Security:     Security(p[0]),
		Transport:    Transport(p[1]),
		P2PS:         binary.BigEndian.Uint16(p[2:]),
		CouplingType: p[4],
		EVID:         [20]byte(p[5:25]),
		EVSEID:       [37]byte(p[25:62]),
	}
	if err := r.Security.check(); err != nil {
		return WirelessRequest{}, err
	}
	if err := r.Transport.check(); err != nil {
		return WirelessRequest{}, err
	}
	return r, nil
}

// WirelessResponse is the wireless SECCDiscoveryRes (payload type 0x9003,
// 59 bytes, ISO 15118-20 Table 26).
type WirelessResponse struct {
	Addr         netip.Addr // IPv6 address, without zone
	Port         uint16
	Security     Security
	Transport    Transport
	DiagStatus   DiagStatus
	CouplingType uint8
	EVSEID       [37]byte // ASCII
}

// AppendWirelessResponse appends a V2GTP-framed wireless response to dst.
func AppendWirelessResponse(dst []byte, r WirelessResponse) []byte {
	dst = v2gtp.AppendHeader(dst, v2gtp.SDPResponseWireless, WirelessResponseLen)
	dst = appendAddr(dst, r.Addr)
	dst = append(dst, byte(r.Port>>8), byte(r.Port), byte(r.Security), byte(r.Transport), byte(r.DiagStatus), r.CouplingType)
	return append(dst, r.EVSEID[:]...)
}

// ParseWirelessResponse parses and validates a V2GTP-framed wireless
// response. The address and port are checked as in [Response.Validate]
// only when DiagStatus says the association is finished; an "ongoing" or
// "error" answer need not carry an endpoint.
func ParseWirelessResponse(b []byte) (WirelessResponse, error) {
	p, err := frame(b, v2gtp.SDPResponseWireless, WirelessResponseLen)
	if err != nil {
		return WirelessResponse{}, err
	}
	r := WirelessResponse{
		Addr:         netip.AddrFrom16([16]byte(p[:16])),
		Port:         binary.BigEndian.Uint16(p[16:]),
		Security:     Security(p[18]),
		Transport:    Transport(p[19]),
		DiagStatus:   DiagStatus(p[20]),
		CouplingType: p[21],
		EVSEID:       [37]byte(p[22:59]),
	}
	if err := r.Security.check(); err != nil {
		return WirelessResponse{}, err
	}
	if err := r.Transport.check(); err != nil {
		return WirelessResponse{}, err
	}
	if err := r.DiagStatus.check(); err != nil {
		return WirelessResponse{}, err
	}
	if r.DiagStatus == DiagFinishedWithEVSEID || r.DiagStatus == DiagFinishedWithoutEVSEID {
		if err := checkEndpoint(r.Addr, r.Port); err != nil {
			return WirelessResponse{}, err
		}
	}
	return r, nil
}
