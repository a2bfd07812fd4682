//go:build linux

package examples_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/conformance/replay"
	"github.com/v2gstack/iso15118/internal/netns"
	"github.com/v2gstack/iso15118/pki"
	"github.com/v2gstack/iso15118/pki/testpki"
)

// build compiles the example binaries into a temporary directory.
func build(t *testing.T) (seccBin, evccBin, pkiDir string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"secc", "evcc"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), "./"+name).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
	p, err := testpki.Generate(testpki.Options{Family: pki.FamilyP521, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	pkiDir = filepath.Join(dir, "pki")
	if err := p.WriteDir(pkiDir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "secc"), filepath.Join(dir, "evcc"), pkiDir
}

// lockedBuffer is a bytes.Buffer safe for the writer goroutine of exec and
// the test reading it.
type lockedBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newBuffer() *lockedBuffer { return &lockedBuffer{mu: make(chan struct{}, 1)} }

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.String()
}

// TestSessionOverNamespaces runs the two binaries in two network
// namespaces: DC_BPT with the default flags, AC_BPT in both control
// modes. Each session charges then discharges and exits 0, and the limits
// each side reports are the configured ones.
func TestSessionOverNamespaces(t *testing.T) {
	seccBin, evccBin, dir := build(t)
	acSECC := []string{"--services", "ac,ac_bpt", "--ac-max-power", "9000", "--ac-max-discharge-power", "5000",
		"--nominal-voltage", "230"}
	acEVCC := []string{
		// 9 kW (the EVSE's limit, below the vehicle's 11 kW) and 5 kW
		// (below the vehicle's 7.4 kW) over three phases of 230 V.
		`(?m)^cycle +\d+ +charge +9\.00 kW +230\.0 V +13\.0 A`,
		`(?m)^cycle +\d+ +discharge +-5\.00 kW +230\.0 V +-7\.2 A`,
		`EVSE AC limits: max power 9000 W, min power 1380 W, max discharge power 5000 W, min discharge power 1380 W, nominal voltage 230 V, nominal frequency 50 Hz`,
	}
	acLog := []string{"ac_max_power_w=9000", "ac_max_discharge_power_w=5000", "ac_nominal_voltage_v=230", "services=ac,ac_bpt"}
	for _, tc := range []struct {
		name       string
		seccArgs   []string
		evccArgs   []string
		evccOut    []string
		seccLog    []string
		notEVCCOut []string
		trace      bool // record both sides and replay the traces
	}{
		{
			name:     "DC_BPT",
			trace:    true,
			seccArgs: []string{"--max-power", "42000"},
			evccOut:  []string{`EVSE limits: max power 42000 W`, `DC_BPT dynamic session`},
			seccLog:  []string{"max_power_w=42000"},
		},
		{
			name:     "AC_BPT/Dynamic",
			seccArgs: acSECC, evccArgs: []string{"--ac", "--mode", "dynamic"},
			evccOut: append([]string{`AC_BPT dynamic session`}, acEVCC...), seccLog: acLog,
			notEVCCOut: []string{`EVSE limits:`},
		},
		{
			name:     "AC_BPT/Scheduled",
			seccArgs: acSECC, evccArgs: []string{"--ac", "--mode", "scheduled"},
			evccOut: append([]string{`AC_BPT scheduled session`}, acEVCC...), seccLog: acLog,
			notEVCCOut: []string{`EVSE limits:`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := netns.New(t)
			traces := t.TempDir()
			evccTrace := filepath.Join(traces, "session.evcc.jsonl")
			if tc.trace {
				tc.seccArgs = append(tc.seccArgs[:len(tc.seccArgs):len(tc.seccArgs)], "--trace-dir", filepath.Join(traces, "secc"))
				tc.evccArgs = append(tc.evccArgs[:len(tc.evccArgs):len(tc.evccArgs)], "--trace", evccTrace)
			}
			secc := exec.Command(seccBin, append([]string{"--iface", l.A.Iface, "--pki", dir}, tc.seccArgs...)...)
			serr := newBuffer()
			secc.Stdout, secc.Stderr = serr, serr
			if err := l.A.Do(secc.Start); err != nil { // forked from a thread inside A
				t.Fatal(err)
			}
			// exited is closed when secc has been waited for; seccErr is its result.
			var seccErr error
			exited := make(chan struct{})
			go func() { seccErr = secc.Wait(); close(exited) }()
			t.Cleanup(func() {
				select {
				case <-exited:
				default:
					_ = secc.Process.Kill()
					<-exited
				}
			})
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(serr.String(), "secc: serving") {
				if time.Now().After(deadline) {
					t.Fatalf("secc did not start:\n%s", serr)
				}
				select {
				case <-exited:
					t.Fatalf("secc exited: %v\n%s", seccErr, serr)
				case <-time.After(20 * time.Millisecond):
				}
			}

			evcc := exec.Command(evccBin, append([]string{"--iface", l.B.Iface, "--pki", dir, "--timeout", "60s"}, tc.evccArgs...)...)
			var eout, eerr bytes.Buffer
			evcc.Stdout, evcc.Stderr = &eout, &eerr
			if err := l.B.Do(evcc.Start); err != nil {
				t.Fatal(err)
			}
			kill := time.AfterFunc(90*time.Second, func() { _ = evcc.Process.Kill() })
			err := evcc.Wait()
			kill.Stop()
			if err != nil {
				t.Fatalf("evcc: %v\nstdout:\n%s\nstderr:\n%s\nsecc:\n%s", err, &eout, &eerr, serr)
			}
			out := eout.String()
			t.Logf("evcc:\n%s", out)
			for _, re := range append([]string{
				`(?m)^cycle +\d+ +charge +[\d.]+ kW`,
				`(?m)^cycle +\d+ +discharge +-[\d.]+ kW`,
				`(?m)^energy charged: +[1-9][\d.]* kWh$`,
				`(?m)^energy discharged: +[1-9][\d.]* kWh$`,
				`TLS: TLS 1.3`,
			}, tc.evccOut...) {
				if !regexp.MustCompile(re).MatchString(out) {
					t.Errorf("evcc output lacks %s", re)
				}
			}
			for _, re := range tc.notEVCCOut {
				if regexp.MustCompile(re).MatchString(out) {
					t.Errorf("evcc output has %s", re)
				}
			}
			for _, want := range tc.seccLog {
				if !strings.Contains(serr.String(), want) {
					t.Errorf("secc did not report %s:\n%s", want, serr)
				}
			}

			if err := secc.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
				if seccErr != nil {
					t.Fatalf("secc after SIGTERM: %v\n%s", seccErr, serr)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("secc did not stop after SIGTERM:\n%s", serr)
			}
			if !strings.Contains(serr.String(), "secc: shut down") {
				t.Errorf("secc did not log its shutdown:\n%s", serr)
			}
			if tc.trace {
				checkTraces(t, evccTrace, filepath.Join(traces, "secc"))
			}
		})
	}
}

