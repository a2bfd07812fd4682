package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/v2gstack/iso15118/sdp/sdpnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
)

// namespaces returns Config.Protocols for the --protocol names: nil for
// -20 alone.
func namespaces(names []string) []string {
	if len(names) == 1 && names[0] == "iso20" {
		return nil
	}
	var ns []string
	for _, n := range names {
		switch n {
		case "din":
			ns = append(ns, session.NamespaceDIN)
		case "iso2":
			ns = append(ns, session.NamespaceISO2)
		case "iso20":
			ns = append(ns, session.NamespaceDC, session.NamespaceAC)
		}
	}
	return ns
}

// servePlain serves DIN / -2 sessions over plain TCP, the lab switch:
// SDP offers security 0x10 (none) on the TCP port.
func servePlain(ctx context.Context, o options, log *slog.Logger) error {
	evse := secc.NewSimEVSE()
	evse.Limits = o.limits
	cfg := secc.Config{EVSE: evse, Services: o.services, ParameterSets: o.paramSets,
		Protocols: namespaces(o.protocols), PlainTCP: true}
	if _, err := secc.New(cfg); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sd, err := sdpnet.Listen(ctx, sdpnet.ServerConfig{Interface: o.iface, TCPPort: o.port, Logger: log})
	if err != nil {
		return fmt.Errorf("SDP: %w", err)
	}
	defer func() { cancel(); _ = sd.Wait() }()
	addr := netip.AddrPortFrom(sd.Offer().Addr.WithZone(o.iface), o.port)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp6", addr.String())
	if err != nil {
		return fmt.Errorf("TCP listener: %w", err)
	}
	defer func() { _ = ln.Close() }()
	l := o.limits
	log.Warn("secc: plain TCP without TLS: a lab switch, not for use in the field")
	log.Info("secc: serving",
		"iface", o.iface, "addr", ln.Addr().String(), "sdp", sd.LocalAddr().String(), "transport", "plain-tcp",
		"protocols", strings.Join(o.protocols, ","),
		"max_power_w", l.MaxChargePower, "max_voltage_v", l.MaxVoltage, "max_current_a", l.MaxChargeCurrent)
	srv := &seccnet.Server{Config: cfg, Logger: log}
	if err := srv.ServePlainTCP(ctx, ln); err != nil {
		return err
	}
	log.Info("secc: shut down")
	return nil
}
