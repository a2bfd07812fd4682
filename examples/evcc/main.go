// Command evcc is an example ISO 15118-20 vehicle: it finds the SECC
// with SDP on one interface, connects with the -20 TLS profile (the
// vehicle leaf as client certificate) and runs a DC_BPT session (AC_BPT
// with --ac) that charges a simulated battery to --target and discharges
// it to --min-soc; with --bpt=false a DC (AC) session that only charges.
//
//	evcc --iface eth1 --pki DIR [--ac] [--bpt=true] [--mode scheduled|dynamic]
//	     [--capacity KWH] [--soc PCT] [--target PCT] [--min-soc PCT] [--timeout D]
//	     [--protocol iso20,din,iso2] [--plain-tcp]
//
// --protocol lists the protocols offered, best first; din and iso2 are DC
// charging with EIM (no BPT, no AC). --plain-tcp is a lab switch that asks
// SDP for no TLS (security 0x10) and runs DIN or ISO 15118-2 over plain
// TCP; it is refused with iso20, which always runs over TLS, and needs no
// --pki.
//
// AC cycles are printed with the EVSE's nominal voltage and the current per
// phase of a three-phase supply.
//
// DIR is a test PKI written by "v2g pki init --dir DIR --family p521".
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/v2gstack/iso15118/examples/internal/pkidir"
	"github.com/v2gstack/iso15118/examples/internal/protocols"
	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/sdp"
	"github.com/v2gstack/iso15118/sdp/sdpnet"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/session"
	"github.com/v2gstack/iso15118/v2g/trace"
	"github.com/v2gstack/iso15118/v2gtls"
)

// step is the simulated time each charge-loop cycle integrates.
const step = 30 * time.Second

// every is how often a charge-loop cycle is printed; direction changes
// and the last cycle are printed as well.
const every = 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command-line settings.
type options struct {
	iface, pkiDir       string
	dynamic, ac, bpt    bool
	capacityKWh         float64
	soc, target, minSOC float64
	timeout             time.Duration
	sdpRequests         int
	protocols           []string // --protocol names, best first
	plainTCP            bool
	traceFile           string
}

const usage = "usage: evcc --iface IFACE --pki DIR [--ac] [--bpt=true|false] [--mode scheduled|dynamic] [--capacity KWH] [--soc PCT] [--target PCT] [--min-soc PCT] [--timeout D] [--sdp-requests N] [--protocol iso20,din,iso2] [--plain-tcp] [--trace FILE]"

func inPct(x float64) bool { return x >= 0 && x <= 100 }

