//go:build linux

package netns

import (
	"net"
	"testing"
	"time"
)

// A datagram to ff02::1 on A's veth arrives in B, and B sees A's
// link-local address as the source.
func TestMulticastAcrossLink(t *testing.T) {
	l := New(t)
	var rx net.PacketConn
	if err := l.B.Do(func() (err error) {
		rx, err = net.ListenPacket("udp6", "[::]:15118")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	var tx *net.UDPConn
	if err := l.A.Do(func() error {
		dst, err := net.ResolveUDPAddr("udp6", "[ff02::1%"+l.A.Iface+"]:15118")
		if err != nil {
			return err
		}
		tx, err = net.DialUDP("udp6", nil, dst)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if _, err := tx.Write([]byte("hello from A")); err != nil {
		t.Fatal(err)
	}
	_ = rx.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, from, err := rx.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no datagram in B: %v", err)
	}
	if string(buf[:n]) != "hello from A" {
		t.Fatalf("got %q", buf[:n])
	}
	src := from.(*net.UDPAddr)
	if !src.IP.Equal(l.A.LinkLocal) {
		t.Fatalf("source %v, want A's link-local %v", src.IP, l.A.LinkLocal)
	}
}

func TestCommandRunsInNamespace(t *testing.T) {
	l := New(t)
	out, err := l.B.Command("ip", "-o", "link", "show", l.B.Iface).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := l.A.Command("ip", "link", "show", l.B.Iface).CombinedOutput(); err == nil {
		t.Fatal("B's interface is visible from A")
	}
}
