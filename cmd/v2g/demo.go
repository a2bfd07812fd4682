package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
	"github.com/v2gstack/iso15118/v2g/evcc"
	"github.com/v2gstack/iso15118/v2g/evcc/evccnet"
	"github.com/v2gstack/iso15118/v2g/secc"
	"github.com/v2gstack/iso15118/v2g/secc/seccnet"
	"github.com/v2gstack/iso15118/v2gtls"
)

// demoStep is the simulated time each charge-loop cycle integrates.
const demoStep = 30 * time.Second

// demoPhases is the number of phases of the simulated AC supply.
const demoPhases = 3

// demoEvery is how often a charge-loop cycle is printed; every direction
// change and the last cycle are printed as well.
const demoEvery = 20

// demoOptions are the demo's command-line settings.
type demoOptions struct {
	dynamic, ac         bool
	capacityKWh         float64
	soc, target, minSOC float64
	timeout             time.Duration
	every               int
	step                time.Duration
	stdout              io.Writer
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	mode := fs.String("mode", "dynamic", "control mode: scheduled or dynamic")
	scheduled := fs.Bool("scheduled", false, "same as --mode scheduled")
	dynamic := fs.Bool("dynamic", false, "same as --mode dynamic")
	ac := fs.Bool("ac", false, "AC_BPT (three-phase AC) instead of DC_BPT")
	capacity := fs.Float64("capacity", 60, "battery capacity in kWh")
	soc := fs.Float64("soc", 20, "initial state of charge in percent")
	target := fs.Float64("target", 80, "state of charge to charge to, in percent")
	minSOC := fs.Float64("min-soc", 40, "state of charge to discharge to, in percent")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: v2g demo [--mode scheduled|dynamic | --scheduled | --dynamic] [--ac] [--capacity KWH] [--soc PCT] [--target PCT] [--min-soc PCT]")
			return 0
		}
		fmt.Fprintf(stderr, "v2g demo: %v\n", firstLine(err))
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "v2g demo: "+format+"\n", a...)
		return 2
	}
	modeSet := false
	fs.Visit(func(f *flag.Flag) { modeSet = modeSet || f.Name == "mode" })
	switch {
	case *scheduled && *dynamic, (*scheduled || *dynamic) && modeSet:
		return fail("choose one of --mode, --scheduled and --dynamic")
	case *scheduled:
		*mode = "scheduled"
	case *dynamic:
		*mode = "dynamic"
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case *mode != "scheduled" && *mode != "dynamic":
		return fail("--mode must be scheduled or dynamic, not %q", *mode)
	case !(*capacity > 0 && *capacity <= 1000):
		return fail("--capacity must be in (0, 1000] kWh")
	case !inPct(*soc) || !inPct(*target) || !inPct(*minSOC):
		return fail("--soc, --target and --min-soc must be in [0, 100]")
	case *minSOC >= *target:
		return fail("--min-soc (%g) must be below --target (%g)", *minSOC, *target)
	}
	o := demoOptions{
		dynamic: *mode == "dynamic", ac: *ac, capacityKWh: *capacity,
		soc: *soc, target: *target, minSOC: *minSOC,
		timeout: 60 * time.Second, every: demoEvery, step: demoStep, stdout: stdout,
	}
	if err := demo(context.Background(), o); err != nil {
		fmt.Fprintf(stderr, "v2g demo: %v\n", firstLine(err))
		return 1
	}
	return 0
}

