package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/v2gstack/iso15118/sdp"
	"github.com/v2gstack/iso15118/v2g/evcc"
	v2gsession "github.com/v2gstack/iso15118/v2g/session"
)

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
	addr, err := discover(ctx, o, sdp.SecurityNone, stdout, log)
	if err != nil {
		return nil, err
	}
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
