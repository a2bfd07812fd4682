// Command secc is an example ISO 15118-20 charging station: it answers
// SDP on one interface and serves DC, DC_BPT, AC and AC_BPT sessions over
// TLS on the interface's link-local address until SIGINT or SIGTERM.
//
//	secc --iface eth1 --pki DIR [--port 50000] [--max-power W] [--max-voltage V]
//	     [--max-current A] [--bpt=true] [--services dc,dc_bpt,ac,ac_bpt]
//	     [--ac-max-power W] [--ac-max-discharge-power W] [--nominal-voltage V]
//	     [--modes scheduled,dynamic] [--protocol iso20,din,iso2] [--plain-tcp]
//
// --protocol lists the protocols accepted (the EV's priority picks among
// them); din and iso2 are DC with EIM. --plain-tcp is a lab switch that
// serves DIN and ISO 15118-2 over plain TCP (SDP security 0x10) instead
// of TLS; it is refused with iso20, which always runs over TLS, and needs
// no --pki.
//
// Without --services it offers DC and, with --bpt, DC_BPT. The AC supply
// is three-phase at --nominal-voltage (line to neutral) and 50 Hz.
//
// DIR is a test PKI written by "v2g pki init --dir DIR --family p521".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/v2gstack/iso15118/examples/internal/pkidir"
	"github.com/v2gstack/iso15118/examples/internal/protocols"
	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/sdp/sdpnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
	"github.com/v2gstack/iso15118/v2gtls"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command-line settings.
type options struct {
	iface, pkiDir string
	port          uint16
	limits        secc.DCLimits
	acLimits      secc.ACLimits
	services      []uint16
	paramSets     []uint16
	protocols     []string // --protocol names
	plainTCP      bool
	traceDir      string
}

const usage = "usage: secc --iface IFACE --pki DIR [--port N] [--max-power W] [--max-voltage V] [--max-current A] [--bpt=true|false] [--services dc,dc_bpt,ac,ac_bpt] [--ac-max-power W] [--ac-max-discharge-power W] [--nominal-voltage V] [--modes scheduled,dynamic] [--protocol iso20,din,iso2] [--plain-tcp] [--trace-dir DIR]"