func parse(args []string) (options, error) {
	fs := flag.NewFlagSet("evcc", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	iface := fs.String("iface", "", "interface to discover the SECC on (required)")
	dir := fs.String("pki", "", "test PKI directory written by v2g pki init (required)")
	mode := fs.String("mode", "dynamic", "control mode: scheduled or dynamic")
	ac := fs.Bool("ac", false, "ask for AC (AC_BPT) instead of DC (DC_BPT)")
	bpt := fs.Bool("bpt", true, "ask for the bidirectional service and discharge after charging")
	capacity := fs.Float64("capacity", 60, "battery capacity in kWh")
	soc := fs.Float64("soc", 20, "initial state of charge in percent")
	target := fs.Float64("target", 80, "state of charge to charge to, in percent")
	minSOC := fs.Float64("min-soc", 40, "state of charge to discharge to, in percent")
	timeout := fs.Duration("timeout", 60*time.Second, "limit for discovery and session together")
	requests := fs.Int("sdp-requests", sdp.DefaultMaxRequests, "SDP requests before giving up")
	protocolList := fs.String("protocol", "iso20", "protocols offered, best first, comma-separated: iso20, din, iso2")
	plain := fs.Bool("plain-tcp", false, "lab switch: DIN / ISO 15118-2 over plain TCP without TLS")
	traceFile := fs.String("trace", "", "write the session's messages to this JSON-lines trace (name it *.evcc.jsonl for v2g replay)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o := options{
		iface: *iface, pkiDir: *dir, dynamic: *mode == "dynamic", ac: *ac, bpt: *bpt, capacityKWh: *capacity,
		soc: *soc, target: *target, minSOC: *minSOC, timeout: *timeout, sdpRequests: *requests,
		traceFile: *traceFile,
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *iface == "":
		return o, errors.New("--iface is required")
	case *dir == "" && !*plain:
		return o, errors.New("--pki is required (create one with: v2g pki init --dir DIR --family p521)")
	case *mode != "scheduled" && *mode != "dynamic":
		return o, fmt.Errorf("--mode must be scheduled or dynamic, not %q", *mode)
	case !(*capacity > 0 && *capacity <= 1000):
		return o, errors.New("--capacity must be in (0, 1000] kWh")
	case !inPct(*soc) || !inPct(*target) || !inPct(*minSOC):
		return o, errors.New("--soc, --target and --min-soc must be in [0, 100]")
	case *minSOC >= *target:
		return o, fmt.Errorf("--min-soc (%g) must be below --target (%g)", *minSOC, *target)
	case *timeout <= 0:
		return o, errors.New("--timeout must be positive")
	case *requests < 1:
		return o, errors.New("--sdp-requests must be at least 1")
	}
	var err error
	if o.protocols, err = protocols.Parse(*protocolList, *plain); err != nil {
		return o, err
	}
	o.plainTCP = *plain
	if !slices.Contains(o.protocols, "iso20") {
		// DIN and -2 sessions are DC charging only.
		if o.ac {
			return o, errors.New("--ac needs iso20 in --protocol: DIN and ISO 15118-2 sessions are DC here")
		}
		o.bpt = false
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
		fmt.Fprintf(stderr, "evcc: %v\n", firstLine(err))
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := runSession(ctx, o, stdout, log); err != nil {
		fmt.Fprintf(stderr, "evcc: %v\n", firstLine(err))
		return 1
	}
	return 0
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// vehicle is the simulated battery plus the printing of charge-loop
// cycles.
type vehicle struct {
	*evcc.SimBattery
	eng     *evcc.Engine
	w       io.Writer
	cycles  int
	lastDir string
	pending string // the latest cycle not printed
}

func direction(i float64) string {
	switch {
	case i > 0:
		return "charge"
	case i < 0:
		return "discharge"
	}
	return "idle"
}

// phases is the number of phases of the AC supply assumed for printing.
const phases = 3

// Measure implements evcc.Vehicle and prints the cycle.
func (v *vehicle) Measure(now time.Time, voltage, current float64) {
	v.SimBattery.Measure(now, voltage, current)
	v.cycle(now, voltage*current, voltage, current)
}

// SetActivePower implements evcc.ACVehicle and prints the cycle.
func (v *vehicle) SetActivePower(now time.Time, watts float64) {
	v.SimBattery.SetActivePower(now, watts)
	l, _ := v.eng.EVSEACLimits()
	current := 0.0
	if l.NominalVoltage > 0 {
		current = watts / (phases * l.NominalVoltage)
	}
	v.cycle(now, watts, l.NominalVoltage, current)
}

func (v *vehicle) cycle(now time.Time, watts, voltage, current float64) {
	v.cycles++
	dir := direction(watts)
	line := fmt.Sprintf("cycle %4d  %-9s  %8.2f kW  %6.1f V  %7.1f A  SOC %5.1f %%",
		v.cycles, dir, watts/1000, voltage, current, v.SOCPercent)
	if dir != v.lastDir || v.cycles%every == 0 || v.ChargingComplete(now) {
		fmt.Fprintln(v.w, line)
		v.pending = ""
	} else {
		v.pending = line
	}
	v.lastDir = dir
}

func runSession(ctx context.Context, o options, stdout io.Writer, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if o.plainTCP {
		c, err := connectPlain(ctx, o, stdout, log)
		if err != nil {
			return err
		}
		return drive(ctx, o, c, "plain TCP without TLS (lab switch)", stdout)
	}
	d, err := pkidir.Load(o.pkiDir)
	if err != nil {
		return err
	}
	leaf, err := d.Leaf(pki.RoleVehicleLeaf)
	if err != nil {
		return err
	}
	seccRoot, err := d.Leaf(pki.RoleSECCLeaf)
	if err != nil {
		return err
	}
	tcfg, err := v2gtls.ClientConfig(v2gtls.ClientOptions{
		Chain: leaf.Chain, Key: leaf.Key,
		Roots: []*pki.Certificate{seccRoot.Root}, RequireOCSP: true,
	})
	if err != nil {
		return fmt.Errorf("TLS: %w", err)
	}

	addr, err := discover(ctx, o, sdp.SecurityTLS, stdout, log)
	if err != nil {
		return err
	}
	c, err := v2gtls.Dial(ctx, "tcp6", addr.String(), tcfg)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("connecting to %v: %w", addr, ctx.Err())
		}
		return fmt.Errorf("connecting to %v: %w", addr, err)
	}
	cs := c.ConnectionState()
	return drive(ctx, o, c, fmt.Sprintf("TLS: %s, group %v, %v", tls.VersionName(cs.Version), cs.CurveID, c.Profile()), stdout)
}

// drive runs the session on c, which it closes, and prints its course;
// header describes the connection.
func drive(ctx context.Context, o options, c net.Conn, header string, stdout io.Writer) (err error) {
	bat := evcc.NewSimBattery()
	bat.CapacityWh = o.capacityKWh * 1000
	bat.SOCPercent, bat.TargetPct, bat.MinPct = o.soc, o.target, o.minSOC
	bat.Discharge, bat.Step = o.bpt, step
	veh := &vehicle{SimBattery: bat, w: stdout}
	var tr session.TraceFunc
	if o.traceFile != "" {
		f, err := os.Create(o.traceFile)
		if err != nil {
			_ = c.Close()
			return fmt.Errorf("--trace: %w", err)
		}
		w := trace.NewWriter(f)
		defer func() {
			werr := w.Err()
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil && err == nil {
				err = fmt.Errorf("--trace: %w", werr)
			}
		}()
		tr = w.Hook()
	}
	eng, err := evcc.New(evcc.Config{Vehicle: veh, AC: o.ac, BPT: o.bpt, Dynamic: o.dynamic,
		AppProtocols: appProtocols(o.protocols, o.ac), PlainTCP: o.plainTCP, Trace: tr})
	if err != nil {
		_ = c.Close()
		return err
	}
	veh.eng = eng
	name := "DC"
	if o.ac {
		name = "AC"
	}
	if o.bpt {
		name += "_BPT"
	}
	mode := "scheduled"
	if o.dynamic {
		mode = "dynamic"
	}
	fmt.Fprintf(stdout, "%s; %s %s session: %.1f kWh battery, SOC %.0f %% -> %.0f %% -> %.0f %%\n",
		header, name, mode, o.capacityKWh, o.soc, o.target, o.minSOC)
	start := time.Now()
	runErr := evccnet.Run(ctx, c, eng)
	_ = c.Close()
	printProtocol(stdout, eng)
	if l, ok := eng.EVSELimits(); ok {
		fmt.Fprintf(stdout, "EVSE limits: max power %.0f W, max voltage %.0f V, max current %.0f A, max discharge power %.0f W, max discharge current %.0f A\n",
			l.MaxChargePower, l.MaxVoltage, l.MaxChargeCurrent, l.MaxDischargePower, l.MaxDischargeCurrent)
	}
	if l, ok := eng.EVSEACLimits(); ok {
		fmt.Fprintf(stdout, "EVSE AC limits: max power %.0f W, min power %.0f W, max discharge power %.0f W, min discharge power %.0f W, nominal voltage %.0f V, nominal frequency %.0f Hz\n",
			l.MaxChargePower, l.MinChargePower, l.MaxDischargePower, l.MinDischargePower, l.NominalVoltage, l.NominalFrequency)
	}
	if runErr != nil {
		return fmt.Errorf("session: %w", runErr)
	}
	if veh.pending != "" {
		fmt.Fprintln(stdout, veh.pending)
	}
	in, out := bat.Transferred()
	fmt.Fprintf(stdout, "session complete: %d charge-loop cycles (every %dth printed, plus direction changes) in %v\n",
		veh.cycles, every, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "energy charged:    %.2f kWh\n", in/1000)
	fmt.Fprintf(stdout, "energy discharged: %.2f kWh\n", out/1000)
	fmt.Fprintf(stdout, "final SOC:         %.1f %%\n", bat.SOCPercent)
	return nil
}

// discover finds the SECC with SDP on o.iface, asking for security (TLS
// or none), and returns its address.
func discover(ctx context.Context, o options, security sdp.Security, stdout io.Writer, log *slog.Logger) (netip.AddrPort, error) {
	sc := &sdpnet.Client{Config: sdp.Config{MaxRequests: o.sdpRequests}, Logger: log}
	res, err := sc.Discover(ctx, o.iface, sdp.Request{Security: security, Transport: sdp.TransportTCP})
	switch {
	case errors.Is(err, sdp.ErrNoResponse):
		return netip.AddrPort{}, fmt.Errorf("no SECC answered SDP on %s after %d requests", o.iface, o.sdpRequests)
	case errors.Is(err, context.DeadlineExceeded):
		return netip.AddrPort{}, fmt.Errorf("no SECC answered SDP on %s within %v", o.iface, o.timeout)
	case errors.Is(err, context.Canceled):
		return netip.AddrPort{}, errors.New("interrupted during SDP")
	case err != nil:
		return netip.AddrPort{}, fmt.Errorf("SDP: %w", err)
	}
	a := res.Answer
	if a.Security != security {
		if security == sdp.SecurityTLS {
			return netip.AddrPort{}, fmt.Errorf("SDP: the SECC at %v offers no TLS", a.Addr)
		}
		return netip.AddrPort{}, fmt.Errorf("SDP: the SECC at %v offers %v, not plain TCP", a.Addr, a.Security)
	}
	addr := netip.AddrPortFrom(a.Addr.WithZone(o.iface), a.Port)
	fmt.Fprintf(stdout, "SECC found at %v after %d SDP request(s)\n", addr, res.Requests)
	return addr, nil
}