func TestEVCCWithoutSECC(t *testing.T) {
	l := netns.New(t)
	_, evccBin, dir := build(t)
	evcc := exec.Command(evccBin, "--iface", l.B.Iface, "--pki", dir, "--sdp-requests", "4")
	var eout, eerr bytes.Buffer
	evcc.Stdout, evcc.Stderr = &eout, &eerr
	if err := l.B.Do(evcc.Start); err != nil {
		t.Fatal(err)
	}
	err := evcc.Wait()
	if err == nil {
		t.Fatalf("evcc succeeded without an SECC:\n%s", &eout)
	}
	msg := strings.TrimSpace(eerr.String())
	if strings.Count(msg, "\n") != 0 || !strings.HasPrefix(msg, "evcc: no SECC answered SDP") {
		t.Errorf("stderr = %q, want one line about SDP", msg)
	}
}

// checkTraces replays the traces both binaries wrote of one session, each
// in both roles: every exchange must be ok.
func checkTraces(t *testing.T, evccTrace, seccDir string) {
	t.Helper()
	seccTraces, err := filepath.Glob(filepath.Join(seccDir, "*.secc.jsonl"))
	if err != nil || len(seccTraces) != 1 {
		t.Fatalf("secc traces %v (%v), want one", seccTraces, err)
	}
	for _, file := range []string{evccTrace, seccTraces[0]} {
		for _, role := range []replay.Role{replay.RoleSECC, replay.RoleEVCC} {
			res, err := replay.RunFile(file, role)
			if err != nil {
				t.Fatalf("replay %s as %v: %v", filepath.Base(file), role, err)
			}
			if !res.OK() || len(res.Exchanges) < 20 {
				t.Errorf("replay %s as %v: %s", filepath.Base(file), role, res.Summary())
			}
			t.Logf("replay %s as %v: %s", filepath.Base(file), role, res.Summary())
		}
	}
}