func parse(args []string) (options, error) {
	fs := flag.NewFlagSet("secc", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	iface := fs.String("iface", "", "interface to serve on (required)")
	dir := fs.String("pki", "", "test PKI directory written by v2g pki init (required)")
	port := fs.Uint("port", 50000, "TCP port of the TLS endpoint")
	def := secc.NewSimEVSE().Limits
	maxPower := fs.Float64("max-power", def.MaxChargePower, "maximum charge power in W")
	maxVoltage := fs.Float64("max-voltage", def.MaxVoltage, "maximum voltage in V")
	maxCurrent := fs.Float64("max-current", def.MaxChargeCurrent, "maximum charge current in A")
	bpt := fs.Bool("bpt", true, "offer DC_BPT (bidirectional) besides DC")
	modes := fs.String("modes", "scheduled,dynamic", "control modes offered, comma-separated")
	services := fs.String("services", "", "energy services offered, comma-separated (dc, dc_bpt, ac, ac_bpt); default from --bpt")
	defAC := secc.NewSimACLimits()
	acMaxPower := fs.Float64("ac-max-power", defAC.MaxChargePower, "maximum AC charge power in W")
	acMaxDischarge := fs.Float64("ac-max-discharge-power", defAC.MaxDischargePower, "maximum AC discharge power in W")
	nominal := fs.Float64("nominal-voltage", defAC.NominalVoltage, "AC nominal voltage (line to neutral) in V")
	protocolList := fs.String("protocol", "iso20", "protocols accepted, comma-separated: iso20, din, iso2")
	plain := fs.Bool("plain-tcp", false, "lab switch: serve DIN / ISO 15118-2 over plain TCP without TLS")
	traceDir := fs.String("trace-dir", "", "write each session's messages to a JSON-lines trace in this directory")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o := options{iface: *iface, pkiDir: *dir, limits: def, acLimits: defAC, traceDir: *traceDir}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *iface == "":
		return o, errors.New("--iface is required")
	case *dir == "" && !*plain:
		return o, errors.New("--pki is required (create one with: v2g pki init --dir DIR --family p521)")
	case *port == 0 || *port > 65535:
		return o, fmt.Errorf("--port %d out of range 1..65535", *port)
	case !(*maxPower > 0) || !(*maxVoltage > 0) || !(*maxCurrent > 0):
		return o, errors.New("--max-power, --max-voltage and --max-current must be positive")
	case *maxVoltage < def.MinVoltage:
		return o, fmt.Errorf("--max-voltage must be at least %g V", def.MinVoltage)
	case !(*acMaxPower >= defAC.MinChargePower) || !(*acMaxDischarge >= defAC.MinDischargePower):
		return o, fmt.Errorf("--ac-max-power and --ac-max-discharge-power must be at least %g W", defAC.MinChargePower)
	case !(*nominal > 0 && *nominal < 1000):
		return o, errors.New("--nominal-voltage must be in (0, 1000) V")
	}
	var err error
	if o.protocols, err = protocols.Parse(*protocolList, *plain); err != nil {
		return o, err
	}
	o.plainTCP = *plain
	o.acLimits.MaxChargePower, o.acLimits.MaxDischargePower = *acMaxPower, *acMaxDischarge
	o.acLimits.NominalVoltage = *nominal
	o.port = uint16(*port)
	o.limits.MaxChargePower, o.limits.MaxVoltage, o.limits.MaxChargeCurrent = *maxPower, *maxVoltage, *maxCurrent
	o.limits.MaxDischargePower = min(o.limits.MaxDischargePower, *maxPower)
	o.limits.MaxDischargeCurrent = min(o.limits.MaxDischargeCurrent, *maxCurrent)
	o.services = []uint16{secc.ServiceDC}
	if *bpt {
		o.services = append(o.services, secc.ServiceDCBPT)
	}
	if *services != "" {
		o.services = nil
		seen := map[uint16]bool{}
		for name := range strings.SplitSeq(*services, ",") {
			id, ok := serviceIDs[strings.TrimSpace(name)]
			if !ok {
				return o, fmt.Errorf("--services: unknown service %q (want dc, dc_bpt, ac, ac_bpt)", name)
			}
			if !seen[id] {
				seen[id] = true
				o.services = append(o.services, id)
			}
		}
	}
	seen := map[uint16]bool{}
	for m := range strings.SplitSeq(*modes, ",") {
		var id uint16
		switch strings.TrimSpace(m) {
		case "scheduled":
			id = secc.ParameterSetScheduled
		case "dynamic":
			id = secc.ParameterSetDynamic
		default:
			return o, fmt.Errorf("--modes: unknown control mode %q (want scheduled, dynamic)", m)
		}
		if !seen[id] {
			seen[id] = true
			o.paramSets = append(o.paramSets, id)
		}
	}
	return o, nil
}

