//go:build linux

// Package netns creates throw-away network namespaces joined by veth pairs
// for tests that need a real link: IPv6 link-local multicast (SDP), TCP and
// TLS between two hosts, packet loss. Nothing touches the machine's own
// interfaces.
//
// The tests need root and the ip command (Debian package iproute2). Where
// either is missing the test is skipped with a message, except when
// CI=true, where it fails: CI must not pass by skipping.
package netns

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Host is one end of the link: a namespace and its veth interface.
type Host struct {
	NS        string // namespace name, as ip netns knows it
	Iface     string // veth interface inside the namespace
	LinkLocal net.IP // the interface's fe80:: address, DAD completed
}

// Link is a pair of namespaces joined by a veth pair.
type Link struct {
	A, B Host
}

var counter atomic.Uint32

// Require skips (or, with CI=true, fails) the test when namespaces cannot be
// created here.
func Require(tb testing.TB) {
	tb.Helper()
	reason := ""
	switch {
	case os.Geteuid() != 0:
		reason = "network namespace tests need root"
	default:
		if _, err := exec.LookPath("ip"); err != nil {
			reason = "network namespace tests need the ip command (iproute2)"
		}
	}
	if reason == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s, and CI=true", reason)
	}
	tb.Skipf("skipping: %s", reason)
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netns: %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// New creates two namespaces joined by a veth pair with IPv6 link-local
// addresses, waits until duplicate address detection has finished, and
// removes everything when the test ends, failed or not.
func New(tb testing.TB) *Link {
	tb.Helper()
	Require(tb)
	id := fmt.Sprintf("%d%d", os.Getpid()%100000, counter.Add(1))
	l := &Link{
		A: Host{NS: "v2gt" + id + "a", Iface: "v2g" + id + "a"},
		B: Host{NS: "v2gt" + id + "b", Iface: "v2g" + id + "b"},
	}
	if len(l.A.Iface) > 15 {
		tb.Fatalf("netns: interface name %q too long", l.A.Iface)
	}
	tb.Cleanup(func() {
		_ = run("ip", "netns", "del", l.A.NS)
		_ = run("ip", "netns", "del", l.B.NS)
	})
	steps := [][]string{
		{"ip", "netns", "add", l.A.NS},
		{"ip", "netns", "add", l.B.NS},
		{"ip", "link", "add", l.A.Iface, "netns", l.A.NS, "type", "veth", "peer", "name", l.B.Iface, "netns", l.B.NS},
	}
	for _, h := range []Host{l.A, l.B} {
		steps = append(steps,
			[]string{"ip", "netns", "exec", h.NS, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0"},
			[]string{"ip", "netns", "exec", h.NS, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=0"},
			[]string{"ip", "-n", h.NS, "link", "set", "lo", "up"},
			[]string{"ip", "-n", h.NS, "link", "set", h.Iface, "up"},
		)
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatal(err)
			}
			tb.Skipf("skipping: cannot create network namespaces here: %v", err)
		}
	}
	for _, h := range []*Host{&l.A, &l.B} {
		ip, err := waitLinkLocal(h.NS, h.Iface, 10*time.Second)
		if err != nil {
			tb.Fatal(err)
		}
		h.LinkLocal = ip
	}
	return l
}

// waitLinkLocal polls until the interface has a link-local address that is
// no longer tentative.
func waitLinkLocal(ns, iface string, timeout time.Duration) (net.IP, error) {
	deadline := time.Now().Add(timeout)
	for {
		out, err := exec.Command("ip", "-n", ns, "-6", "addr", "show", "dev", iface, "scope", "link").CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("netns: ip addr show: %w: %s", err, out)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && f[0] == "inet6" && !strings.Contains(sc.Text(), "tentative") {
				ip, _, err := net.ParseCIDR(f[1])
				if err == nil && ip.IsLinkLocalUnicast() {
					return ip, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("netns: no link-local address on %s in %s after %v:\n%s", iface, ns, timeout, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Do runs fn on an OS thread switched into the host's namespace. Sockets
// that fn creates belong to that namespace and may be used from any
// goroutine afterwards; goroutines that fn starts run outside it.
func (h Host) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked if switching back fails, so that the
		// runtime discards it rather than reuse it in the wrong namespace.
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: %w", err)
			return
		}
		defer orig.Close()
		target, err := os.Open("/var/run/netns/" + h.NS)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: %w", err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: setns %s: %w", h.NS, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("netns: restoring the namespace: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Command returns a command that runs name inside the host's namespace.
func (h Host) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", h.NS, name}, args...)...)
}
