package sdp

import (
	"errors"
	"net/netip"
	"testing"
)

var secc = netip.MustParseAddr("fe80::1234:56ff:fe78:9abc")

func TestRequestRoundTrip(t *testing.T) {
	for _, r := range []Request{{SecurityTLS, TransportTCP}, {SecurityNone, TransportTCP}, {SecurityNone, TransportUDP}} {
		b := AppendRequest(nil, r)
		if len(b) != 10 {
			t.Fatalf("%v: %d bytes", r, len(b))
		}
		got, err := ParseRequest(b)
		if err != nil || got != r {
			t.Errorf("ParseRequest(% x) = %v, %v; want %v", b, got, err, r)
		}
	}
	want := []byte{0x01, 0xfe, 0x90, 0x00, 0, 0, 0, 2, 0x00, 0x00}
	if got := AppendRequest(nil, Request{}); string(got) != string(want) {
		t.Errorf("AppendRequest = % x, want % x", got, want)
	}
}

func TestResponseRoundTrip(t *testing.T) {
	r := Response{Addr: secc, Port: 50000, Security: SecurityTLS, Transport: TransportTCP}
	b := AppendResponse(nil, r)
	want := []byte{0x01, 0xfe, 0x90, 0x01, 0, 0, 0, 20,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0xff, 0xfe, 0x78, 0x9a, 0xbc,
		0xc3, 0x50, 0x00, 0x00}
	if string(b) != string(want) {
		t.Fatalf("AppendResponse = % x\nwant % x", b, want)
	}
	got, err := ParseResponse(b)
	if err != nil || got != r {
		t.Errorf("ParseResponse = %v, %v; want %v", got, err, r)
	}
}

func response(addr string, port uint16, s Security, tr Transport) []byte {
	return AppendResponse(nil, Response{Addr: netip.MustParseAddr(addr), Port: port, Security: s, Transport: tr})
}

func TestParseBadInput(t *testing.T) {
	req := AppendRequest(nil, Request{})
	res := AppendResponse(nil, Response{Addr: secc, Port: 50000})
	mod := func(b []byte, i int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[i] = v
		return c
	}
	cases := []struct {
		name  string
		parse func([]byte) error
		b     []byte
		want  error
	}{
		{"req empty", parseReq, nil, ErrShort},
		{"req 7 bytes", parseReq, req[:7], ErrShort},
		{"req version", parseReq, mod(req, 0, 0x02), ErrVersion},
		{"req inverse", parseReq, mod(req, 1, 0xff), ErrVersion},
		{"req payload type", parseReq, mod(req, 3, 0x01), ErrPayloadType},
		{"req wireless type", parseReq, mod(req, 3, 0x02), ErrPayloadType},
		{"req length field", parseReq, mod(req, 7, 3), ErrLength},
		{"req length field high", parseReq, mod(req, 4, 1), ErrLength},
		{"req truncated", parseReq, req[:9], ErrLength},
		{"req trailing", parseReq, append(append([]byte(nil), req...), 0), ErrLength},
		{"req security", parseReq, mod(req, 8, 0x01), ErrSecurity},
		{"req transport", parseReq, mod(req, 9, 0x11), ErrTransport},
		{"res short", parseRes, res[:3], ErrShort},
		{"res version", parseRes, mod(res, 0, 0), ErrVersion},
		{"res inverse", parseRes, mod(res, 1, 0), ErrVersion},
		{"res type", parseRes, mod(res, 3, 0x00), ErrPayloadType},
		{"res length field", parseRes, mod(res, 7, 19), ErrLength},
		{"res truncated", parseRes, res[:27], ErrLength},
		{"res security", parseRes, mod(res, 26, 0xff), ErrSecurity},
		{"res transport", parseRes, mod(res, 27, 0x01), ErrTransport},
		{"res unspecified", parseRes, response("::", 50000, 0, 0), ErrAddrUnspecified},
		{"res multicast", parseRes, response("ff02::1", 50000, 0, 0), ErrAddrMulticast},
		{"res global", parseRes, response("2001:db8::1", 50000, 0, 0), ErrAddrNotLinkLocal},
		{"res loopback", parseRes, response("::1", 50000, 0, 0), ErrAddrNotLinkLocal},
		{"res v4-mapped", parseRes, response("::ffff:169.254.1.1", 50000, 0, 0), ErrAddrNotLinkLocal},
		{"res port 0", parseRes, response("fe80::1", 0, 0, 0), ErrPortZero},
		{"wreq as req", parseReq, AppendWirelessRequest(nil, WirelessRequest{}), ErrPayloadType},
		{"req as wreq", parseWReq, req, ErrPayloadType},
		{"wreq security", parseWReq, AppendWirelessRequest(nil, WirelessRequest{Security: 3}), ErrSecurity},
		{"wreq transport", parseWReq, AppendWirelessRequest(nil, WirelessRequest{Transport: 3}), ErrTransport},
		{"wreq short", parseWReq, AppendWirelessRequest(nil, WirelessRequest{})[:69], ErrLength},
		{"res as wres", parseWRes, res, ErrPayloadType},
		{"wres diag", parseWRes, AppendWirelessResponse(nil, WirelessResponse{Addr: secc, Port: 1, DiagStatus: 5}), ErrDiagStatus},
		{"wres finished ::", parseWRes, AppendWirelessResponse(nil, WirelessResponse{DiagStatus: DiagFinishedWithEVSEID}), ErrAddrUnspecified},
		{"wres finished port 0", parseWRes, AppendWirelessResponse(nil, WirelessResponse{Addr: secc, DiagStatus: DiagFinishedWithoutEVSEID}), ErrPortZero},
	}
	for _, c := range cases {
		err := c.parse(c.b)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		} else if err.Error()[:5] != "sdp: " {
			t.Errorf("%s: error %q lacks the package prefix", c.name, err)
		}
	}
}