// run is the whole program: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "secc: %v\n", firstLine(err))
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serve(ctx, o, log); err != nil {
		fmt.Fprintf(stderr, "secc: %v\n", firstLine(err))
		return 1
	}
	return 0
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func serve(ctx context.Context, o options, log *slog.Logger) error {
	if o.plainTCP {
		return servePlain(ctx, o, log)
	}
	d, err := pkidir.Load(o.pkiDir)
	if err != nil {
		return err
	}
	leaf, err := d.Leaf(pki.RoleSECCLeaf)
	if err != nil {
		return err
	}
	vehicleRoot, err := d.Leaf(pki.RoleVehicleLeaf)
	if err != nil {
		return err
	}
	responder, err := d.Responder(pki.RoleSECCLeaf, time.Now)
	if err != nil {
		return err
	}
	tcfg, err := v2gtls.ServerConfig(v2gtls.ServerOptions{
		Chain: leaf.Chain, Key: leaf.Key,
		ClientRoots:   []*pki.Certificate{vehicleRoot.Root},
		OCSPResponder: responder,
	})
	if err != nil {
		return fmt.Errorf("TLS: %w", err)
	}
	evse := secc.NewSimEVSE()
	evse.Limits = o.limits
	evse.AC = o.acLimits
	cfg := secc.Config{EVSE: evse, Services: o.services, ParameterSets: o.paramSets, Protocols: namespaces(o.protocols)}
	if _, err := secc.New(cfg); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sd, err := sdpnet.Listen(ctx, sdpnet.ServerConfig{Interface: o.iface, TLSPort: o.port, Logger: log})
	if err != nil {
		return fmt.Errorf("SDP: %w", err)
	}
	defer func() { cancel(); _ = sd.Wait() }()
	addr := netip.AddrPortFrom(sd.Offer().Addr.WithZone(o.iface), o.port)
	ln, err := v2gtls.Listen(ctx, "tcp6", addr.String(), tcfg)
	if err != nil {
		return fmt.Errorf("TLS listener: %w", err)
	}
	defer func() { _ = ln.Close() }()
	l, a := o.limits, o.acLimits
	log.Info("secc: serving",
		"iface", o.iface, "addr", ln.Addr().String(), "sdp", sd.LocalAddr().String(),
		"max_power_w", l.MaxChargePower, "max_voltage_v", l.MaxVoltage, "max_current_a", l.MaxChargeCurrent,
		"max_discharge_power_w", l.MaxDischargePower,
		"ac_max_power_w", a.MaxChargePower, "ac_max_discharge_power_w", a.MaxDischargePower,
		"ac_nominal_voltage_v", a.NominalVoltage, "ac_nominal_frequency_hz", a.NominalFrequency,
		"services", serviceNames(o.services), "modes", modeNames(o.paramSets))
	srv := &seccnet.Server{Config: cfg, Logger: log}
	if o.traceDir != "" {
		if err := traceSessions(srv, o.traceDir, log); err != nil {
			return err
		}
	}
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	log.Info("secc: shut down")
	return nil
}

// serviceIDs are the names of --services.
var serviceIDs = map[string]uint16{
	"dc": secc.ServiceDC, "dc_bpt": secc.ServiceDCBPT, "ac": secc.ServiceAC, "ac_bpt": secc.ServiceACBPT,
}

func serviceNames(ids []uint16) string {
	var s []string
	for _, id := range ids {
		for name, v := range serviceIDs {
			if v == id {
				s = append(s, name)
			}
		}
	}
	return strings.Join(s, ",")
}

func modeNames(ids []uint16) string {
	var s []string
	for _, id := range ids {
		if id == secc.ParameterSetDynamic {
			s = append(s, "dynamic")
		} else {
			s = append(s, "scheduled")
		}
	}
	return strings.Join(s, ",")
}

// traceSessions makes srv write one JSON-lines trace per session into dir,
// named after the session's start and number, as DIR/<time>-<n>.secc.jsonl.
func traceSessions(srv *seccnet.Server, dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--trace-dir: %w", err)
	}
	type open struct {
		f *os.File
		w *trace.Writer
	}
	var mu sync.Mutex
	n := 0
	traces := map[net.Conn]open{}
	srv.ConnTrace = func(c net.Conn) session.TraceFunc {
		mu.Lock()
		defer mu.Unlock()
		n++
		name := filepath.Join(dir, fmt.Sprintf("%s-%03d.secc.jsonl", time.Now().UTC().Format("20060102T150405"), n))
		f, err := os.Create(name)
		if err != nil {
			log.Warn("secc: trace", "err", err)
			return nil
		}
		w := trace.NewWriter(f)
		traces[c] = open{f, w}
		return w.Hook()
	}
	srv.OnConnEvent = func(c net.Conn, ev secc.Event) {
		if ev.Kind != secc.EventClosed {
			return
		}
		mu.Lock()
		t, ok := traces[c]
		delete(traces, c)
		mu.Unlock()
		if !ok {
			return
		}
		if err := t.w.Err(); err != nil {
			log.Warn("secc: trace", "file", t.f.Name(), "err", err)
		}
		if err := t.f.Close(); err != nil {
			log.Warn("secc: trace", "file", t.f.Name(), "err", err)
		}
	}
	return nil
}
