//go:build linux

package examples_test

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/internal/netns"
)

// TestPlainTCPOverNamespaces runs the two binaries in two network
// namespaces with the plain-TCP lab switch: DIN and ISO 15118-2 DC
// sessions that charge and exit 0, and a -20 EVCC, which asks SDP for
// TLS, that finds no TLS endpoint and fails.
func TestPlainTCPOverNamespaces(t *testing.T) {
	seccBin, evccBin, dir := build(t)
	for _, tc := range []struct {
		name     string
		seccArgs []string
		evccArgs []string
		evccOut  []string
		fail     string // in evcc's error when it must fail
	}{
		{
			name:     "DIN",
			seccArgs: []string{"--plain-tcp", "--protocol", "din,iso2", "--max-power", "42000"},
			evccArgs: []string{"--plain-tcp", "--protocol", "din"},
			evccOut:  []string{`plain TCP without TLS`, `(?m)^protocol: DIN$`, `EVSE limits: max power 42000 W`},
		},
		{
			name:     "ISO2",
			seccArgs: []string{"--plain-tcp", "--protocol", "din,iso2"},
			evccArgs: []string{"--plain-tcp", "--protocol", "iso2,din"},
			evccOut:  []string{`plain TCP without TLS`, `(?m)^protocol: ISO2$`},
		},
		{
			name:     "ISO20/refused",
			seccArgs: []string{"--plain-tcp", "--protocol", "din,iso2"},
			evccArgs: []string{"--sdp-requests", "4"},
			fail:     "SDP",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := netns.New(t)
			secc := exec.Command(seccBin, append([]string{"--iface", l.A.Iface}, tc.seccArgs...)...)
			serr := newBuffer()
			secc.Stdout, secc.Stderr = serr, serr
			if err := l.A.Do(secc.Start); err != nil {
				t.Fatal(err)
			}
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
			if !strings.Contains(serr.String(), "transport=plain-tcp") {
				t.Errorf("secc did not log the plain transport:\n%s", serr)
			}
			args := []string{"--iface", l.B.Iface, "--timeout", "60s"}
			if tc.fail != "" {
				args = append(args, "--pki", dir)
			}
			evcc := exec.Command(evccBin, append(args, tc.evccArgs...)...)
			var eout, eerr bytes.Buffer
			evcc.Stdout, evcc.Stderr = &eout, &eerr
			if err := l.B.Do(evcc.Start); err != nil {
				t.Fatal(err)
			}
			kill := time.AfterFunc(90*time.Second, func() { _ = evcc.Process.Kill() })
			err := evcc.Wait()
			kill.Stop()
			out := eout.String()
			if tc.fail != "" {
				t.Logf("evcc stderr: %s", &eerr)
				if err == nil || !strings.HasPrefix(eerr.String(), "evcc: ") || !strings.Contains(eerr.String(), tc.fail) {
					t.Fatalf("evcc: %v, stderr %q; want a failure\nstdout:\n%s", err, &eerr, out)
				}
				if strings.Contains(out, "session complete") {
					t.Errorf("a -20 session completed over plain TCP:\n%s", out)
				}
			} else {
				if err != nil {
					t.Fatalf("evcc: %v\nstdout:\n%s\nstderr:\n%s\nsecc:\n%s", err, out, &eerr, serr)
				}
				t.Logf("evcc:\n%s", out)
				for _, re := range append([]string{
					`(?m)^cycle +\d+ +charge +[\d.]+ kW`,
					`(?m)^energy charged: +[1-9][\d.]* kWh$`,
					`(?m)^energy discharged: +0\.00 kWh$`,
				}, tc.evccOut...) {
					if !regexp.MustCompile(re).MatchString(out) {
						t.Errorf("evcc output lacks %s", re)
					}
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
		})
	}
}