func parseReq(b []byte) error  { _, err := ParseRequest(b); return err }
func parseRes(b []byte) error  { _, err := ParseResponse(b); return err }
func parseWReq(b []byte) error { _, err := ParseWirelessRequest(b); return err }
func parseWRes(b []byte) error { _, err := ParseWirelessResponse(b); return err }

func TestParseErrorReturnsZero(t *testing.T) {
	b := response("2001:db8::1", 50000, SecurityTLS, TransportTCP)
	if r, err := ParseResponse(b); err == nil || r != (Response{}) {
		t.Errorf("ParseResponse = %v, %v; want the zero value and an error", r, err)
	}
}

func TestWirelessRoundTrip(t *testing.T) {
	wr := WirelessRequest{Security: SecurityTLS, Transport: TransportTCP, P2PS: 0x0102, CouplingType: 3}
	copy(wr.EVID[:], "ZZ00000")
	copy(wr.EVSEID[:], "DE*ABC*E123456")
	b := AppendWirelessRequest(nil, wr)
	if len(b) != 8+WirelessRequestLen {
		t.Fatalf("wireless request of %d bytes", len(b))
	}
	if got, err := ParseWirelessRequest(b); err != nil || got != wr {
		t.Errorf("ParseWirelessRequest = %+v, %v", got, err)
	}
	ws := WirelessResponse{Addr: secc, Port: 50001, DiagStatus: DiagFinishedWithEVSEID, CouplingType: 1}
	copy(ws.EVSEID[:], "DE*ABC*E123456")
	b = AppendWirelessResponse(nil, ws)
	if len(b) != 8+WirelessResponseLen {
		t.Fatalf("wireless response of %d bytes", len(b))
	}
	if got, err := ParseWirelessResponse(b); err != nil || got != ws {
		t.Errorf("ParseWirelessResponse = %+v, %v", got, err)
	}
	// An ongoing association need not carry an endpoint yet.
	b = AppendWirelessResponse(nil, WirelessResponse{DiagStatus: DiagOngoing})
	if _, err := ParseWirelessResponse(b); err != nil {
		t.Errorf("ongoing answer without endpoint: %v", err)
	}
}

func TestOfferAnswer(t *testing.T) {
	only20 := Offer{Addr: secc, TLSPort: 50000}
	mixed := Offer{Addr: secc, TLSPort: 50000, TCPPort: 50001}
	plain := Offer{Addr: secc, TCPPort: 50001}
	tls, none := Request{SecurityTLS, TransportTCP}, Request{SecurityNone, TransportTCP}
	cases := []struct {
		o    Offer
		req  Request
		sec  Security
		port uint16
	}{
		{only20, tls, SecurityTLS, 50000},
		{only20, none, SecurityTLS, 50000}, // never plain TCP for a -20-only SECC
		{mixed, tls, SecurityTLS, 50000},
		{mixed, none, SecurityNone, 50001},
		{plain, tls, SecurityNone, 50001}, // [V2G2-627]
		{plain, none, SecurityNone, 50001},
	}
	for _, c := range cases {
		r, err := c.o.Answer(c.req)
		if err != nil || r.Security != c.sec || r.Port != c.port || r.Addr != secc || r.Transport != TransportTCP {
			t.Errorf("%+v.Answer(%+v) = %+v, %v", c.o, c.req, r, err)
		}
	}
	if _, err := mixed.Answer(Request{SecurityTLS, TransportUDP}); !errors.Is(err, ErrTransportNotServed) {
		t.Errorf("UDP request: %v", err)
	}
	if _, err := (Offer{Addr: secc}).Answer(tls); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("empty offer: %v", err)
	}
	if _, err := (Offer{Addr: netip.MustParseAddr("2001:db8::1"), TLSPort: 1}).Answer(tls); !errors.Is(err, ErrAddrNotLinkLocal) {
		t.Errorf("global address: %v", err)
	}
}

func TestOfferValidateIPv4(t *testing.T) {
	err := Offer{Addr: netip.MustParseAddr("169.254.0.1"), TLSPort: 1}.Validate()
	if !errors.Is(err, ErrAddrNotLinkLocal) {
		t.Errorf("IPv4 offer: %v", err)
	}
}
