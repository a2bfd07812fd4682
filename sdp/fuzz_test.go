package sdp

import (
	"bytes"
	"net/netip"
	"testing"
)

// FuzzParse feeds every parser the same bytes: none may panic, and a
// datagram that parses must encode back to the same bytes.
func FuzzParse(f *testing.F) {
	f.Add(AppendRequest(nil, Request{SecurityTLS, TransportTCP}))
	f.Add(AppendResponse(nil, Response{Addr: netip.MustParseAddr("fe80::1"), Port: 50000}))
	f.Add(AppendWirelessRequest(nil, WirelessRequest{}))
	f.Add(AppendWirelessResponse(nil, WirelessResponse{Addr: netip.MustParseAddr("fe80::1"), Port: 1, DiagStatus: DiagFinishedWithEVSEID}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := ParseRequest(b); err == nil {
			if got := AppendRequest(nil, r); !bytes.Equal(got, b) {
				t.Fatalf("request % x re-encodes as % x", b, got)
			}
		}
		if r, err := ParseResponse(b); err == nil {
			if err := r.Validate(); err != nil {
				t.Fatalf("parsed response fails Validate: %v", err)
			}
			if got := AppendResponse(nil, r); !bytes.Equal(got, b) {
				t.Fatalf("response % x re-encodes as % x", b, got)
			}
		}
		if r, err := ParseWirelessRequest(b); err == nil {
			if got := AppendWirelessRequest(nil, r); !bytes.Equal(got, b) {
				t.Fatalf("wireless request % x re-encodes as % x", b, got)
			}
		}
		if r, err := ParseWirelessResponse(b); err == nil {
			if got := AppendWirelessResponse(nil, r); !bytes.Equal(got, b) {
				t.Fatalf("wireless response % x re-encodes as % x", b, got)
			}
		}
		c, err := NewClient(Request{}, Config{})
		if err != nil {
			t.Fatal(err)
		}
		c.Next(t0)
		_ = c.HandleDatagram(t0, from, b)
	})
}
