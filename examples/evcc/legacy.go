package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/v2gstack/iso15118/sdp"
	"github.com/v2gstack/iso15118/sdp/sdpnet"
	"github.com/v2gstack/iso15118/v2g/evcc"
	v2gsession "github.com/v2gstack/iso15118/v2g/session"
)

// parseProtocols parses --protocol, a comma-separated list of din, iso2
// and iso20, best first. With --plain-tcp only din and iso2 are allowed:
// -20 always runs over TLS.
func parseProtocols(s string, plain bool) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		switch p {
		case "din", "iso2", "iso20":
		default:
			return nil, fmt.Errorf("--protocol: unknown protocol %q (want din, iso2, iso20)", p)
		}
		if plain && p == "iso20" {
			return nil, errors.New("--plain-tcp is a lab switch for DIN and ISO 15118-2 only: -20 always runs over TLS (use --protocol din,iso2)")
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// appProtocols returns Config.AppProtocols for the --protocol names: nil
// for -20 alone, which offers the -20 DC or AC namespace.
func appProtocols(names []string, ac bool) []string {
	if len(names) == 1 && names[0] == "iso20" {
		return nil
	}
	var ns []string
	for _, n := range names {
		switch {
		case n == "din":
			ns = append(ns, v2gsession.NamespaceDIN)
		case n == "iso2":
			ns = append(ns, v2gsession.NamespaceISO2)
		case ac:
			ns = append(ns, v2gsession.NamespaceAC)
		default:
			ns = append(ns, v2gsession.NamespaceDC)
		}
	}
	return ns
}

// connectPlain finds the SECC with SDP asking for no TLS (security 0x10)
// and connects to it over plain TCP: the lab switch for DIN and -2.
func connectPlain(ctx context.Context, o options, stdout io.Writer, log *slog.Logger) (net.Conn, error) {
	sc := &sdpnet.Client{Config: sdp.Config{MaxRequests: o.sdpRequests}, Logger: log}
	res, err := sc.Discover(ctx, o.iface, sdp.Request{Security: sdp.SecurityNone, Transport: sdp.TransportTCP})
	switch {
	case errors.Is(err, sdp.ErrNoResponse):
		return nil, fmt.Errorf("no SECC answered SDP on %s after %d requests", o.iface, o.sdpRequests)
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("no SECC answered SDP on %s within %v", o.iface, o.timeout)
	case errors.Is(err, context.Canceled):
		return nil, errors.New("interrupted during SDP")
	case err != nil:
		return nil, fmt.Errorf("SDP: %w", err)
	}
	a := res.Answer
	if a.Security != sdp.SecurityNone {
		return nil, fmt.Errorf("SDP: the SECC at %v offers %v, not plain TCP", a.Addr, a.Security)
	}
	addr := netip.AddrPortFrom(a.Addr.WithZone(o.iface), a.Port)
	fmt.Fprintf(stdout, "SECC found at %v after %d SDP request(s)\n", addr, res.Requests)
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp6", addr.String())
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connecting to %v: %w", addr, ctx.Err())
		}
		return nil, fmt.Errorf("connecting to %v: %w", addr, err)
	}
	return c, nil
}

// printProtocol prints the protocol of a DIN or -2 session.
func printProtocol(w io.Writer, eng *evcc.Engine) {
	if p := eng.Phase(); p.Legacy() {
		fmt.Fprintf(w, "protocol: %s\n", v2gsession.LegacyName(p))
	}
}