func inPct(x float64) bool { return x >= 0 && x <= 100 }

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// demoVehicle is the simulated battery plus the printing of charge-loop
// cycles.
type demoVehicle struct {
	*evcc.SimBattery
	eng     *evcc.Engine
	phases  float64 // AC: phases of the EVSE, for the current per phase
	w       io.Writer
	every   int
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

// Measure implements evcc.Vehicle and prints the cycle.
func (v *demoVehicle) Measure(now time.Time, voltage, current float64) {
	v.SimBattery.Measure(now, voltage, current)
	v.cycle(now, voltage*current, voltage, current)
}

// SetActivePower implements evcc.ACVehicle and prints the cycle with the
// EVSE's nominal voltage and the derived current per phase.
func (v *demoVehicle) SetActivePower(now time.Time, watts float64) {
	v.SimBattery.SetActivePower(now, watts)
	l, _ := v.eng.EVSEACLimits()
	current := 0.0
	if l.NominalVoltage > 0 {
		current = watts / (v.phases * l.NominalVoltage)
	}
	v.cycle(now, watts, l.NominalVoltage, current)
}

func (v *demoVehicle) cycle(now time.Time, watts, voltage, current float64) {
	v.cycles++
	dir := direction(watts)
	line := fmt.Sprintf("cycle %4d  %-9s  %8.2f kW  %6.1f V  %7.1f A  SOC %5.1f %%",
		v.cycles, dir, watts/1000, voltage, current, v.SOCPercent)
	if dir != v.lastDir || v.cycles%v.every == 0 || v.ChargingComplete(now) {
		fmt.Fprintln(v.w, line)
		v.pending = ""
	} else {
		v.pending = line
	}
	v.lastDir = dir
}

func demo(ctx context.Context, o demoOptions) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	begin := time.Now()
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyP521, Now: time.Now})
	if err != nil {
		return fmt.Errorf("test PKI: %w", err)
	}
	staple, err := p.Staple(pki.RoleSECCLeaf, time.Now)
	if err != nil {
		return fmt.Errorf("OCSP staple: %w", err)
	}
	scfg, err := v2gtls.ServerConfig(v2gtls.ServerOptions{
		Chain: p.Chain(pki.RoleSECCLeaf), Key: p.Get(pki.RoleSECCLeaf).Key,
		ClientRoots: []*pki.Certificate{p.Root(pki.RoleVehicleLeaf)},
		OCSPStaple:  staple[0],
	})
	if err != nil {
		return err
	}
	ccfg, err := v2gtls.ClientConfig(v2gtls.ClientOptions{
		Chain: p.Chain(pki.RoleVehicleLeaf), Key: p.Get(pki.RoleVehicleLeaf).Key,
		Roots: []*pki.Certificate{p.Root(pki.RoleSECCLeaf)}, RequireOCSP: true,
	})
	if err != nil {
		return err
	}
	ln, err := v2gtls.Listen(ctx, "tcp", "127.0.0.1:0", scfg)
	if err != nil {
		return err
	}
	defer func() { _ = ln.Close() }()

	evse := secc.NewSimEVSE()
	service, name := secc.ServiceDCBPT, "DC_BPT"
	if o.ac {
		service, name = secc.ServiceACBPT, "AC_BPT"
	}
	srv := &seccnet.Server{Config: secc.Config{EVSE: evse, Services: []uint16{service}}}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()

	bat := evcc.NewSimBattery()
	bat.CapacityWh = o.capacityKWh * 1000
	bat.SOCPercent, bat.TargetPct, bat.MinPct = o.soc, o.target, o.minSOC
	bat.Discharge, bat.Step = true, o.step
	veh := &demoVehicle{SimBattery: bat, w: o.stdout, every: max(o.every, 1), phases: demoPhases}
	eng, err := evcc.New(evcc.Config{Vehicle: veh, BPT: true, Dynamic: o.dynamic, AC: o.ac})
	if err != nil {
		return err
	}
	veh.eng = eng
	mode := "scheduled"
	if o.dynamic {
		mode = "dynamic"
	}
	fmt.Fprintf(o.stdout, "%s %s session on %s: %.1f kWh battery, SOC %.0f %% -> %.0f %% -> %.0f %%\n",
		name, mode, ln.Addr(), o.capacityKWh, o.soc, o.target, o.minSOC)
	if o.ac {
		fmt.Fprintf(o.stdout, "AC: %d phases at the EVSE's nominal voltage (line to neutral); current is per phase\n", demoPhases)
	}
	c, err := v2gtls.Dial(ctx, "tcp", ln.Addr().String(), ccfg)
	if err != nil {
		return err
	}
	cs := c.ConnectionState()
	start := time.Now()
	runErr := evccnet.Run(ctx, c, eng)
	elapsed := time.Since(start)
	_ = c.Close()
	if runErr != nil {
		return runErr
	}
	if veh.pending != "" {
		fmt.Fprintln(o.stdout, veh.pending)
	}
	in, out := bat.Transferred()
	simulated := time.Duration(veh.cycles) * o.step
	fmt.Fprintf(o.stdout, "session complete: %d charge-loop cycles (every %dth printed, plus direction changes)\n", veh.cycles, veh.every)
	fmt.Fprintf(o.stdout, "energy charged:    %.2f kWh\n", in/1000)
	fmt.Fprintf(o.stdout, "energy discharged: %.2f kWh\n", out/1000)
	fmt.Fprintf(o.stdout, "final SOC:         %.1f %%\n", bat.SOCPercent)
	fmt.Fprintf(o.stdout, "duration:          %v simulated, session %v, total %v wall clock\n",
		simulated, elapsed.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	fmt.Fprintf(o.stdout, "TLS:               %s, group %v, %v\n", tls.VersionName(cs.Version), cs.CurveID, c.Profile())
	return nil
}
